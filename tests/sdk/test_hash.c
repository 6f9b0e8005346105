/*
 * test_hash.c - MurmurHash3 x86_32 and Unleash's normalised hash.
 *
 * Reference values come from SMHasher's published vectors and from
 * unleash-client-node's normalizedValue() (util.js), cross-checked with an
 * independent implementation.
 */
#include <string.h>
#include <vexil/sdk.h>

#include "vx_test.h"

static uint32_t mm3(const char *s, uint32_t seed) {
  return vx_murmur3_32(s, strlen(s), seed);
}

static uint32_t rollout(const char *id, const char *group) {
  return vx_normalized_hash(id, strlen(id), group, strlen(group), 100,
                            VX_SEED_ROLLOUT);
}

static void test_murmur3_matches_published_vectors(void) {
  CU_ASSERT_EQUAL(mm3("", 0), 0u);
  CU_ASSERT_EQUAL(mm3("", 1), 0x514e28b7u);
  CU_ASSERT_EQUAL(mm3("", 0xffffffffu), 0x81f16f39u);
  CU_ASSERT_EQUAL(vx_murmur3_32("\0\0\0\0", 4, 0), 0x2362f9deu);
  CU_ASSERT_EQUAL(mm3("aaaa", 0x9747b28cu), 0x5a97808au);
  CU_ASSERT_EQUAL(mm3("Hello, world!", 0x9747b28cu), 0x24884cbau);
  CU_ASSERT_EQUAL(
      mm3("The quick brown fox jumps over the lazy dog", 0x9747b28cu),
      0x2fa826cdu);
}

static void test_murmur3_handles_every_tail_length(void) {
  CU_ASSERT_EQUAL(mm3("a", 0), 0x3c2569b2u);
  CU_ASSERT_EQUAL(mm3("ab", 0), 0x9bbfd75fu);
  CU_ASSERT_EQUAL(mm3("abc", 0), 0xb3dd93fau);
  CU_ASSERT_EQUAL(mm3("abcd", 0), 0x43ed676au);
}

static void test_murmur3_of_a_long_input_matches_reference(void) {
  unsigned char buf[1000];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (unsigned char)(i * 7 % 256);
  CU_ASSERT_EQUAL(vx_murmur3_32(buf, sizeof buf, 42), 0x40b0c26cu);
}

static void test_murmur3_accepts_null_data_of_length_zero(void) {
  CU_ASSERT_EQUAL(vx_murmur3_32(NULL, 0, 1), 0x514e28b7u);
}

static void test_normalized_hash_matches_unleash_reference_values(void) {
  /* normalizedValue(id, groupId, normalizer, seed) of unleash-client-node */
  CU_ASSERT_EQUAL(rollout("123", "gr1"), 73u);
  CU_ASSERT_EQUAL(rollout("999", "groupX"), 25u);
  CU_ASSERT_EQUAL(rollout("", ""), 31u);
  CU_ASSERT_EQUAL(rollout("user-1", ""), 18u);
  CU_ASSERT_EQUAL(vx_normalized_hash("123", 3, "gr1", 3, 1000, VX_SEED_VARIANT),
                  796u);
}

static void test_normalized_hash_is_the_formula_of_the_design(void) {
  /* murmur3_x86_32(group + ":" + id, seed) % n + 1 */
  CU_ASSERT_EQUAL(rollout("123", "gr1"), mm3("gr1:123", 0) % 100 + 1);
  CU_ASSERT_EQUAL(vx_normalized_hash("u", 1, "g", 1, 7, VX_SEED_VARIANT),
                  mm3("g:u", VX_SEED_VARIANT) % 7 + 1);
}

static void test_normalized_hash_agrees_with_conformance_rollouts(void) {
  /* 03-gradual-rollout-user-id-strategy: groupId AB12A, 50% */
  CU_ASSERT(rollout("122", "AB12A") <= 50); /* enabled */
  CU_ASSERT(rollout("155", "AB12A") > 50);  /* disabled */
  CU_ASSERT_EQUAL(rollout("122", "AB12A"), 23u);
  CU_ASSERT_EQUAL(rollout("155", "AB12A"), 100u);
  /* 10-flexible-rollout-strategy: group = the flag name; these sit on the
   * boundary, so an off-by-one in the formula would flip them. */
  CU_ASSERT_EQUAL(rollout("174", "Feature.flexibleRollout.10"), 10u);
  CU_ASSERT_EQUAL(rollout("499", "Feature.flexibleRollout.10"), 32u);
  CU_ASSERT_EQUAL(rollout("25", "Feature.flexibleRollout.userId.55"), 55u);
  CU_ASSERT_EQUAL(rollout("147", "Feature.flexibleRollout.sessionId.42"), 42u);
}

static void test_normalized_hash_covers_group_lengths_around_blocks(void) {
  /* group + ":" of lengths 1..7: every tail length of the prefix */
  static const struct {
    const char *group;
    uint32_t rollout, variant7;
  } cases[] = {
      {"", 92, 6},     {"a", 37, 6},     {"ab", 22, 4},    {"abc", 91, 4},
      {"abcd", 61, 4}, {"abcde", 10, 6}, {"abcdef", 4, 3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *g = cases[i].group;
    CU_ASSERT_EQUAL(rollout("user-42", g), cases[i].rollout);
    CU_ASSERT_EQUAL(
        vx_normalized_hash("user-42", 7, g, strlen(g), 7, VX_SEED_VARIANT),
        cases[i].variant7);
  }
}

static void test_normalized_hash_hashes_utf8_bytes(void) {
  const char *id = "\xc3\xb8", *group = "gr\xc3\xb8up"; /* "ø", "grøup" */
  CU_ASSERT_EQUAL(mm3("gr\xc3\xb8up:\xc3\xb8", 0), 0x3fad9428u);
  CU_ASSERT_EQUAL(rollout(id, group), 65u);
}

static void test_normalized_hash_stays_within_1_to_n(void) {
  char id[16];
  for (uint32_t n = 1; n <= 300; n++) {
    snprintf(id, sizeof id, "u%u", n * 7919u);
    uint32_t v = vx_normalized_hash(id, strlen(id), "g", 1, n, 0);
    CU_ASSERT(v >= 1 && v <= n);
  }
  CU_ASSERT_EQUAL(vx_normalized_hash("x", 1, "g", 1, 1, 0), 1u);
}

static void test_normalized_hash_of_zero_buckets_is_zero(void) {
  vx_hash_prefix p;
  CU_ASSERT_EQUAL(vx_normalized_hash("x", 1, "g", 1, 0, 0), 0u);
  vx_hash_prefix_init(&p, "g", 1, 0);
  CU_ASSERT_EQUAL(vx_hash_prefix_normalized(&p, "x", 1, 0), 0u);
}

/* Every split of group and id, so that the prefix ends at every offset in
 * a block: the incremental hash must equal murmur3 of the joined string
 * and vx_normalized_hash, for both seeds and several n. */
static void test_hash_prefix_matches_one_shot_for_every_split(void) {
  static const char group[] = "Feature.flexib", id[] = "leRollout.user";
  static const uint32_t seeds[] = {VX_SEED_ROLLOUT, VX_SEED_VARIANT, 1};
  static const uint32_t ns[] = {100, 1000, 7, 1};
  char joined[40];
  for (size_t gl = 0; gl <= 13; gl++) {
    for (size_t il = 0; il <= 13; il++) {
      memcpy(joined, group, gl);
      joined[gl] = ':';
      memcpy(joined + gl + 1, id, il);
      for (size_t s = 0; s < 3; s++) {
        vx_hash_prefix p;
        uint32_t h = vx_murmur3_32(joined, gl + 1 + il, seeds[s]);
        vx_hash_prefix_init(&p, group, gl, seeds[s]);
        for (size_t k = 0; k < 4; k++) {
          CU_ASSERT_EQUAL(vx_hash_prefix_normalized(&p, id, il, ns[k]),
                          h % ns[k] + 1);
          CU_ASSERT_EQUAL(
              vx_normalized_hash(id, il, group, gl, ns[k], seeds[s]),
              h % ns[k] + 1);
        }
      }
    }
  }
}

static void test_hash_prefix_records_the_prefix_state(void) {
  vx_hash_prefix p;
  vx_hash_prefix_init(&p, "abcdef", 6, 0); /* "abcdef:" = 1 block + 3 */
  CU_ASSERT_EQUAL(p.len, 7u);
  CU_ASSERT_EQUAL(p.tail_len, 3u);
  CU_ASSERT_EQUAL(p.tail,
                  (uint32_t)'e' | (uint32_t)'f' << 8 | (uint32_t)':' << 16);
  vx_hash_prefix_init(&p, "abc", 3, 0); /* "abc:" = exactly 1 block */
  CU_ASSERT_EQUAL(p.len, 4u);
  CU_ASSERT_EQUAL(p.tail_len, 0u);
  CU_ASSERT_EQUAL(p.tail, 0u);
}

static void test_hash_prefix_is_plain_data_reused_across_ids(void) {
  vx_hash_prefix p, copy;
  vx_hash_prefix_init(&p, "gr1", 3, 0);
  copy = p;
  CU_ASSERT_EQUAL(vx_hash_prefix_normalized(&copy, "123", 3, 100), 73u);
  CU_ASSERT_EQUAL(vx_hash_prefix_normalized(&p, "123", 3, 100), 73u);
  CU_ASSERT_EQUAL(memcmp(&p, &copy, sizeof p), 0); /* unchanged by use */
  vx_hash_prefix_init(&p, "groupX", 6, 0);
  CU_ASSERT_EQUAL(vx_hash_prefix_normalized(&p, "999", 3, 100), 25u);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_murmur3_matches_published_vectors),
      VX_TEST(test_murmur3_handles_every_tail_length),
      VX_TEST(test_murmur3_of_a_long_input_matches_reference),
      VX_TEST(test_murmur3_accepts_null_data_of_length_zero),
      VX_TEST(test_normalized_hash_matches_unleash_reference_values),
      VX_TEST(test_normalized_hash_is_the_formula_of_the_design),
      VX_TEST(test_normalized_hash_agrees_with_conformance_rollouts),
      VX_TEST(test_normalized_hash_covers_group_lengths_around_blocks),
      VX_TEST(test_normalized_hash_hashes_utf8_bytes),
      VX_TEST(test_normalized_hash_stays_within_1_to_n),
      VX_TEST(test_normalized_hash_of_zero_buckets_is_zero),
      VX_TEST(test_hash_prefix_matches_one_shot_for_every_split),
      VX_TEST(test_hash_prefix_records_the_prefix_state),
      VX_TEST(test_hash_prefix_is_plain_data_reused_across_ids),
      {NULL, NULL},
  };
  return vx_test_main("sdk/hash", tests, NULL, NULL);
}
