build/lib/cni_version.o: lib/cni_version.c include/cni_version.h
include/cni_version.h:
