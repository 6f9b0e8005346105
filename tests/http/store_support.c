/*
 * store_support.c - see store_support.h.
 */
#include "store_support.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_support.h"

json_t *st_readyz(void) {
  return vxh_admin(&adm_d, "GET", "/readyz", NULL, 200);
}

bool st_writable(void) {
  json_t *r = st_readyz();
  bool w = json_is_true(adm_at(r, "store.writable"));
  json_decref(r);
  return w;
}

const char *st_code(char *buf, size_t len) {
  json_t *r = st_readyz();
  const char *c = adm_str(r, "store.code");
  snprintf(buf, len, "%s", c ? c : "");
  json_decref(r);
  return buf;
}

bool st_wait_writable(bool want, long ms) {
  for (long waited = 0; waited <= ms; waited += 50) {
    if (st_writable() == want)
      return true;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
  }
  json_t *r = st_readyz();
  char *text = json_dumps(r, JSON_COMPACT);
  fprintf(stderr, "\n  /readyz after %ld ms: %s\n", ms, text ? text : "-");
  free(text);
  json_decref(r);
  return false;
}

double st_metric(const char *name) {
  vxh_resp r;
  if (vxh_request(&adm_d, "GET", "/metrics", NULL, NULL, NULL, &r) != 0)
    return -1;
  double v = -1;
  size_t n = strlen(name);
  for (const char *p = r.body; p != NULL && *p; p = strchr(p, '\n')) {
    if (*p == '\n')
      p++;
    if (strncmp(p, name, n) == 0 && p[n] == ' ') {
      v = strtod(p + n + 1, NULL);
      break;
    }
  }
  vxh_resp_free(&r);
  return v;
}

char *st_log(void) {
  FILE *f = fopen(adm_d.log_path, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  char *buf = NULL;
  size_t cap = 0, len = 0, got;
  char chunk[4096];
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + got + 1 > cap) {
      cap = (len + got + 1) * 2;
      buf = realloc(buf, cap);
    }
    memcpy(buf + len, chunk, got);
    len += got;
  }
  fclose(f);
  if (buf == NULL)
    buf = calloc(1, 1);
  else
    buf[len] = '\0';
  return buf;
}

void st_write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}
