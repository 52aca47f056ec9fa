build/launcher/main.o: launcher/main.c
