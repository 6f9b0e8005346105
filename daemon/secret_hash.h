/*
 * secret_hash.h - the SHA-256 of a token secret as authentication needs
 * it on every request, without keeping the secret.
 *
 * A service sends the same token on every request, and SHA-256 of a
 * 67-byte secret (two compressions) would be a good part of a single
 * evaluation's time. So each thread remembers its last secret's SHA-256,
 * and recognises the secret the next time by a keyed hash of it: SipHash-
 * 1-3 (Aumasson and Bernstein's short-input PRF with one compression and
 * three finishing rounds, the variant Python and Rust hash with) under a
 * key drawn from the kernel once per process. The cache holds that 64-bit tag,
 * the length and the SHA-256, never the secret: a memory dump shows nothing
 * that the stored SHA-256 does not already show, and the tag cannot be
 * inverted. A presented secret whose tag and length equal the cached ones
 * gets the cached SHA-256; for a different secret that happens with
 * probability 2^-64 per attempt to someone who does not know the key
 * (which never leaves the process), so guessing a collision online is out
 * of reach. The tags are compared in one step (XOR of all 64 bits), not
 * byte by byte.
 *
 * All functions are thread-safe; no allocation, no lock after the first
 * call (pthread_once).
 */
#ifndef VX_SECRET_HASH_H
#define VX_SECRET_HASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 and SipHash-1-3 of data[0..len) under key (16 bytes), as
 * in the reference implementation (little-endian key and result). Pure. */
uint64_t vx_siphash24(const unsigned char key[16], const void *data,
                      size_t len);
uint64_t vx_siphash13(const unsigned char key[16], const void *data,
                      size_t len);

/* Writes the SHA-256 of secret[0..len) into out (32 bytes), from this
 * thread's cache when secret is the one it hashed last. */
void vx_secret_sha256(const char *secret, size_t len, unsigned char out[32]);

/* For tests: this thread's cache as bytes (*len of them), to check that
 * it does not contain a secret. */
const void *vx_secret_cache_bytes(size_t *len);

#endif
