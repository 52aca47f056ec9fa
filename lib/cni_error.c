/* The one place where CNI errors are built and printed. */
#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cni_error.h"
#include "json.h"

/* A dense table reads better than one entry per line. */
/* clang-format off */
#define E(x) {x, #x}
static const struct {
	int value;
	const char *name;
} errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
	E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV),
	E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ETXTBSY), E(EFBIG),
	E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(ERANGE), E(EDEADLK),
	E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENODATA), E(ETIME),
	E(EPROTO), E(EOVERFLOW), E(EBADMSG), E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE),
	E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ENOBUFS), E(ETIMEDOUT), E(ECONNREFUSED),
	E(EALREADY), E(EINPROGRESS), E(EDQUOT), E(ECANCELED), E(EMSGSIZE), E(EPROTONOSUPPORT),
	E(ELIBACC), E(ELIBBAD), E(ENOTCONN), E(EHOSTUNREACH), E(ENOTSOCK), E(ESHUTDOWN),
	{ENOTSUP == EOPNOTSUPP ? -1 : ENOTSUP, "ENOTSUP"}, /* same as EOPNOTSUPP on Linux */
};
#undef E
/* clang-format on */

const char *errno_name(int errno_value)
{
	if (errno_value < 0)
		errno_value = -errno_value;
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].value == errno_value)
			return errno_names[i].name;
	return "E?";
}

/* Errors about the caller's input explain themselves; errno text would only add noise. */
static bool is_input_error(int code)
{
	return code == CNI_ERR_VERSION || code == CNI_ERR_UNSUPPORTED || code == CNI_ERR_ENV ||
	       code == CNI_ERR_DECODE || code == CNI_ERR_CONFIG;
}

int cni_error_set(struct cni_error *err, int code, int errno_value, const char *details,
		  const char *fmt, ...)
{
	if (errno_value < 0)
		errno_value = -errno_value;
	if (err && err->code == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
		err->sys_errno = errno_value;
		if (details)
			snprintf(err->details, sizeof(err->details), "%s", details);
		else if (errno_value && !is_input_error(code))
			snprintf(err->details, sizeof(err->details), "%s: %s",
				 errno_name(errno_value), strerror(errno_value));
		else
			err->details[0] = '\0';
	}
	return errno_value ? -errno_value : -EINVAL;
}

void cni_error_add_details(struct cni_error *err, const char *fmt, ...)
{
	char extra[512];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(extra, sizeof(extra), fmt, ap);
	va_end(ap);
	size_t len = strlen(err->details);
	snprintf(err->details + len, sizeof(err->details) - len, "%s%s", len ? ": " : "", extra);
}

void cni_error_prefix(struct cni_error *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation keeps the start of the message, which names the operation. */
	int n = snprintf(err->msg, sizeof(err->msg), "%s: ", prefix);
	if (n > 0 && (size_t)n < sizeof(err->msg))
		memcpy(err->msg + n, old, sizeof(err->msg) - (size_t)n - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

char *cni_error_to_json(const struct cni_error *err, const char *cni_version)
{
	_cleanup_(cJSON_Delete_p) cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (cni_version && !cJSON_AddStringToObject(o, "cniVersion", cni_version))
		return NULL;
	if (!cJSON_AddNumberToObject(o, "code", err->code ? err->code : CNI_ERR_INTERNAL) ||
	    !cJSON_AddStringToObject(o, "msg", err->msg[0] ? err->msg : "unknown error"))
		return NULL;
	if (err->details[0] && !cJSON_AddStringToObject(o, "details", err->details))
		return NULL;
	return cJSON_Print(o);
}

void cni_error_print(const struct cni_error *err, const char *cni_version, FILE *out)
{
	_cleanup_free_ char *s = cni_error_to_json(err, cni_version);

	if (s) {
		fputs(s, out);
		fputc('\n', out);
	} else {
		/* Out of memory: still give the runtime something parseable. */
		fputs("{\"code\": 999, \"msg\": \"out of memory\"}\n", out);
	}
	fflush(out);
}
