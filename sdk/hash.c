/*
 * hash.c - MurmurHash3 x86_32 and Unleash's normalised hash.
 *
 * One streaming core (state: h1, pending tail bytes, length) serves the
 * one-shot hash, the normalised hash of group + ":" + id without building
 * that string, and the precomputed prefix used by compiled strategies.
 */
#include <vexil/sdk.h>

#include <string.h>

#define C1 0xcc9e2d51u
#define C2 0x1b873593u

static uint32_t rotl32(uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

static uint32_t mix_k1(uint32_t k1) {
  k1 *= C1;
  k1 = rotl32(k1, 15);
  return k1 * C2;
}

static uint32_t mix_block(uint32_t h1, uint32_t k1) {
  h1 ^= mix_k1(k1);
  h1 = rotl32(h1, 13);
  return h1 * 5u + 0xe6546b64u;
}

static uint32_t load32(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

/* Feeds len bytes into the state in p (same layout as vx_hash_prefix).
 * Whole words are mixed at a time even when a partial block is pending
 * (a prefix like "group:" rarely ends on a block boundary): with t bytes
 * pending, each block is the pending bytes plus the low 4-t bytes of the
 * next word, and that word's other t bytes become the new pending bytes. */
static void feed(vx_hash_prefix *p, const unsigned char *b, size_t len) {
  p->len += (uint32_t)len; /* murmur3_x86_32 mixes the length mod 2^32 */
  uint32_t h1 = p->h1, tail = p->tail, t = p->tail_len;
  if (t == 0) {
    for (; len >= 4; b += 4, len -= 4)
      h1 = mix_block(h1, load32(b));
  } else {
    unsigned sh = 8 * t;
    for (; len >= 4; b += 4, len -= 4) {
      uint32_t w = load32(b);
      h1 = mix_block(h1, tail | w << sh);
      tail = w >> (32 - sh);
    }
  }
  for (; len > 0; len--) {
    tail |= (uint32_t)*b++ << (8 * t);
    if (++t == 4) {
      h1 = mix_block(h1, tail);
      tail = 0;
      t = 0;
    }
  }
  p->h1 = h1;
  p->tail = tail;
  p->tail_len = t;
}

static uint32_t finish(const vx_hash_prefix *p) {
  uint32_t h1 = p->h1;
  if (p->tail_len > 0)
    h1 ^= mix_k1(p->tail);
  h1 ^= p->len;
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6bu;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35u;
  h1 ^= h1 >> 16;
  return h1;
}

static void start(vx_hash_prefix *p, uint32_t seed) {
  memset(p, 0, sizeof *p);
  p->h1 = seed;
}

uint32_t vx_murmur3_32(const void *data, size_t len, uint32_t seed) {
  vx_hash_prefix p;
  start(&p, seed);
  if (len > 0)
    feed(&p, data, len);
  return finish(&p);
}

void vx_hash_prefix_init(vx_hash_prefix *p, const char *group, size_t group_len,
                         uint32_t seed) {
  if (p == NULL)
    return;
  start(p, seed);
  if (group_len > 0)
    feed(p, (const unsigned char *)group, group_len);
  feed(p, (const unsigned char *)":", 1);
}

uint32_t vx_hash_prefix_normalized(const vx_hash_prefix *p, const char *id,
                                   size_t id_len, uint32_t n) {
  if (p == NULL || n == 0)
    return 0;
  vx_hash_prefix s = *p;
  if (id_len > 0)
    feed(&s, (const unsigned char *)id, id_len);
  return finish(&s) % n + 1;
}

uint32_t vx_normalized_hash(const char *id, size_t id_len, const char *group,
                            size_t group_len, uint32_t n, uint32_t seed) {
  vx_hash_prefix p;
  vx_hash_prefix_init(&p, group, group_len, seed);
  return vx_hash_prefix_normalized(&p, id, id_len, n);
}
