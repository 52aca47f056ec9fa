/* The GNU build-id of an ELF file: the linker's hash of the whole program, so two files with the
 * same id hold the same code. Used to recognise a plugin binary this program has built in. */
#pragma once

#include <stddef.h>

#define ELF_BUILD_ID_MAX 64

/* Read the NT_GNU_BUILD_ID note of the ELF file at `path` into buf (size >= ELF_BUILD_ID_MAX)
 * and return its length. 0 when the file is no ELF64 file of this machine's byte order or has
 * no build-id (a script, a Go binary without one); -errno when it cannot be opened or read.
 * Reads only the headers and notes (a few hundred bytes), never the whole file. */
int elf_build_id(const char *path, unsigned char *buf, size_t size);
