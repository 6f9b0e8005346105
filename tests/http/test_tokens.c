/*
 * test_tokens.c - tokens through a real vexild and its command line: the
 * break-glass `vexild token create` on the database while the daemon runs,
 * a lock-out undone with it, a changed VEXIL_ADMIN_TOKEN that is no longer
 * silently ignored, and the last use of a token written to the database
 * once per interval, never on the request itself (daemon/cli_token.c,
 * service_tokens.c, service_housekeep.c).
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "vx_test.h"

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void read_file(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
  buf[n] = '\0';
  if (f)
    fclose(f);
}

/* Runs `vexild token ARGS... --data-dir DIR` (args NULL-terminated);
 * stdout into out, stderr into errs. Returns the exit status. */
static int run_token_command(const vxh_daemon *d, const char *const *args,
                             char *out, size_t out_cap, char *errs,
                             size_t errs_cap) {
  char out_path[400], err_path[400];
  snprintf(out_path, sizeof out_path, "%s/cli.out", d->dir);
  snprintf(err_path, sizeof err_path, "%s/cli.err", d->dir);
  const char *argv[32];
  int n = 0;
  argv[n++] = getenv("VX_VEXILD");
  argv[n++] = "token";
  for (int i = 0; args[i] != NULL && n < 28; i++)
    argv[n++] = args[i];
  argv[n++] = "--data-dir";
  argv[n++] = d->dir;
  argv[n] = NULL;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(o, STDOUT_FILENO);
    dup2(e, STDERR_FILENO);
    unsetenv("VEXIL_ADMIN_TOKEN");
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  read_file(out_path, out, out_cap);
  read_file(err_path, errs, errs_cap);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The status of GET /api/v1/admin/tokens with token, polled until it is
 * want or timeout_ms passed. */
static long poll_status(const vxh_daemon *d, const char *token, long want,
                        int timeout_ms) {
  long got = -1;
  for (int waited = 0;; waited += 50) {
    vxh_resp r;
    if (vxh_request(d, "GET", "/api/v1/admin/tokens", token, NULL, NULL, &r) ==
        0) {
      got = r.status;
      vxh_resp_free(&r);
    }
    if (got == want || waited >= timeout_ms)
      return got;
    sleep_ms(50);
  }
}

static bool log_has(const vxh_daemon *d, const char *text) {
  static char buf[1 << 20];
  read_file(d->log_path, buf, sizeof buf);
  return strstr(buf, text) != NULL;
}

/* Runs sql on the daemon's database behind its back, as another program
 * would. */
static void raw_exec(const vxh_daemon *d, const char *sql) {
  char path[400];
  snprintf(path, sizeof path, "%s/vexil.db", d->dir);
  sqlite3 *db = NULL;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static long long raw_int(const vxh_daemon *d, const char *sql) {
  char path[400];
  snprintf(path, sizeof path, "%s/vexil.db", d->dir);
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  long long v = -1;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
  if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

/* Creates a break-glass admin token; its secret into secret. */
static void break_glass(const vxh_daemon *d, const char *name, char *secret,
                        size_t cap) {
  char out[512], errs[2048];
  const char *args[] = {"create", "--admin", "--name", name, NULL};
  int rc = run_token_command(d, args, out, sizeof out, errs, sizeof errs);
  if (rc != 0)
    fprintf(stderr, "token create: %d: %s\n", rc, errs);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  /* The secret alone on stdout; the rest on stderr. */
  out[strcspn(out, "\n")] = '\0';
  CU_ASSERT_EQUAL(strncmp(out, "vx_", 3), 0);
  CU_ASSERT_EQUAL(strlen(out), 67);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "break-glass (uid "));
  CU_ASSERT_PTR_NULL(strstr(errs, out));
  snprintf(secret, cap, "%s", out);
}

static void test_break_glass_token_works_while_the_daemon_runs(void) {
  vxh_daemon d;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, NULL), 0);
  char secret[128];
  break_glass(&d, "rescue", secret, sizeof secret);
  /* Taken in within a second or so, without a restart. */
  CU_ASSERT_EQUAL(poll_status(&d, secret, 200, 5000), 200);
  CU_ASSERT_TRUE(log_has(&d, "token 2 (rescue, admin) was added by another "
                             "process"));
  /* Audited as the break-glass path, by whom and where. */
  json_t *audit =
      vxh_admin(&d, "GET", "/api/v1/admin/audit?limit=1", NULL, 200);
  json_t *entry = json_array_get(json_object_get(audit, "entries"), 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(entry, "action")),
                         "token.create");
  char want[64];
  snprintf(want, sizeof want, "break-glass (uid %u on ", (unsigned)getuid());
  const char *actor = json_string_value(json_object_get(entry, "actor"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(actor);
  CU_ASSERT_EQUAL(strncmp(actor, want, strlen(want)), 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                             json_object_get(entry, "after"), "name")),
                         "rescue");
  char *text = json_dumps(audit, 0);
  CU_ASSERT_PTR_NULL(strstr(text, secret));
  CU_ASSERT_PTR_NULL(strstr(text, "\"hash\""));
  free(text);
  json_decref(audit);
  /* `token list` shows it, without a secret. */
  char out[4096], errs[1024];
  const char *args[] = {"list", NULL};
  CU_ASSERT_EQUAL(
      run_token_command(&d, args, out, sizeof out, errs, sizeof errs), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "rescue"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "active"));
  CU_ASSERT_PTR_NULL(strstr(out, secret));
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

/* Every admin token revoked behind the API's back (the API refuses to
 * revoke the last one): the daemon takes that in too, and shell access to
 * the host gets the admin API back. */
static void test_break_glass_ends_a_lock_out(void) {
  vxh_daemon d;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, NULL), 0);
  raw_exec(&d, "UPDATE tokens SET revoked_at = 1");
  CU_ASSERT_EQUAL(poll_status(&d, VXH_ADMIN_TOKEN, 401, 5000), 401);
  char secret[128];
  break_glass(&d, "after-lockout", secret, sizeof secret);
  CU_ASSERT_EQUAL(poll_status(&d, secret, 200, 5000), 200);
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

static void test_token_command_refuses_what_it_cannot_do(void) {
  vxh_daemon d;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, NULL), 0);
  char out[4096], errs[4096];
  const char *client[] = {"create", "--name", "x", NULL};
  CU_ASSERT_EQUAL(
      run_token_command(&d, client, out, sizeof out, errs, sizeof errs), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--admin"));
  const char *unnamed[] = {"create", "--admin", NULL};
  CU_ASSERT_EQUAL(
      run_token_command(&d, unnamed, out, sizeof out, errs, sizeof errs), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--name"));
  const char *unknown[] = {"delete", NULL};
  CU_ASSERT_EQUAL(
      run_token_command(&d, unknown, out, sizeof out, errs, sizeof errs), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "unknown command: delete"));
  const char *help[] = {"--help", NULL};
  CU_ASSERT_EQUAL(
      run_token_command(&d, help, out, sizeof out, errs, sizeof errs), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "vexild token create --admin --name"));
  /* It never creates a database. */
  const char *elsewhere[] = {"create", "--admin",    "--name",
                             "x",      "--database", "/nonexistent/vexil.db",
                             NULL};
  CU_ASSERT_EQUAL(
      run_token_command(&d, elsewhere, out, sizeof out, errs, sizeof errs), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "no database at /nonexistent/vexil.db"));
  CU_ASSERT_STRING_EQUAL(out, "");
  CU_ASSERT_EQUAL(raw_int(&d, "SELECT count(*) FROM tokens"), 1);
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

/* VEXIL_ADMIN_TOKEN creates the first admin token of an empty database
 * only. A different value at a later start is not silently ignored. */
static void test_changed_admin_token_variable_is_warned_about(void) {
  vxh_daemon d;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, NULL), 0);
  CU_ASSERT_EQUAL_FATAL(vxh_stop(&d, true), 0);
  d.admin_token = "a-new-value-that-was-never-a-token";
  CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, NULL), 0);
  CU_ASSERT_TRUE(log_has(&d, "VEXIL_ADMIN_TOKEN is ignored"));
  CU_ASSERT_TRUE(log_has(&d, "vexild token create --admin --name NAME"));
  CU_ASSERT_EQUAL(poll_status(&d, d.admin_token, 401, 0), 401);
  CU_ASSERT_EQUAL(poll_status(&d, VXH_ADMIN_TOKEN, 200, 0), 200);
  CU_ASSERT_EQUAL_FATAL(vxh_stop(&d, true), 0);
  /* The same value as the admin token: nothing to say. */
  char log[400];
  snprintf(log, sizeof log, "%s", d.log_path);
  remove(log);
  d.admin_token = NULL;
  CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, NULL), 0);
  CU_ASSERT_FALSE(log_has(&d, "VEXIL_ADMIN_TOKEN is ignored"));
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

static char *client_token(const vxh_daemon *d, long long *id) {
  json_t *t = vxh_admin(d, "POST", "/api/v1/admin/tokens",
                        "{\"name\": \"svc\", \"role\": \"client\", "
                        "\"environment\": \"production\"}",
                        201);
  char *secret = strdup(json_string_value(json_object_get(t, "secret")));
  *id = json_integer_value(json_object_get(t, "id"));
  json_decref(t);
  return secret;
}

static void evaluate_with(const vxh_daemon *d, const char *secret) {
  vxh_resp r;
  CU_ASSERT_EQUAL(vxh_request(d, "POST", "/ofrep/v1/evaluate/flags", secret,
                              "{\"context\": {\"targetingKey\": \"u\"}}", NULL,
                              &r),
                  0);
  CU_ASSERT_EQUAL(r.status, 200);
  vxh_resp_free(&r);
}

/* Token id's last_used: in the database (stored) and as GET tokens shows
 * it (listed); -1 for null. */
static long long stored_last_used(const vxh_daemon *d, long long id) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT last_used FROM tokens WHERE id = %lld", id);
  return raw_int(d, sql);
}

static long long listed_last_used(const vxh_daemon *d, long long id) {
  json_t *list = vxh_admin(d, "GET", "/api/v1/admin/tokens", NULL, 200);
  json_t *t = json_array_get(json_object_get(list, "tokens"), (size_t)id - 1);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(t, "id")), id);
  json_t *used = json_object_get(t, "last_used");
  long long v = json_is_integer(used) ? json_integer_value(used) : -1;
  json_decref(list);
  return v;
}

/* With the default interval (60 s), a use is not in the database right
 * after the request: nothing is written on the request path. */
static void test_last_use_is_not_written_by_the_request(void) {
  vxh_daemon d;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, NULL), 0);
  long long id;
  char *secret = client_token(&d, &id);
  evaluate_with(&d, secret);
  sleep_ms(1500); /* more than a housekeeping tick */
  CU_ASSERT_EQUAL(stored_last_used(&d, id), -1);
  /* ... but the API shows it at once. */
  CU_ASSERT_TRUE(listed_last_used(&d, id) > 0);
  vxh_kill(&d); /* no clean stop: nothing written */
  CU_ASSERT_EQUAL(stored_last_used(&d, id), -1);
  CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, NULL), 0);
  CU_ASSERT_EQUAL(listed_last_used(&d, id), -1);
  free(secret);
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

/* With --last-used-interval 1, the use is in the database within a couple
 * of seconds, and survives a kill -9. */
static void test_last_use_is_written_once_per_interval(void) {
  const char *args[] = {"--last-used-interval", "1", NULL};
  vxh_daemon d;
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, args), 0);
  long long id;
  char *secret = client_token(&d, &id);
  evaluate_with(&d, secret);
  long long stored = -1;
  for (int i = 0; i < 100 && stored < 0; i++, sleep_ms(50))
    stored = stored_last_used(&d, id);
  CU_ASSERT_TRUE(stored > 0);
  vxh_kill(&d);
  CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, args), 0);
  CU_ASSERT_EQUAL(listed_last_used(&d, id), stored);
  free(secret);
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_break_glass_token_works_while_the_daemon_runs),
      VX_TEST(test_break_glass_ends_a_lock_out),
      VX_TEST(test_token_command_refuses_what_it_cannot_do),
      VX_TEST(test_changed_admin_token_variable_is_warned_about),
      VX_TEST(test_last_use_is_not_written_by_the_request),
      VX_TEST(test_last_use_is_written_once_per_interval),
      {NULL, NULL}};
  return vx_test_main("http/tokens", tests, NULL, NULL);
}
