/*
 * fuzz_tzif - a time zone file (TZif, RFC 8536, with its POSIX TZ rule
 * footer) as sdk/tz.c reads it from the tz database: the input is written
 * as zone "Fuzz" of a private $TZDIR, loaded, and asked for its offset at
 * instants across the range dates can have (+-8.64e15 ms, JavaScript's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <vexil/sdk.h>

#include "fuzz.h"

static char dir[] = "/tmp/vexil-fuzz-tzif-XXXXXX";
static char path[sizeof dir + 8];

static void cleanup(void) {
  unlink(path);
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (path[0] == '\0') {
    if (mkdtemp(dir) == NULL || setenv("TZDIR", dir, 1) != 0)
      abort();
    snprintf(path, sizeof path, "%s/Fuzz", dir);
    atexit(cleanup);
  }
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    abort();
  vx_tz *tz = NULL;
  char err[512];
  if (vx_tz_load("Fuzz", &tz, err, sizeof err) == 0) {
    const int64_t max = 8640000000000000;
    for (int64_t ms = -max; ms < max; ms += max / 512)
      vx_tz_offset(tz, ms);
    static const int64_t at[] = {-1, 0, 1, 1700000000000, 8640000000000000};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++)
      vx_tz_offset(tz, at[i]);
  }
  vx_tz_free(tz);
  return 0;
}
