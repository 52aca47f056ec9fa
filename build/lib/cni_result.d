build/lib/cni_result.o: lib/cni_result.c include/cni_result.h \
 /usr/include/cjson/cJSON.h include/cni_error.h include/macro.h \
 include/cni_version.h include/ipaddr.h include/json.h
include/cni_result.h:
/usr/include/cjson/cJSON.h:
include/cni_error.h:
include/macro.h:
include/cni_version.h:
include/ipaddr.h:
include/json.h:
