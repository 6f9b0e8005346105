/*
 * test_time_window.c - the "timeWindow" strategy.
 *
 * Times are given through the context's currentTime (which overrides the
 * clock, as in Unleash) or through the fake host's clock (fh_now_fixed).
 * 2024-06-07 is a Friday; Paris is UTC+2 in June and UTC+1 in January.
 */
#include <string.h>

#include <vexil/sdk.h>

#include "harness.h"

const vx_strategy_descriptor *vexil_strategy_entry(void);

/* On at the UTC instant `when` (ISO 8601) for the compiled instance? */
static int at(const void *in, const char *when) {
  return th_eval(in, th_ctx1("currentTime", when));
}

static void test_time_window_declares_start_end_weekdays_and_zone(void) {
  static const th_param_expect params[] = {
      {"start", VX_PARAM_STRING, 1},
      {"end", VX_PARAM_STRING, 1},
      {"weekdays", VX_PARAM_LIST, 0},
      {"timeZone", VX_PARAM_STRING, 0},
  };
  th_check_descriptor("timeWindow", VX_KIND_TARGETING, params, 4);
}

static void test_time_window_is_on_from_start_until_before_end(void) {
  void *in = th_compile_ok("f", "start", "09:00", "end", "17:30", NULL);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T08:59:59Z"), 0);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T09:00:00Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T17:29:59Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T17:30:00Z"), 0);
  th_free(in);
}

static void test_time_window_crossing_midnight_is_on_late_and_early(void) {
  void *in = th_compile_ok("f", "start", "22:00", "end", "02:00", NULL);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T21:59:00Z"), 0);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T22:00:00Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T23:59:59Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-08T00:00:00Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-08T01:59:59Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-08T02:00:00Z"), 0);
  CU_ASSERT_EQUAL(at(in, "2024-06-08T12:00:00Z"), 0);
  th_free(in);
}

static void test_time_window_reads_times_in_the_named_zone(void) {
  void *in = th_compile_ok("f", "start", "09:00", "end", "10:00", "timeZone",
                           "Europe/Paris", NULL);
  /* 09:00 in Paris is 07:00 UTC in summer, 08:00 UTC in winter. */
  CU_ASSERT_EQUAL(at(in, "2024-06-07T07:00:00Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T09:00:00Z"), 0);
  CU_ASSERT_EQUAL(at(in, "2024-01-12T07:30:00Z"), 0);
  CU_ASSERT_EQUAL(at(in, "2024-01-12T08:30:00Z"), 1);
  /* An offset in currentTime is honoured: 09:30+02:00 is 07:30Z. */
  CU_ASSERT_EQUAL(at(in, "2024-06-07T09:30:00+02:00"), 1);
  th_free(in);
}

static void test_time_window_follows_the_daylight_saving_switch(void) {
  /* New York, 2024-03-10: 02:00 EST becomes 03:00 EDT (07:00 UTC). */
  void *in = th_compile_ok("f", "start", "01:00", "end", "04:00", "timeZone",
                           "America/New_York", NULL);
  CU_ASSERT_EQUAL(at(in, "2024-03-10T05:59:59Z"), 0); /* 00:59 EST */
  CU_ASSERT_EQUAL(at(in, "2024-03-10T06:00:00Z"), 1); /* 01:00 EST */
  CU_ASSERT_EQUAL(at(in, "2024-03-10T07:00:00Z"), 1); /* 03:00 EDT */
  CU_ASSERT_EQUAL(at(in, "2024-03-10T07:59:59Z"), 1); /* 03:59 EDT */
  CU_ASSERT_EQUAL(at(in, "2024-03-10T08:00:00Z"), 0); /* 04:00 EDT */
  th_free(in);
}

static void test_time_window_weekdays_limit_the_days(void) {
  void *in = th_compile_ok("f", "start", "09:00", "end", "17:00", "weekdays",
                           "Mon, tue,WED,thursday,fri", NULL);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T10:00:00Z"), 1); /* Friday */
  CU_ASSERT_EQUAL(at(in, "2024-06-08T10:00:00Z"), 0); /* Saturday */
  CU_ASSERT_EQUAL(at(in, "2024-06-09T10:00:00Z"), 0); /* Sunday */
  CU_ASSERT_EQUAL(at(in, "2024-06-10T10:00:00Z"), 1); /* Monday */
  th_free(in);
}

static void test_time_window_weekday_is_the_local_day_in_the_zone(void) {
  /* Friday 23:30 UTC is already Saturday 08:30 in Tokyo. */
  void *in = th_compile_ok("f", "start", "08:00", "end", "09:00", "weekdays",
                           "sat", "timeZone", "Asia/Tokyo", NULL);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T23:30:00Z"), 1);
  CU_ASSERT_EQUAL(at(in, "2024-06-08T23:30:00Z"), 0); /* Sunday there */
  th_free(in);
}

static void test_time_window_across_midnight_belongs_to_its_opening_day(void) {
  void *in = th_compile_ok("f", "start", "22:00", "end", "02:00", "weekdays",
                           "fri", NULL);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T23:00:00Z"), 1); /* Friday night */
  CU_ASSERT_EQUAL(at(in, "2024-06-08T01:00:00Z"), 1); /* still Friday's */
  CU_ASSERT_EQUAL(at(in, "2024-06-08T23:00:00Z"), 0); /* Saturday night */
  CU_ASSERT_EQUAL(at(in, "2024-06-07T01:00:00Z"), 0); /* Thursday's */
  th_free(in);
}

static void test_time_window_uses_the_clock_without_current_time(void) {
  void *in = th_compile_ok("f", "start", "22:00", "end", "23:00", NULL);
  vx_context ctx;
  fh_ctx_init(&ctx);
  fh_now_fixed(1700000000000); /* 2023-11-14T22:13:20Z */
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 1);
  fh_now_fixed(1700000000000 + 3600000); /* 23:13:20 */
  CU_ASSERT_EQUAL(th_eval(in, &ctx), 0);
  fh_now_fixed(1700000000000);
  th_free(in);
}

static void test_time_window_unparseable_current_time_is_off(void) {
  void *in = th_compile_ok("f", "start", "00:00", "end", "23:59", NULL);
  CU_ASSERT_EQUAL(at(in, "yesterday"), 0);
  CU_ASSERT_EQUAL(at(in, "2024-06-07T12:00:00Z"), 1);
  th_free(in);
}

static void test_time_window_refuses_bad_times(void) {
  th_compile_fails("missing parameter start", "f", "end", "10:00", NULL);
  th_compile_fails("missing parameter end", "f", "start", "10:00", NULL);
  th_compile_fails("start must be HH:MM (00:00 to 23:59), got \"9am\"", "f",
                   "start", "9am", "end", "10:00", NULL);
  th_compile_fails("end must be HH:MM (00:00 to 23:59), got \"24:00\"", "f",
                   "start", "09:00", "end", "24:00", NULL);
  th_compile_fails("start and end are both 10:00: the window would be empty",
                   "f", "start", "10:00", "end", "10:00", NULL);
}

static void test_time_window_refuses_unknown_days_and_zones(void) {
  th_compile_fails("weekdays: \"funday\" is not a day (mon, tue, wed, thu, "
                   "fri, sat, sun)",
                   "f", "start", "09:00", "end", "10:00", "weekdays",
                   "mon,funday", NULL);
  th_compile_fails("timeZone: unknown time zone \"Mars/Base\" (no "
                   "/usr/share/zoneinfo/Mars/Base)",
                   "f", "start", "09:00", "end", "10:00", "timeZone",
                   "Mars/Base", NULL);
  th_compile_fails("timeZone: time zone must be an IANA name such as "
                   "Europe/Paris, got \"../../etc/passwd\"",
                   "f", "start", "09:00", "end", "10:00", "timeZone",
                   "../../etc/passwd", NULL);
}

static void test_time_window_evaluate_allocates_nothing(void) {
  void *in = th_compile_ok("f", "start", "22:00", "end", "02:00", "weekdays",
                           "mon,fri", "timeZone", "Europe/Paris", NULL);
  vx_context a, b;
  fh_ctx_init(&a);
  fh_ctx_init(&b);
  fh_ctx_set(&a, "currentTime", "2024-06-07T21:00:00Z");
  const vx_context *ctxs[] = {&a, &b};
  th_assert_evaluate_allocates_nothing(in, ctxs, 2, 1000);
  th_free(in);
}

static void test_time_window_compile_survives_alloc_failures(void) {
  th_assert_compile_survives_alloc_failures(
      "f", "start", "09:00", "end", "10:00", "timeZone", "Europe/Paris", NULL);
}

static const vx_test tests[] = {
    VX_TEST(test_time_window_declares_start_end_weekdays_and_zone),
    VX_TEST(test_time_window_is_on_from_start_until_before_end),
    VX_TEST(test_time_window_crossing_midnight_is_on_late_and_early),
    VX_TEST(test_time_window_reads_times_in_the_named_zone),
    VX_TEST(test_time_window_follows_the_daylight_saving_switch),
    VX_TEST(test_time_window_weekdays_limit_the_days),
    VX_TEST(test_time_window_weekday_is_the_local_day_in_the_zone),
    VX_TEST(test_time_window_across_midnight_belongs_to_its_opening_day),
    VX_TEST(test_time_window_uses_the_clock_without_current_time),
    VX_TEST(test_time_window_unparseable_current_time_is_off),
    VX_TEST(test_time_window_refuses_bad_times),
    VX_TEST(test_time_window_refuses_unknown_days_and_zones),
    VX_TEST(test_time_window_evaluate_allocates_nothing),
    VX_TEST(test_time_window_compile_survives_alloc_failures),
    {NULL, NULL},
};

int main(void) {
  return th_run_both("time_window", vexil_strategy_entry(), tests);
}
