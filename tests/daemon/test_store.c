/*
 * The SQLite store (daemon/store*.c): documents put and loaded back
 * equal; cascades; transactions and rollback; the audit log's paging;
 * tokens; durability across a close and across SIGKILL. Opening,
 * migrations, what is refused and storage faults are in
 * test_store_open.c. Every test works on its own database file in one
 * temporary folder. SQL in this file only tampers with a database behind
 * the store's back, or looks at what the store cannot show.
 */
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vexil/error.h>

#include "store.h"
#include "store_internal.h" /* white-box checks: st->db, st->stmt */
#include "store_schema.h"
#include "store_test.h"
#include "vx_test.h"

static char tmpdir[512];

static int suite_init(void) {
  return db_tmpdir_make(tmpdir, sizeof tmpdir, "vx-store");
}

static int suite_clean(void) {
  return db_tmpdir_remove(tmpdir);
}

static void db_path(char *buf, size_t len, const char *name) {
  snprintf(buf, len, "%s/%s", tmpdir, name);
}

static json_t *parse(const char *text) {
  json_error_t jerr;
  json_t *doc = json_loads(text, 0, &jerr);
  if (doc == NULL)
    fprintf(stderr, "bad test JSON: %s at %d:%d\n", jerr.text, jerr.line,
            jerr.column);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  return doc;
}

static void put_envs(vx_store *st, const char *const *names) {
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  for (; *names != NULL; names++)
    CU_ASSERT_EQUAL_FATAL(vx_store_put_environment(st, *names), 0);
  db_commit_ok(st);
}

#define HASH1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HASH3 "abababababababababababababababababababababababababababababababab"

static const char *const prod_staging[] = {"production", "staging", NULL};

#define FLAG_CHECKOUT                                                          \
  "{\"key\": \"checkout\", \"description\": \"New checkout \\u00e9 \\u2713 "   \
  "\\ud83d\\ude00\", \"type\": \"boolean\", \"archived\": false, "             \
  "\"created_at\": 1700000000000, \"updated_at\": 1700000000500, "             \
  "\"revision\": 3, \"environments\": {"                                       \
  "\"staging\": {\"enabled\": false, \"strategies\": [], \"variants\": [], "   \
  "\"dependencies\": [{\"feature\": \"other\", \"enabled\": true, "            \
  "\"variants\": [\"a\"]}]},"                                                  \
  "\"production\": {\"enabled\": true, \"strategies\": [{\"name\": "           \
  "\"flexibleRollout\", \"parameters\": {\"rollout\": \"50\", "                \
  "\"stickiness\": \"default\", \"groupId\": \"checkout\"}, "                  \
  "\"constraints\": [{\"contextName\": \"userId\", \"operator\": \"IN\", "     \
  "\"values\": [\"a\", \"b\"], \"inverted\": false}], \"segments\": "          \
  "[\"1\"]}], \"variants\": [{\"name\": \"blue\", \"weight\": 500, "           \
  "\"payload\": {\"type\": \"json\", \"value\": \"{\\\"a\\\": 0.1}\"}, "       \
  "\"extra\": {\"real\": 0.1, \"big\": 9007199254740993, \"tiny\": 1e-300, "   \
  "\"none\": null, \"empty\": {}, \"list\": [[], {}, null, -0.5]}}], "         \
  "\"dependencies\": []}}}"

/* ---- documents --------------------------------------------------------- */

/* a and b are equal and, dumped, identical (key order included). */
static void assert_same(const json_t *a, const json_t *b) {
  CU_ASSERT_TRUE(json_equal(a, b));
  char *da = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
  char *db = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
  CU_ASSERT_PTR_NOT_NULL_FATAL(da);
  CU_ASSERT_PTR_NOT_NULL_FATAL(db);
  if (strcmp(da, db) != 0)
    fprintf(stderr, "\n  %s\n  %s\n", da, db);
  CU_ASSERT_STRING_EQUAL(da, db);
  free(da);
  free(db);
}

/* flag as a load gives it back: states in environment order (names). */
static json_t *in_env_order(const json_t *flag, const char *const *names) {
  json_t *want = json_deep_copy(flag);
  json_t *envs = json_object_get(flag, "environments");
  json_t *ordered = json_object();
  for (; *names != NULL; names++)
    if (json_object_get(envs, *names) != NULL)
      json_object_set(ordered, *names, json_object_get(envs, *names));
  json_object_set_new(want, "environments", ordered);
  return want;
}

static void put_flag_ok(vx_store *st, const json_t *flag) {
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  int rc = vx_store_put_flag(st, flag);
  if (rc != 0)
    fprintf(stderr, "put flag: %d %s\n", rc, vx_store_errmsg(st));
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  db_commit_ok(st);
}

static void test_flag_round_trip(void) {
  char path[600];
  db_path(path, sizeof path, "flag.db");
  vx_store *st = db_open_ok(path);
  put_envs(st, prod_staging);
  json_t *flag = parse(FLAG_CHECKOUT);
  /* A string with a NUL inside survives too. */
  json_object_set_new(
      json_object_get(json_object_get(flag, "environments"), "staging"), "note",
      json_stringn("a\0b", 3));
  put_flag_ok(st, flag);

  /* Equal, and identical once dumped, but for the order of the states:
   * the document has staging first, a load gives environment order. */
  json_t *loaded = in_env_order(flag, prod_staging);
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_object_size(d.flags), 1);
  CU_ASSERT_TRUE(json_equal(json_object_get(d.flags, "checkout"), flag));
  assert_same(json_object_get(d.flags, "checkout"), loaded);
  vx_store_data_dispose(&d);
  vx_store_close(st);

  st = db_open_ok(path);
  db_load_ok(st, &d);
  assert_same(json_object_get(d.flags, "checkout"), loaded);
  vx_store_data_dispose(&d);
  json_decref(loaded);

  /* A put replaces the row and every state: staging's goes away. */
  json_t *next = parse("{\"key\": \"checkout\", \"description\": \"\", "
                       "\"type\": \"string\", \"archived\": true, "
                       "\"created_at\": 1, \"updated_at\": 2, \"revision\": "
                       "9, \"environments\": {\"production\": {\"enabled\": "
                       "false, \"strategies\": [], \"variants\": [], "
                       "\"dependencies\": []}}}");
  put_flag_ok(st, next);
  db_load_ok(st, &d);
  assert_same(json_object_get(d.flags, "checkout"), next);
  vx_store_data_dispose(&d);

  /* Optional fields take their defaults. */
  json_t *bare = parse("{\"key\": \"bare\", \"type\": \"boolean\"}");
  put_flag_ok(st, bare);
  db_load_ok(st, &d);
  json_t *want = parse("{\"key\": \"bare\", \"description\": \"\", \"type\": "
                       "\"boolean\", \"archived\": false, \"created_at\": 0, "
                       "\"updated_at\": 0, \"revision\": 0, "
                       "\"environments\": {}}");
  assert_same(json_object_get(d.flags, "bare"), want);
  vx_store_data_dispose(&d);
  json_decref(want);
  json_decref(bare);
  json_decref(next);
  json_decref(flag);
  vx_store_close(st);
}

/* What the streaming load's callback saw. */
typedef struct seen {
  json_t *flags;        /* dumps, in call order */
  size_t envs_at_first; /* environments already loaded at the first call */
  int stop_after;       /* > 0: the n-th call fails */
} seen;

static int see_flag(void *arg, const vx_store_data *d, json_t *flag) {
  seen *s = arg;
  if (json_array_size(s->flags) == 0)
    s->envs_at_first = json_array_size(d->environments);
  json_array_append(s->flags, flag);
  if (s->stop_after > 0 && json_array_size(s->flags) == (size_t)s->stop_after)
    return VX_EINVAL;
  return 0;
}

static void test_streaming_load_hands_each_flag_in_key_order(void) {
  char path[600];
  db_path(path, sizeof path, "stream.db");
  vx_store *st = db_open_ok(path);
  put_envs(st, prod_staging);
  static const char *keys[] = {"zeta", "alpha", "mid"};
  for (size_t i = 0; i < 3; i++) {
    char doc[256];
    snprintf(doc, sizeof doc,
             "{\"key\": \"%s\", \"type\": \"boolean\", \"environments\": "
             "{\"staging\": {\"enabled\": true, \"strategies\": []}, "
             "\"production\": {\"enabled\": false, \"strategies\": []}}}",
             keys[i]);
    json_t *f = parse(doc);
    put_flag_ok(st, f);
    json_decref(f);
  }
  seen s = {json_array(), 0, 0};
  vx_store_data d;
  char err[512] = "";
  CU_ASSERT_EQUAL_FATAL(vx_store_load(st, &d, see_flag, &s, err, sizeof err),
                        0);
  /* Nothing collected; every flag seen once, sorted, with its states in
   * environment order, after the environments were read. */
  CU_ASSERT_EQUAL(json_object_size(d.flags), 0);
  CU_ASSERT_EQUAL(s.envs_at_first, 2);
  CU_ASSERT_EQUAL_FATAL(json_array_size(s.flags), 3);
  static const char *sorted[] = {"alpha", "mid", "zeta"};
  for (size_t i = 0; i < 3; i++) {
    const json_t *f = json_array_get(s.flags, i);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f, "key")),
                           sorted[i]);
    const json_t *envs = json_object_get(f, "environments");
    CU_ASSERT_EQUAL(json_object_size(envs), 2);
    CU_ASSERT_STRING_EQUAL(
        json_object_iter_key(json_object_iter((json_t *)envs)), "production");
    CU_ASSERT_TRUE(json_is_true(
        json_object_get(json_object_get(envs, "staging"), "enabled")));
  }
  vx_store_data_dispose(&d);
  /* A callback's error stops the load and is returned. */
  json_array_clear(s.flags);
  s.stop_after = 2;
  CU_ASSERT_EQUAL(vx_store_load(st, &d, see_flag, &s, err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_EQUAL(json_array_size(s.flags), 2);
  json_decref(s.flags);
  vx_store_close(st);
}

static void test_flag_refusals(void) {
  char path[600];
  db_path(path, sizeof path, "flag-bad.db");
  vx_store *st = db_open_ok(path);
  put_envs(st, prod_staging);
  json_t *ok = parse("{\"key\": \"k\", \"type\": \"boolean\"}");
  CU_ASSERT_EQUAL(vx_store_put_flag(st, ok), VX_EINVAL); /* no transaction */
  CU_ASSERT_PTR_NOT_NULL(strstr(vx_store_errmsg(st), "no transaction"));

  static const struct {
    const char *doc;
    int rc;
    const char *says;
  } cases[] = {
      {"[]", VX_ETYPE, "object"},
      {"{\"type\": \"boolean\"}", VX_EINVAL, "\"key\" is missing"},
      {"{\"key\": \"\", \"type\": \"boolean\"}", VX_EINVAL, "empty"},
      {"{\"key\": 5, \"type\": \"boolean\"}", VX_ETYPE, "string"},
      {"{\"key\": \"k\"}", VX_EINVAL, "\"type\" is missing"},
      {"{\"key\": \"k\", \"type\": \"boolean\", \"created_at\": \"x\"}",
       VX_ETYPE, "created_at"},
      {"{\"key\": \"k\", \"type\": \"boolean\", \"archived\": 1}", VX_ETYPE,
       "archived"},
      {"{\"key\": \"k\", \"type\": \"boolean\", \"environments\": []}",
       VX_ETYPE, "environments"},
      {"{\"key\": \"k\", \"type\": \"boolean\", \"environments\": "
       "{\"production\": true}}",
       VX_ETYPE, "production"},
      {"{\"key\": \"k\", \"type\": \"boolean\", \"environments\": "
       "{\"production\": {}, \"nowhere\": {}}}",
       VX_ENOENT, "no environment \"nowhere\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *doc = parse(cases[i].doc);
    CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
    int rc = vx_store_put_flag(st, doc);
    if (rc != cases[i].rc || !strstr(vx_store_errmsg(st), cases[i].says))
      fprintf(stderr, "\ncase %zu: %d %s\n", i, rc, vx_store_errmsg(st));
    CU_ASSERT_EQUAL(rc, cases[i].rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(vx_store_errmsg(st), cases[i].says));
    vx_store_rollback(st);
    json_decref(doc);
  }
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_object_size(d.flags), 0);
  vx_store_data_dispose(&d);
  json_decref(ok);
  vx_store_close(st);
}

static void test_segment_round_trip(void) {
  char path[600];
  db_path(path, sizeof path, "segment.db");
  vx_store *st = db_open_ok(path);
  json_t *one =
      parse("{\"id\": \"1\", \"name\": \"beta\", \"description\": "
            "\"Beta users\", \"constraints\": [{\"contextName\": "
            "\"region\", \"operator\": \"IN\", \"values\": "
            "[\"eu\"], \"caseInsensitive\": true}], \"revision\": 7}");
  /* Without a revision: it is 0 (segments written before migration 2). */
  json_t *two = parse("{\"id\": \"2\", \"name\": \"staff\", "
                      "\"description\": \"\", \"constraints\": []}");
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_put_segment(st, one), 0);
  CU_ASSERT_EQUAL(vx_store_put_segment(st, two), 0);
  db_commit_ok(st);
  vx_store_close(st);

  st = db_open_ok(path);
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_object_size(d.segments), 2);
  assert_same(json_object_get(d.segments, "1"), one);
  json_object_set_new(two, "revision", json_integer(0));
  assert_same(json_object_get(d.segments, "2"), two);
  vx_store_data_dispose(&d);

  json_object_set_new(one, "name", json_string("beta testers"));
  json_object_set_new(one, "revision", json_integer(8));
  json_array_clear(json_object_get(one, "constraints"));
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_put_segment(st, one), 0);
  CU_ASSERT_EQUAL(vx_store_delete_segment(st, "2"), 0);
  CU_ASSERT_EQUAL(vx_store_delete_segment(st, "2"), VX_ENOENT);
  json_t *bad = parse("{\"id\": \"3\", \"constraints\": {}}");
  CU_ASSERT_EQUAL(vx_store_put_segment(st, bad), VX_ETYPE);
  json_decref(bad);
  db_commit_ok(st);
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_object_size(d.segments), 1);
  assert_same(json_object_get(d.segments, "1"), one);
  vx_store_data_dispose(&d);
  json_decref(one);
  json_decref(two);
  vx_store_close(st);
}

static void test_environments(void) {
  char path[600];
  db_path(path, sizeof path, "env.db");
  vx_store *st = db_open_ok(path);
  static const char *const three[] = {"production", "staging", "dev", "staging",
                                      NULL};
  put_envs(st, three); /* putting one twice changes nothing */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_put_environment(st, ""), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_store_delete_environment(st, "staging"), 0);
  CU_ASSERT_EQUAL(vx_store_delete_environment(st, "staging"), VX_ENOENT);
  CU_ASSERT_EQUAL(vx_store_put_environment(st, "staging"), 0);
  db_commit_ok(st);
  vx_store_data d;
  db_load_ok(st, &d);
  json_t *want = parse("[\"production\", \"dev\", \"staging\"]");
  assert_same(d.environments, want);
  json_decref(want);
  vx_store_data_dispose(&d);
  vx_store_close(st);
}

static void test_delete_flag_cascades(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "cascade-flag.db");
  vx_store *st = db_open_ok(path);
  put_envs(st, prod_staging);
  json_t *flag = parse(FLAG_CHECKOUT);
  put_flag_ok(st, flag);
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_delete_flag(st, "checkout"), 0);
  CU_ASSERT_EQUAL(vx_store_delete_flag(st, "checkout"), VX_ENOENT);
  db_commit_ok(st);
  CU_ASSERT_EQUAL(vx_store_check(st, err, sizeof err), 0);
  vx_store_close(st);
  CU_ASSERT_EQUAL(db_int(path, "SELECT count(*) FROM flag_states"), 0);
  CU_ASSERT_EQUAL(db_int(path, "SELECT count(*) FROM flags"), 0);
  json_decref(flag);
}

static void test_delete_environment_cascades(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "cascade-env.db");
  vx_store *st = db_open_ok(path);
  put_envs(st, prod_staging);
  json_t *a = parse(FLAG_CHECKOUT);
  json_t *b = json_deep_copy(a);
  json_object_set_new(b, "key", json_string("search"));
  put_flag_ok(st, a);
  put_flag_ok(st, b);
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_delete_environment(st, "staging"), 0);
  db_commit_ok(st);

  vx_store_data d;
  db_load_ok(st, &d);
  const char *key;
  json_t *f;
  json_object_foreach(d.flags, key, f) {
    json_t *envs = json_object_get(f, "environments");
    CU_ASSERT_EQUAL(json_object_size(envs), 1);
    CU_ASSERT_PTR_NULL(json_object_get(envs, "staging"));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(envs, "production"));
  }
  CU_ASSERT_EQUAL(json_object_size(d.flags), 2);
  vx_store_data_dispose(&d);
  CU_ASSERT_EQUAL(vx_store_check(st, err, sizeof err), 0);
  vx_store_close(st);
  CU_ASSERT_EQUAL(db_int(path, "SELECT count(*) FROM flag_states WHERE "
                               "environment = 'staging'"),
                  0);
  json_decref(a);
  json_decref(b);
}

/* ---- transactions ------------------------------------------------------ */

static void test_revision_and_rollback(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "tx.db");
  vx_store *st = db_open_ok(path);
  uint64_t rev = 0;
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_store_commit(st, err, sizeof err), VX_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "no transaction"));
  vx_store_rollback(st); /* nothing open: harmless */

  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_begin(st), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(rev, 1);
  CU_ASSERT_EQUAL(vx_store_put_environment(st, "production"), 0);
  db_commit_ok(st);

  json_t *flag = parse("{\"key\": \"k\", \"type\": \"boolean\", "
                       "\"environments\": {\"production\": {\"enabled\": "
                       "true}}}");
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(rev, 2);
  CU_ASSERT_EQUAL(vx_store_put_flag(st, flag), 0);
  CU_ASSERT_EQUAL(vx_store_put_environment(st, "staging"), 0);
  CU_ASSERT_EQUAL(
      vx_store_add_audit(st, rev, 5, "me", "create", "k", NULL, flag, NULL), 0);
  vx_store_rollback(st);
  vx_store_rollback(st); /* twice: harmless */

  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(d.revision, 1);
  CU_ASSERT_EQUAL(json_object_size(d.flags), 0);
  CU_ASSERT_EQUAL(json_array_size(d.environments), 1);
  vx_store_data_dispose(&d);
  json_t *audit = NULL;
  CU_ASSERT_EQUAL(vx_store_list_audit(st, NULL, 0, 100, &audit), 0);
  CU_ASSERT_EQUAL(json_array_size(audit), 0);
  json_decref(audit);

  /* The revision rolled back is given again. */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(rev, 2);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(rev, 3);
  db_commit_ok(st);

  /* An uncommitted transaction does not survive close. */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(vx_store_put_flag(st, flag), 0);
  vx_store_close(st);
  st = db_open_ok(path);
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(d.revision, 3);
  CU_ASSERT_EQUAL(json_object_size(d.flags), 0);
  vx_store_data_dispose(&d);
  vx_store_close(st);
  json_decref(flag);
}

static void test_commit_failure(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "commit-fail.db");
  vx_store *st = db_open_ok(path);
  static const char *const prod[] = {"production", NULL};
  put_envs(st, prod);
  json_t *flag = parse("{\"key\": \"k\", \"type\": \"boolean\", "
                       "\"environments\": {\"nowhere\": {}}}");
  uint64_t rev;
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  /* Deferred, the foreign key is checked by COMMIT, which then fails. */
  CU_ASSERT_EQUAL(
      sqlite3_exec(st->db, "PRAGMA defer_foreign_keys = ON", 0, 0, 0), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(vx_store_put_flag(st, flag), 0);
  CU_ASSERT_EQUAL(vx_store_commit(st, err, sizeof err), VX_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "COMMIT"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "FOREIGN KEY constraint failed"));
  vx_store_rollback(st); /* already rolled back: harmless */
  /* Nothing was kept and the store takes the next transaction. */
  vx_store_data d;
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(d.revision, 0);
  CU_ASSERT_EQUAL(json_object_size(d.flags), 0);
  vx_store_data_dispose(&d);
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(rev, 1);
  db_commit_ok(st);
  json_decref(flag);
  vx_store_close(st);
}

/* No statement is left running after a call, each is prepared once, and
 * none but the cached ones exist. */
static void assert_statements_idle(vx_store *st) {
  int cached = 0, live = 0;
  for (int q = 0; q < Q_COUNT; q++) {
    if (st->stmt[q] != NULL) {
      cached++;
      CU_ASSERT_FALSE(sqlite3_stmt_busy(st->stmt[q]));
    }
  }
  for (sqlite3_stmt *s = sqlite3_next_stmt(st->db, NULL); s != NULL;
       s = sqlite3_next_stmt(st->db, s))
    live++;
  CU_ASSERT_EQUAL(live, cached);
}

static void test_statements_reused(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "stmts.db");
  vx_store *st = db_open_ok(path);
  assert_statements_idle(st);
  put_envs(st, prod_staging);
  json_t *flag = parse(FLAG_CHECKOUT);
  put_flag_ok(st, flag);
  sqlite3_stmt *first = st->stmt[Q_FLAG_PUT];
  CU_ASSERT_PTR_NOT_NULL(first);
  put_flag_ok(st, flag);
  CU_ASSERT_PTR_EQUAL(st->stmt[Q_FLAG_PUT], first);
  assert_statements_idle(st);
  vx_store_data d;
  db_load_ok(st, &d);
  vx_store_data_dispose(&d);
  json_t *list = NULL;
  CU_ASSERT_EQUAL(vx_store_list_audit(st, "checkout", 0, 10, &list), 0);
  json_decref(list);
  CU_ASSERT_EQUAL(vx_store_check(st, err, sizeof err), 0);
  /* A failed statement is reset too. */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "a", "admin", NULL, HASH1, 1, NULL),
                  0);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "b", "admin", NULL, HASH1, 1, NULL),
                  VX_EEXIST);
  assert_statements_idle(st);
  vx_store_rollback(st);
  assert_statements_idle(st);
  json_decref(flag);
  vx_store_close(st);
}

/* ---- audit ------------------------------------------------------------- */

static void expect_ids(json_t *list, const int64_t *ids, size_t n) {
  CU_ASSERT_EQUAL(json_array_size(list), n);
  for (size_t i = 0; i < n && i < json_array_size(list); i++)
    CU_ASSERT_EQUAL(
        json_integer_value(json_object_get(json_array_get(list, i), "id")),
        ids[i]);
}

static void page(vx_store *st, const char *flag, int64_t before, int limit,
                 const int64_t *ids, size_t n) {
  json_t *list = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_store_list_audit(st, flag, before, limit, &list), 0);
  expect_ids(list, ids, n);
  json_decref(list);
}

static void test_audit_paging(void) {
  char path[600];
  db_path(path, sizeof path, "audit.db");
  vx_store *st = db_open_ok(path);
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  /* Entry i (id i + 1): flag "a", "b" or none in turn. */
  for (int i = 0; i < 25; i++) {
    json_t *before = i == 0 ? NULL : json_pack("{s:i}", "n", i - 1);
    json_t *after = i == 24 ? json_null() : json_pack("{s:i}", "n", i);
    const char *flag = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : NULL;
    int64_t id = 0;
    CU_ASSERT_EQUAL(vx_store_add_audit(st, (uint64_t)i + 1, 1000 + i, "alice",
                                       "update", flag, before, after, &id),
                    0);
    CU_ASSERT_EQUAL(id, i + 1);
    json_decref(before);
    json_decref(after);
  }
  db_commit_ok(st);

  static const int64_t p1[] = {25, 24, 23, 22, 21, 20, 19, 18, 17, 16};
  static const int64_t p2[] = {15, 14, 13, 12, 11, 10, 9, 8, 7, 6};
  static const int64_t p3[] = {5, 4, 3, 2, 1};
  page(st, NULL, 0, 10, p1, 10);
  page(st, NULL, 16, 10, p2, 10);
  page(st, NULL, 6, 10, p3, 5);
  page(st, NULL, 1, 10, NULL, 0);
  static const int64_t a1[] = {25, 22, 19, 16}, a2[] = {13, 10, 7, 4},
                       a3[] = {1};
  page(st, "a", 0, 4, a1, 4);
  page(st, "a", 16, 4, a2, 4);
  page(st, "a", 4, 4, a3, 1);
  static const int64_t b_all[] = {23, 20, 17, 14, 11, 8, 5, 2};
  page(st, "b", -3, 100, b_all, 8);
  page(st, "nobody", 0, 100, NULL, 0);
  /* limit is clamped to 1..1000 */
  page(st, NULL, 0, 0, p1, 1);
  page(st, NULL, 0, -7, p1, 1);
  json_t *all = NULL;
  CU_ASSERT_EQUAL(vx_store_list_audit(st, NULL, 0, 1 << 30, &all), 0);
  CU_ASSERT_EQUAL(json_array_size(all), 25);
  json_decref(all);

  json_t *e = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_store_get_audit(st, 1, &e), 0);
  json_t *want = parse("{\"id\": 1, \"revision\": 1, \"time\": 1000, "
                       "\"actor\": \"alice\", \"action\": \"update\", "
                       "\"flag\": \"a\", \"before\": null, \"after\": "
                       "{\"n\": 0}}");
  assert_same(e, want);
  json_decref(want);
  json_decref(e);
  CU_ASSERT_EQUAL_FATAL(vx_store_get_audit(st, 25, &e), 0);
  CU_ASSERT_TRUE(json_is_null(json_object_get(e, "after")));
  CU_ASSERT_EQUAL(
      json_integer_value(json_object_get(json_object_get(e, "before"), "n")),
      23);
  json_decref(e);
  CU_ASSERT_EQUAL_FATAL(vx_store_get_audit(st, 3, &e), 0);
  CU_ASSERT_TRUE(json_is_null(json_object_get(e, "flag")));
  json_decref(e);
  e = (json_t *)1;
  CU_ASSERT_EQUAL(vx_store_get_audit(st, 999, &e), VX_ENOENT);
  CU_ASSERT_PTR_NULL(e);
  vx_store_close(st);
}

/* ---- tokens ------------------------------------------------------------ */

static void test_tokens(void) {
  char path[600];
  db_path(path, sizeof path, "tokens.db");
  vx_store *st = db_open_ok(path);
  put_envs(st, prod_staging);
  int64_t id1 = 0, id2 = 0;
  uint64_t rev;
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(
      vx_store_add_token(st, "root", "admin", NULL, HASH1, 1000, &id1), 0);
  CU_ASSERT_EQUAL(
      vx_store_add_token(st, "web", "client", "production", HASH2, 1001, &id2),
      0);
  db_commit_ok(st);
  CU_ASSERT_EQUAL(id1, 1);
  CU_ASSERT_EQUAL(id2, 2);

  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_revoke_token(st, id2, 2000), 0);
  CU_ASSERT_EQUAL(vx_store_revoke_token(st, id2, 3000), 0); /* keeps 2000 */
  CU_ASSERT_EQUAL(vx_store_revoke_token(st, 99, 3000), VX_ENOENT);
  db_commit_ok(st);

  vx_store_data d;
  db_load_ok(st, &d);
  json_t *want = parse(
      "[{\"id\": 1, \"name\": \"root\", \"role\": \"admin\", \"environment\": "
      "null, \"created_at\": 1000, \"revoked_at\": null, \"last_used\": null, "
      "\"hash\": \"" HASH1 "\"}, {\"id\": 2, \"name\": \"web\", \"role\": "
      "\"client\", \"environment\": \"production\", \"created_at\": 1001, "
      "\"revoked_at\": 2000, \"last_used\": null, \"hash\": \"" HASH2 "\"}]");
  assert_same(d.tokens, want);
  uint64_t before = d.revision;
  vx_store_data_dispose(&d);

  /* A duplicate hash fails the statement; the transaction rolls back. */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "ok", "admin", NULL, HASH3, 1, NULL),
                  0);
  CU_ASSERT_EQUAL(
      vx_store_add_token(st, "copy", "admin", NULL, HASH1, 4000, &id1),
      VX_EEXIST);
  CU_ASSERT_PTR_NOT_NULL(strstr(vx_store_errmsg(st), "hash"));
  vx_store_rollback(st);
  db_load_ok(st, &d);
  assert_same(d.tokens, want);
  CU_ASSERT_EQUAL(d.revision, before);
  vx_store_data_dispose(&d);
  json_decref(want);

  /* What a token must be. */
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "x", "root", NULL, HASH2, 1, NULL),
                  VX_EINVAL);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "x", "client", NULL, HASH2, 1, NULL),
                  VX_EINVAL);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "x", "admin", NULL, "ABCDEF", 1, NULL),
                  VX_EINVAL);
  CU_ASSERT_EQUAL(
      vx_store_add_token(st, "x", "admin", NULL,
                         "0123456789ABCDEF0123456789abcdef0123456789abcdef"
                         "0123456789abcdef",
                         1, NULL),
      VX_EINVAL);
  vx_store_rollback(st);
  vx_store_close(st);
}

/* The time of a token's last use only moves forward, needs a
 * transaction, and bumps no revision (it is not an audited change). */
static void test_token_last_use_moves_forward_only(void) {
  char path[600];
  db_path(path, sizeof path, "used.db");
  vx_store *st = db_open_ok(path);
  int64_t id = 0;
  uint64_t rev, before, after;
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_bump_revision(st, &rev), 0);
  CU_ASSERT_EQUAL(vx_store_add_token(st, "root", "admin", NULL, HASH1, 1, &id),
                  0);
  db_commit_ok(st);
  CU_ASSERT_EQUAL(vx_store_token_used(st, id, 5000), VX_EINVAL);
  CU_ASSERT_EQUAL_FATAL(vx_store_revision(st, &before), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL(vx_store_token_used(st, id, 5000), 0);
  CU_ASSERT_EQUAL(vx_store_token_used(st, id, 4000), 0); /* keeps 5000 */
  CU_ASSERT_EQUAL(vx_store_token_used(st, 99, 4000), 0); /* no such token */
  db_commit_ok(st);
  CU_ASSERT_EQUAL(db_int(path, "SELECT last_used FROM tokens WHERE id = 1"),
                  5000);
  CU_ASSERT_EQUAL_FATAL(vx_store_revision(st, &after), 0);
  CU_ASSERT_EQUAL(after, before);
  json_t *tokens = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_store_list_tokens(st, &tokens), 0);
  CU_ASSERT_EQUAL(json_integer_value(
                      json_object_get(json_array_get(tokens, 0), "last_used")),
                  5000);
  json_decref(tokens);
  vx_store_close(st);
}

/* data_version tells a commit of another connection (another process),
 * not one of the store's own. */
static void test_data_version_tells_commits_of_other_processes(void) {
  char path[600];
  db_path(path, sizeof path, "version.db");
  vx_store *st = db_open_ok(path);
  int64_t v0, v1, v2;
  CU_ASSERT_EQUAL_FATAL(vx_store_data_version(st, &v0), 0);
  put_envs(st, prod_staging);
  CU_ASSERT_EQUAL_FATAL(vx_store_data_version(st, &v1), 0);
  CU_ASSERT_EQUAL(v1, v0);
  db_exec(path, "UPDATE meta SET value = value + 1 WHERE key = 'revision'");
  CU_ASSERT_EQUAL_FATAL(vx_store_data_version(st, &v2), 0);
  CU_ASSERT_NOT_EQUAL(v2, v1);
  vx_store_close(st);
}

/* ---- durability and checks --------------------------------------------- */

static void test_check_finds_orphans(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "orphans.db");
  vx_store *st = db_open_ok(path);
  put_envs(st, prod_staging);
  vx_store_close(st);
  /* Another program, foreign keys off, leaves a state without its flag. */
  db_exec(path, "PRAGMA foreign_keys = OFF; INSERT INTO flag_states "
                "VALUES ('ghost', 'production', '{}')");
  st = db_open_ok(path);
  CU_ASSERT_EQUAL(vx_store_check(st, err, sizeof err), VX_EIO);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "flag_states"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "flags"));
  vx_store_data d; /* the load skips it */
  db_load_ok(st, &d);
  CU_ASSERT_EQUAL(json_object_size(d.flags), 0);
  vx_store_data_dispose(&d);
  vx_store_close(st);
}

#define KILL_ROUNDS 3
#define ACKS_BEFORE_KILL 150

/* The child: commits one flag per transaction, forever, and writes the
 * revision of each to fd once its COMMIT has returned. */
_Noreturn static void writer(const char *path, int fd) {
  vx_store *st;
  char err[512];
  vx_store_data d;
  if (vx_store_open(path, &st, err, sizeof err) != 0 ||
      vx_store_load(st, &d, NULL, NULL, err, sizeof err) != 0)
    _exit(2);
  uint64_t rev = d.revision;
  vx_store_data_dispose(&d);
  for (;;) {
    char key[32];
    snprintf(key, sizeof key, "f%llu", (unsigned long long)rev + 1);
    json_t *flag =
        json_pack("{s:s, s:s, s:I, s:{s:{s:b}}}", "key", key, "type", "boolean",
                  "revision", (json_int_t)rev + 1, "environments", "production",
                  "enabled", (int)(rev % 2));
    if (flag == NULL || vx_store_begin(st) != 0 ||
        vx_store_bump_revision(st, &rev) != 0 ||
        vx_store_put_flag(st, flag) != 0 ||
        vx_store_add_audit(st, rev, 0, "writer", "create", key, NULL, flag,
                           NULL) != 0 ||
        vx_store_commit(st, err, sizeof err) != 0)
      _exit(3);
    json_decref(flag);
    if (write(fd, &rev, sizeof rev) != sizeof rev)
      _exit(4);
  }
}

static void test_survives_sigkill(void) {
  char path[600], err[512] = "";
  db_path(path, sizeof path, "kill.db");
  vx_store *st = db_open_ok(path);
  static const char *const prod[] = {"production", NULL};
  put_envs(st, prod);
  vx_store_close(st);

  uint64_t acked = 0;
  for (int round = 0; round < KILL_ROUNDS; round++) {
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      writer(path, fds[1]);
    }
    close(fds[1]);
    uint64_t got, start = acked;
    ssize_t n;
    while (acked < start + ACKS_BEFORE_KILL &&
           (n = read(fds[0], &got, sizeof got)) == sizeof got) {
      CU_ASSERT_EQUAL(got, acked + 1);
      acked = got;
    }
    CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
    /* Acknowledgements already in the pipe were given: they count too. */
    while ((n = read(fds[0], &got, sizeof got)) == sizeof got) {
      CU_ASSERT_EQUAL(got, acked + 1);
      acked = got;
    }
    close(fds[0]);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CU_ASSERT_TRUE_FATAL(acked >= start + ACKS_BEFORE_KILL);

    st = db_open_ok(path);
    CU_ASSERT_EQUAL(vx_store_check(st, err, sizeof err), 0);
    vx_store_data d;
    db_load_ok(st, &d);
    /* Every acknowledged write is there; at most one more committed
     * without its acknowledgement reaching us. */
    CU_ASSERT_TRUE(d.revision >= acked && d.revision <= acked + 1);
    for (uint64_t i = 1; i <= acked; i++) {
      char key[32];
      snprintf(key, sizeof key, "f%llu", (unsigned long long)i);
      json_t *f = json_object_get(d.flags, key);
      CU_ASSERT_PTR_NOT_NULL(f);
      CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "revision")),
                      (json_int_t)i);
      CU_ASSERT_PTR_NOT_NULL(
          json_object_get(json_object_get(f, "environments"), "production"));
    }
    json_t *audit = NULL;
    CU_ASSERT_EQUAL(vx_store_list_audit(st, NULL, 0, 1, &audit), 0);
    CU_ASSERT_TRUE(json_integer_value(
                       json_object_get(json_array_get(audit, 0), "revision")) ==
                   (json_int_t)d.revision);
    json_decref(audit);
    acked = d.revision; /* the next child goes on from here */
    vx_store_data_dispose(&d);
    vx_store_close(st);
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_flag_round_trip),
      VX_TEST(test_streaming_load_hands_each_flag_in_key_order),
      VX_TEST(test_flag_refusals),
      VX_TEST(test_segment_round_trip),
      VX_TEST(test_environments),
      VX_TEST(test_delete_flag_cascades),
      VX_TEST(test_delete_environment_cascades),
      VX_TEST(test_revision_and_rollback),
      VX_TEST(test_commit_failure),
      VX_TEST(test_statements_reused),
      VX_TEST(test_audit_paging),
      VX_TEST(test_tokens),
      VX_TEST(test_token_last_use_moves_forward_only),
      VX_TEST(test_data_version_tells_commits_of_other_processes),
      VX_TEST(test_check_finds_orphans),
      VX_TEST(test_survives_sigkill),
      {NULL, NULL},
  };
  return vx_test_main("store", tests, suite_init, suite_clean);
}
