/*
 * Leniency that would change a flag's meaning or lose it, through a real
 * vexild (constraint.c, variant.c, service_flags.c, service_write.c,
 * service_import.c, the field refinement of http_admin_flags.c): strict
 * admin writes refuse it naming the field, imports keep what Unleash's
 * clients keep, and names a URL could not reach are refused everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"
#include "vx_test.h"

#define ADMIN VXH_ADMIN_TOKEN

/* PUT flags/KEY with one production state; asserts 400 VALIDATION_FAILED
 * with field and a message containing says. */
static void refused(const char *key, const char *state, const char *field,
                    const char *says) {
  char path[256], body[4096];
  snprintf(path, sizeof path, "/api/v1/admin/flags/%s", key);
  snprintf(body, sizeof body,
           "{\"key\": \"%s\", \"environments\": {\"production\": %s}}", key,
           state);
  json_t *e =
      adm_err("PUT", path, ADMIN, body, NULL, 400, "VALIDATION_FAILED", field);
  const char *msg = adm_str(e, "message");
  if (msg == NULL || strstr(msg, says) == NULL)
    fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", key,
            msg ? msg : "(none)", says);
  CU_ASSERT_PTR_NOT_NULL(msg != NULL ? strstr(msg, says) : NULL);
  json_decref(e);
}

/* OFREP: whether flag is on (value true) for a context. */
static bool on_for(const char *flag, const char *context) {
  char path[256];
  snprintf(path, sizeof path, "/ofrep/v1/evaluate/flags/%s", flag);
  vxh_resp r;
  if (vxh_request(&adm_d, "POST", path, ADMIN, context, NULL, &r) != 0)
    return false;
  bool on = r.status == 200 && json_is_true(json_object_get(r.json, "value"));
  if (r.status != 200)
    fprintf(stderr, "%s: %ld %s\n", path, r.status, r.body);
  vxh_resp_free(&r);
  return on;
}

/* An Unleash import into production (200); returns its warnings count. */
static size_t import_warnings(const char *state) {
  json_t *summary =
      adm("POST", "/api/v1/admin/import?format=unleash&environment=production",
          state, 200);
  size_t n = json_array_size(json_object_get(summary, "warnings"));
  json_decref(summary);
  return n;
}

/* ---- constraints */

static void test_inverted_that_is_not_a_boolean_is_refused_naming_it(void) {
  refused("inv",
          "{\"enabled\": true, \"strategies\": [{\"name\": "
          "\"default\", \"constraints\": [{\"contextName\": \"a\", "
          "\"operator\": \"IN\", \"values\": [\"x\"]}, {\"contextName\": "
          "\"country\", \"operator\": \"IN\", \"values\": [\"NO\"], "
          "\"inverted\": \"yes\"}]}]}",
          "environments.production.strategies[0].constraints[1].inverted",
          "inverted must be true or false, got string");
  refused("ci",
          "{\"enabled\": true, \"strategies\": [{\"name\": \"default\", "
          "\"constraints\": [{\"contextName\": \"a\", \"operator\": "
          "\"STR_CONTAINS\", \"values\": [\"x\"], \"caseInsensitive\": 1}]}]}",
          "environments.production.strategies[0].constraints[0]"
          ".caseInsensitive",
          "caseInsensitive must be true or false, got number");
  /* An import keeps the flag, and the constraint is never true: fail
   * closed rather than guess the meaning. */
  CU_ASSERT_EQUAL(
      import_warnings(
          "{\"features\": [{\"name\": \"inv-imported\", \"enabled\": true, "
          "\"strategies\": [{\"name\": \"default\", \"constraints\": "
          "[{\"contextName\": \"country\", \"operator\": \"IN\", \"values\": "
          "[\"NO\"], \"inverted\": \"yes\"}]}]}]}"),
      1);
  CU_ASSERT_FALSE(
      on_for("inv-imported", "{\"context\": {\"country\": \"NO\"}}"));
  CU_ASSERT_FALSE(
      on_for("inv-imported", "{\"context\": {\"country\": \"SE\"}}"));
}

/* Unleash ignores an entry of a list that is not an address and matches
 * the others: so does IN_CIDR, IPv4 and IPv6. */
static void test_a_bad_in_cidr_entry_is_refused_or_left_out(void) {
  const char *cons = "[{\"contextName\": \"remoteAddress\", \"operator\": "
                     "\"IN_CIDR\", \"values\": [\"10.0.0.0/8\", "
                     "\"192.invalid\", \"2001:db8::/32\"]}]";
  char state[1024];
  snprintf(state, sizeof state,
           "{\"enabled\": true, \"strategies\": [{\"name\": \"default\", "
           "\"constraints\": %s}]}",
           cons);
  refused("cidr", state, "environments.production.strategies[0].constraints[0]",
          "\"192.invalid\" is not an IP address or CIDR range");
  char import[1024];
  snprintf(import, sizeof import,
           "{\"features\": [{\"name\": \"cidr\", \"enabled\": true, "
           "\"strategies\": [{\"name\": \"default\", \"constraints\": %s}]}]}",
           cons);
  CU_ASSERT_EQUAL(import_warnings(import), 1);
  CU_ASSERT_TRUE(
      on_for("cidr", "{\"context\": {\"remoteAddress\": \"10.1.2.3\"}}"));
  CU_ASSERT_TRUE(
      on_for("cidr", "{\"context\": {\"remoteAddress\": \"2001:db8::1\"}}"));
  CU_ASSERT_FALSE(
      on_for("cidr", "{\"context\": {\"remoteAddress\": \"192.168.0.1\"}}"));
}

static void test_a_list_item_of_the_wrong_type_is_refused_naming_it(void) {
  refused("item",
          "{\"enabled\": true, \"strategies\": [{\"name\": \"default\", "
          "\"constraints\": [{\"contextName\": \"plan\", \"operator\": "
          "\"NOT_IN\", \"values\": [\"free\", {\"plan\": \"trial\"}]}]}]}",
          "environments.production.strategies[0].constraints[0].values[1]",
          "must be a string, got object");
}

/* ---- variants */

static void
test_variants_of_one_name_or_fixed_weights_over_1000_are_refused(void) {
  refused("dup",
          "{\"enabled\": true, \"variants\": [{\"name\": \"blue\", \"weight\": "
          "500}, {\"name\": \"blue\", \"weight\": 500}]}",
          "environments.production.variants[1].name",
          "variants[1].name \"blue\" is the name of variants[0] too");
  refused("dup-s",
          "{\"enabled\": true, \"strategies\": [{\"name\": \"default\", "
          "\"variants\": [{\"name\": \"a\", \"weight\": 1}, {\"name\": \"b\", "
          "\"weight\": 1}, {\"name\": \"a\", \"weight\": 1}]}]}",
          "environments.production.strategies[0].variants[2].name",
          "is the name of variants[0] too");
  refused("fix",
          "{\"enabled\": true, \"variants\": [{\"name\": \"a\", \"weight\": "
          "1500, \"weightType\": \"fix\"}]}",
          "environments.production.variants[0].weight",
          "a fixed weight is at most 1000");
  refused("fix-sum",
          "{\"enabled\": true, \"variants\": [{\"name\": \"a\", \"weight\": "
          "700, \"weightType\": \"fix\"}, {\"name\": \"b\", \"weight\": 400, "
          "\"weightType\": \"fix\"}]}",
          "environments.production.variants",
          "the fixed weights add up to 1100, over 1000");
  /* An import keeps them: Unleash's clients use the weights as given. */
  CU_ASSERT(import_warnings(
                "{\"features\": [{\"name\": \"dup\", \"enabled\": true, "
                "\"strategies\": [{\"name\": \"default\"}], \"variants\": "
                "[{\"name\": \"blue\", \"weight\": 1, \"weightType\": "
                "\"fix\"}, {\"name\": \"blue\", \"weight\": 1500, "
                "\"weightType\": \"fix\"}]}]}") >= 1);
  json_t *flag = adm("GET", "/api/v1/admin/flags/dup", NULL, 200);
  CU_ASSERT_EQUAL(
      json_array_size(adm_at(flag, "environments.production.variants")), 2);
  json_decref(flag);
}

/* ---- names */

/* civetweb drops the dots at the end of a path segment and reads '\' as
 * '/': such names could be created but never reached. */
static void test_names_a_url_cannot_reach_are_refused(void) {
  static const char *const names[] = {".", "..", "...", "a.", "a\\\\b"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char body[256];
    snprintf(body, sizeof body, "{\"key\": \"%s\"}", names[i]);
    json_decref(adm_err("POST", "/api/v1/admin/flags", ADMIN, body, NULL, 400,
                        "VALIDATION_FAILED", "key"));
    snprintf(body, sizeof body,
             "{\"id\": \"%s\", \"name\": \"s\", \"constraints\": []}",
             names[i]);
    json_decref(adm_err("POST", "/api/v1/admin/segments", ADMIN, body, NULL,
                        400, "VALIDATION_FAILED", "id"));
    snprintf(body, sizeof body, "{\"name\": \"%s\"}", names[i]);
    json_decref(adm_err("POST", "/api/v1/admin/environments", ADMIN, body, NULL,
                        400, "VALIDATION_FAILED", "name"));
    snprintf(body, sizeof body, "{\"features\": [{\"name\": \"%s\"}]}",
             names[i]);
    json_decref(adm_err(
        "POST", "/api/v1/admin/import?format=unleash&environment=production",
        ADMIN, body, NULL, 400, "VALIDATION_FAILED", "key"));
  }
  /* Dots elsewhere reach their flag. */
  json_decref(adm("POST", "/api/v1/admin/flags", "{\"key\": \".a..b\"}", 201));
  json_decref(adm("GET", "/api/v1/admin/flags/.a..b", NULL, 200));
}

/* ---- imports */

/* The message once quoted the key after its document was freed: bytes of
 * freed heap in the answer (heap-use-after-free under AddressSanitizer). */
static void test_an_import_naming_a_flag_twice_says_which(void) {
  static const char *const cases[][3] = {
      {"/api/v1/admin/import?format=native",
       "{\"flags\": [{\"key\": \"twice-imported-flag\"}, "
       "{\"key\": \"twice-imported-flag\"}]}",
       "twice-imported-flag"},
      {"/api/v1/admin/import?format=unleash&environment=production",
       "{\"features\": [{\"name\": \"twice-in-a-state\"}, "
       "{\"name\": \"twice-in-a-state\"}]}",
       "twice-in-a-state"},
  };
  for (size_t i = 0; i < 2; i++) {
    json_t *e = adm_err("POST", cases[i][0], ADMIN, cases[i][1], NULL, 400,
                        "VALIDATION_FAILED", cases[i][2]);
    char want[128];
    snprintf(want, sizeof want, "flag %s appears twice", cases[i][2]);
    CU_ASSERT_STRING_EQUAL(adm_str(e, "message"), want);
    json_decref(e);
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_inverted_that_is_not_a_boolean_is_refused_naming_it),
      VX_TEST(test_a_bad_in_cidr_entry_is_refused_or_left_out),
      VX_TEST(test_a_list_item_of_the_wrong_type_is_refused_naming_it),
      VX_TEST(test_variants_of_one_name_or_fixed_weights_over_1000_are_refused),
      VX_TEST(test_names_a_url_cannot_reach_are_refused),
      VX_TEST(test_an_import_naming_a_flag_twice_says_which),
      {NULL, NULL},
  };
  return vx_test_main("http/admin_strict", tests, adm_suite_init,
                      adm_suite_cleanup);
}
