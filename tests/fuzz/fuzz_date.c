/*
 * fuzz_date - ISO 8601 dates and date-times (sdk/time.c), as DATE_*
 * constraints and currentTime read them. A date that parses is turned into
 * calendar fields (at UTC and at the extreme offsets); for years 0..9999
 * those fields written back in ISO 8601 must parse to the same instant.
 */
#include <stdio.h>
#include <stdlib.h>

#include <vexil/sdk.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t ms;
  if (vx_time_parse((const char *)data, size, &ms) != 0)
    return 0;
  static const int32_t offsets[] = {0, -14 * 3600, 14 * 3600};
  vx_civil c;
  for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++)
    vx_civil_from_ms(ms, offsets[i], &c);
  vx_civil_from_ms(ms, 0, &c);
  if (c.year < 0 || c.year > 9999)
    return 0;
  char text[64];
  int n =
      snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year,
               c.month, c.day, c.hour, c.minute, c.second, c.millisecond);
  int64_t again;
  if (vx_time_parse(text, (size_t)n, &again) != 0 || again != ms) {
    fprintf(stderr, "fuzz_date: %.*s -> %s does not round-trip\n", (int)size,
            (const char *)data, text);
    abort();
  }
  return 0;
}
