/*
 * Snapshot environments: the open-addressing flag tables that every
 * evaluation reads (daemon/snapshot.c). Flags are compiled without
 * strategies, so no plugin is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flag.h"
#include "snapshot.h"
#include "vx_test.h"

/* A compiled flag with that key (one reference, the caller's). */
static vx_flag *make_flag(const char *key, int enabled) {
  json_t *def = json_pack("{s:s, s:b}", "name", key, "enabled", enabled);
  CU_ASSERT_PTR_NOT_NULL_FATAL(def);
  vx_flag *f = NULL;
  char err[256];
  int rc = vx_flag_compile(def, NULL, NULL, 0, &f, err, sizeof err);
  json_decref(def);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  return f;
}

/* Makes a flag, puts it into env and drops the caller's reference. */
static vx_flag *put_new(vx_env *env, const char *key) {
  vx_flag *f = make_flag(key, 1);
  CU_ASSERT_EQUAL_FATAL(vx_env_put(env, f), 0);
  vx_flag_unref(f);
  return f;
}

static const vx_flag *find(const vx_env *env, const char *key) {
  return vx_env_find(env, key, strlen(key));
}

static unsigned refs(const vx_flag *f) {
  return atomic_load(&((vx_flag *)f)->refs);
}

static size_t occupied(const vx_env *env) {
  size_t n = 0;
  for (size_t i = 0; i < env->cap; i++)
    if (vx_env_slot(env, i) != NULL)
      n++;
  return n;
}

static void test_put_then_find_returns_the_same_flag(void) {
  vx_snapshot *s = vx_snapshot_new(7);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(s->revision, 7);
  vx_env *env = vx_snapshot_env_add(s, "production");
  CU_ASSERT_PTR_NOT_NULL_FATAL(env);
  CU_ASSERT_EQUAL(env->count, 0);
  vx_flag *a = put_new(env, "alpha");
  vx_flag *b = put_new(env, "beta");
  CU_ASSERT_PTR_EQUAL(find(env, "alpha"), a);
  CU_ASSERT_PTR_EQUAL(find(env, "beta"), b);
  CU_ASSERT_STRING_EQUAL(find(env, "beta")->key, "beta");
  CU_ASSERT_EQUAL(env->count, 2);
  CU_ASSERT_EQUAL(occupied(env), 2);
  vx_snapshot_free(s);
}

static void test_missing_key_is_not_found(void) {
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  CU_ASSERT_PTR_NULL(find(env, "anything")); /* empty table */
  put_new(env, "present");
  CU_ASSERT_PTR_NULL(find(env, "absent"));
  CU_ASSERT_PTR_NULL(find(env, ""));
  CU_ASSERT_PTR_NULL(find(env, "Present")); /* keys are case-sensitive */
  vx_snapshot_free(s);
}

static void test_the_table_takes_its_own_reference(void) {
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  vx_flag *f = make_flag("kept", 1);
  CU_ASSERT_EQUAL(refs(f), 1);
  CU_ASSERT_EQUAL(vx_env_put(env, f), 0);
  CU_ASSERT_EQUAL(refs(f), 2);
  vx_snapshot_free(s);
  CU_ASSERT_EQUAL(refs(f), 1); /* freeing the snapshot dropped its ref */
  CU_ASSERT_STRING_EQUAL(f->key, "kept");
  vx_flag_unref(f);
}

static void test_replacing_a_key_keeps_the_count_and_drops_the_old_flag(void) {
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  put_new(env, "other");
  vx_flag *old = make_flag("same", 1);
  vx_flag *new = make_flag("same", 0);
  CU_ASSERT_EQUAL(vx_env_put(env, old), 0);
  CU_ASSERT_EQUAL(env->count, 2);
  CU_ASSERT_EQUAL(refs(old), 2);
  CU_ASSERT_EQUAL(vx_env_put(env, new), 0);
  CU_ASSERT_EQUAL(env->count, 2);
  CU_ASSERT_EQUAL(occupied(env), 2);
  CU_ASSERT_PTR_EQUAL(find(env, "same"), new);
  CU_ASSERT_FALSE(find(env, "same")->enabled);
  CU_ASSERT_EQUAL(refs(old), 1); /* the table released the replaced flag */
  CU_ASSERT_EQUAL(refs(new), 2);
  /* Putting the very flag again is a no-op on counts and references. */
  CU_ASSERT_EQUAL(vx_env_put(env, new), 0);
  CU_ASSERT_EQUAL(env->count, 2);
  CU_ASSERT_EQUAL(refs(new), 2);
  vx_flag_unref(old);
  vx_snapshot_free(s);
  CU_ASSERT_EQUAL(refs(new), 1);
  vx_flag_unref(new);
}

static void test_table_grows_past_ten_thousand_flags(void) {
  enum { N = 10000 };
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  CU_ASSERT_PTR_NOT_NULL_FATAL(env);
  vx_flag **flags = calloc(N, sizeof *flags);
  CU_ASSERT_PTR_NOT_NULL_FATAL(flags);
  char key[32];
  for (int i = 0; i < N; i++) {
    snprintf(key, sizeof key, "flag-%d", i);
    flags[i] = put_new(env, key);
  }
  CU_ASSERT_EQUAL(env->count, N);
  CU_ASSERT_EQUAL(occupied(env), N);
  CU_ASSERT(env->cap >= 2 * N);                  /* at most half full */
  CU_ASSERT_EQUAL(env->cap & (env->cap - 1), 0); /* a power of two */
  int wrong = 0;
  for (int i = 0; i < N; i++) {
    snprintf(key, sizeof key, "flag-%d", i);
    if (find(env, key) != flags[i])
      wrong++;
  }
  CU_ASSERT_EQUAL(wrong, 0);
  int phantom = 0;
  for (int i = N; i < 2 * N; i++) {
    snprintf(key, sizeof key, "flag-%d", i);
    if (find(env, key) != NULL)
      phantom++;
  }
  CU_ASSERT_EQUAL(phantom, 0);
  free(flags);
  vx_snapshot_free(s);
}

static void test_keys_that_differ_only_in_length_are_distinct(void) {
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  const char *keys[] = {"a",    "aa",     "aaa",     "aaaa",
                        "flag", "flag-1", "flag-10", "flag-100"};
  enum { K = sizeof keys / sizeof keys[0] };
  vx_flag *f[K];
  for (size_t i = 0; i < K; i++)
    f[i] = put_new(env, keys[i]);
  CU_ASSERT_EQUAL(env->count, K);
  for (size_t i = 0; i < K; i++)
    CU_ASSERT_PTR_EQUAL(find(env, keys[i]), f[i]);
  /* The length given is what counts, not the NUL. */
  CU_ASSERT_PTR_EQUAL(vx_env_find(env, "flag-100", 4), f[4]);
  CU_ASSERT_PTR_EQUAL(vx_env_find(env, "flag-100", 6), f[5]);
  CU_ASSERT_PTR_EQUAL(vx_env_find(env, "aaaaaaaa", 3), f[2]);
  CU_ASSERT_PTR_NULL(vx_env_find(env, "aaaaaaaa", 5));
  CU_ASSERT_PTR_NULL(vx_env_find(env, "flag-1000", 9));
  vx_snapshot_free(s);
}

/* Keys "PREFIX-i" whose hashes agree on the bits in mask with `target`. */
static int keys_with_hash_bits(const char *prefix, uint64_t mask,
                               uint64_t target, int want, char out[][32]) {
  int got = 0;
  for (int i = 0; got < want && i < 4000000; i++) {
    char key[32];
    int len = snprintf(key, sizeof key, "%s-%d", prefix, i);
    if ((vx_key_hash(key, (size_t)len) & mask) == target)
      memcpy(out[got++], key, sizeof key);
  }
  return got;
}

static void test_keys_whose_hashes_share_low_bits_are_all_found(void) {
  /* Eight keys that land in the same home slot of every table up to 65,536
   * slots: one long probe chain, also across growth. */
  enum { K = 8 };
  char keys[K][32];
  char miss[1][32];
  CU_ASSERT_EQUAL_FATAL(keys_with_hash_bits("shared", 0xffff, 0x1234, K, keys),
                        K);
  CU_ASSERT_EQUAL_FATAL(keys_with_hash_bits("absent", 0xffff, 0x1234, 1, miss),
                        1);
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  vx_flag *f[K];
  for (int i = 0; i < K; i++)
    f[i] = put_new(env, keys[i]);
  for (int i = 0; i < K; i++)
    CU_ASSERT_PTR_EQUAL(find(env, keys[i]), f[i]);
  CU_ASSERT_PTR_NULL(find(env, miss[0]));
  /* Replacing one in the middle of the chain keeps the others reachable. */
  vx_flag *again = put_new(env, keys[3]);
  CU_ASSERT_EQUAL(env->count, K);
  for (int i = 0; i < K; i++)
    CU_ASSERT_PTR_EQUAL(find(env, keys[i]), i == 3 ? again : f[i]);
  vx_snapshot_free(s);
}

static void test_probe_chain_wraps_around_the_end_of_the_table(void) {
  /* Seven keys whose home is the last of 16 slots: they fill slots 15, 0,
   * 1, ... 5 without growing the table. */
  enum { K = 7 };
  char keys[K][32];
  char miss[1][32];
  CU_ASSERT_EQUAL_FATAL(keys_with_hash_bits("wrap", 15, 15, K, keys), K);
  CU_ASSERT_EQUAL_FATAL(keys_with_hash_bits("gone", 15, 15, 1, miss), 1);
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  CU_ASSERT_EQUAL_FATAL(env->cap, 16);
  vx_flag *f[K];
  for (int i = 0; i < K; i++)
    f[i] = put_new(env, keys[i]);
  CU_ASSERT_EQUAL(env->cap, 16);
  CU_ASSERT_PTR_EQUAL(vx_env_slot(env, 15), f[0]);
  CU_ASSERT_PTR_EQUAL(vx_env_slot(env, 0), f[1]);
  for (int i = 0; i < K; i++)
    CU_ASSERT_PTR_EQUAL(find(env, keys[i]), f[i]);
  CU_ASSERT_PTR_NULL(find(env, miss[0]));
  /* An eighth key makes it half full; a ninth makes it grow. */
  vx_flag *eighth = put_new(env, "eighth");
  CU_ASSERT_EQUAL(env->cap, 16);
  vx_flag *ninth = put_new(env, "ninth");
  CU_ASSERT_EQUAL(env->cap, 32);
  CU_ASSERT_PTR_EQUAL(find(env, "eighth"), eighth);
  CU_ASSERT_PTR_EQUAL(find(env, "ninth"), ninth);
  for (int i = 0; i < K; i++)
    CU_ASSERT_PTR_EQUAL(find(env, keys[i]), f[i]);
  vx_snapshot_free(s);
}

static void test_utf8_keys_are_compared_byte_for_byte(void) {
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  const char *nfc = "caf\xc3\xa9";              /* café, precomposed é */
  const char *nfd = "cafe\xcc\x81";             /* café, e + combining acute */
  const char *cjk = "\xe6\x97\xa5\xe6\x9c\xac"; /* 日本 */
  const char *emoji = "\xf0\x9f\x9a\xa9-flag";  /* 🚩-flag */
  vx_flag *a = put_new(env, nfc);
  vx_flag *b = put_new(env, nfd);
  vx_flag *c = put_new(env, cjk);
  vx_flag *d = put_new(env, emoji);
  CU_ASSERT_EQUAL(env->count, 4);
  CU_ASSERT_PTR_EQUAL(find(env, nfc), a);
  CU_ASSERT_PTR_EQUAL(find(env, nfd), b);
  CU_ASSERT_PTR_EQUAL(find(env, cjk), c);
  CU_ASSERT_PTR_EQUAL(find(env, emoji), d);
  CU_ASSERT_EQUAL(a->key_len, 5);
  CU_ASSERT_EQUAL(b->key_len, 6);
  CU_ASSERT_PTR_NULL(find(env, "cafe"));
  CU_ASSERT_PTR_NULL(vx_env_find(env, cjk, 3)); /* 日 alone */
  vx_snapshot_free(s);
}

static void test_missing_environment_is_null(void) {
  vx_snapshot *s = vx_snapshot_new(1);
  CU_ASSERT_PTR_NULL(vx_snapshot_env(s, "production")); /* no env at all */
  vx_snapshot_env_add(s, "production");
  CU_ASSERT_PTR_NULL(vx_snapshot_env(s, "staging"));
  CU_ASSERT_PTR_NULL(vx_snapshot_env(s, "Production"));
  CU_ASSERT_PTR_NULL(vx_snapshot_env(s, "prod"));
  CU_ASSERT_PTR_NULL(vx_snapshot_env(s, ""));
  CU_ASSERT_PTR_NOT_NULL(vx_snapshot_env(s, "production"));
  vx_snapshot_free(s);
}

static void test_adding_an_existing_environment_returns_it(void) {
  vx_snapshot *s = vx_snapshot_new(1);
  vx_env *env = vx_snapshot_env_add(s, "production");
  vx_flag *f = put_new(env, "x");
  vx_env *again = vx_snapshot_env_add(s, "production");
  CU_ASSERT_PTR_EQUAL(again, env);
  CU_ASSERT_EQUAL(s->n_envs, 1);
  CU_ASSERT_PTR_EQUAL(find(again, "x"), f);
  vx_snapshot_free(s);
}

static void test_many_environments_keep_their_own_flags(void) {
  enum { E = 12 };
  vx_snapshot *s = vx_snapshot_new(1);
  char name[32];
  for (int e = 0; e < E; e++) {
    snprintf(name, sizeof name, "env-%d", e);
    vx_env *env = vx_snapshot_env_add(s, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(env);
    /* the same key in every environment, and one of its own */
    vx_flag *f = make_flag("shared", e % 2);
    CU_ASSERT_EQUAL(vx_env_put(env, f), 0);
    vx_flag_unref(f);
    put_new(env, name);
  }
  CU_ASSERT_EQUAL(s->n_envs, E);
  for (int e = 0; e < E; e++) {
    snprintf(name, sizeof name, "env-%d", e);
    const vx_env *env = vx_snapshot_env(s, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(env);
    CU_ASSERT_STRING_EQUAL(env->name, name);
    CU_ASSERT_EQUAL(env->count, 2);
    CU_ASSERT_PTR_NOT_NULL(find(env, name));
    CU_ASSERT_EQUAL(find(env, "shared")->enabled, e % 2 == 1);
    snprintf(name, sizeof name, "env-%d", (e + 1) % E);
    CU_ASSERT_PTR_NULL(find(env, name));
  }
  vx_snapshot_free(s);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_put_then_find_returns_the_same_flag),
      VX_TEST(test_missing_key_is_not_found),
      VX_TEST(test_the_table_takes_its_own_reference),
      VX_TEST(test_replacing_a_key_keeps_the_count_and_drops_the_old_flag),
      VX_TEST(test_table_grows_past_ten_thousand_flags),
      VX_TEST(test_keys_that_differ_only_in_length_are_distinct),
      VX_TEST(test_keys_whose_hashes_share_low_bits_are_all_found),
      VX_TEST(test_probe_chain_wraps_around_the_end_of_the_table),
      VX_TEST(test_utf8_keys_are_compared_byte_for_byte),
      VX_TEST(test_missing_environment_is_null),
      VX_TEST(test_adding_an_existing_environment_returns_it),
      VX_TEST(test_many_environments_keep_their_own_flags),
      {NULL, NULL},
  };
  return vx_test_main("snapshot", tests, NULL, NULL);
}
