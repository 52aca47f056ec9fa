build/lib/cni_error.o: lib/cni_error.c /usr/include/cjson/cJSON.h \
 include/cni_error.h include/macro.h include/json.h
/usr/include/cjson/cJSON.h:
include/cni_error.h:
include/macro.h:
include/json.h:
