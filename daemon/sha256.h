/*
 * sha256.h - SHA-256 (FIPS 180-4) and a constant-time comparison, for
 * API token secrets: the store keeps only the hash of a token, and a
 * presented token is hashed and compared without leaking, through timing,
 * how many leading bytes matched.
 *
 * Why hand-written: the daemon needs exactly one hash function, once per
 * token creation and per authenticated request. SHA-256 is one ~100-line
 * function with published test vectors (tests/daemon/test_sha256.c checks
 * them), whereas libcrypto would add a large dependency, its
 * initialisation and its own error reporting for that single call. Nothing
 * here is used for anything but hashing high-entropy secrets, so there is
 * no need for HMAC, key stretching or a streaming interface.
 *
 * All functions are pure: no allocation, no global state, thread-safe.
 */
#ifndef VX_SHA256_H
#define VX_SHA256_H

#include <stddef.h>

#define VX_SHA256_SIZE 32     /* bytes of a digest */
#define VX_SHA256_HEX_SIZE 65 /* 64 lowercase hex digits and a NUL */

/* Writes the SHA-256 digest of data[0..len) into out (32 bytes, caller's
 * memory). data may be NULL when len is 0. */
void vx_sha256(const void *data, size_t len, unsigned char out[32]);

/* Writes digest as 64 lowercase hexadecimal digits and a NUL into hex
 * (65 bytes, caller's memory). */
void vx_sha256_hex(const unsigned char digest[32], char hex[65]);

/* Compares a[0..n) and b[0..n) in time that depends only on n, not on
 * where they differ. Returns 1 when equal (also for n == 0), else 0. */
int vx_ct_equal(const void *a, const void *b, size_t n);

#endif
