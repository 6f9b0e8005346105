/*
 * test_time.c - ISO 8601 / RFC 3339 dates and date-times.
 *
 * Expected values are Node.js's new Date(s).getTime() run with TZ=UTC (so
 * that offset-less date-times read as UTC, as vx_time_parse reads them).
 */
#include <string.h>
#include <time.h>
#include <vexil/sdk.h>

#include "vx_test.h"

static int parse(const char *s, int64_t *ms) {
  return vx_time_parse(s, strlen(s), ms);
}

static void test_iso_forms_give_javascript_milliseconds(void) {
  static const struct {
    const char *s;
    int64_t ms;
  } cases[] = {
      {"1970", 0LL},
      {"1970-01", 0LL},
      {"1970-01-01", 0LL},
      {"2020", 1577836800000LL},
      {"2020-02", 1580515200000LL},
      {"2020-02-29", 1582934400000LL},
      {"2021-03-01", 1614556800000LL},
      {"2024-06-15T13:45", 1718459100000LL},
      {"2024-06-15T13:45:30", 1718459130000LL},
      {"2024-06-15T13:45:30.5", 1718459130500LL},
      {"2024-06-15T13:45:30.12", 1718459130120LL},
      {"2024-06-15T13:45:30.123", 1718459130123LL},
      {"2024-06-15T13:45:30.123999999", 1718459130123LL},
      {"2024-06-15T13:45:30Z", 1718459130000LL},
      {"2024-06-15T13:45:30.123Z", 1718459130123LL},
      {"2024-06-15T13:45:30+02:00", 1718451930000LL},
      {"2024-06-15T13:45:30-05:30", 1718478930000LL},
      {"2024-06-15T13:45:30+0200", 1718451930000LL},
      {"2024-06-15T13:45:30-0530", 1718478930000LL},
      {"2024-06-15T13:45+01:00", 1718455500000LL},
      {"2024-06-15T13:45Z", 1718459100000LL},
      {"2024-06-15 13:45:30Z", 1718459130000LL},
      {"2024-06-15t13:45:30z", 1718459130000LL},
      {"2024-06-15T00:00:00+23:59", 1718323260000LL},
      {"2024-06-15T00:00:00-23:59", 1718495940000LL},
      {"2024-06-15T13:45:30-00:00", 1718459130000LL},
      {"2020-01T10:00", 1577872800000LL},
      {"2020T10:00", 1577872800000LL},
      {"0000-01-01T00:00:00Z", -62167219200000LL},
      {"0000", -62167219200000LL},
      {"9999-12-31T23:59:59.999Z", 253402300799999LL},
      {"1969-12-31T23:59:59.999Z", -1LL},
      {"2000-02-29", 951782400000LL},
      {"1900-02-28", -2203977600000LL},
      {"1600-02-29", -11670998400000LL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t ms = 42;
    int rc = parse(cases[i].s, &ms);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(ms, cases[i].ms);
    if (rc != 0 || ms != cases[i].ms)
      fprintf(stderr, "\"%s\": rc %d, %lld\n", cases[i].s, rc, (long long)ms);
  }
}

static void test_24_00_is_the_end_of_the_day(void) {
  static const struct {
    const char *s;
    int64_t ms;
  } cases[] = {
      {"2024-06-15T24:00", 1718496000000LL},
      {"2024-06-15T24:00:00Z", 1718496000000LL},
      {"2024-06-15T24:00:00.000+01:00", 1718492400000LL},
      {"2024-12-31T24:00:00Z", 1735689600000LL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t ms = 0;
    CU_ASSERT_EQUAL(parse(cases[i].s, &ms), 0);
    CU_ASSERT_EQUAL(ms, cases[i].ms);
  }
}

static void test_every_day_of_400_years_is_one_day_after_the_last(void) {
  /* the Gregorian cycle, leap days included, against timegm */
  int64_t prev = 0;
  int days = 0;
  for (int y = 2000; y < 2400; y++) {
    for (int m = 1; m <= 12; m++) {
      for (int d = 1; d <= 31; d++) {
        char s[16];
        int64_t ms;
        snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
        if (parse(s, &ms) != 0)
          continue;
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
        CU_ASSERT_EQUAL(ms, (int64_t)timegm(&tm) * 1000);
        if (days > 0)
          CU_ASSERT_EQUAL(ms - prev, 86400000LL);
        prev = ms;
        days++;
      }
    }
  }
  CU_ASSERT_EQUAL(days, 146097); /* days in 400 Gregorian years */
}

static void test_impossible_dates_are_rejected(void) {
  /* V8 would roll these over into the next month; a flag's schedule
   * should not silently move, so they are errors. */
  static const char *cases[] = {"2021-02-29", "2020-02-30", "2023-04-31",
                                "1900-02-29", "2100-02-29", "2020-01-32",
                                "2020-06-31", "2020-13",    "2020-00",
                                "2020-01-00", "2020-00-10"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t ms = 42;
    CU_ASSERT_EQUAL(parse(cases[i], &ms), VX_EPARSE);
    CU_ASSERT_EQUAL(ms, 42);
  }
}

static void test_malformed_date_times_are_rejected(void) {
  static const char *cases[] = {
      "",
      "197",
      "19700",
      "1970-1",
      "1970-01-1",
      "2020-01-01T",
      "2020-01-01T10",
      "2020-01-01T10:0",
      "2020-01-01T1:00",
      "2020-01-01T25:00",
      "2020-01-01T24:01",
      "2020-01-01T24:00:01",
      "2020-01-01T24:00:00.001",
      "2020-01-01T10:60",
      "2020-01-01T10:00:60",
      "2020-01-01T10:00:00.",
      "2020-01-01T10:00:00.Z",
      "2020-01-01T10:00:00+01",
      "2020-01-01T10:00:00+1:00",
      "2020-01-01T10:00:00+24:00",
      "2020-01-01T10:00:00+01:60",
      "2020-01-01T10:00:00+01:00Z",
      "2020-01-01T10:00:00ZZ",
      "2020-01-01T10:00:00 Z",
      "2020-01-01Z",
      "2020Z",
      " 2020-01-01",
      "2020-01-01 ",
      "+002020-01-01",
      "-000001-01-01",
      "2020-01-01T10:00:00UTC",
      "2020/01/01",
      "20200101",
      "2020-01-01T10:00:00+01:00:00",
      "2020-01-01_10:00",
      "2020-01-01T10:00:00,5",
      "2020-01-01T10:00:00+01:0",
      "2020-01-01T10:00:00-",
      "2020-01-01TT10:00",
      "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x90", /* full-width */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t ms = 42;
    int rc = parse(cases[i], &ms);
    CU_ASSERT_EQUAL(rc, VX_EPARSE);
    if (rc != VX_EPARSE)
      fprintf(stderr, "accepted \"%s\"\n", cases[i]);
  }
  int64_t ms;
  CU_ASSERT_EQUAL(vx_time_parse("2020\0", 5, &ms), VX_EPARSE);
}

static void test_parse_reads_only_len_bytes(void) {
  int64_t ms = 0;
  CU_ASSERT_EQUAL(vx_time_parse("2020-01-01T10:00:00Zjunk", 20, &ms), 0);
  CU_ASSERT_EQUAL(ms, 1577872800000LL);
  CU_ASSERT_EQUAL(vx_time_parse("1970-01-02", 4, &ms), 0);
  CU_ASSERT_EQUAL(ms, 0);
}

static void test_parse_rejects_null_arguments(void) {
  int64_t ms;
  CU_ASSERT_EQUAL(vx_time_parse(NULL, 4, &ms), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_time_parse("2020", 4, NULL), VX_EINVAL);
  CU_ASSERT_EQUAL(vx_time_parse(NULL, 0, &ms), VX_EPARSE);
}

static void test_now_is_the_wall_clock_in_milliseconds(void) {
  struct timespec before, after;
  clock_gettime(CLOCK_REALTIME, &before);
  int64_t now = vx_time_now_ms();
  clock_gettime(CLOCK_REALTIME, &after);
  CU_ASSERT(now >= (int64_t)before.tv_sec * 1000 + before.tv_nsec / 1000000);
  CU_ASSERT(now <= (int64_t)after.tv_sec * 1000 + after.tv_nsec / 1000000);
  CU_ASSERT(now > 1700000000000LL); /* after November 2023 */
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_iso_forms_give_javascript_milliseconds),
      VX_TEST(test_24_00_is_the_end_of_the_day),
      VX_TEST(test_every_day_of_400_years_is_one_day_after_the_last),
      VX_TEST(test_impossible_dates_are_rejected),
      VX_TEST(test_malformed_date_times_are_rejected),
      VX_TEST(test_parse_reads_only_len_bytes),
      VX_TEST(test_parse_rejects_null_arguments),
      VX_TEST(test_now_is_the_wall_clock_in_milliseconds),
      {NULL, NULL},
  };
  return vx_test_main("sdk/time", tests, NULL, NULL);
}
