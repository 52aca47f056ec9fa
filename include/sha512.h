/* SHA-512 (FIPS 180-4), for names the reference derives from hashes: iptables chain names
 * (CNI-<hex24>) and cnitool container IDs (cnitool-<hex20>). Not for security. */
#pragma once

#include <stddef.h>
#include <stdint.h>

void sha512(const void *data, size_t len, uint8_t out[64]);
/* Lower-case hex of the first `nbytes` bytes of SHA-512(data) into buf (2*nbytes+1 bytes). */
char *sha512_hex_prefix(const void *data, size_t len, size_t nbytes, char *buf);
