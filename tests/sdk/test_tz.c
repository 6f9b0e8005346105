/*
 * test_tz.c - named time zones (sdk/tz.c) and calendar times (sdk/time.c).
 *
 * The reference is the C library: localtime_r with TZ set (this test is
 * single-threaded, so setenv is safe here; plugins must not use it) gives
 * the offset the system's own reader finds in the same TZif files.
 */
#include <vexil/sdk.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vx_test.h"

static long libc_offset(const char *zone, int64_t t) {
  setenv("TZ", zone, 1);
  tzset();
  time_t tt = (time_t)t;
  struct tm tm;
  localtime_r(&tt, &tm);
  return tm.tm_gmtoff;
}

/* Offsets agree with the C library every ~9 days from 1900 to 2100, and
 * hour by hour around this century's transitions (the dense sample
 * catches an off-by-one at a switch). */
static void assert_zone_matches_libc(const char *zone) {
  vx_tz *tz = NULL;
  char err[256] = "";
  CU_ASSERT_EQUAL_FATAL(vx_tz_load(zone, &tz, err, sizeof err), 0);
  unsigned mismatches = 0;
  for (int64_t t = -2208988800LL; t < 4102444800LL; t += 777777) {
    if (vx_tz_offset(tz, t * 1000) != libc_offset(zone, t) && mismatches++ < 5)
      fprintf(stderr, "%s at %lld: %d, libc %ld\n", zone, (long long)t,
              vx_tz_offset(tz, t * 1000), libc_offset(zone, t));
  }
  for (int64_t t = 946684800LL; t < 2524608000LL; t += 1800) {
    if (vx_tz_offset(tz, t * 1000) != libc_offset(zone, t) && mismatches++ < 5)
      fprintf(stderr, "%s at %lld: %d, libc %ld\n", zone, (long long)t,
              vx_tz_offset(tz, t * 1000), libc_offset(zone, t));
  }
  CU_ASSERT_EQUAL(mismatches, 0);
  vx_tz_free(tz);
}

static void test_tz_offsets_match_the_c_library_in_europe(void) {
  assert_zone_matches_libc("Europe/Paris");
  assert_zone_matches_libc("Europe/London");
}

static void test_tz_offsets_match_the_c_library_in_the_americas(void) {
  assert_zone_matches_libc("America/New_York");
  assert_zone_matches_libc("America/Sao_Paulo");
}

static void test_tz_offsets_match_the_c_library_south_and_east(void) {
  assert_zone_matches_libc("Australia/Sydney"); /* DST across new year */
  assert_zone_matches_libc("Asia/Kolkata");     /* +05:30 */
  assert_zone_matches_libc("Pacific/Chatham");  /* +12:45 / +13:45 */
  assert_zone_matches_libc("UTC");
}

static void test_tz_paris_switches_to_summer_time_at_1am_utc(void) {
  vx_tz *tz;
  CU_ASSERT_EQUAL_FATAL(vx_tz_load("Europe/Paris", &tz, NULL, 0), 0);
  int64_t at = 0;
  /* 2024-03-31 01:00 UTC: 02:00 CET becomes 03:00 CEST. */
  CU_ASSERT_EQUAL(vx_time_parse("2024-03-31T01:00:00Z", 20, &at), 0);
  CU_ASSERT_EQUAL(vx_tz_offset(tz, at - 1), 3600);
  CU_ASSERT_EQUAL(vx_tz_offset(tz, at), 7200);
  /* Far beyond the file's transitions, the footer's rule applies. */
  CU_ASSERT_EQUAL(vx_time_parse("2391-07-01T12:00:00Z", 20, &at), 0);
  CU_ASSERT_EQUAL(vx_tz_offset(tz, at), 7200);
  CU_ASSERT_EQUAL(vx_time_parse("2391-12-01T12:00:00Z", 20, &at), 0);
  CU_ASSERT_EQUAL(vx_tz_offset(tz, at), 3600);
  CU_ASSERT_STRING_EQUAL(vx_tz_name(tz), "Europe/Paris");
  vx_tz_free(tz);
}

static void test_tz_refuses_names_that_leave_the_database(void) {
  static const char *bad[] = {"",
                              "/etc/passwd",
                              "../etc/passwd",
                              "Europe/..",
                              "Europe//Paris",
                              "Europe/./Paris",
                              "Europe/Paris/",
                              "Europe/Pa ris",
                              "Europe/Paris;"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    vx_tz *tz = (vx_tz *)1;
    char err[256] = "";
    CU_ASSERT_EQUAL(vx_tz_load(bad[i], &tz, err, sizeof err), VX_EINVAL);
    CU_ASSERT_PTR_NULL(tz);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "IANA name"));
  }
}

static void test_tz_unknown_zone_is_enoent_with_its_name(void) {
  vx_tz *tz;
  char err[256] = "";
  CU_ASSERT_EQUAL(vx_tz_load("Mars/Olympus_Mons", &tz, err, sizeof err),
                  VX_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(err, "unknown time zone \"Mars/Olympus_Mons\""));
}

static void test_tz_a_file_that_is_not_tzif_is_refused(void) {
  char dir[] = "/tmp/vx-tz-XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/Fake", dir);
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("TZif2 but truncated", f);
  fclose(f);
  setenv("TZDIR", dir, 1);
  vx_tz *tz;
  char err[256] = "";
  CU_ASSERT_EQUAL(vx_tz_load("Fake", &tz, err, sizeof err), VX_EPARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "Fake"));
  unsetenv("TZDIR");
  remove(path);
  rmdir(dir);
}

static void test_civil_from_ms_matches_gmtime(void) {
  unsigned mismatches = 0;
  for (int64_t t = -62135596800LL; t < 253402300799LL; t += 8640013) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    vx_civil c;
    vx_civil_from_ms(t * 1000 + 123, 0, &c);
    if (c.year != tm.tm_year + 1900 || c.month != tm.tm_mon + 1 ||
        c.day != tm.tm_mday || c.hour != tm.tm_hour || c.minute != tm.tm_min ||
        c.second != tm.tm_sec || c.weekday != tm.tm_wday ||
        c.millisecond != 123)
      mismatches++;
    CU_ASSERT_EQUAL(vx_days_from_civil(c.year, c.month, c.day),
                    (t >= 0 ? t : t - 86399) / 86400);
  }
  CU_ASSERT_EQUAL(mismatches, 0);
}

static void test_civil_from_ms_applies_the_offset(void) {
  vx_civil c;
  /* 1970-01-01T23:30Z at +01:00 is Friday 1970-01-02 00:30. */
  vx_civil_from_ms(84600000, 3600, &c);
  CU_ASSERT_EQUAL(c.year, 1970);
  CU_ASSERT_EQUAL(c.day, 2);
  CU_ASSERT_EQUAL(c.hour, 0);
  CU_ASSERT_EQUAL(c.minute, 30);
  CU_ASSERT_EQUAL(c.weekday, 5);
  /* Before the epoch: -1 ms is 1969-12-31 23:59:59.999, a Wednesday. */
  vx_civil_from_ms(-1, 0, &c);
  CU_ASSERT_EQUAL(c.year, 1969);
  CU_ASSERT_EQUAL(c.hour, 23);
  CU_ASSERT_EQUAL(c.millisecond, 999);
  CU_ASSERT_EQUAL(c.weekday, 3);
}

static const vx_test tests[] = {
    VX_TEST(test_tz_offsets_match_the_c_library_in_europe),
    VX_TEST(test_tz_offsets_match_the_c_library_in_the_americas),
    VX_TEST(test_tz_offsets_match_the_c_library_south_and_east),
    VX_TEST(test_tz_paris_switches_to_summer_time_at_1am_utc),
    VX_TEST(test_tz_refuses_names_that_leave_the_database),
    VX_TEST(test_tz_unknown_zone_is_enoent_with_its_name),
    VX_TEST(test_tz_a_file_that_is_not_tzif_is_refused),
    VX_TEST(test_civil_from_ms_matches_gmtime),
    VX_TEST(test_civil_from_ms_applies_the_offset),
    {NULL, NULL},
};

int main(void) {
  return vx_test_main("sdk/tz", tests, NULL, NULL);
}
