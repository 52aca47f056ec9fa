build/lib/cni_env.o: lib/cni_env.c include/cni_env.h include/cni_error.h \
 include/macro.h
include/cni_env.h:
include/cni_error.h:
include/macro.h:
