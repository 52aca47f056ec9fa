build/lib/json.o: lib/json.c include/json.h /usr/include/cjson/cJSON.h \
 include/cni_error.h include/macro.h
include/json.h:
/usr/include/cjson/cJSON.h:
include/cni_error.h:
include/macro.h:
