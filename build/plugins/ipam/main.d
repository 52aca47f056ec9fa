build/plugins/ipam/main.o: plugins/ipam/main.c include/cni_skel.h \
 /usr/include/cjson/cJSON.h include/cni_env.h include/cni_error.h \
 include/macro.h include/cni_result.h include/cni_version.h \
 include/ipaddr.h
include/cni_skel.h:
/usr/include/cjson/cJSON.h:
include/cni_env.h:
include/cni_error.h:
include/macro.h:
include/cni_result.h:
include/cni_version.h:
include/ipaddr.h:
