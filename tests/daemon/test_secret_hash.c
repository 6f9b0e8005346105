/* test_secret_hash.c - SipHash-2-4 against the reference vectors and
 * SipHash-1-3 against Python's, and the per-thread SHA-256 cache of token
 * secrets (daemon/secret_hash.c): right digests whatever the order of
 * secrets, and no secret kept in memory. */
#include <stdbool.h>
#include <string.h>

#include "secret_hash.h"
#include "sha256.h"
#include "vx_test.h"

/* Key 00 01 .. 0f, message 00 01 .. (len - 1): the reference vectors
 * (vectors.h of the reference implementation; 15 bytes is the paper's
 * Appendix A example). */
static uint64_t reference(size_t len) {
  unsigned char key[16], msg[64];
  for (int i = 0; i < 16; i++)
    key[i] = (unsigned char)i;
  for (int i = 0; i < 64; i++)
    msg[i] = (unsigned char)i;
  return vx_siphash24(key, msg, len);
}

static void test_siphash24_matches_the_reference_vectors(void) {
  CU_ASSERT_EQUAL(reference(0), 0x726fdb47dd0e0e31ULL);
  CU_ASSERT_EQUAL(reference(1), 0x74f839c593dc67fdULL);
  CU_ASSERT_EQUAL(reference(15), 0xa129ca6149be45e5ULL);
}

/* SipHash-1-3 under the zero key is CPython 3.11's hash of bytes with
 * PYTHONHASHSEED=0 (sys.hash_info.algorithm "siphash13"): the values are
 * PYTHONHASHSEED=0 python3 -c 'print(hash(b"...") & (2**64 - 1))'. */
static void test_siphash13_matches_python(void) {
  static const unsigned char zero[16] = {0};
  unsigned char msg[64], vx[67] = "vx_";
  for (int i = 0; i < 64; i++)
    msg[i] = (unsigned char)i;
  memset(vx + 3, '0', 64);
  CU_ASSERT_EQUAL(vx_siphash13(zero, "a", 1), 4644417185603328019ULL);
  CU_ASSERT_EQUAL(vx_siphash13(zero, "abc", 3), 13851880170939887858ULL);
  CU_ASSERT_EQUAL(vx_siphash13(zero, msg, 15), 17514137373579004394ULL);
  CU_ASSERT_EQUAL(vx_siphash13(zero, msg, 64), 8493894268803903686ULL);
  CU_ASSERT_EQUAL(vx_siphash13(zero, vx, 67), 9653853376016054359ULL);
}

static void check_digest(const char *secret) {
  unsigned char want[32], got[32];
  vx_sha256(secret, strlen(secret), want);
  vx_secret_sha256(secret, strlen(secret), got);
  CU_ASSERT_EQUAL(memcmp(want, got, 32), 0);
}

static void test_cached_digest_is_the_secrets_sha256_in_any_order(void) {
  const char *a =
      "vx_0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
      "abcd";
  const char *b =
      "vx_1123456789abcdef0123456789abcdef0123456789abcdef0123456789"
      "abcd"; /* same length, one byte apart */
  const char *seq[] = {a, a, b, b, a, "short", a, "", b};
  for (size_t i = 0; i < sizeof seq / sizeof *seq; i++)
    check_digest(seq[i]);
}

static bool contains(const void *hay, size_t n, const char *needle) {
  return memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* After authenticating, the thread keeps the secret's SHA-256 and a keyed
 * hash of it, not the secret (nor 8 bytes of it). */
static void test_cache_keeps_no_plaintext_secret(void) {
  const char *secret =
      "vx_feedfacecafebeef00112233445566778899aabbccddeeff0011223344556677";
  unsigned char digest[32];
  vx_secret_sha256(secret, strlen(secret), digest);
  vx_secret_sha256(secret, strlen(secret), digest); /* a hit */
  size_t n;
  const void *bytes = vx_secret_cache_bytes(&n);
  CU_ASSERT_TRUE(n >= 32);
  for (size_t off = 0; off + 8 <= strlen(secret); off++) {
    char piece[9];
    memcpy(piece, secret + off, 8);
    piece[8] = '\0';
    CU_ASSERT_FALSE(contains(bytes, n, piece));
  }
  CU_ASSERT_TRUE(memmem(bytes, n, digest, 32) != NULL);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_siphash24_matches_the_reference_vectors),
      VX_TEST(test_siphash13_matches_python),
      VX_TEST(test_cached_digest_is_the_secrets_sha256_in_any_order),
      VX_TEST(test_cache_keeps_no_plaintext_secret),
      {NULL, NULL}};
  return vx_test_main("secret_hash", tests, NULL, NULL);
}
