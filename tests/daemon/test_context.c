/*
 * test_context.c - the evaluation context: Unleash's fields, properties,
 * JSON conversion and the currentTime cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>
#include <vexil/sdk.h>

#include "context.h"
#include "vx_test.h"

/* JSON written with single quotes, for readability. */
static json_t *J(const char *text) {
  char *s = strdup(text);
  for (char *p = s; *p; p++) {
    if (*p == '\'')
      *p = '"';
  }
  json_error_t e;
  json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
  free(s);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  return j;
}

static char err[256];

/* Builds a context from text; the JSON is released at once, so the
 * context must hold its own reference. */
static int build(const char *text, vx_context_json *out) {
  json_t *j = J(text);
  err[0] = '\0';
  int rc = vx_context_from_json(j, out, err, sizeof err);
  json_decref(j);
  return rc;
}

static const char *get(const vx_context_json *c, const char *name) {
  return vx_context_get(&c->ctx, name, NULL);
}

static void test_field_names_map_both_ways(void) {
  const char *names[] = {"userId",      "sessionId", "remoteAddress",
                         "environment", "appName",   "currentTime"};
  for (int f = 0; f < VX_FIELD_COUNT; f++) {
    CU_ASSERT_EQUAL(vx_field_from_name(names[f]), (vx_field)f);
    CU_ASSERT_STRING_EQUAL(vx_field_name((vx_field)f), names[f]);
  }
  CU_ASSERT_EQUAL(vx_field_from_name("userid"), VX_FIELD_PROPERTY);
  CU_ASSERT_EQUAL(vx_field_from_name("properties"), VX_FIELD_PROPERTY);
  CU_ASSERT_EQUAL(vx_field_from_name(""), VX_FIELD_PROPERTY);
  CU_ASSERT_EQUAL(vx_field_from_name(NULL), VX_FIELD_PROPERTY);
  CU_ASSERT_PTR_NULL(vx_field_name(VX_FIELD_PROPERTY));
  CU_ASSERT_PTR_NULL(vx_field_name(VX_FIELD_COUNT));
}

static void test_well_known_fields_and_properties_are_read(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(
      build("{'userId':'u1','sessionId':'s1','remoteAddress':'10.0.0.1',"
            "'environment':'prod','appName':'shop','currentTime':"
            "'2024-01-01T00:00:00Z','properties':{'plan':'gold','r\xc3\xb4le':"
            "'\xc3\xa9t\xc3\xa9'}}",
            &c),
      0);
  CU_ASSERT_STRING_EQUAL(get(&c, "userId"), "u1");
  CU_ASSERT_STRING_EQUAL(get(&c, "sessionId"), "s1");
  CU_ASSERT_STRING_EQUAL(get(&c, "remoteAddress"), "10.0.0.1");
  CU_ASSERT_STRING_EQUAL(get(&c, "environment"), "prod");
  CU_ASSERT_STRING_EQUAL(get(&c, "appName"), "shop");
  CU_ASSERT_STRING_EQUAL(get(&c, "currentTime"), "2024-01-01T00:00:00Z");
  CU_ASSERT_STRING_EQUAL(get(&c, "plan"), "gold");
  size_t len = 0;
  CU_ASSERT_STRING_EQUAL(vx_context_get(&c.ctx, "r\xc3\xb4le", &len),
                         "\xc3\xa9t\xc3\xa9");
  CU_ASSERT_EQUAL(len, 5);
  CU_ASSERT_PTR_NULL(get(&c, "missing"));
  CU_ASSERT_EQUAL(c.ctx.n_props, 2);
  vx_context_json_dispose(&c);
}

static void test_top_level_field_wins_over_property_of_same_name(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(
      build("{'userId':'top','properties':{'userId':'prop','appName':'a'}}",
            &c),
      0);
  CU_ASSERT_STRING_EQUAL(get(&c, "userId"), "top");
  /* A well-known field that is absent falls back to the property. */
  CU_ASSERT_STRING_EQUAL(get(&c, "appName"), "a");
  CU_ASSERT_STRING_EQUAL(
      vx_context_lookup(&c.ctx, VX_FIELD_APP_NAME, "appName", NULL), "a");
  CU_ASSERT_STRING_EQUAL(
      vx_context_lookup(&c.ctx, VX_FIELD_APP_NAME, NULL, NULL), "a");
  vx_context_json_dispose(&c);
}

static void test_empty_string_is_a_present_value(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(build("{'userId':'','properties':{'p':''}}", &c), 0);
  size_t len = 99;
  CU_ASSERT_STRING_EQUAL(vx_context_get(&c.ctx, "userId", &len), "");
  CU_ASSERT_EQUAL(len, 0);
  CU_ASSERT_STRING_EQUAL(get(&c, "p"), "");
  vx_context_json_dispose(&c);
}

static void test_unknown_top_level_keys_are_ignored(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(build("{'tenant':'t1','nested':{'a':1}}", &c), 0);
  CU_ASSERT_PTR_NULL(get(&c, "tenant"));
  CU_ASSERT_EQUAL(c.ctx.n_props, 0);
  vx_context_json_dispose(&c);
}

static void test_null_means_absent(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(
      build("{'userId':null,'properties':{'a':null,'b':'x'}}", &c), 0);
  CU_ASSERT_PTR_NULL(get(&c, "userId"));
  CU_ASSERT_PTR_NULL(get(&c, "a"));
  CU_ASSERT_STRING_EQUAL(get(&c, "b"), "x");
  CU_ASSERT_EQUAL(c.ctx.n_props, 1);
  vx_context_json_dispose(&c);
  CU_ASSERT_EQUAL_FATAL(build("{'properties':null}", &c), 0);
  CU_ASSERT_EQUAL(c.ctx.n_props, 0);
  vx_context_json_dispose(&c);
  CU_ASSERT_EQUAL(vx_context_from_json(NULL, &c, err, sizeof err), 0);
  CU_ASSERT_PTR_NULL(get(&c, "userId"));
  vx_context_json_dispose(&c);
}

static void test_numbers_and_booleans_become_javascript_text(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(
      build("{'userId':12,'sessionId':true,'properties':{"
            "'i':12,'f':12.5,'whole':12.0,'neg':-3,'zero':-0.0,'tenth':0.1,"
            "'big':1e21,'less':1e20,'tiny':1e-7,'small':0.000001,"
            "'no':false,'pi':3.141592653589793,'huge':9007199254740993,"
            "'exp':1.5e300}}",
            &c),
      0);
  CU_ASSERT_STRING_EQUAL(get(&c, "userId"), "12");
  CU_ASSERT_STRING_EQUAL(get(&c, "sessionId"), "true");
  CU_ASSERT_STRING_EQUAL(get(&c, "i"), "12");
  CU_ASSERT_STRING_EQUAL(get(&c, "f"), "12.5");
  CU_ASSERT_STRING_EQUAL(get(&c, "whole"), "12");
  CU_ASSERT_STRING_EQUAL(get(&c, "neg"), "-3");
  CU_ASSERT_STRING_EQUAL(get(&c, "zero"), "0");
  CU_ASSERT_STRING_EQUAL(get(&c, "tenth"), "0.1");
  CU_ASSERT_STRING_EQUAL(get(&c, "big"), "1e+21");
  CU_ASSERT_STRING_EQUAL(get(&c, "less"), "100000000000000000000");
  CU_ASSERT_STRING_EQUAL(get(&c, "tiny"), "1e-7");
  CU_ASSERT_STRING_EQUAL(get(&c, "small"), "0.000001");
  CU_ASSERT_STRING_EQUAL(get(&c, "no"), "false");
  CU_ASSERT_STRING_EQUAL(get(&c, "pi"), "3.141592653589793");
  CU_ASSERT_STRING_EQUAL(get(&c, "huge"), "9007199254740992");
  CU_ASSERT_STRING_EQUAL(get(&c, "exp"), "1.5e+300");
  size_t len = 0;
  vx_context_get(&c.ctx, "f", &len);
  CU_ASSERT_EQUAL(len, 4);
  vx_context_json_dispose(&c);
}

static void test_scalar_text_refuses_other_types(void) {
  char buf[VX_SCALAR_TEXT_MAX];
  json_t *s = json_string("x");
  CU_ASSERT_EQUAL(vx_json_scalar_text(s, buf, sizeof buf), -1);
  CU_ASSERT_EQUAL(vx_json_scalar_text(json_null(), buf, sizeof buf), -1);
  json_decref(s);
  json_t *n = json_real(-1.25e-300);
  CU_ASSERT_EQUAL(vx_json_scalar_text(n, buf, sizeof buf), 10);
  CU_ASSERT_STRING_EQUAL(buf, "-1.25e-300");
  json_decref(n);
}

static void test_objects_and_arrays_are_type_errors_naming_the_field(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL(build("{'userId':{'a':1}}", &c), VX_ETYPE);
  CU_ASSERT_STRING_EQUAL(err, "context field userId must be a string, got "
                              "object");
  CU_ASSERT_PTR_NULL(c.root);
  CU_ASSERT_EQUAL(build("{'properties':{'ok':'1','plan':['a']}}", &c),
                  VX_ETYPE);
  CU_ASSERT_STRING_EQUAL(err, "context field properties.plan must be a "
                              "string, got array");
  CU_ASSERT_EQUAL(build("{'properties':'x'}", &c), VX_ETYPE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "properties must be an object"));
  CU_ASSERT_EQUAL(build("['userId']", &c), VX_ETYPE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "context must be an object"));
  vx_context_json_dispose(&c); /* safe after a failure */
}

static void test_context_keeps_the_json_alive(void) {
  json_t *j = J("{'userId':'keep-me','properties':{'k':'v'}}");
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(vx_context_from_json(j, &c, err, sizeof err), 0);
  CU_ASSERT_EQUAL(j->refcount, 2);
  json_decref(j);
  CU_ASSERT_STRING_EQUAL(get(&c, "userId"), "keep-me");
  CU_ASSERT_STRING_EQUAL(get(&c, "k"), "v");
  vx_context_json_dispose(&c);
  vx_context_json_dispose(&c); /* twice is harmless */
}

static void test_lookup_on_a_hand_built_context(void) {
  vx_context ctx;
  vx_context_init(&ctx);
  CU_ASSERT_PTR_NULL(vx_context_get(&ctx, "userId", NULL));
  vx_prop props[] = {{"tier", {"gold", 4}}, {"gone", {NULL, 0}}};
  ctx.field[VX_FIELD_USER_ID] = (vx_str){"u", 1};
  CU_ASSERT_EQUAL(vx_context_set_props(&ctx, props, 2), 0);
  CU_ASSERT_EQUAL(ctx.n_props, 1); /* "gone" has no value */
  CU_ASSERT_STRING_EQUAL(vx_context_get(&ctx, "userId", NULL), "u");
  CU_ASSERT_STRING_EQUAL(vx_context_get(&ctx, "tier", NULL), "gold");
  CU_ASSERT_PTR_NULL(vx_context_get(&ctx, "gone", NULL));
  CU_ASSERT_PTR_NULL(vx_context_lookup(&ctx, VX_FIELD_PROPERTY, NULL, NULL));
  CU_ASSERT_PTR_NULL(vx_context_get(NULL, "userId", NULL));
}

/* ---- properties: bounded, sorted once, found by binary search */

/* A context object with n properties "p0000".. (value "vN"), in reverse
 * order, plus a null one. */
static json_t *many(size_t n) {
  json_t *props = json_object();
  for (size_t i = n; i-- > 0;) {
    char k[16], v[16];
    snprintf(k, sizeof k, "p%04zu", i);
    snprintf(v, sizeof v, "v%zu", i);
    json_object_set_new(props, k, json_string(v));
  }
  json_object_set_new(props, "nothing", json_null());
  return json_pack("{s:s, s:o}", "userId", "u", "properties", props);
}

static void test_every_property_is_found_among_many(void) {
  vx_context_set_max_props(1000);
  for (size_t n = 0; n <= 300; n += n < 40 ? 1 : 37) {
    json_t *obj = many(n);
    vx_context_json c;
    CU_ASSERT_EQUAL_FATAL(vx_context_from_json(obj, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.ctx.n_props, n); /* the null one is absent */
    bool all = true;
    for (size_t i = 0; i < n; i++) {
      char k[16], v[16];
      snprintf(k, sizeof k, "p%04zu", i);
      snprintf(v, sizeof v, "v%zu", i);
      const char *got = vx_context_get(&c.ctx, k, NULL);
      all = all && got != NULL && strcmp(got, v) == 0;
    }
    CU_ASSERT_TRUE(all);
    for (size_t i = 1; i < c.ctx.n_props; i++) /* sorted, each name once */
      CU_ASSERT(strcmp(c.ctx.props[i - 1].name, c.ctx.props[i].name) < 0);
    CU_ASSERT_PTR_NULL(vx_context_get(&c.ctx, "nothing", NULL));
    CU_ASSERT_PTR_NULL(vx_context_get(&c.ctx, "p", NULL));
    CU_ASSERT_PTR_NULL(vx_context_get(&c.ctx, "p9999", NULL));
    CU_ASSERT_PTR_NULL(vx_context_get(&c.ctx, "", NULL));
    CU_ASSERT_STRING_EQUAL(vx_context_get(&c.ctx, "userId", NULL), "u");
    vx_context_json_dispose(&c);
    json_decref(obj);
  }
  vx_context_set_max_props(VX_CONTEXT_MAX_PROPS_DEFAULT);
}

static void test_set_props_keeps_the_first_of_equal_names(void) {
  /* Both sorts: the inline one and the one with a scratch array. */
  for (size_t n = 4; n <= 4 * VX_CONTEXT_SORT_INLINE; n *= 4) {
    vx_prop *props = calloc(2 * n, sizeof *props);
    char(*names)[16] = calloc(n, sizeof *names);
    for (size_t i = 0; i < n; i++) {
      snprintf(names[i], sizeof names[i], "k%03zu", (i * 7) % n);
      props[i] = (vx_prop){names[i], {"first", 5}};
      props[n + i] = (vx_prop){names[i], {"second", 6}};
    }
    props[1].value.ptr = NULL; /* absent: its "second" is the one */
    vx_context ctx;
    vx_context_init(&ctx);
    CU_ASSERT_EQUAL(vx_context_set_props(&ctx, props, 2 * n), 0);
    CU_ASSERT_EQUAL(ctx.n_props, n);
    for (size_t i = 0; i < n; i++)
      CU_ASSERT_STRING_EQUAL(vx_context_get(&ctx, names[i], NULL),
                             i == 1 ? "second" : "first");
    free(props);
    free(names);
  }
}

static void test_more_properties_than_the_limit_are_refused(void) {
  vx_context_set_max_props(8);
  CU_ASSERT_EQUAL(vx_context_max_props(), 8);
  json_t *ok = many(8), *over = many(9);
  vx_context_json c;
  CU_ASSERT_EQUAL(vx_context_from_json(ok, &c, err, sizeof err), 0);
  vx_context_json_dispose(&c);
  CU_ASSERT_EQUAL(vx_context_from_json(over, &c, err, sizeof err), VX_ETOOBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "9 properties"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "limit of 8"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "max_context_properties"));
  CU_ASSERT_EQUAL(c.ctx.n_props, 0); /* disposed: safe to dispose again */
  vx_context_json_dispose(&c);
  json_decref(ok);
  json_decref(over);
  vx_context_set_max_props(VX_CONTEXT_MAX_PROPS_DEFAULT);
  CU_ASSERT_EQUAL(vx_context_max_props(), 256);
}

static void test_a_value_longer_than_the_limit_is_refused(void) {
  vx_context_set_max_value(64);
  CU_ASSERT_EQUAL(vx_context_max_value(), 64);
  char text[256];
  snprintf(text, sizeof text, "{'userId':'%064d','properties':{'p':'%064d'}}",
           0, 0);
  vx_context_json c;
  CU_ASSERT_EQUAL(build(text, &c), 0);
  vx_context_json_dispose(&c);
  snprintf(text, sizeof text, "{'properties':{'email':'%065d'}}", 0);
  CU_ASSERT_EQUAL(build(text, &c), VX_ETOOBIG);
  CU_ASSERT_STRING_EQUAL(err, "context field properties.email is 65 bytes, "
                              "more than the limit of 64 (setting "
                              "max_context_value_bytes)");
  snprintf(text, sizeof text, "{'sessionId':'%065d'}", 0);
  CU_ASSERT_EQUAL(build(text, &c), VX_ETOOBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "context field sessionId is 65 bytes"));
  vx_context_set_max_value(VX_CONTEXT_MAX_VALUE_DEFAULT);
  CU_ASSERT_EQUAL(vx_context_max_value(), 4096);
}

static void test_current_time_is_parsed_once_and_cached(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(
      build("{'currentTime':'2022-01-29T13:00:00.000+02:00'}", &c), 0);
  bool ok = false;
  CU_ASSERT_EQUAL(vx_context_time(&c.ctx, &ok), 1643454000000LL);
  CU_ASSERT_TRUE(ok);
  CU_ASSERT_EQUAL(c.ctx.time_state, 1);
  /* The cache answers from now on. */
  c.ctx.field[VX_FIELD_CURRENT_TIME] = (vx_str){"garbage", 7};
  CU_ASSERT_EQUAL(vx_context_time(&c.ctx, &ok), 1643454000000LL);
  CU_ASSERT_TRUE(ok);
  vx_context_json_dispose(&c);
}

static void test_unparseable_current_time_is_not_ok(void) {
  vx_context_json c;
  CU_ASSERT_EQUAL_FATAL(build("{'currentTime':'yesterday'}", &c), 0);
  bool ok = true;
  CU_ASSERT_EQUAL(vx_context_time(&c.ctx, &ok), 0);
  CU_ASSERT_FALSE(ok);
  ok = true;
  vx_context_time(&c.ctx, &ok);
  CU_ASSERT_FALSE(ok);
  CU_ASSERT_EQUAL(c.ctx.time_state, -1);
  vx_context_json_dispose(&c);
}

static void test_missing_or_empty_current_time_means_now(void) {
  const char *texts[] = {"{}", "{'currentTime':''}",
                         "{'properties':{'currentTime':'2000-01-01'}}"};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    vx_context_json c;
    CU_ASSERT_EQUAL_FATAL(build(texts[i], &c), 0);
    int64_t before = vx_time_now_ms();
    bool ok = false;
    int64_t t = vx_context_time(&c.ctx, &ok);
    int64_t after = vx_time_now_ms();
    CU_ASSERT_TRUE(ok);
    CU_ASSERT(t >= before && t <= after);
    vx_context_json_dispose(&c);
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_field_names_map_both_ways),
      VX_TEST(test_well_known_fields_and_properties_are_read),
      VX_TEST(test_top_level_field_wins_over_property_of_same_name),
      VX_TEST(test_empty_string_is_a_present_value),
      VX_TEST(test_unknown_top_level_keys_are_ignored),
      VX_TEST(test_null_means_absent),
      VX_TEST(test_numbers_and_booleans_become_javascript_text),
      VX_TEST(test_scalar_text_refuses_other_types),
      VX_TEST(test_objects_and_arrays_are_type_errors_naming_the_field),
      VX_TEST(test_context_keeps_the_json_alive),
      VX_TEST(test_lookup_on_a_hand_built_context),
      VX_TEST(test_every_property_is_found_among_many),
      VX_TEST(test_set_props_keeps_the_first_of_equal_names),
      VX_TEST(test_more_properties_than_the_limit_are_refused),
      VX_TEST(test_a_value_longer_than_the_limit_is_refused),
      VX_TEST(test_current_time_is_parsed_once_and_cached),
      VX_TEST(test_unparseable_current_time_is_not_ok),
      VX_TEST(test_missing_or_empty_current_time_means_now),
      {NULL, NULL},
  };
  return vx_test_main("daemon/context", tests, NULL, NULL);
}
