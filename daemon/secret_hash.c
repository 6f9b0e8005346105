/* secret_hash.c - SipHash-2-4 and the per-thread SHA-256 cache of token
 * secrets (secret_hash.h). */
#include "secret_hash.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include "sha256.h"

/* ---- SipHash-2-4 (the reference implementation's structure) */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
  do {                                                                         \
    v0 += v1;                                                                  \
    v1 = ROTL(v1, 13);                                                         \
    v1 ^= v0;                                                                  \
    v0 = ROTL(v0, 32);                                                         \
    v2 += v3;                                                                  \
    v3 = ROTL(v3, 16);                                                         \
    v3 ^= v2;                                                                  \
    v0 += v3;                                                                  \
    v3 = ROTL(v3, 21);                                                         \
    v3 ^= v0;                                                                  \
    v2 += v1;                                                                  \
    v1 = ROTL(v1, 17);                                                         \
    v1 ^= v2;                                                                  \
    v2 = ROTL(v2, 32);                                                         \
  } while (0)

static uint64_t load_le64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

/* SipHash-c-d: c rounds per 8-byte word, d rounds to finish. */
static inline uint64_t siphash(const unsigned char key[16], const void *data,
                               size_t len, int c, int d) {
  const unsigned char *m = data;
  uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  size_t whole = len & ~(size_t)7;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t x = load_le64(m + i);
    v3 ^= x;
    for (int r = 0; r < c; r++)
      SIPROUND;
    v0 ^= x;
  }
  uint64_t b = (uint64_t)len << 56;
  for (size_t j = 0; j < len - whole; j++)
    b |= (uint64_t)m[whole + j] << (8 * j);
  v3 ^= b;
  for (int r = 0; r < c; r++)
    SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  for (int r = 0; r < d; r++)
    SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t vx_siphash24(const unsigned char key[16], const void *data,
                      size_t len) {
  return siphash(key, data, len, 2, 4);
}

uint64_t vx_siphash13(const unsigned char key[16], const void *data,
                      size_t len) {
  return siphash(key, data, len, 1, 3);
}

/* ---- the cache */

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static unsigned char key[16];
static bool key_ready; /* false: no randomness, so no cache */

static void make_key(void) {
  size_t got = 0;
  while (got < sizeof key) {
    ssize_t n = getrandom(key + got, sizeof key - got, 0);
    if (n <= 0)
      return;
    got += (size_t)n;
  }
  key_ready = true;
}

static _Thread_local struct {
  uint64_t tag;
  size_t len; /* 0: empty (an empty secret is never authenticated) */
  unsigned char hash[32];
} cache;

void vx_secret_sha256(const char *secret, size_t len, unsigned char out[32]) {
  pthread_once(&key_once, make_key);
  if (!key_ready || len == 0) {
    vx_sha256(secret, len, out);
    return;
  }
  uint64_t tag = vx_siphash13(key, secret, len);
  /* One branch on all the bits at once: no timing tells how much of the
   * tag matched (the length of a secret is no secret). */
  if (((tag ^ cache.tag) | (uint64_t)(len ^ cache.len)) == 0) {
    memcpy(out, cache.hash, 32);
    return;
  }
  vx_sha256(secret, len, out);
  cache.tag = tag;
  cache.len = len;
  memcpy(cache.hash, out, 32);
}

const void *vx_secret_cache_bytes(size_t *len) {
  *len = sizeof cache;
  return &cache;
}
