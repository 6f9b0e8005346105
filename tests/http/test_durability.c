/*
 * test_durability.c - a write the daemon acknowledged survives SIGKILL.
 *
 * Writer threads send a stream of admin writes (create flag k, then switch
 * it on in production), recording each write answered 2xx. The test kills
 * the daemon with SIGKILL while writes are in flight, restarts it on the
 * same folder, and checks that every acknowledged write is there; three
 * rounds. Finally it stops the daemon cleanly and runs SQLite's
 * PRAGMA integrity_check on the database file.
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

#define WRITERS 3
#define MAX_WRITES 100000
#define ROUNDS 3

static vxh_daemon d;

/* What a writer had acknowledged: created[i] / enabled[i] for key
 * "r<round>-w<writer>-<i>". */
typedef struct writer {
  pthread_t thread;
  int round, id;
  int attempted;
  int created; /* flags 0..created-1 were acknowledged */
  unsigned char *enabled;
  int failures; /* requests without an answer (the kill) */
} writer;

static atomic_bool stop;

static void key_of(char *buf, size_t len, int round, int w, int i) {
  snprintf(buf, len, "r%d-w%d-%d", round, w, i);
}

static void *write_stream(void *arg) {
  writer *w = arg;
  for (int i = 0; i < MAX_WRITES && !atomic_load(&stop); i++) {
    char key[64], body[128], path[192];
    key_of(key, sizeof key, w->round, w->id, i);
    snprintf(body, sizeof body, "{\"key\": \"%s\"}", key);
    w->attempted = i + 1;
    vxh_resp r;
    if (vxh_request(&d, "POST", "/api/v1/admin/flags", VXH_ADMIN_TOKEN, body,
                    NULL, &r) != 0) {
      w->failures++;
      break;
    }
    bool ok = r.status == 201;
    if (!ok && !atomic_load(&stop))
      fprintf(stderr, "create %s: %ld %s\n", key, r.status, r.body);
    vxh_resp_free(&r);
    if (!ok)
      break;
    w->created = i + 1;
    snprintf(path, sizeof path,
             "/api/v1/admin/flags/%s/environments/production/on", key);
    if (vxh_request(&d, "POST", path, VXH_ADMIN_TOKEN, NULL, NULL, &r) != 0) {
      w->failures++;
      break;
    }
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

/* Checks every acknowledged write of the rounds so far against the flags
 * the restarted daemon lists. */
static void check_acknowledged(writer (*ws)[WRITERS], int rounds) {
  json_t *list = vxh_admin(&d, "GET", "/api/v1/admin/flags", NULL, 200);
  json_t *by_key = json_object();
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(list, "flags"), i, f) {
    json_object_set(by_key, json_string_value(json_object_get(f, "key")), f);
  }
  int missing = 0, off = 0, checked = 0;
  for (int r = 0; r < rounds; r++) {
    for (int w = 0; w < WRITERS; w++) {
      for (int k = 0; k < ws[r][w].created; k++) {
        char key[64];
        key_of(key, sizeof key, r, w, k);
        json_t *flag = json_object_get(by_key, key);
        checked++;
        if (flag == NULL) {
          fprintf(stderr, "acknowledged flag %s is missing\n", key);
          missing++;
          continue;
        }
        json_t *en = json_object_get(
            json_object_get(json_object_get(flag, "environments"),
                            "production"),
            "enabled");
        if (ws[r][w].enabled[k] && !json_is_true(en)) {
          fprintf(stderr, "acknowledged toggle of %s is lost\n", key);
          off++;
        }
      }
    }
  }
  printf("\n  %d acknowledged flags checked after restart\n", checked);
  CU_ASSERT_EQUAL(missing, 0);
  CU_ASSERT_EQUAL(off, 0);
  json_decref(by_key);
  json_decref(list);
}

static void test_acknowledged_writes_survive_sigkill(void) {
  static writer ws[ROUNDS][WRITERS];
  CU_ASSERT_EQUAL_FATAL(vxh_start(&d, NULL), 0);
  for (int r = 0; r < ROUNDS; r++) {
    atomic_store(&stop, false);
    for (int w = 0; w < WRITERS; w++) {
      ws[r][w] = (writer){.round = r, .id = w};
      ws[r][w].enabled = calloc(MAX_WRITES, 1);
      pthread_create(&ws[r][w].thread, NULL, write_stream, &ws[r][w]);
    }
    sleep_ms(400 + 100 * r);
    vxh_kill(&d); /* the writers are in the middle of requests */
    atomic_store(&stop, true);
    int acked = 0, attempted = 0;
    for (int w = 0; w < WRITERS; w++) {
      pthread_join(ws[r][w].thread, NULL);
      acked += ws[r][w].created;
      attempted += ws[r][w].attempted;
    }
    printf("\n  round %d: %d creations attempted, %d acknowledged", r,
           attempted, acked);
    CU_ASSERT_TRUE(acked > 0);
    CU_ASSERT_EQUAL_FATAL(vxh_restart(&d, NULL), 0);
    check_acknowledged(ws, r + 1);
  }
  /* A clean stop, then SQLite's own check of the file. */
  CU_ASSERT_EQUAL(vxh_stop(&d, true), 0);
  char db[400];
  snprintf(db, sizeof db, "%s/vexil.db", d.dir);
  sqlite3 *h = NULL;
  CU_ASSERT_EQUAL(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL),
                  SQLITE_OK);
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
  vxh_stop(&d, false); /* removes the folder */
  for (int r = 0; r < ROUNDS; r++)
    for (int w = 0; w < WRITERS; w++)
      free(ws[r][w].enabled);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_acknowledged_writes_survive_sigkill), {NULL, NULL}};
  return vx_test_main("http/durability", tests, NULL, NULL);
}
