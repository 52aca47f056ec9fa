build/lib/ipaddr.o: lib/ipaddr.c include/ipaddr.h
include/ipaddr.h:
