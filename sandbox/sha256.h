/* sha256.h: SHA-256 (FIPS 180-4), for naming a file's bytes in what sbox shows. */
#ifndef SBOX_SHA256_H
#define SBOX_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbox_sha256 {
    uint32_t h[8];
    uint64_t length; /* bytes hashed so far */
    unsigned char block[64];
    size_t used; /* bytes waiting in block */
    bool ni;     /* the processor's SHA extensions are used */
};

void sbox_sha256_init(struct sbox_sha256 *s);
void sbox_sha256_add(struct sbox_sha256 *s, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void sbox_sha256_hex(struct sbox_sha256 *s, char hex[65]);

#endif
