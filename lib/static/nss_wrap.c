/* Stand-ins, in the static plugins only, for the glibc functions that would load shared objects
 * at run time: NSS lookups and dlopen(). tools/static-link.mk links the bridge with
 * -Wl,--wrap=<name> for each, so every call site reaches these instead: glibc's NSS code
 * (nsswitch.conf, the libnss_* modules it would dlopen) is not linked in at all, nor are the
 * public dlopen/dlsym/dlerror entry points, and the link prints none of its "Using 'dlopen' in
 * statically linked applications requires at runtime the shared libraries ..." warnings. (The
 * static dlopen core that every static glibc program carries for libc's own use stays.)
 *
 * None of them is reached: libnl-3.a's addr.o and utils.o call getaddrinfo, getnameinfo and
 * getprotobyname/number only in nl_addr_info(), nl_addr_resolve(), nl_ip_proto2str() and
 * nl_str2ip_proto(), which lib/nlutil.c never calls, and masq_iptables.c dlopen()s libiptc only
 * when it is not linked in (the static bridge has it). Should one ever be reached, it fails
 * the way the real function reports "nothing found", and the caller's error path runs. */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <sys/socket.h>

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);
int __wrap_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		       char *serv, socklen_t servlen, int flags);
struct protoent *__wrap_getprotobyname(const char *name);
struct protoent *__wrap_getprotobynumber(int proto);
void *__wrap_dlopen(const char *file, int mode);
void *__wrap_dlsym(void *handle, const char *name);
char *__wrap_dlerror(void);

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	(void)node, (void)service, (void)hints, (void)res;
	errno = ENOSYS;
	return EAI_SYSTEM;
}

int __wrap_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		       char *serv, socklen_t servlen, int flags)
{
	(void)sa, (void)salen, (void)host, (void)hostlen, (void)serv, (void)servlen, (void)flags;
	errno = ENOSYS;
	return EAI_SYSTEM;
}

struct protoent *__wrap_getprotobyname(const char *name)
{
	(void)name;
	return NULL;
}

struct protoent *__wrap_getprotobynumber(int proto)
{
	(void)proto;
	return NULL;
}

void *__wrap_dlopen(const char *file, int mode)
{
	(void)file, (void)mode;
	return NULL;
}

void *__wrap_dlsym(void *handle, const char *name)
{
	(void)handle, (void)name;
	return NULL;
}

char *__wrap_dlerror(void)
{
	return (char *)"dynamic loading is not available in a static build";
}
