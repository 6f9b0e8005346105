/*
 * Tokens in the service (daemon/service_tokens.c, service_housekeep.c):
 * the last active admin token cannot be revoked; the last use of a token
 * is recorded in memory on use and written to the store once per interval
 * (driven here with the housekeeping's clock, no sleeping); a token that
 * another process adds to the database (`vexild token create`) is taken
 * in without a restart. Runs on a temporary database.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "service.h"
#include "service_config.h"
#include "store.h"
#include "vx_test.h"

static char dir[] = "/tmp/vexil-service-tokens-XXXXXX";
static vx_config cfg;
static vx_service *svc;
static const vx_principal alice = {VX_ROLE_ADMIN, 1, "alice", ""};

static int changes;
static uint64_t last_revision;

static void on_change(const vx_change *c, void *arg) {
  (void)arg;
  changes++;
  last_revision = c->revision;
}

static int suite_init(void) {
  if (mkdtemp(dir) == NULL)
    return -1;
  vxt_service_config(&cfg, dir);
  char *secret = NULL, err[512];
  if (vx_service_open(&cfg, &svc, &secret, err, sizeof err) != 0) {
    fprintf(stderr, "open: %s\n", err);
    return -1;
  }
  free(secret);
  return vx_service_on_change(svc, on_change, NULL);
}

static int suite_clean(void) {
  vx_service_close(svc);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* A token's document in the list, by name (a new reference), or NULL. */
static json_t *listed(const char *name) {
  json_t *list = vx_service_list_tokens(svc), *found = NULL;
  size_t i;
  json_t *t;
  json_array_foreach(list, i, t) {
    if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
      found = json_incref(t);
  }
  json_decref(list);
  return found;
}

/* The stored last_used of token id, as another program reads it: -1 for
 * NULL. */
static long long stored_last_used(int64_t id) {
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  long long v = -2;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(cfg.database, &db), SQLITE_OK);
  if (sqlite3_prepare_v2(db, "SELECT last_used FROM tokens WHERE id = ?1", -1,
                         &s, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW)
      v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1
                                                   : sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

static json_t *create(const char *name, vx_role role) {
  json_t *created = NULL;
  vx_werr err;
  CU_ASSERT_EQUAL_FATAL(
      vx_service_create_token(svc, &alice, name, role,
                              role == VX_ROLE_CLIENT ? "production" : NULL,
                              &created, &err),
      0);
  return created;
}

static void test_last_active_admin_token_cannot_be_revoked(void) {
  vx_werr err = {0};
  /* The first admin token (id 1) is the only one. */
  CU_ASSERT_EQUAL(vx_service_revoke_token(svc, &alice, 1, &err), VX_ECONFLICT);
  CU_ASSERT_EQUAL(err.status, 409);
  CU_ASSERT_STRING_EQUAL(err.code, "LAST_ADMIN");
  CU_ASSERT_STRING_EQUAL(err.field, "id");
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "Create another admin token"));
  /* A client token does not count. */
  json_decref(create("client-only", VX_ROLE_CLIENT));
  CU_ASSERT_EQUAL(vx_service_revoke_token(svc, &alice, 1, &err), VX_ECONFLICT);
  /* With a second admin token, either can go, but not both. */
  json_t *backup = create("backup", VX_ROLE_ADMIN);
  int64_t id = json_integer_value(json_object_get(backup, "id"));
  CU_ASSERT_EQUAL(vx_service_revoke_token(svc, &alice, id, &err), 0);
  CU_ASSERT_EQUAL(vx_service_revoke_token(svc, &alice, 1, &err), VX_ECONFLICT);
  CU_ASSERT_STRING_EQUAL(err.code, "LAST_ADMIN");
  /* Revoking a revoked token again is still fine. */
  CU_ASSERT_EQUAL(vx_service_revoke_token(svc, &alice, id, &err), 0);
  vx_principal who;
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, "secret-admin", &who), 0);
  json_decref(backup);
}

static void
test_last_use_is_recorded_at_once_and_stored_once_per_interval(void) {
  json_t *t = create("used", VX_ROLE_CLIENT);
  int64_t id = json_integer_value(json_object_get(t, "id"));
  char secret[128];
  snprintf(secret, sizeof secret, "%s",
           json_string_value(json_object_get(t, "secret")));
  json_decref(t);
  json_t *before = listed("used");
  CU_ASSERT_TRUE(json_is_null(json_object_get(before, "last_used")));
  json_decref(before);

  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long wall = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  vx_principal who;
  CU_ASSERT_EQUAL_FATAL(vx_service_authenticate(svc, secret, &who), 0);
  /* In the list at once, to the second ... */
  json_t *after = listed("used");
  long long used = json_integer_value(json_object_get(after, "last_used"));
  CU_ASSERT_TRUE(used >= wall - 1000 && used <= wall + 1000);
  json_decref(after);
  /* ... but not in the store before the interval (60 s) passed. */
  int64_t now = vx_service_monotonic_ms();
  CU_ASSERT_EQUAL(vx_service_housekeep(svc, now + 1000) & VX_HOUSEKEEP_FLUSHED,
                  0);
  CU_ASSERT_EQUAL(stored_last_used(id), -1);
  CU_ASSERT_NOT_EQUAL(
      vx_service_housekeep(svc, now + 61000) & VX_HOUSEKEEP_FLUSHED, 0);
  CU_ASSERT_EQUAL(stored_last_used(id), used);
  /* Written: the next interval has nothing new to write for it, and no
   * write made a revision. */
  uint64_t rev = vx_service_revision(svc);
  CU_ASSERT_NOT_EQUAL(
      vx_service_housekeep(svc, now + 122000) & VX_HOUSEKEEP_FLUSHED, 0);
  CU_ASSERT_EQUAL(stored_last_used(id), used);
  CU_ASSERT_EQUAL(vx_service_revision(svc), rev);
}

/* What `vexild token create` does: its own connection, one transaction. */
static int64_t add_token_elsewhere(const char *secret) {
  vx_store *st = NULL;
  char err[512] = "";
  CU_ASSERT_EQUAL_FATAL(vx_store_open(cfg.database, &st, err, sizeof err), 0);
  uint64_t revision;
  json_t *doc = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_store_begin(st), 0);
  CU_ASSERT_EQUAL_FATAL(vx_store_bump_revision(st, &revision), 0);
  CU_ASSERT_EQUAL_FATAL(vx_token_add(st, revision, "elsewhere", "rescue",
                                     VX_ROLE_ADMIN, NULL, secret, 1234, &doc),
                        0);
  CU_ASSERT_EQUAL_FATAL(vx_store_commit(st, err, sizeof err), 0);
  char *text = json_dumps(doc, 0);
  CU_ASSERT_PTR_NULL(strstr(text, secret));
  free(text);
  int64_t id = json_integer_value(json_object_get(doc, "id"));
  json_decref(doc);
  vx_store_close(st);
  return id;
}

static void test_token_added_by_another_process_is_taken_in(void) {
  const char *secret = "vx_rescue-0123456789abcdef";
  vx_principal who;
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, secret, &who), VX_ENOENT);
  int before = changes;
  uint64_t rev = vx_service_revision(svc);
  add_token_elsewhere(secret);
  /* The housekeeping thread may have been first: either way, once it
   * ran, the token works and listeners heard of the new revision. */
  vx_service_housekeep(svc, vx_service_monotonic_ms());
  CU_ASSERT_EQUAL(vx_service_authenticate(svc, secret, &who), 0);
  CU_ASSERT_EQUAL(who.role, VX_ROLE_ADMIN);
  CU_ASSERT_STRING_EQUAL(who.name, "rescue");
  CU_ASSERT_EQUAL(vx_service_revision(svc), rev + 1);
  CU_ASSERT_TRUE(changes > before);
  CU_ASSERT_EQUAL(last_revision, rev + 1);
  /* Nothing changed since: nothing is reloaded. */
  CU_ASSERT_EQUAL(vx_service_housekeep(svc, vx_service_monotonic_ms()) &
                      VX_HOUSEKEEP_RELOADED,
                  0);
  /* The service's own writes are not taken for another process's. */
  json_decref(create("own-write", VX_ROLE_CLIENT));
  CU_ASSERT_EQUAL(vx_service_housekeep(svc, vx_service_monotonic_ms()) &
                      VX_HOUSEKEEP_RELOADED,
                  0);
  json_t *t = listed("rescue");
  CU_ASSERT_PTR_NOT_NULL(t);
  CU_ASSERT_PTR_NULL(json_object_get(t, "hash"));
  json_decref(t);
}

/* A clean stop writes what the last interval recorded. */
static void test_close_writes_the_last_use(void) {
  json_t *t = create("late", VX_ROLE_CLIENT);
  int64_t id = json_integer_value(json_object_get(t, "id"));
  vx_principal who;
  CU_ASSERT_EQUAL(
      vx_service_authenticate(
          svc, json_string_value(json_object_get(t, "secret")), &who),
      0);
  json_decref(t);
  CU_ASSERT_EQUAL(stored_last_used(id), -1);
  vx_service_close(svc);
  svc = NULL;
  CU_ASSERT_TRUE(stored_last_used(id) > 0);
  char *secret = NULL, err[512];
  CU_ASSERT_EQUAL_FATAL(vx_service_open(&cfg, &svc, &secret, err, sizeof err),
                        0);
  json_t *again = listed("late");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(again, "last_used")),
                  stored_last_used(id));
  json_decref(again);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_last_active_admin_token_cannot_be_revoked),
      VX_TEST(test_last_use_is_recorded_at_once_and_stored_once_per_interval),
      VX_TEST(test_token_added_by_another_process_is_taken_in),
      VX_TEST(test_close_writes_the_last_use),
      {NULL, NULL},
  };
  return vx_test_main("daemon/service_tokens", tests, suite_init, suite_clean);
}
