build/lib/cni_skel.o: lib/cni_skel.c include/cni_skel.h \
 /usr/include/cjson/cJSON.h include/cni_env.h include/cni_error.h \
 include/macro.h include/cni_result.h include/cni_version.h \
 include/ipaddr.h include/json.h
include/cni_skel.h:
/usr/include/cjson/cJSON.h:
include/cni_env.h:
include/cni_error.h:
include/macro.h:
include/cni_result.h:
include/cni_version.h:
include/ipaddr.h:
include/json.h:
