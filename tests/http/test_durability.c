/*
 * test_durability.c - a write the daemon acknowledged survives kill -9,
 * and the store runs with what makes a commit survive a power loss.
 *
 * SIGKILL cannot show a missing fsync (the kernel still holds the
 * written pages), so the first test reads the durability settings of the
 * daemon's own store connection from /readyz: WAL with synchronous=FULL,
 * which syncs the log at every COMMIT before the answer is sent.
 *
 * Then four writer threads send a stream of admin writes over HTTP
 * (create flag k, then switch it on in production), recording each write
 * answered 2xx. The test kills the daemon with SIGKILL while writes are in
 * flight, twenty times, restarts it on the same folder, and after every
 * restart checks that every acknowledged write so far is there and that
 * SQLite's PRAGMA integrity_check of the live file says ok.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "vx_test.h"

#define WRITERS 4
#define CYCLES 20
#define MAX_WRITES 100000

static vxh_daemon d;

/* What a writer had acknowledged: created[i] / enabled[i] for key
 * "c<cycle>-w<writer>-<i>". */
typedef struct writer {
  pthread_t thread;
  int cycle, id;
  int attempted;
  int created; /* flags 0..created-1 were acknowledged */
  unsigned char *enabled;
} writer;

static atomic_bool stop;
static writer ws[CYCLES][WRITERS];

static void key_of(char *buf, size_t len, int cycle, int w, int i) {
  snprintf(buf, len, "c%d-w%d-%d", cycle, w, i);
}

static void *write_stream(void *arg) {
  writer *w = arg;
  for (int i = 0; i < MAX_WRITES && !atomic_load(&stop); i++) {
    char key[64], body[128], path[192];
    key_of(key, sizeof key, w->cycle, w->id, i);
    snprintf(body, sizeof body, "{\"key\": \"%s\"}", key);
    w->attempted = i + 1;
    vxh_resp r;
    if (vxh_request(&d, "POST", "/api/v1/admin/flags", VXH_ADMIN_TOKEN, body,
                    NULL, &r) != 0)
      break; /* the kill */
    bool ok = r.status == 201;
    if (!ok && !atomic_load(&stop))
      fprintf(stderr, "create %s: %ld %s\n", key, r.status, r.body);
    vxh_resp_free(&r);
    if (!ok)
      break;
    w->created = i + 1;
    snprintf(path, sizeof path,
             "/api/v1/admin/flags/%s/environments/production/on", key);
    if (vxh_request(&d, "POST", path, VXH_ADMIN_TOKEN, NULL, NULL, &r) != 0)
      break;
    ok = r.status == 200;
    vxh_resp_free(&r);
    if (!ok)
      break;
    w->enabled[i] = 1;
  }
  return NULL;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* The store settings the running daemon reports for its connection. */
static void assert_store_settings(void) {
  json_t *ready = NULL;
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(vxh_request(&d, "GET", "/readyz", NULL, NULL, NULL, &r),
                        0);
  CU_ASSERT_EQUAL(r.status, 200);
  ready = json_object_get(r.json, "store");
  CU_ASSERT_STRING_EQUAL(
      json_string_value(json_object_get(ready, "journal_mode")) ?: "", "wal");
  CU_ASSERT_STRING_EQUAL(
      json_string_value(json_object_get(ready, "synchronous")) ?: "", "full");
  CU_ASSERT_TRUE(json_is_true(json_object_get(ready, "writable")));
  vxh_resp_free(&r);
}

static void test_store_connection_runs_wal_with_synchronous_full(void) {
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, NULL), 0);
  assert_store_settings();
}

/* Every acknowledged write of the cycles so far is in the flags the
 * restarted daemon lists. */
static void check_acknowledged(int cycles) {
  json_t *list = vxh_admin(&d, "GET", "/api/v1/admin/flags", NULL, 200);
  json_t *by_key = json_object();
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(list, "flags"), i, f) {
    json_object_set(by_key, json_string_value(json_object_get(f, "key")), f);
  }
  int missing = 0, off = 0;
  for (int c = 0; c < cycles; c++) {
    for (int w = 0; w < WRITERS; w++) {
      for (int k = 0; k < ws[c][w].created; k++) {
        char key[64];
        key_of(key, sizeof key, c, w, k);
        json_t *flag = json_object_get(by_key, key);
        if (flag == NULL) {
          fprintf(stderr, "acknowledged flag %s is missing\n", key);
          missing++;
          continue;
        }
        json_t *en = json_object_get(
            json_object_get(json_object_get(flag, "environments"),
                            "production"),
            "enabled");
        if (ws[c][w].enabled[k] && !json_is_true(en)) {
          fprintf(stderr, "acknowledged toggle of %s is lost\n", key);
          off++;
        }
      }
    }
  }
  CU_ASSERT_EQUAL(missing, 0);
  CU_ASSERT_EQUAL(off, 0);
  json_decref(by_key);
  json_decref(list);
}

/* PRAGMA integrity_check of the file the running daemon has open, on a
 * read-only connection of the test's own. */
static void check_integrity(void) {
  char uri[512];
  snprintf(uri, sizeof uri, "file:%s/vexil.db?mode=ro", d.dir);
  sqlite3 *h = NULL;
  CU_ASSERT_EQUAL_FATAL(
      sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL),
      SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  sqlite3_stmt *st = NULL;
  CU_ASSERT_EQUAL(
      sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL),
      SQLITE_OK);
  int rows = 0;
  while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    if (rows++ == 0)
      CU_ASSERT_STRING_EQUAL(v ? v : "", "ok");
    if (v == NULL || strcmp(v, "ok") != 0)
      fprintf(stderr, "integrity_check: %s\n", v ? v : "(null)");
  }
  CU_ASSERT_EQUAL(rows, 1);
  sqlite3_finalize(st);
  sqlite3_close(h);
}

static void test_every_acknowledged_write_survives_kill_9(void) {
  int acked = 0, attempted = 0, rounds_with_acks = 0;
  unsigned seed = 12345;
  for (int c = 0; c < CYCLES; c++) {
    atomic_store(&stop, false);
    for (int w = 0; w < WRITERS; w++) {
      ws[c][w] = (writer){.cycle = c, .id = w};
      ws[c][w].enabled = calloc(MAX_WRITES, 1);
      pthread_create(&ws[c][w].thread, NULL, write_stream, &ws[c][w]);
    }
    seed = seed * 1103515245u + 12345u; /* the kill lands anywhere */
    sleep_ms(100 + (long)(seed >> 16) % 200);
    vxh_kill(&d); /* the writers are in the middle of requests */
    atomic_store(&stop, true);
    int cycle_acked = 0;
    for (int w = 0; w < WRITERS; w++) {
      pthread_join(ws[c][w].thread, NULL);
      cycle_acked += ws[c][w].created;
      attempted += ws[c][w].attempted;
    }
    acked += cycle_acked;
    rounds_with_acks += cycle_acked > 0;
    CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, NULL), 0);
    check_acknowledged(c + 1);
    check_integrity();
  }
  printf("\n  %d cycles: %d creations attempted, %d acknowledged and found "
         "after every restart",
         CYCLES, attempted, acked);
  CU_ASSERT_EQUAL(rounds_with_acks, CYCLES);
  assert_store_settings();
  CU_ASSERT_EQUAL(vxh_stop(&d, false), 0);
  for (int c = 0; c < CYCLES; c++)
    for (int w = 0; w < WRITERS; w++)
      free(ws[c][w].enabled);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_store_connection_runs_wal_with_synchronous_full),
      VX_TEST(test_every_acknowledged_write_survives_kill_9),
      {NULL, NULL}};
  return vx_test_main("http/durability", tests, NULL, NULL);
}
