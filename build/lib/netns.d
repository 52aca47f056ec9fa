build/lib/netns.o: lib/netns.c include/netns.h include/cni_error.h \
 include/macro.h
include/netns.h:
include/cni_error.h:
include/macro.h:
