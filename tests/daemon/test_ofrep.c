/*
 * OFREP mapping (daemon/ofrep.c): the OFREP context as an Unleash context,
 * decisions as OFREP evaluation objects (value typing, reasons, DISABLED
 * and DEFAULT with and without variants, the TARGETING_KEY_MISSING rule),
 * the bulk ETag and If-None-Match, and the JSON writer. Runs on the real
 * built-in plugins.
 */
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "eval.h"
#include "log.h"
#include "ofrep.h"
#include "plugin_host.h"
#include "state.h"
#include "vx_test.h"

static vx_plugin_host *plugins;
static vx_state st;
static vx_snapshot *snap;
static const vx_env *env;

#define ON_FOR_ALL "\"strategies\": [{\"name\": \"default\"}]"
#define PAYLOAD(t, v) "\"payload\": {\"type\": \"" t "\", \"value\": " v "}"

static const char *flags_json = "{\"features\": ["
                                " {\"name\": \"bool-on\", \"enabled\": true, "
                                "\"strategies\": "
                                "[]},"
                                " {\"name\": \"bool-off\", \"enabled\": "
                                "false, " ON_FOR_ALL "},"
                                " {\"name\": \"bool-listed\", \"enabled\": "
                                "true,"
                                "  \"strategies\": [{\"name\": \"userWithId\","
                                "   \"parameters\": {\"userIds\": "
                                "\"alice\"}}]},"
                                " {\"name\": \"bool-country\", \"enabled\": "
                                "true,"
                                "  \"strategies\": [{\"name\": \"default\", "
                                "\"constraints\": "
                                "["
                                "   {\"contextName\": \"country\", "
                                "\"operator\": \"IN\","
                                "    \"values\": [\"NO\"]}]}]},"
                                " {\"name\": \"bool-rollout\", \"enabled\": "
                                "true,"
                                "  \"strategies\": [{\"name\": "
                                "\"flexibleRollout\","
                                "   \"parameters\": {\"rollout\": \"100\", "
                                "\"stickiness\": "
                                "\"default\","
                                "    \"groupId\": \"g\"}}]},"
                                " {\"name\": \"bool-typed-variant\", \"type\": "
                                "\"boolean\","
                                "  \"enabled\": true, " ON_FOR_ALL ","
                                "  \"variants\": [{\"name\": \"v\", "
                                "\"weight\": 1,"
                                "   " PAYLOAD(
                                    "string",
                                    "\"x\"") "}]},"
                                             " {\"name\": \"str\", "
                                             "\"enabled\": "
                                             "true, " ON_FOR_ALL ","
                                             "  \"variants\": [{\"name\": "
                                             "\"hello-variant\", "
                                             "\"weight\": 1,"
                                             "   " PAYLOAD(
                                                 "string",
                                                 "\"hello "
                                                 "\\\"world\\\"\"") "}]},"
                                                                    " {"
                                                                    "\"na"
                                                                    "me\""
                                                                    ": "
                                                                    "\"in"
                                                                    "t\","
                                                                    " "
                                                                    "\"en"
                                                                    "able"
                                                                    "d"
                                                                    "\": "
                                                                    "true"
                                                                    ","
                                                                    " " ON_FOR_ALL
                                                                    ","
                                                                    "  "
                                                                    "\"va"
                                                                    "rian"
                                                                    "ts"
                                                                    "\": "
                                                                    "[{"
                                                                    "\"na"
                                                                    "me\""
                                                                    ": "
                                                                    "\"n"
                                                                    "\", "
                                                                    "\"we"
                                                                    "ight"
                                                                    "\""
                                                                    ": 1,"
                                                                    "  "
                                                                    " " PAYLOAD("number",
                                                                                "\"42\"") "}]"
                                                                                          "},"
                                                                                          " {"
                                                                                          "\""
                                                                                          "na"
                                                                                          "me"
                                                                                          "\""
                                                                                          ": "
                                                                                          "\""
                                                                                          "re"
                                                                                          "al"
                                                                                          "\""
                                                                                          ", "
                                                                                          "\""
                                                                                          "en"
                                                                                          "ab"
                                                                                          "le"
                                                                                          "d"
                                                                                          "\""
                                                                                          ": "
                                                                                          "tr"
                                                                                          "ue"
                                                                                          ","
                                                                                          " " ON_FOR_ALL
                                                                                          ","
                                                                                          "  "
                                                                                          "\""
                                                                                          "va"
                                                                                          "ri"
                                                                                          "an"
                                                                                          "ts"
                                                                                          "\""
                                                                                          ": "
                                                                                          "[{"
                                                                                          "\""
                                                                                          "na"
                                                                                          "me"
                                                                                          "\""
                                                                                          ": "
                                                                                          "\""
                                                                                          "n"
                                                                                          "\""
                                                                                          ", "
                                                                                          "\""
                                                                                          "we"
                                                                                          "ig"
                                                                                          "ht"
                                                                                          "\""
                                                                                          ": "
                                                                                          "1,"
                                                                                          "  "
                                                                                          " " PAYLOAD("number", "\"1.5\"") "}]},"
                                                                                                                           " {\"name\": \"obj\", \"enabled\": true, " ON_FOR_ALL
                                                                                                                           ","
                                                                                                                           "  \"variants\": [{\"name\": \"o\", \"weight\": 1,"
                                                                                                                           "   " PAYLOAD("json", "\"{\\\"a\\\": [1, 2], \\\"b\\\": null}\"") "}]},"
                                                                                                                                                                                             " {\"name\": \"csv\", \"enabled\": true, " ON_FOR_ALL
                                                                                                                                                                                             ","
                                                                                                                                                                                             "  \"variants\": [{\"name\": \"c\", \"weight\": 1,"
                                                                                                                                                                                             "   " PAYLOAD("csv", "\"a,b\"") "}]},"
                                                                                                                                                                                                                             " {\"name\": \"declared-string\", \"type\": \"string\", \"enabled\": true,"
                                                                                                                                                                                                                             "  " ON_FOR_ALL ", \"variants\": [{\"name\": \"j\", \"weight\": 1,"
                                                                                                                                                                                                                             "   " PAYLOAD(
                                                                                                                                                                                                                                 "json", "\"{\\\"k\\\":1}\"") "}]},"
                                                                                                                                                                                                                                                              " {\"name\": \"declared-string-bare\", \"type\": \"string\","
                                                                                                                                                                                                                                                              "  \"enabled\": true, " ON_FOR_ALL
                                                                                                                                                                                                                                                              ","
                                                                                                                                                                                                                                                              "  \"variants\": [{\"name\": \"just-a-name\", \"weight\": 1}]},"
                                                                                                                                                                                                                                                              " {\"name\": \"bare-variant\", \"enabled\": true, " ON_FOR_ALL
                                                                                                                                                                                                                                                              ","
                                                                                                                                                                                                                                                              "  \"variants\": [{\"name\": \"blue\", \"weight\": 1}]},"
                                                                                                                                                                                                                                                              " {\"name\": \"declared-number-bare\", \"type\": \"number\","
                                                                                                                                                                                                                                                              "  \"enabled\": true, " ON_FOR_ALL ","
                                                                                                                                                                                                                                                              "  \"variants\": [{\"name\": \"nothing\", \"weight\": 1}]},"
                                                                                                                                                                                                                                                              " {\"name\": \"declared-number-no-variants\", \"type\": \"number\","
                                                                                                                                                                                                                                                              "  \"enabled\": true, " ON_FOR_ALL
                                                                                                                                                                                                                                                              "},"
                                                                                                                                                                                                                                                              " {\"name\": \"variant-off\", \"enabled\": false, " ON_FOR_ALL
                                                                                                                                                                                                                                                              ","
                                                                                                                                                                                                                                                              "  \"variants\": [{\"name\": \"s\", \"weight\": 1,"
                                                                                                                                                                                                                                                              "   " PAYLOAD("string", "\"x\"") "}]},"
                                                                                                                                                                                                                                                                                               " {\"name\": \"variant-listed\", \"enabled\": true,"
                                                                                                                                                                                                                                                                                               "  \"strategies\": [{\"name\": \"userWithId\","
                                                                                                                                                                                                                                                                                               "   \"parameters\": {\"userIds\": \"alice\"}}],"
                                                                                                                                                                                                                                                                                               "  \"variants\": [{\"name\": \"s\", \"weight\": 1,"
                                                                                                                                                                                                                                                                                               "   " PAYLOAD("string", "\"x\"") "}]},"
                                                                                                                                                                                                                                                                                                                                " {\"name\": \"split\", \"enabled\": true, " ON_FOR_ALL
                                                                                                                                                                                                                                                                                                                                ","
                                                                                                                                                                                                                                                                                                                                "  \"variants\": ["
                                                                                                                                                                                                                                                                                                                                "   {\"name\": \"red\", \"weight\": 50, " PAYLOAD("string",
                                                                                                                                                                                                                                                                                                                                                                                  "\"r\"") ","
                                                                                                                                                                                                                                                                                                                                                                                           "    \"overrides\": [{\"contextName\": \"country\","
                                                                                                                                                                                                                                                                                                                                                                                           "                     \"values\": [\"SE\"]}]},"
                                                                                                                                                                                                                                                                                                                                                                                           "   {\"name\": \"blue\", \"weight\": 50, " PAYLOAD(
                                                                                                                                                                                                                                                                                                                                                                                               "string", "\"b\"") "}]},"
                                                                                                                                                                                                                                                                                                                                                                                                                  " {\"name\": \"split-tenant\", \"enabled\": true, " ON_FOR_ALL
                                                                                                                                                                                                                                                                                                                                                                                                                  ","
                                                                                                                                                                                                                                                                                                                                                                                                                  "  \"variants\": ["
                                                                                                                                                                                                                                                                                                                                                                                                                  "   {\"name\": \"a\", \"weight\": 1, \"stickiness\": \"tenant\"},"
                                                                                                                                                                                                                                                                                                                                                                                                                  "   {\"name\": \"b\", \"weight\": 1, \"stickiness\": \"tenant\"}]},"
                                                                                                                                                                                                                                                                                                                                                                                                                  " {\"name\": \"split-strategy\", \"enabled\": true,"
                                                                                                                                                                                                                                                                                                                                                                                                                  "  \"strategies\": [{\"name\": \"default\","
                                                                                                                                                                                                                                                                                                                                                                                                                  "   \"variants\": [{\"name\": \"s1\", \"weight\": 1},"
                                                                                                                                                                                                                                                                                                                                                                                                                  "                  {\"name\": \"s2\", \"weight\": 1}]}]},"
                                                                                                                                                                                                                                                                                                                                                                                                                  " {\"name\": \"one-of-two-weighted\", \"enabled\": true, " ON_FOR_ALL
                                                                                                                                                                                                                                                                                                                                                                                                                  ","
                                                                                                                                                                                                                                                                                                                                                                                                                  "  \"variants\": [{\"name\": \"only\", \"weight\": 1},"
                                                                                                                                                                                                                                                                                                                                                                                                                  "                 {\"name\": \"never\", \"weight\": 0}]}"
                                                                                                                                                                                                                                                                                                                                                                                                                  "]}";

static int suite_init(void) {
  vx_log_set_level(VX_LOG_ERROR);
  plugins = vx_plugin_host_new();
  if (vx_plugin_host_load_dir(plugins, getenv("VX_PLUGIN_DIR")) <= 0)
    return -1;
  json_error_t jerr;
  json_t *doc = json_loads(flags_json, 0, &jerr);
  if (doc == NULL) {
    fprintf(stderr, "flags_json: %s at %d:%d\n", jerr.text, jerr.line,
            jerr.column);
    return -1;
  }
  char err[512];
  if (vx_state_init(&st) != 0 ||
      vx_state_import_unleash(&st, doc, "production", VX_IMPORT_REPLACE, err,
                              sizeof err) != 0 ||
      vx_snapshot_build(&st, NULL, plugins, 0, &snap, err, sizeof err) != 0) {
    fprintf(stderr, "setup: %s\n", err);
    json_decref(doc);
    return -1;
  }
  json_decref(doc);
  env = vx_snapshot_env(snap, "production");
  return env != NULL ? 0 : -1;
}

static int suite_clean(void) {
  vx_snapshot_free(snap);
  vx_state_dispose(&st);
  vx_plugin_host_free(plugins);
  return 0;
}

/* ------------------------------------------------------------ helpers */

/* Maps an OFREP context given as JSON text; asserts success. */
static json_t *map_ok(const char *text, vx_ofrep_context *c) {
  json_t *obj = json_loads(text, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
  char err[256];
  int rc = vx_ofrep_context_map(obj, c, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "map %s: %s\n", text, err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return obj;
}

static const char *field(const vx_ofrep_context *c, vx_field f) {
  return c->ctx.field[f].ptr;
}

static const char *prop(const vx_ofrep_context *c, const char *name) {
  return vx_context_lookup(&c->ctx, VX_FIELD_PROPERTY, name, NULL);
}

/* Evaluates flag for an OFREP context and returns the OFREP object the
 * writer produced (parsed), with the error code in *code. */
static json_t *ofrep(const char *flag, const char *context,
                     vx_ofrep_error *code) {
  vx_ofrep_context c;
  json_t *obj = map_ok(context, &c);
  vx_decision d;
  vx_evaluate(env, flag, strlen(flag), &c.ctx, &d);
  char small[16];
  vx_jbuf b;
  vx_jbuf_init(&b, small, sizeof small); /* forces growth */
  vx_ofrep_error e =
      vx_ofrep_write_decision(&b, flag, strlen(flag), &d, &c.ctx, 7);
  if (code != NULL)
    *code = e;
  CU_ASSERT_FALSE(b.oom);
  json_error_t jerr;
  json_t *out = json_loadb(b.ptr, b.len, 0, &jerr);
  if (out == NULL)
    fprintf(stderr, "bad JSON %.*s: %s\n", (int)b.len, b.ptr, jerr.text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  vx_jbuf_dispose(&b);
  vx_ofrep_context_dispose(&c);
  json_decref(obj);
  return out;
}

static const char *str_member(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* ------------------------------------------------------------ context */

static void test_targeting_key_becomes_user_id(void) {
  vx_ofrep_context c;
  json_t *o = map_ok("{\"targetingKey\": \"u-1\"}", &c);
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_USER_ID), "u-1");
  CU_ASSERT_TRUE(c.has_targeting_key);
  CU_ASSERT_PTR_NULL(prop(&c, "targetingKey"));
  CU_ASSERT_EQUAL(c.ctx.n_props, 0);
  vx_ofrep_context_dispose(&c);
  json_decref(o);
}

static void test_user_id_wins_over_targeting_key(void) {
  vx_ofrep_context c;
  json_t *o = map_ok("{\"targetingKey\": \"tk\", \"userId\": \"uid\"}", &c);
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_USER_ID), "uid");
  CU_ASSERT_PTR_NULL(prop(&c, "targetingKey"));
  vx_ofrep_context_dispose(&c);
  json_decref(o);
}

static void test_well_known_top_level_keys_are_fields(void) {
  vx_ofrep_context c;
  json_t *o = map_ok("{\"sessionId\": \"s\", \"remoteAddress\": \"10.0.0.1\","
                     " \"environment\": \"dev\", \"appName\": \"shop\","
                     " \"currentTime\": \"2024-01-01T00:00:00Z\"}",
                     &c);
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_SESSION_ID), "s");
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_REMOTE_ADDRESS), "10.0.0.1");
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_ENVIRONMENT), "dev");
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_APP_NAME), "shop");
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_CURRENT_TIME),
                         "2024-01-01T00:00:00Z");
  CU_ASSERT_PTR_NULL(field(&c, VX_FIELD_USER_ID));
  CU_ASSERT_FALSE(c.has_targeting_key);
  CU_ASSERT_EQUAL(c.ctx.n_props, 0);
  vx_ofrep_context_dispose(&c);
  json_decref(o);
}

static void test_other_top_level_keys_are_properties_as_text(void) {
  vx_ofrep_context c;
  json_t *o = map_ok("{\"targetingKey\": \"u\", \"email\": \"a@b.c\","
                     " \"age\": 42, \"score\": 1.5, \"beta\": true,"
                     " \"legacy\": false, \"gone\": null}",
                     &c);
  CU_ASSERT_STRING_EQUAL(prop(&c, "email"), "a@b.c");
  CU_ASSERT_STRING_EQUAL(prop(&c, "age"), "42");
  CU_ASSERT_STRING_EQUAL(prop(&c, "score"), "1.5");
  CU_ASSERT_STRING_EQUAL(prop(&c, "beta"), "true");
  CU_ASSERT_STRING_EQUAL(prop(&c, "legacy"), "false");
  CU_ASSERT_PTR_NULL(prop(&c, "gone"));
  CU_ASSERT_EQUAL(c.ctx.n_props, 5);
  vx_ofrep_context_dispose(&c);
  json_decref(o);
}

static void test_properties_object_is_merged_and_top_level_wins(void) {
  vx_ofrep_context c;
  json_t *o = map_ok("{\"plan\": \"gold\", \"properties\": {\"plan\": \"free\","
                     " \"country\": \"NO\", \"seats\": 3}}",
                     &c);
  CU_ASSERT_STRING_EQUAL(prop(&c, "plan"), "gold");
  CU_ASSERT_STRING_EQUAL(prop(&c, "country"), "NO");
  CU_ASSERT_STRING_EQUAL(prop(&c, "seats"), "3");
  CU_ASSERT_PTR_NULL(prop(&c, "properties"));
  vx_ofrep_context_dispose(&c);
  json_decref(o);
}

static void test_scalar_properties_key_is_an_ordinary_property(void) {
  vx_ofrep_context c;
  json_t *o = map_ok("{\"properties\": \"many\"}", &c);
  CU_ASSERT_STRING_EQUAL(prop(&c, "properties"), "many");
  vx_ofrep_context_dispose(&c);
  json_decref(o);
}

static void expect_invalid(const char *text, const char *needle) {
  json_t *obj = json_loads(text, JSON_DECODE_ANY, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
  vx_ofrep_context c;
  char err[256];
  CU_ASSERT_EQUAL(vx_ofrep_context_map(obj, &c, err, sizeof err), VX_ETYPE);
  if (strstr(err, needle) == NULL)
    fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err, needle);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
  CU_ASSERT_EQUAL(c.ctx.n_props, 0);
  vx_ofrep_context_dispose(&c);
  json_decref(obj);
}

static void test_object_and_array_values_are_invalid_naming_the_key(void) {
  expect_invalid("{\"targetingKey\": \"u\", \"address\": {\"city\": \"x\"}}",
                 "context.address must be a string, number or boolean, got "
                 "object");
  expect_invalid("{\"tags\": [1, 2]}", "context.tags");
  expect_invalid("{\"tags\": [1, 2]}", "got array");
  expect_invalid("{\"targetingKey\": {\"id\": 1}}", "context.targetingKey");
  expect_invalid("{\"userId\": [\"a\"]}", "context.userId");
  expect_invalid("{\"properties\": {\"deep\": {\"x\": 1}}}",
                 "context.properties.deep");
  expect_invalid("{\"properties\": [1]}", "context.properties ");
}

static void test_context_must_be_an_object(void) {
  expect_invalid("[]", "context must be an object, got array");
  expect_invalid("\"u-1\"", "context must be an object, got string");
}

static void test_no_context_is_the_empty_context(void) {
  vx_ofrep_context c;
  char err[128];
  CU_ASSERT_EQUAL(vx_ofrep_context_map(NULL, &c, err, sizeof err), 0);
  CU_ASSERT_EQUAL(c.ctx.n_props, 0);
  CU_ASSERT_FALSE(c.has_targeting_key);
  for (int f = 0; f < VX_FIELD_COUNT; f++)
    CU_ASSERT_PTR_NULL(c.ctx.field[f].ptr);
  vx_ofrep_context_dispose(&c);
}

static void test_large_context_maps_every_key(void) {
  char text[4096];
  size_t n = (size_t)snprintf(text, sizeof text, "{\"targetingKey\": 7");
  for (int i = 0; i < 40; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, ", \"k%d\": %d", i,
                          i * 1000);
  snprintf(text + n, sizeof text - n,
           ", \"properties\": {\"p1\": 1e21, \"p2\": -0.25}}");
  vx_ofrep_context c;
  json_t *o = map_ok(text, &c);
  CU_ASSERT_TRUE(c.heap);
  CU_ASSERT_EQUAL(c.ctx.n_props, 42);
  CU_ASSERT_STRING_EQUAL(field(&c, VX_FIELD_USER_ID), "7");
  CU_ASSERT_STRING_EQUAL(prop(&c, "k0"), "0");
  CU_ASSERT_STRING_EQUAL(prop(&c, "k39"), "39000");
  CU_ASSERT_STRING_EQUAL(prop(&c, "p1"), "1e+21");
  CU_ASSERT_STRING_EQUAL(prop(&c, "p2"), "-0.25");
  vx_ofrep_context_dispose(&c);
  json_decref(o);
}

static void test_context_over_the_property_limit_is_refused(void) {
  /* Five properties: a, b (top level) and c, d, a (nested, shadowed by
   * the top-level a but sent all the same); the well-known fields,
   * targetingKey and nulls are not properties. */
  const char *text = "{\"targetingKey\": \"t\", \"userId\": \"u\", \"a\": 1, "
                     "\"b\": \"x\", \"n\": null, \"properties\": {\"c\": 3, "
                     "\"d\": true, \"a\": \"shadowed\"}}";
  json_t *obj = json_loads(text, 0, NULL);
  vx_ofrep_context c;
  char err[256];
  vx_context_set_max_props(5);
  CU_ASSERT_EQUAL(vx_ofrep_context_map(obj, &c, err, sizeof err), 0);
  CU_ASSERT_EQUAL(c.ctx.n_props, 4);
  CU_ASSERT_STRING_EQUAL(prop(&c, "a"), "1");
  vx_ofrep_context_dispose(&c);
  vx_context_set_max_props(4);
  CU_ASSERT_EQUAL(vx_ofrep_context_map(obj, &c, err, sizeof err), VX_ETOOBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "5 properties"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "limit of 4"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "max_context_properties"));
  CU_ASSERT_EQUAL(c.ctx.n_props, 0);
  vx_ofrep_context_dispose(&c);
  vx_context_set_max_props(VX_CONTEXT_MAX_PROPS_DEFAULT);
  json_decref(obj);
}

static void test_context_value_over_the_length_limit_is_refused(void) {
  char text[256];
  snprintf(text, sizeof text,
           "{\"targetingKey\": \"%064d\", \"properties\": {\"p\": \"%065d\"}}",
           0, 0);
  json_t *obj = json_loads(text, 0, NULL);
  vx_ofrep_context c;
  char err[256];
  vx_context_set_max_value(64);
  CU_ASSERT_EQUAL(vx_ofrep_context_map(obj, &c, err, sizeof err), VX_ETOOBIG);
  CU_ASSERT_STRING_EQUAL(err, "context.properties.p is 65 bytes, more than "
                              "the limit of 64 (setting "
                              "max_context_value_bytes)");
  vx_ofrep_context_dispose(&c);
  vx_context_set_max_value(65);
  CU_ASSERT_EQUAL(vx_ofrep_context_map(obj, &c, err, sizeof err), 0);
  vx_ofrep_context_dispose(&c);
  vx_context_set_max_value(VX_CONTEXT_MAX_VALUE_DEFAULT);
  json_decref(obj);
}

/* ------------------------------------------------------------- values */

static void test_flag_without_variants_answers_a_boolean(void) {
  vx_ofrep_error e;
  json_t *o = ofrep("bool-on", "{}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_OK);
  CU_ASSERT_STRING_EQUAL(str_member(o, "key"), "bool-on");
  CU_ASSERT_TRUE(json_is_true(json_object_get(o, "value")));
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "STATIC");
  CU_ASSERT_PTR_NULL(json_object_get(o, "variant"));
  CU_ASSERT_PTR_NULL(json_object_get(o, "errorCode"));
  json_t *meta = json_object_get(o, "metadata");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(meta, "revision")), 7);
  CU_ASSERT_PTR_NULL(json_object_get(meta, "strategy"));
  json_decref(o);
}

static void test_disabled_boolean_flag_answers_false(void) {
  json_t *o = ofrep("bool-off", "{\"targetingKey\": \"a\"}", NULL);
  CU_ASSERT_TRUE(json_is_false(json_object_get(o, "value")));
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "DISABLED");
  CU_ASSERT_PTR_NULL(json_object_get(o, "variant"));
  json_decref(o);
}

static void test_boolean_flag_that_matches_nothing_is_default_false(void) {
  json_t *o = ofrep("bool-listed", "{\"targetingKey\": \"bob\"}", NULL);
  CU_ASSERT_TRUE(json_is_false(json_object_get(o, "value")));
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "DEFAULT");
  json_decref(o);
}

static void test_reasons_follow_what_decided(void) {
  json_t *o = ofrep("bool-listed", "{\"targetingKey\": \"alice\"}", NULL);
  CU_ASSERT_TRUE(json_is_true(json_object_get(o, "value")));
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "TARGETING_MATCH");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(
                      json_object_get(o, "metadata"), "strategy")),
                  0);
  json_decref(o);
  o = ofrep("bool-country", "{\"country\": \"NO\"}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "TARGETING_MATCH");
  json_decref(o);
  o = ofrep("bool-country", "{\"properties\": {\"country\": \"SE\"}}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "DEFAULT");
  json_decref(o);
  o = ofrep("bool-rollout", "{\"targetingKey\": \"u\"}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "SPLIT");
  json_decref(o);
  o = ofrep("str", "{}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "STATIC");
  json_decref(o);
  o = ofrep("split", "{\"targetingKey\": \"u\"}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "SPLIT");
  json_decref(o);
  o = ofrep("split", "{\"country\": \"SE\"}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "TARGETING_MATCH");
  CU_ASSERT_STRING_EQUAL(str_member(o, "variant"), "red");
  json_decref(o);
}

static void test_declared_boolean_flag_with_variant_answers_a_boolean(void) {
  json_t *o = ofrep("bool-typed-variant", "{}", NULL);
  CU_ASSERT_TRUE(json_is_true(json_object_get(o, "value")));
  CU_ASSERT_STRING_EQUAL(str_member(o, "variant"), "v");
  json_decref(o);
}

static void test_payloads_are_typed(void) {
  json_t *o = ofrep("str", "{}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "value"), "hello \"world\"");
  CU_ASSERT_STRING_EQUAL(str_member(o, "variant"), "hello-variant");
  json_decref(o);
  o = ofrep("int", "{}", NULL);
  CU_ASSERT_TRUE(json_is_integer(json_object_get(o, "value")));
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "value")), 42);
  json_decref(o);
  o = ofrep("real", "{}", NULL);
  CU_ASSERT_TRUE(json_is_real(json_object_get(o, "value")));
  CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(o, "value")), 1.5,
                         1e-12);
  json_decref(o);
  o = ofrep("obj", "{}", NULL);
  json_t *want = json_loads("{\"a\": [1, 2], \"b\": null}", 0, NULL);
  CU_ASSERT_TRUE(json_equal(json_object_get(o, "value"), want));
  json_decref(want);
  json_decref(o);
  o = ofrep("csv", "{}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "value"), "a,b");
  json_decref(o);
}

static void test_declared_string_flag_answers_payload_text_or_name(void) {
  json_t *o = ofrep("declared-string", "{}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "value"), "{\"k\":1}");
  json_decref(o);
  o = ofrep("declared-string-bare", "{}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "value"), "just-a-name");
  json_decref(o);
}

static void test_variant_without_payload(void) {
  /* Undeclared: the variant's name. */
  json_t *o = ofrep("bare-variant", "{}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "value"), "blue");
  json_decref(o);
  /* Declared number: nothing fits, the code default applies. */
  o = ofrep("declared-number-bare", "{}", NULL);
  CU_ASSERT_PTR_NULL(json_object_get(o, "value"));
  CU_ASSERT_STRING_EQUAL(str_member(o, "variant"), "nothing");
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "STATIC");
  json_decref(o);
  o = ofrep("declared-number-no-variants", "{}", NULL);
  CU_ASSERT_PTR_NULL(json_object_get(o, "value"));
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "STATIC");
  json_decref(o);
}

static void test_disabled_variant_flag_has_no_value(void) {
  json_t *o = ofrep("variant-off", "{\"targetingKey\": \"a\"}", NULL);
  CU_ASSERT_PTR_NULL(json_object_get(o, "value"));
  CU_ASSERT_PTR_NULL(json_object_get(o, "variant"));
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "DISABLED");
  CU_ASSERT_STRING_EQUAL(str_member(o, "key"), "variant-off");
  json_decref(o);
}

static void test_default_variant_flag_has_no_value(void) {
  json_t *o = ofrep("variant-listed", "{\"targetingKey\": \"bob\"}", NULL);
  CU_ASSERT_PTR_NULL(json_object_get(o, "value"));
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "DEFAULT");
  json_decref(o);
  o = ofrep("variant-listed", "{\"targetingKey\": \"alice\"}", NULL);
  CU_ASSERT_STRING_EQUAL(str_member(o, "value"), "x");
  CU_ASSERT_STRING_EQUAL(str_member(o, "reason"), "TARGETING_MATCH");
  json_decref(o);
}

static void test_flag_kinds(void) {
  struct {
    const char *flag;
    vx_ofrep_kind kind;
  } cases[] = {
      {"bool-on", VX_OFREP_BOOLEAN},
      {"bool-typed-variant", VX_OFREP_BOOLEAN},
      {"str", VX_OFREP_VARIANT},
      {"declared-string", VX_OFREP_STRING},
      {"declared-number-bare", VX_OFREP_NUMBER},
      {"split-strategy", VX_OFREP_VARIANT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const vx_flag *f = vx_env_find(env, cases[i].flag, strlen(cases[i].flag));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(vx_ofrep_flag_kind(f), cases[i].kind);
  }
}

/* ------------------------------------------- TARGETING_KEY_MISSING */

static void test_variant_split_without_identity_is_targeting_key_missing(void) {
  vx_ofrep_error e;
  json_t *o = ofrep("split", "{\"plan\": \"x\"}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_TARGETING_KEY_MISSING);
  CU_ASSERT_STRING_EQUAL(str_member(o, "key"), "split");
  CU_ASSERT_STRING_EQUAL(str_member(o, "errorCode"), "TARGETING_KEY_MISSING");
  CU_ASSERT_PTR_NOT_NULL(strstr(str_member(o, "errorDetails"), "targetingKey"));
  CU_ASSERT_PTR_NULL(json_object_get(o, "value"));
  json_decref(o);
  /* Strategy-level variants are checked the same way. */
  o = ofrep("split-strategy", "{}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_TARGETING_KEY_MISSING);
  json_decref(o);
  /* An empty targetingKey is no identity either. */
  o = ofrep("split", "{\"targetingKey\": \"\"}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_TARGETING_KEY_MISSING);
  json_decref(o);
}

static void test_variant_split_with_an_identity_is_answered(void) {
  const char *contexts[] = {"{\"targetingKey\": \"u\"}", "{\"userId\": \"u\"}",
                            "{\"sessionId\": \"s\"}",
                            "{\"remoteAddress\": \"10.1.2.3\"}"};
  for (size_t i = 0; i < 4; i++) {
    vx_ofrep_error e;
    json_t *o = ofrep("split", contexts[i], &e);
    CU_ASSERT_EQUAL(e, VX_OFREP_OK);
    CU_ASSERT_TRUE(json_is_string(json_object_get(o, "value")));
    json_decref(o);
  }
  /* The same user always gets the same variant. */
  json_t *a = ofrep("split", "{\"targetingKey\": \"user-17\"}", NULL);
  for (int i = 0; i < 5; i++) {
    json_t *b = ofrep("split", "{\"targetingKey\": \"user-17\"}", NULL);
    CU_ASSERT_STRING_EQUAL(str_member(a, "variant"), str_member(b, "variant"));
    json_decref(b);
  }
  json_decref(a);
}

static void test_override_or_single_variant_needs_no_identity(void) {
  vx_ofrep_error e;
  json_t *o = ofrep("split", "{\"country\": \"SE\"}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_OK);
  CU_ASSERT_STRING_EQUAL(str_member(o, "value"), "r");
  json_decref(o);
  o = ofrep("one-of-two-weighted", "{}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_OK);
  CU_ASSERT_STRING_EQUAL(str_member(o, "variant"), "only");
  json_decref(o);
  /* Boolean rollouts keep Unleash's semantics. */
  o = ofrep("bool-rollout", "{}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_OK);
  json_decref(o);
}

static void test_custom_stickiness_missing_is_invalid_context(void) {
  vx_ofrep_error e;
  json_t *o = ofrep("split-tenant", "{\"targetingKey\": \"u\"}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_INVALID_CONTEXT);
  CU_ASSERT_STRING_EQUAL(str_member(o, "errorCode"), "INVALID_CONTEXT");
  CU_ASSERT_PTR_NOT_NULL(strstr(str_member(o, "errorDetails"), "tenant"));
  json_decref(o);
  o = ofrep("split-tenant", "{\"tenant\": \"acme\"}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_OK);
  json_decref(o);
}

static void test_missing_flag_is_flag_not_found(void) {
  vx_ofrep_error e;
  json_t *o = ofrep("no-such-flag", "{}", &e);
  CU_ASSERT_EQUAL(e, VX_OFREP_FLAG_NOT_FOUND);
  CU_ASSERT_STRING_EQUAL(str_member(o, "key"), "no-such-flag");
  CU_ASSERT_STRING_EQUAL(str_member(o, "errorCode"), "FLAG_NOT_FOUND");
  CU_ASSERT_STRING_EQUAL(str_member(o, "errorDetails"),
                         "flag no-such-flag was not found");
  CU_ASSERT_EQUAL(json_object_size(o), 3);
  json_decref(o);
}

static void test_error_names(void) {
  CU_ASSERT_STRING_EQUAL(vx_ofrep_error_name(VX_OFREP_PARSE_ERROR),
                         "PARSE_ERROR");
  CU_ASSERT_STRING_EQUAL(vx_ofrep_error_name(VX_OFREP_TARGETING_KEY_MISSING),
                         "TARGETING_KEY_MISSING");
  CU_ASSERT_STRING_EQUAL(vx_ofrep_error_name(VX_OFREP_INVALID_CONTEXT),
                         "INVALID_CONTEXT");
  CU_ASSERT_STRING_EQUAL(vx_ofrep_error_name(VX_OFREP_FLAG_NOT_FOUND),
                         "FLAG_NOT_FOUND");
  CU_ASSERT_STRING_EQUAL(vx_ofrep_error_name(VX_OFREP_GENERAL), "GENERAL");
}

/* --------------------------------------------------------------- ETag */

static void etag_of(uint64_t rev, const char *envname, const char *ctx,
                    char out[VX_OFREP_ETAG_MAX]) {
  json_t *c = ctx != NULL ? json_loads(ctx, 0, NULL) : NULL;
  CU_ASSERT_EQUAL(vx_ofrep_etag(rev, envname, c, out), 0);
  json_decref(c);
}

static void test_etag_changes_with_revision_environment_and_context(void) {
  char a[VX_OFREP_ETAG_MAX], b[VX_OFREP_ETAG_MAX];
  etag_of(5, "production", "{\"targetingKey\": \"u\", \"plan\": 1}", a);
  CU_ASSERT_EQUAL(a[0], '"');
  CU_ASSERT_EQUAL(a[strlen(a) - 1], '"');
  etag_of(5, "production", "{\"plan\": 1, \"targetingKey\": \"u\"}", b);
  CU_ASSERT_STRING_EQUAL(a, b); /* key order does not matter */
  etag_of(6, "production", "{\"targetingKey\": \"u\", \"plan\": 1}", b);
  CU_ASSERT_STRING_NOT_EQUAL(a, b);
  etag_of(5, "staging", "{\"targetingKey\": \"u\", \"plan\": 1}", b);
  CU_ASSERT_STRING_NOT_EQUAL(a, b);
  etag_of(5, "production", "{\"targetingKey\": \"v\", \"plan\": 1}", b);
  CU_ASSERT_STRING_NOT_EQUAL(a, b);
  etag_of(5, "production", "{\"targetingKey\": \"u\", \"plan\": 2}", b);
  CU_ASSERT_STRING_NOT_EQUAL(a, b);
  etag_of(5, "production", "{}", a);
  etag_of(5, "production", NULL, b);
  CU_ASSERT_STRING_EQUAL(a, b);
}

static void test_if_none_match(void) {
  const char *tag = "\"12-00ff00ff00ff00ff\"";
  CU_ASSERT_TRUE(vx_ofrep_etag_match("\"12-00ff00ff00ff00ff\"", tag));
  CU_ASSERT_TRUE(vx_ofrep_etag_match("W/\"12-00ff00ff00ff00ff\"", tag));
  CU_ASSERT_TRUE(vx_ofrep_etag_match("12-00ff00ff00ff00ff", tag));
  CU_ASSERT_TRUE(
      vx_ofrep_etag_match("\"old\", \"12-00ff00ff00ff00ff\" ,\"x\"", tag));
  CU_ASSERT_TRUE(vx_ofrep_etag_match("*", tag));
  CU_ASSERT_FALSE(vx_ofrep_etag_match("\"12-00ff00ff00ff00fe\"", tag));
  CU_ASSERT_FALSE(vx_ofrep_etag_match("\"12-00ff00ff00ff00ff0\"", tag));
  CU_ASSERT_FALSE(vx_ofrep_etag_match("\"\"", tag));
  CU_ASSERT_FALSE(vx_ofrep_etag_match("", tag));
  CU_ASSERT_FALSE(vx_ofrep_etag_match(NULL, tag));
  CU_ASSERT_FALSE(vx_ofrep_etag_match("\"unterminated", tag));
}

/* ----------------------------------------------------------- writer */

static void test_json_strings_are_escaped(void) {
  char small[4];
  vx_jbuf b;
  vx_jbuf_init(&b, small, sizeof small);
  const char s[] = "a\"b\\c\nd\te\x01 f\xc3\xa6/";
  vx_jbuf_str(&b, s, sizeof s - 1);
  vx_jbuf_putc(&b, ' ');
  vx_jbuf_u64(&b, 18446744073709551615ULL);
  vx_jbuf_putc(&b, ' ');
  vx_jbuf_u64(&b, 0);
  CU_ASSERT_FALSE(b.oom);
  const char want[] =
      "\"a\\\"b\\\\c\\nd\\te\\u0001 f\xc3\xa6/\" 18446744073709551615 0";
  CU_ASSERT_EQUAL(b.len, sizeof want - 1);
  CU_ASSERT_EQUAL(memcmp(b.ptr, want, b.len), 0);
  json_t *parsed =
      json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(parsed);
  CU_ASSERT_STRING_EQUAL(json_string_value(parsed), s);
  json_decref(parsed);
  vx_jbuf_dispose(&b);
}

static void test_invalid_utf8_never_reaches_the_output(void) {
  CU_ASSERT_TRUE(vx_utf8_valid("plain", 5));
  CU_ASSERT_TRUE(vx_utf8_valid("\xc3\xa6\xe2\x82\xac\xf0\x9f\x98\x80", 9));
  CU_ASSERT_FALSE(vx_utf8_valid("\xff", 1));
  CU_ASSERT_FALSE(vx_utf8_valid("\xc3", 1));             /* cut short */
  CU_ASSERT_FALSE(vx_utf8_valid("\xc0\xaf", 2));         /* overlong */
  CU_ASSERT_FALSE(vx_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  CU_ASSERT_FALSE(vx_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */

  vx_jbuf b;
  vx_jbuf_init(&b, NULL, 0);
  const char bad[] = "a\xff"
                     "b\xc3\xa6\xed\xa0\x80";
  vx_jbuf_str(&b, bad, sizeof bad - 1);
  const char want[] = "\"a\\ufffdb\xc3\xa6\\ufffd\\ufffd\\ufffd\"";
  CU_ASSERT_EQUAL(b.len, sizeof want - 1);
  CU_ASSERT_EQUAL(memcmp(b.ptr, want, b.len), 0);
  json_t *parsed = json_loadb(b.ptr, b.len, JSON_DECODE_ANY, NULL);
  CU_ASSERT_PTR_NOT_NULL(parsed);
  json_decref(parsed);
  vx_jbuf_dispose(&b);

  char out[8];
  CU_ASSERT_EQUAL(vx_utf8_copy(out, sizeof out, "x\xffy"), 3);
  CU_ASSERT_STRING_EQUAL(out, "x?y");
  /* A character that does not fit whole is left out. */
  CU_ASSERT_EQUAL(vx_utf8_copy(out, sizeof out, "abcdef\xc3\xa6"), 6);
  CU_ASSERT_STRING_EQUAL(out, "abcdef");
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_targeting_key_becomes_user_id),
      VX_TEST(test_user_id_wins_over_targeting_key),
      VX_TEST(test_well_known_top_level_keys_are_fields),
      VX_TEST(test_other_top_level_keys_are_properties_as_text),
      VX_TEST(test_properties_object_is_merged_and_top_level_wins),
      VX_TEST(test_scalar_properties_key_is_an_ordinary_property),
      VX_TEST(test_object_and_array_values_are_invalid_naming_the_key),
      VX_TEST(test_context_must_be_an_object),
      VX_TEST(test_no_context_is_the_empty_context),
      VX_TEST(test_large_context_maps_every_key),
      VX_TEST(test_context_over_the_property_limit_is_refused),
      VX_TEST(test_context_value_over_the_length_limit_is_refused),
      VX_TEST(test_flag_without_variants_answers_a_boolean),
      VX_TEST(test_disabled_boolean_flag_answers_false),
      VX_TEST(test_boolean_flag_that_matches_nothing_is_default_false),
      VX_TEST(test_reasons_follow_what_decided),
      VX_TEST(test_declared_boolean_flag_with_variant_answers_a_boolean),
      VX_TEST(test_payloads_are_typed),
      VX_TEST(test_declared_string_flag_answers_payload_text_or_name),
      VX_TEST(test_variant_without_payload),
      VX_TEST(test_disabled_variant_flag_has_no_value),
      VX_TEST(test_default_variant_flag_has_no_value),
      VX_TEST(test_flag_kinds),
      VX_TEST(test_variant_split_without_identity_is_targeting_key_missing),
      VX_TEST(test_variant_split_with_an_identity_is_answered),
      VX_TEST(test_override_or_single_variant_needs_no_identity),
      VX_TEST(test_custom_stickiness_missing_is_invalid_context),
      VX_TEST(test_missing_flag_is_flag_not_found),
      VX_TEST(test_error_names),
      VX_TEST(test_etag_changes_with_revision_environment_and_context),
      VX_TEST(test_if_none_match),
      VX_TEST(test_json_strings_are_escaped),
      VX_TEST(test_invalid_utf8_never_reaches_the_output),
      {NULL, NULL}};
  return vx_test_main("daemon/ofrep", tests, suite_init, suite_clean);
}
