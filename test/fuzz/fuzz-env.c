/* Fuzz the CNI environment validators (container ID, ifname, network name), command and version
 * parsing. What the validators accept ends up in paths and netlink names, so check that what
 * passes cannot escape a directory or overflow IFNAMSIZ. */
#include <string.h>

#include "cni_env.h"
#include "cni_version.h"

#define FUZZ_NAME "env"
#include "fuzz.h"

static bool path_safe(const char *s)
{
	return s[0] && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	       s[0] != '.' && !strchr(s, '\n') && !strchr(s, '\r');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_strndup(data, size);
	struct cni_error err = {0};
	enum cni_version v;
	bool ok;

	if (cni_validate_container_id(s, &err) == 0)
		FUZZ_ASSERT(path_safe(s) && strlen(s) <= 1024);
	else
		FUZZ_ASSERT(err.code == CNI_ERR_ENV);
	memset(&err, 0, sizeof(err));
	if (cni_validate_network_name(s, &err) == 0)
		FUZZ_ASSERT(path_safe(s) && strlen(s) <= 255);
	else
		FUZZ_ASSERT(err.code == CNI_ERR_CONFIG);
	memset(&err, 0, sizeof(err));
	if (cni_validate_ifname(s, &err) == 0) {
		FUZZ_ASSERT(strlen(s) >= 1 && strlen(s) < 16);
		FUZZ_ASSERT(!strchr(s, '/') && strcmp(s, "..") != 0 && strcmp(s, ".") != 0);
	} else {
		FUZZ_ASSERT(err.code == CNI_ERR_ENV);
	}

	enum cni_command c = cni_command_parse(s);
	if (c != CNI_CMD_NONE)
		FUZZ_ASSERT(strcmp(cni_command_str(c), s) == 0);
	if (cni_version_parse(s, &v) == 0) {
		FUZZ_ASSERT(v < CNI_VERSION_COUNT && strcmp(cni_version_str(v), s) == 0);
		FUZZ_ASSERT(cni_version_compare(s, cni_version_str(v), &ok) == 0 && ok);
	}
	char *bar = strchr(s, '|');
	if (bar) {
		*bar = '\0';
		int ab = cni_version_compare(s, bar + 1, &ok);
		bool ok2;
		int ba = cni_version_compare(bar + 1, s, &ok2);
		FUZZ_ASSERT(ok == ok2);
		if (ok)
			FUZZ_ASSERT((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0));
	}
	return 0;
}
