/* Version table and numeric comparison (semver without pre-release tags, as libcni uses). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni_version.h"

static const char *const version_names[CNI_VERSION_COUNT] = {
	[CNI_V010] = "0.1.0", [CNI_V020] = "0.2.0", [CNI_V030] = "0.3.0", [CNI_V031] = "0.3.1",
	[CNI_V040] = "0.4.0", [CNI_V100] = "1.0.0", [CNI_V110] = "1.1.0",
};

int cni_version_parse(const char *s, enum cni_version *ret)
{
	for (int v = 0; v < CNI_VERSION_COUNT; v++)
		if (s && strcmp(s, version_names[v]) == 0) {
			*ret = (enum cni_version)v;
			return 0;
		}
	return -EINVAL;
}

const char *cni_version_str(enum cni_version v)
{
	return (unsigned)v < CNI_VERSION_COUNT ? version_names[v] : "?";
}

static bool split_version(const char *s, long parts[3])
{
	parts[0] = parts[1] = parts[2] = 0;
	if (!s || !*s)
		return false;
	for (int i = 0; i < 3; i++) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		errno = 0;
		parts[i] = strtol(s, &end, 10);
		if (errno)
			return false;
		s = end;
		if (*s == '\0')
			return true;
		if (*s != '.' || i == 2)
			return false;
		s++;
	}
	return true;
}

int cni_version_compare(const char *a, const char *b, bool *ok)
{
	long pa[3], pb[3];
	/* Both sides are always split so the comparison below sees zeros, not garbage. */
	bool good_a = split_version(a, pa), good_b = split_version(b, pb);
	bool good = good_a && good_b;

	if (ok)
		*ok = good;
	for (int i = 0; i < 3; i++)
		if (pa[i] != pb[i])
			return pa[i] < pb[i] ? -1 : 1;
	return 0;
}

const char *cni_version_list(void)
{
	static char buf[64];
	if (!buf[0]) {
		size_t off = 0;
		for (int v = 0; v < CNI_VERSION_COUNT; v++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", v ? ", " : "",
						version_names[v]);
	}
	return buf;
}
