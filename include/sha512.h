/* SHA-512 (FIPS 180-4), for names the reference derives from hashes: iptables chain names
 * (CNI-<hex24>) and cnitool container IDs (cnitool-<hex20>). Not for security. */
#pragma once

#include <stddef.h>
#include <stdint.h>

void sha512(const void *data, size_t len, uint8_t out[64]);
/* Lower-case hex of the first `nbytes` bytes of SHA-512(data) into buf (2*nbytes+1 bytes). */
char *sha512_hex_prefix(const void *data, size_t len, size_t nbytes, char *buf);
/* The name we give what does not fit a name the reference would derive: "sha512-" and the hex
 * of the first nbytes of SHA-512 of "<a>:<b>" (of a alone when b is NULL), into buf
 * (SHA512_NAME_LEN(nbytes) + 1 bytes). NULL when out of memory, else buf. */
#define SHA512_NAME_LEN(nbytes) (7 + 2 * (nbytes))
char *sha512_name(const char *a, const char *b, size_t nbytes, char *buf);
