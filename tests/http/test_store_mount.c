/*
 * test_store_mount.c - a real vexild whose database is on a small tmpfs
 * that the test fills up and remounts read-only: writes answer 503 with
 * a stable code and change nothing, evaluation keeps serving the last
 * snapshot, /readyz stays 200 and says why writes fail, and writes work
 * again without a restart once space is freed or the file system is
 * writable again; nothing acknowledged is lost.
 *
 * Mounting needs root (CI runs as root); without it the program exits 77,
 * which meson counts as skipped, and says why. The mount is made in a
 * mount namespace of the test's own, so it goes away with the test (and
 * its vexild) whatever happens, and nobody else sees it. Linux refuses to
 * remount read-only a file system with files open for writing (EBUSY), so the
 * read-only case starts vexild on the read-only file system: that is
 * also what a restart after the kernel remounted a failing disk
 * read-only looks like.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "admin_support.h"
#include "store_support.h"
#include "vx_test.h"

static char mnt[300];
static char db[400];
static char *args[] = {"--database", db, "--store-probe-interval-ms", "100",
                       NULL};

static int start(void) {
  return vxh_start(&adm_d, (const char *const *)args);
}

static int remount(bool read_only) {
  int rc = mount(NULL, mnt, NULL, MS_REMOUNT | (read_only ? MS_RDONLY : 0),
                 "size=4m");
  if (rc != 0)
    fprintf(stderr, "remount %s: %s\n", read_only ? "ro" : "rw",
            strerror(errno));
  return rc;
}

/* Writes zeros into mnt/ballast until the file system is full. */
static void fill_up(void) {
  char path[400];
  snprintf(path, sizeof path, "%s/ballast", mnt);
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  static char zeros[4096];
  setvbuf(f, NULL, _IONBF, 0);
  while (fwrite(zeros, 1, sizeof zeros, f) == sizeof zeros)
    ;
  fclose(f);
}

static void free_up(void) {
  char path[400];
  snprintf(path, sizeof path, "%s/ballast", mnt);
  CU_ASSERT_EQUAL(unlink(path), 0);
}

static void expect_refused(const char *method, const char *path,
                           const char *body, const char *code,
                           const char *says) {
  json_t *e =
      adm_err(method, path, VXH_ADMIN_TOKEN, body, NULL, 503, code, NULL);
  const char *msg = adm_str(e, "message");
  if (msg == NULL || strstr(msg, says) == NULL)
    fprintf(stderr, "\n  \"%s\" is not in: %s\n", says, msg ? msg : "-");
  CU_ASSERT_PTR_NOT_NULL(msg != NULL ? strstr(msg, says) : NULL);
  json_decref(e);
}

#define FLAGS "/api/v1/admin/flags"
#define KEPT_ON FLAGS "/kept/environments/production/on"
#define KEPT_OFF FLAGS "/kept/environments/production/off"

static int acked = 0;

static void
test_full_disk_answers_store_full_and_recovers_when_space_frees(void) {
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  json_decref(adm("POST", FLAGS, "{\"key\": \"kept\"}", 201));
  json_decref(adm("POST", KEPT_ON, NULL, 200));
  CU_ASSERT_EQUAL(adm_evaluate("kept", "production"), 1);
  fill_up();

  /* Flags until one is refused: the log may still have had room. */
  static char body[4200];
  int refused = -1;
  for (int i = 0; i < 400 && refused < 0; i++) {
    snprintf(body, sizeof body, "{\"key\": \"f%d\", \"description\": \"%0*d\"}",
             i, 3900, i);
    vxh_resp r;
    CU_ASSERT_EQUAL_FATAL(
        vxh_request(&adm_d, "POST", FLAGS, VXH_ADMIN_TOKEN, body, NULL, &r), 0);
    if (r.status == 201) {
      acked = i + 1;
    } else {
      refused = i;
      if (r.status != 503)
        fprintf(stderr, "\n  f%d: %ld %s\n", i, r.status, r.body);
      CU_ASSERT_EQUAL(r.status, 503);
      CU_ASSERT_STRING_EQUAL(adm_str(r.json, "code") ?: "", "STORE_FULL");
      CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(r.json, "message") ?: "", "full"));
    }
    vxh_resp_free(&r);
  }
  CU_ASSERT_FATAL(refused >= 0);
  expect_refused("POST", KEPT_OFF, NULL, "STORE_FULL", "full");

  /* Evaluation serves the last snapshot; /readyz stays 200 and says it. */
  CU_ASSERT_EQUAL(adm_evaluate("kept", "production"), 1);
  json_t *ready = st_readyz();
  CU_ASSERT_FALSE(json_is_true(adm_at(ready, "store.writable")));
  CU_ASSERT_STRING_EQUAL(adm_str(ready, "store.code") ?: "", "STORE_FULL");
  CU_ASSERT_PTR_NOT_NULL(strstr(adm_str(ready, "store.error") ?: "", "full"));
  CU_ASSERT_PTR_NOT_NULL(adm_str(ready, "store.since"));
  json_decref(ready);
  CU_ASSERT_EQUAL(st_metric("vexil_store_writable"), 0);
  CU_ASSERT(
      st_metric("vexil_store_write_failures_total{code=\"STORE_FULL\"}") >= 2);
  /* Nothing of a refused write is in memory. */
  char path[64];
  snprintf(path, sizeof path, FLAGS "/f%d", refused);
  json_decref(adm("GET", path, NULL, 404));
  json_t *kept = adm("GET", FLAGS "/kept", NULL, 200);
  CU_ASSERT_TRUE(json_is_true(adm_at(kept, "environments.production.enabled")));
  json_decref(kept);

  /* Space comes back: the probe sees it, without a write or a restart. */
  free_up();
  CU_ASSERT_TRUE(st_wait_writable(true, 5000));
  CU_ASSERT_EQUAL(st_metric("vexil_store_writable"), 1);
  json_decref(adm("POST", KEPT_OFF, NULL, 200));
  CU_ASSERT_EQUAL(adm_evaluate("kept", "production"), 0);
  json_decref(adm("POST", FLAGS, "{\"key\": \"after\"}", 201));

  /* Everything acknowledged is in the store. */
  CU_ASSERT_EQUAL(vxh_stop(&adm_d, false), 0);
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  for (int i = 0; i < acked; i++) {
    snprintf(path, sizeof path, FLAGS "/f%d", i);
    json_decref(adm("GET", path, NULL, 200));
  }
  snprintf(path, sizeof path, FLAGS "/f%d", refused);
  json_decref(adm("GET", path, NULL, 404));
  json_decref(adm("GET", FLAGS "/after", NULL, 200));
  CU_ASSERT_EQUAL(adm_evaluate("kept", "production"), 0);
  CU_ASSERT_EQUAL(vxh_stop(&adm_d, false), 0);
}

/* vexild starts on the read-only file system, serves, refuses writes, and
 * takes them once the file system is writable again. */
static void read_only_round(const char *flag, bool kill_first) {
  if (kill_first) {
    vxh_kill(&adm_d);        /* leaves the -wal and -shm files */
    vxh_stop(&adm_d, false); /* removes its log folder */
  } else {
    CU_ASSERT_EQUAL(vxh_stop(&adm_d, false), 0);
  }
  CU_ASSERT_EQUAL_FATAL(remount(true), 0);
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  char code[64];
  CU_ASSERT_STRING_EQUAL(st_code(code, sizeof code), "STORE_READ_ONLY");
  CU_ASSERT_EQUAL(adm_evaluate("kept", "production"), 0);
  char path[128], body[128];
  snprintf(path, sizeof path, FLAGS "/%s", flag);
  json_decref(adm("GET", path, NULL, 404));
  snprintf(body, sizeof body, "{\"key\": \"%s\"}", flag);
  expect_refused("POST", FLAGS, body, "STORE_READ_ONLY", "readonly");
  expect_refused("POST", KEPT_ON, NULL, "STORE_READ_ONLY", "readonly");
  CU_ASSERT_EQUAL(adm_evaluate("kept", "production"), 0);
  CU_ASSERT_EQUAL(st_metric("vexil_store_writable"), 0);

  CU_ASSERT_EQUAL_FATAL(remount(false), 0);
  CU_ASSERT_TRUE(st_wait_writable(true, 5000));
  json_decref(adm("POST", FLAGS, body, 201));
  json_decref(adm("GET", path, NULL, 200));
}

static void
test_read_only_file_system_answers_store_read_only_and_recovers(void) {
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  json_decref(adm("GET", FLAGS "/after", NULL, 200));
  read_only_round("ro-clean", false); /* closed cleanly: no -wal file */
  read_only_round("ro-killed", true); /* the last write is in the -wal */
  vxh_kill(&adm_d);
  vxh_stop(&adm_d, false);
  CU_ASSERT_EQUAL_FATAL(remount(true), 0);
  CU_ASSERT_EQUAL_FATAL(start(), 0);
  json_decref(adm("GET", FLAGS "/ro-killed", NULL, 200));
  json_decref(adm("GET", FLAGS "/ro-clean", NULL, 200));
  CU_ASSERT_EQUAL(vxh_stop(&adm_d, false), 0);
  CU_ASSERT_EQUAL(remount(false), 0);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(mnt, sizeof mnt, "%s/vexil-tmpfs-XXXXXX",
           tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
  if (mkdtemp(mnt) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount("tmpfs", mnt, "tmpfs", 0, "size=4m,mode=0755") != 0) {
    printf("skipped: cannot mount a 4 MiB tmpfs on %s (%s): this test "
           "needs root (CI runs as root)\n",
           mnt, strerror(errno));
    rmdir(mnt);
    return 77;
  }
  snprintf(db, sizeof db, "%s/vexil.db", mnt);
  static const vx_test tests[] = {
      VX_TEST(test_full_disk_answers_store_full_and_recovers_when_space_frees),
      VX_TEST(test_read_only_file_system_answers_store_read_only_and_recovers),
      {NULL, NULL}};
  int rc = vx_test_main("http/store_mount", tests, NULL, NULL);
  vxh_kill(&adm_d);
  vxh_stop(&adm_d, false);
  if (umount(mnt) != 0)
    fprintf(stderr, "umount %s: %s\n", mnt, strerror(errno));
  rmdir(mnt);
  return rc;
}
