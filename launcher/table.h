/* Human-readable output on stderr: ADD results as tables, per-plugin timings. */
#pragma once

#include <cJSON.h>
#include <stdio.h>

#include "invoke.h"

/* Print one network's result (any version) as tables of interfaces, IPs, routes and DNS. */
void table_print_result(FILE *f, const char *net, const char *ifname, const char *version,
			const cJSON *result);
/* One line: verb, network, plugin, wall ms, user/sys ms, max RSS (from wait4). */
void table_print_timing(const char *verb, const char *net, const char *type,
			const struct invoke_output *o);
/* "10.0.0.2/24,fd00::2/64" from a result, "" when none; malloc'd. */
char *table_result_ips(const cJSON *result, const char *version);
