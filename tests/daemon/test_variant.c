/*
 * Variants (daemon/variant.c): weights, overrides, stickiness and typed
 * payloads, selected as Unleash does. The expected variant is computed
 * independently from the frozen hash: normalised(seed, group, total
 * weight, 86028157), then a walk over the weights.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/sdk.h>

#include "context.h"
#include "json_limit.h"
#include "variant.h"
#include "vx_test.h"

static void compile_ok(const char *json, const char *group,
                       const char *fallback, vx_variant_set *vs) {
  json_error_t jerr;
  json_t *doc = json_loads(json, JSON_DECODE_ANY, &jerr);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  char err[512] = "";
  int rc = vx_variant_set_compile(doc, group, fallback, vs, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "variants refused: %s\n", err);
  json_decref(doc);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static int compile_err(const char *json, vx_variant_set *vs, char *err,
                       size_t errlen) {
  json_t *doc = json_loads(json, JSON_DECODE_ANY, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  int rc = vx_variant_set_compile(doc, "g", NULL, vs, err, errlen);
  json_decref(doc);
  return rc;
}

/* Selects for a context given as a JSON object. */
static const vx_variant *pick_json(const vx_variant_set *vs, json_t *obj,
                                   vx_variant_how *how) {
  vx_context_json ctx;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(vx_context_from_json(obj, &ctx, err, sizeof err), 0);
  const vx_variant *v = vx_variant_select(vs, &ctx.ctx, how);
  vx_context_json_dispose(&ctx);
  json_decref(obj);
  return v;
}

static const vx_variant *pick(const vx_variant_set *vs, const char *context,
                              vx_variant_how *how) {
  json_t *obj = json_loads(context, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
  return pick_json(vs, obj, how);
}

static const char *name_of(const vx_variant *v) {
  return v != NULL ? v->name : "(none)";
}

/* What Unleash chooses for a stickiness value: computed here, not by
 * variant.c. */
static const char *expected(const vx_variant_set *vs, const char *group,
                            const char *seed) {
  uint32_t target = vx_normalized_hash(seed, strlen(seed), group, strlen(group),
                                       vs->total_weight, VX_SEED_VARIANT);
  uint32_t counter = 0;
  for (size_t i = 0; i < vs->n; i++) {
    if (vs->items[i].weight == 0)
      continue;
    counter += vs->items[i].weight;
    if (counter >= target)
      return vs->items[i].name;
  }
  return "(none)";
}

static const char *three = "[{\"name\": \"tiny\", \"weight\": 1},"
                           " {\"name\": \"mid\", \"weight\": 49},"
                           " {\"name\": \"big\", \"weight\": 50}]";

/* ----------------------------------------------------------- weights */

static void test_total_weight_zero_gives_no_variant(void) {
  vx_variant_set vs;
  vx_variant_how how = VX_VARIANT_HASH;
  compile_ok("[{\"name\": \"a\", \"weight\": 0},"
             " {\"name\": \"b\", \"weight\": 0,"
             "  \"overrides\": [{\"contextName\": \"userId\","
             "                   \"values\": [\"vip\"]}]}]",
             "g", NULL, &vs);
  CU_ASSERT_EQUAL(vs.n, 2);
  CU_ASSERT_EQUAL(vs.total_weight, 0);
  CU_ASSERT_PTR_NULL(pick(&vs, "{\"userId\": \"someone\"}", &how));
  CU_ASSERT_EQUAL(how, VX_VARIANT_NONE);
  how = VX_VARIANT_HASH;
  CU_ASSERT_PTR_NULL(pick(&vs, "{\"userId\": \"vip\"}", &how));
  CU_ASSERT_EQUAL(how, VX_VARIANT_NONE);
  vx_variant_set_free(&vs);
}

static void test_no_variants_gives_no_variant(void) {
  const char *empties[] = {"[]", "null"};
  for (size_t i = 0; i < 2; i++) {
    vx_variant_set vs;
    vx_variant_how how = VX_VARIANT_HASH;
    compile_ok(empties[i], "g", NULL, &vs);
    CU_ASSERT_EQUAL(vs.n, 0);
    CU_ASSERT_STRING_EQUAL(vs.stickiness, "default");
    CU_ASSERT_PTR_NULL(pick(&vs, "{\"userId\": \"u\"}", &how));
    CU_ASSERT_EQUAL(how, VX_VARIANT_NONE);
    vx_variant_set_free(&vs);
  }
  vx_variant_set vs;
  char err[64];
  CU_ASSERT_EQUAL(vx_variant_set_compile(NULL, "g", NULL, &vs, err, sizeof err),
                  0);
  CU_ASSERT_EQUAL(vs.n, 0);
  vx_variant_set_free(&vs);
}

static void test_matching_override_wins_over_the_hash(void) {
  vx_variant_set vs;
  compile_ok("[{\"name\": \"a\", \"weight\": 50},"
             " {\"name\": \"b\", \"weight\": 50,"
             "  \"overrides\": [{\"contextName\": \"userId\","
             "                   \"values\": [\"vip\", \"boss\"]},"
             "                  {\"contextName\": \"tenant\","
             "                   \"values\": [\"acme\"]}]},"
             " {\"name\": \"z\", \"weight\": 0,"
             "  \"overrides\": [{\"contextName\": \"userId\","
             "                   \"values\": [\"zero\"]}]}]",
             "flag", NULL, &vs);
  CU_ASSERT_TRUE(vs.has_overrides);
  vx_variant_how how;
  CU_ASSERT_STRING_EQUAL(name_of(pick(&vs, "{\"userId\": \"vip\"}", &how)),
                         "b");
  CU_ASSERT_EQUAL(how, VX_VARIANT_OVERRIDE);
  CU_ASSERT_STRING_EQUAL(name_of(pick(&vs, "{\"userId\": \"boss\"}", &how)),
                         "b");
  CU_ASSERT_EQUAL(how, VX_VARIANT_OVERRIDE);
  /* An override on a property beats the hash of the userId, also for
   * the users the hash would give "a". */
  int hashed_to_a = 0;
  for (int i = 0; i < 50; i++) {
    char uid[32];
    snprintf(uid, sizeof uid, "user-%d", i);
    if (strcmp(expected(&vs, "flag", uid), "a") == 0)
      hashed_to_a++;
    const vx_variant *v = pick_json(&vs,
                                    json_pack("{s:s, s:{s:s}}", "userId", uid,
                                              "properties", "tenant", "acme"),
                                    &how);
    CU_ASSERT_STRING_EQUAL(name_of(v), "b");
    CU_ASSERT_EQUAL(how, VX_VARIANT_OVERRIDE);
  }
  CU_ASSERT(hashed_to_a > 0); /* the override made a difference */
  /* Overrides are checked before weights: even a weight-0 variant. */
  CU_ASSERT_STRING_EQUAL(name_of(pick(&vs, "{\"userId\": \"zero\"}", &how)),
                         "z");
  CU_ASSERT_EQUAL(how, VX_VARIANT_OVERRIDE);
  /* Without a match the hash decides. */
  CU_ASSERT_STRING_EQUAL(name_of(pick(&vs, "{\"userId\": \"user-1\"}", &how)),
                         expected(&vs, "flag", "user-1"));
  CU_ASSERT_EQUAL(how, VX_VARIANT_HASH);
  vx_variant_set_free(&vs);
}

static void test_first_variant_with_a_matching_override_wins(void) {
  vx_variant_set vs;
  compile_ok("[{\"name\": \"first\", \"weight\": 1,"
             "  \"overrides\": [{\"contextName\": \"userId\","
             "                   \"values\": [\"both\"]}]},"
             " {\"name\": \"second\", \"weight\": 1,"
             "  \"overrides\": [{\"contextName\": \"userId\","
             "                   \"values\": [\"both\", \"two\"]}]}]",
             "g", NULL, &vs);
  vx_variant_how how;
  CU_ASSERT_STRING_EQUAL(name_of(pick(&vs, "{\"userId\": \"both\"}", &how)),
                         "first");
  CU_ASSERT_STRING_EQUAL(name_of(pick(&vs, "{\"userId\": \"two\"}", &how)),
                         "second");
  CU_ASSERT_EQUAL(how, VX_VARIANT_OVERRIDE);
  vx_variant_set_free(&vs);
}

static void test_single_weighted_variant_is_single(void) {
  const char *sets[] = {"[{\"name\": \"only\", \"weight\": 1}]",
                        "[{\"name\": \"zero\", \"weight\": 0},"
                        " {\"name\": \"only\", \"weight\": 7},"
                        " {\"name\": \"nil\", \"weight\": 0}]"};
  const char *contexts[] = {"{\"userId\": \"u1\"}", "{\"sessionId\": \"s\"}",
                            "{}"};
  for (size_t i = 0; i < 2; i++) {
    vx_variant_set vs;
    compile_ok(sets[i], "g", NULL, &vs);
    CU_ASSERT_EQUAL(vs.n_weighted, 1);
    for (size_t c = 0; c < 3; c++) {
      vx_variant_how how = VX_VARIANT_NONE;
      CU_ASSERT_STRING_EQUAL(name_of(pick(&vs, contexts[c], &how)), "only");
      CU_ASSERT_EQUAL(how, VX_VARIANT_SINGLE);
    }
    vx_variant_set_free(&vs);
  }
}

static void test_several_variants_are_chosen_by_hash_in_proportion(void) {
  enum { N = 10000 };
  vx_variant_set vs;
  compile_ok(three, "colour-flag", NULL, &vs);
  CU_ASSERT_EQUAL(vs.total_weight, 100);
  CU_ASSERT_EQUAL(vs.n_weighted, 3);
  int count[3] = {0, 0, 0};
  int mismatches = 0, not_hash = 0;
  for (int i = 0; i < N; i++) {
    char uid[32];
    snprintf(uid, sizeof uid, "user-%d", i);
    vx_variant_how how;
    const vx_variant *v =
        pick_json(&vs, json_pack("{s:s}", "userId", uid), &how);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    if (how != VX_VARIANT_HASH)
      not_hash++;
    if (strcmp(v->name, expected(&vs, "colour-flag", uid)) != 0)
      mismatches++;
    count[v - vs.items]++;
  }
  CU_ASSERT_EQUAL(mismatches, 0);
  CU_ASSERT_EQUAL(not_hash, 0);
  /* 1%, 49%, 50% within a percentage point or so */
  CU_ASSERT(abs(count[0] - N / 100) <= 60);
  CU_ASSERT(abs(count[1] - N * 49 / 100) <= 150);
  CU_ASSERT(abs(count[2] - N / 2) <= 150);
  vx_variant_set_free(&vs);
}

static void test_selection_is_sticky_for_the_same_context(void) {
  vx_variant_set vs;
  compile_ok(three, "sticky", NULL, &vs);
  vx_variant_how how;
  for (int i = 0; i < 20; i++) {
    char ctx[64];
    snprintf(ctx, sizeof ctx, "{\"userId\": \"u-%d\"}", i);
    const vx_variant *first = pick(&vs, ctx, &how);
    for (int k = 0; k < 5; k++)
      CU_ASSERT_PTR_EQUAL(pick(&vs, ctx, &how), first);
  }
  vx_variant_set_free(&vs);
}

/* -------------------------------------------------------- stickiness */

static void test_default_stickiness_falls_back_user_session_address(void) {
  vx_variant_set vs;
  compile_ok(three, "g", NULL, &vs);
  CU_ASSERT_STRING_EQUAL(vs.stickiness, "default");
  int discriminating = 0;
  for (int i = 0; i < 300; i++) {
    char u[32], s[32], r[32];
    snprintf(u, sizeof u, "u%d", i);
    snprintf(s, sizeof s, "s%d", i);
    snprintf(r, sizeof r, "10.0.%d.%d", i / 256, i % 256);
    const char *eu = expected(&vs, "g", u);
    const char *es = expected(&vs, "g", s);
    const char *er = expected(&vs, "g", r);
    if (strcmp(eu, es) != 0 && strcmp(es, er) != 0)
      discriminating++;
    vx_variant_how how;
    CU_ASSERT_STRING_EQUAL(
        name_of(pick_json(&vs,
                          json_pack("{s:s, s:s, s:s}", "userId", u, "sessionId",
                                    s, "remoteAddress", r),
                          &how)),
        eu);
    CU_ASSERT_STRING_EQUAL(
        name_of(pick_json(
            &vs, json_pack("{s:s, s:s}", "sessionId", s, "remoteAddress", r),
            &how)),
        es);
    CU_ASSERT_STRING_EQUAL(
        name_of(pick_json(&vs, json_pack("{s:s}", "remoteAddress", r), &how)),
        er);
    /* An empty userId counts as missing. */
    CU_ASSERT_STRING_EQUAL(
        name_of(pick_json(
            &vs, json_pack("{s:s, s:s}", "userId", "", "sessionId", s), &how)),
        es);
  }
  CU_ASSERT(discriminating > 50);
  vx_variant_set_free(&vs);
}

/* How many distinct variants 300 selections for one context give. */
static int distinct_choices(const vx_variant_set *vs, const char *context) {
  bool seen[8] = {false};
  int distinct = 0;
  for (int i = 0; i < 300; i++) {
    vx_variant_how how;
    const vx_variant *v = pick(vs, context, &how);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(how, VX_VARIANT_HASH);
    size_t k = (size_t)(v - vs->items);
    if (!seen[k]) {
      seen[k] = true;
      distinct++;
    }
  }
  return distinct;
}

static void test_without_any_stickiness_value_the_choice_is_random(void) {
  vx_variant_set vs;
  compile_ok("[{\"name\": \"a\", \"weight\": 1},"
             " {\"name\": \"b\", \"weight\": 1}]",
             "g", NULL, &vs);
  CU_ASSERT_EQUAL(distinct_choices(&vs, "{}"), 2);
  CU_ASSERT_EQUAL(distinct_choices(&vs,
                                   "{\"appName\": \"web\", \"properties\": "
                                   "{\"userId\": \"\", \"x\": \"y\"}}"),
                  2);
  vx_variant_set_free(&vs);
}

static void test_custom_stickiness_reads_the_named_field(void) {
  vx_variant_set vs;
  compile_ok("[{\"name\": \"a\", \"weight\": 30, \"stickiness\": \"tenant\"},"
             " {\"name\": \"b\", \"weight\": 30},"
             " {\"name\": \"c\", \"weight\": 40}]",
             "g", NULL, &vs);
  CU_ASSERT_STRING_EQUAL(vs.stickiness, "tenant");
  int discriminating = 0;
  for (int i = 0; i < 200; i++) {
    char u[32], t[32];
    snprintf(u, sizeof u, "user%d", i);
    snprintf(t, sizeof t, "tenant%d", i);
    if (strcmp(expected(&vs, "g", u), expected(&vs, "g", t)) != 0)
      discriminating++;
    vx_variant_how how;
    CU_ASSERT_STRING_EQUAL(
        name_of(pick_json(
            &vs,
            json_pack("{s:s, s:{s:s}}", "userId", u, "properties", "tenant", t),
            &how)),
        expected(&vs, "g", t));
    CU_ASSERT_EQUAL(how, VX_VARIANT_HASH);
  }
  CU_ASSERT(discriminating > 50);
  /* Missing: random, not the userId. */
  CU_ASSERT(distinct_choices(&vs, "{\"userId\": \"fixed\"}") > 1);
  vx_variant_set_free(&vs);

  /* A well-known field as stickiness: sessionId only, userId ignored. */
  compile_ok("[{\"name\": \"a\", \"weight\": 1, \"stickiness\": "
             "\"sessionId\"}, {\"name\": \"b\", \"weight\": 1}]",
             "g", NULL, &vs);
  CU_ASSERT_EQUAL(vs.stick_id, VX_FIELD_SESSION_ID);
  for (int i = 0; i < 100; i++) {
    char u[32], s[32];
    snprintf(u, sizeof u, "user%d", i);
    snprintf(s, sizeof s, "session%d", i);
    vx_variant_how how;
    CU_ASSERT_STRING_EQUAL(
        name_of(pick_json(
            &vs, json_pack("{s:s, s:s}", "userId", u, "sessionId", s), &how)),
        expected(&vs, "g", s));
  }
  vx_variant_set_free(&vs);
}

static void
test_stickiness_comes_from_the_first_variant_else_the_fallback(void) {
  vx_variant_set vs;
  compile_ok("[{\"name\": \"a\", \"weight\": 1},"
             " {\"name\": \"b\", \"weight\": 1, \"stickiness\": \"x\"}]",
             "g", "tenant", &vs);
  CU_ASSERT_STRING_EQUAL(vs.stickiness, "tenant");
  CU_ASSERT_EQUAL(vs.stick_id, VX_FIELD_PROPERTY);
  vx_variant_set_free(&vs);
  compile_ok("[{\"name\": \"a\", \"weight\": 1, \"stickiness\": \"userId\"}]",
             "g", "tenant", &vs);
  CU_ASSERT_STRING_EQUAL(vs.stickiness, "userId");
  CU_ASSERT_EQUAL(vs.stick_id, VX_FIELD_USER_ID);
  vx_variant_set_free(&vs);
  compile_ok("[{\"name\": \"a\", \"weight\": 1, \"stickiness\": \"\"}]", "g",
             "", &vs);
  CU_ASSERT_STRING_EQUAL(vs.stickiness, "default");
  vx_variant_set_free(&vs);
}

static void test_the_group_changes_the_bucket(void) {
  vx_variant_set a, b;
  compile_ok(three, "flag-a", NULL, &a);
  compile_ok(three, "flag-b", NULL, &b);
  int differ = 0;
  for (int i = 0; i < 1000; i++) {
    char uid[32];
    snprintf(uid, sizeof uid, "user-%d", i);
    vx_variant_how how;
    const char *va =
        name_of(pick_json(&a, json_pack("{s:s}", "userId", uid), &how));
    const char *vb =
        name_of(pick_json(&b, json_pack("{s:s}", "userId", uid), &how));
    CU_ASSERT_STRING_EQUAL(va, expected(&a, "flag-a", uid));
    CU_ASSERT_STRING_EQUAL(vb, expected(&b, "flag-b", uid));
    if (strcmp(va, vb) != 0)
      differ++;
  }
  /* Independent buckets: about 1 - (.01² + .49² + .5²) = 51% differ. */
  CU_ASSERT(differ > 400 && differ < 620);
  vx_variant_set_free(&a);
  vx_variant_set_free(&b);
}

/* ---------------------------------------------------------- payloads */

/* The payload's compiled JSON text, parsed back (valid until the next
 * call). */
static json_t *typed(const vx_variant *v) {
  static json_t *last;
  json_decref(last);
  last = v->payload.json != NULL
             ? json_loads(v->payload.json, JSON_DECODE_ANY, NULL)
             : NULL;
  CU_ASSERT_PTR_NOT_NULL(last);
  if (last != NULL)
    CU_ASSERT_EQUAL(v->payload.json_len, strlen(v->payload.json));
  return last;
}

static const vx_variant *only_variant(vx_variant_set *vs, const char *type,
                                      const char *value_json) {
  char def[512];
  snprintf(def, sizeof def,
           "[{\"name\": \"v\", \"weight\": 1, \"payload\": "
           "{\"type\": \"%s\", \"value\": %s}}]",
           type, value_json);
  compile_ok(def, "g", NULL, vs);
  CU_ASSERT_EQUAL_FATAL(vs->n, 1);
  return &vs->items[0];
}

static void test_string_and_csv_payloads_are_json_strings(void) {
  vx_variant_set vs;
  const vx_variant *v = only_variant(&vs, "string", "\"hello\"");
  CU_ASSERT_EQUAL(v->payload.type, VX_PAYLOAD_STRING);
  CU_ASSERT_STRING_EQUAL(v->payload.type_name, "string");
  CU_ASSERT_STRING_EQUAL(v->payload.value, "hello");
  CU_ASSERT_STRING_EQUAL(v->payload.json, "\"hello\"");
  CU_ASSERT_TRUE(json_is_string(typed(v)));
  CU_ASSERT_STRING_EQUAL(json_string_value(typed(v)), "hello");
  vx_variant_set_free(&vs);

  v = only_variant(&vs, "csv", "\"a,b, c\"");
  CU_ASSERT_EQUAL(v->payload.type, VX_PAYLOAD_CSV);
  CU_ASSERT_TRUE(json_is_string(typed(v)));
  CU_ASSERT_STRING_EQUAL(json_string_value(typed(v)), "a,b, c");
  vx_variant_set_free(&vs);

  /* A string that looks like a number stays a string. */
  v = only_variant(&vs, "string", "\"12\"");
  CU_ASSERT_TRUE(json_is_string(typed(v)));
  vx_variant_set_free(&vs);
}

static void test_json_payload_is_parsed(void) {
  vx_variant_set vs;
  const vx_variant *v =
      only_variant(&vs, "json", "\"{\\\"a\\\": [1, 2], \\\"b\\\": null}\"");
  CU_ASSERT_EQUAL(v->payload.type, VX_PAYLOAD_JSON);
  json_t *want = json_pack("{s:[i,i], s:n}", "a", 1, 2, "b");
  CU_ASSERT_TRUE(json_equal(typed(v), want));
  json_decref(want);
  /* Compiled once into the compact text an answer copies. */
  CU_ASSERT_STRING_EQUAL(v->payload.json, "{\"a\":[1,2],\"b\":null}");
  vx_variant_set_free(&vs);

  /* Scalars are JSON documents too. */
  v = only_variant(&vs, "json", "\"true\"");
  CU_ASSERT_TRUE(json_is_true(typed(v)));
  vx_variant_set_free(&vs);

  /* A native client may send the JSON value itself. */
  v = only_variant(&vs, "json", "{\"k\": \"v\"}");
  CU_ASSERT_STRING_EQUAL(v->payload.value, "{\"k\":\"v\"}");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(typed(v), "k")),
                         "v");
  vx_variant_set_free(&vs);
}

static void test_number_payload_is_an_integer_or_a_real(void) {
  vx_variant_set vs;
  const vx_variant *v = only_variant(&vs, "number", "\"1.2\"");
  CU_ASSERT_EQUAL(v->payload.type, VX_PAYLOAD_NUMBER);
  CU_ASSERT_TRUE(json_is_real(typed(v)));
  CU_ASSERT_DOUBLE_EQUAL(json_real_value(typed(v)), 1.2, 1e-12);
  CU_ASSERT_STRING_EQUAL(v->payload.value, "1.2");
  vx_variant_set_free(&vs);

  v = only_variant(&vs, "number", "\"1\"");
  CU_ASSERT_TRUE(json_is_integer(typed(v)));
  CU_ASSERT_EQUAL(json_integer_value(typed(v)), 1);
  vx_variant_set_free(&vs);

  v = only_variant(&vs, "number", "\"-40\"");
  CU_ASSERT_TRUE(json_is_integer(typed(v)));
  CU_ASSERT_EQUAL(json_integer_value(typed(v)), -40);
  vx_variant_set_free(&vs);

  v = only_variant(&vs, "number", "\"2.0\"");
  CU_ASSERT_TRUE(json_is_integer(typed(v)));
  CU_ASSERT_EQUAL(json_integer_value(typed(v)), 2);
  vx_variant_set_free(&vs);

  v = only_variant(&vs, "number", "\"1e30\"");
  CU_ASSERT_TRUE(json_is_real(typed(v))); /* beyond 2^53 */
  vx_variant_set_free(&vs);

  v = only_variant(&vs, "number", "3.5"); /* a native JSON number */
  CU_ASSERT_TRUE(json_is_real(typed(v)));
  CU_ASSERT_DOUBLE_EQUAL(json_real_value(typed(v)), 3.5, 1e-12);
  vx_variant_set_free(&vs);
}

static void test_bad_payloads_are_reported_but_the_set_stays_usable(void) {
  vx_variant_set vs;
  char err[512] = "";
  CU_ASSERT_EQUAL(compile_err("[{\"name\": \"v\", \"weight\": 1, \"payload\":"
                              " {\"type\": \"number\", \"value\": \"abc\"}}]",
                              &vs, err, sizeof err),
                  VX_EPARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "variants[0].payload.value"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "abc"));
  vx_variant_how how;
  const vx_variant *v = pick(&vs, "{\"userId\": \"u\"}", &how);
  CU_ASSERT_STRING_EQUAL(name_of(v), "v");
  CU_ASSERT_STRING_EQUAL(json_string_value(typed(v)), "abc");
  vx_variant_set_free(&vs);

  CU_ASSERT_EQUAL(compile_err("[{\"name\": \"v\", \"weight\": 1, \"payload\":"
                              " {\"type\": \"xml\", \"value\": \"<a/>\"}}]",
                              &vs, err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "variants[0].payload.type"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "xml"));
  vx_variant_set_free(&vs);
}

/* A payload text nested n arrays deep, in a one-variant set definition. */
static json_t *deep_payload_set(int n) {
  char *text = malloc(2 * (size_t)n + 1);
  memset(text, '[', (size_t)n);
  memset(text + n, ']', (size_t)n);
  text[2 * n] = '\0';
  json_t *set = json_pack("[{s:s, s:i, s:{s:s, s:s}}]", "name", "v", "weight",
                          1, "payload", "type", "json", "value", text);
  free(text);
  return set;
}

static void
test_json_payload_nested_too_deep_is_reported_and_kept_as_text(void) {
  vx_variant_set vs;
  char err[512] = "";
  json_t *ok = deep_payload_set(VX_JSON_DEPTH_MAX);
  CU_ASSERT_EQUAL(vx_variant_set_compile(ok, "g", NULL, &vs, err, sizeof err),
                  0);
  CU_ASSERT_EQUAL(vs.items[0].payload.json_len, 2 * VX_JSON_DEPTH_MAX);
  CU_ASSERT_EQUAL(vs.items[0].payload.json[0], '[');
  vx_variant_set_free(&vs);
  json_decref(ok);

  /* One level more (an old version stored about 230 without a check):
   * reported, and served as a JSON string of its text. */
  json_t *deep = deep_payload_set(VX_JSON_DEPTH_MAX + 1);
  CU_ASSERT_EQUAL(vx_variant_set_compile(deep, "g", NULL, &vs, err, sizeof err),
                  VX_ETOOBIG);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "variants[0].payload.value"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "deeper than 128 levels"));
  CU_ASSERT_EQUAL_FATAL(vs.n, 1);
  CU_ASSERT_EQUAL(vs.items[0].payload.json[0], '"');
  CU_ASSERT_TRUE(json_is_string(typed(&vs.items[0])));
  vx_variant_set_free(&vs);
  json_decref(deep);
}

static void test_first_payload_error_is_the_one_reported(void) {
  vx_variant_set vs;
  char err[512] = "";
  int rc = compile_err("[{\"name\": \"a\", \"weight\": 1, \"payload\":"
                       "  {\"type\": \"json\", \"value\": \"{bad\"}},"
                       " {\"name\": \"b\", \"weight\": 1, \"payload\":"
                       "  {\"type\": \"number\", \"value\": \"x\"}}]",
                       &vs, err, sizeof err);
  CU_ASSERT_EQUAL(rc, VX_EPARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "variants[0]"));
  CU_ASSERT_PTR_NULL(strstr(err, "variants[1]"));
  vx_variant_set_free(&vs);
}

/* ------------------------------------------- names and fixed weights */

static void test_two_variants_of_one_name_are_reported_but_usable(void) {
  vx_variant_set vs;
  char err[512] = "";
  CU_ASSERT_EQUAL(compile_err("[{\"name\": \"a\", \"weight\": 1},"
                              " {\"name\": \"b\", \"weight\": 1},"
                              " {\"name\": \"c\", \"weight\": 1},"
                              " {\"name\": \"b\", \"weight\": 1},"
                              " {\"name\": \"a\", \"weight\": 1}]",
                              &vs, err, sizeof err),
                  VX_EEXIST);
  CU_ASSERT_STRING_EQUAL(err, "variants[3].name \"b\" is the name of "
                              "variants[1] too");
  CU_ASSERT_EQUAL(vs.n, 5); /* an import keeps them all, as Unleash does */
  CU_ASSERT_EQUAL(vs.total_weight, 5);
  vx_variant_set_free(&vs);
}

static void test_fixed_weights_are_thousandths(void) {
  vx_variant_set vs;
  char err[512] = "";
  /* 1000 fixed, with variable ones beside: fine. */
  compile_ok("[{\"name\": \"a\", \"weight\": 1000, \"weightType\": \"fix\"},"
             " {\"name\": \"b\", \"weight\": 2000, \"weightType\": "
             "\"variable\"}]",
             "g", NULL, &vs);
  vx_variant_set_free(&vs);
  CU_ASSERT_EQUAL(compile_err("[{\"name\": \"a\", \"weight\": 1500,"
                              " \"weightType\": \"fix\"}]",
                              &vs, err, sizeof err),
                  VX_ERANGE);
  CU_ASSERT_STRING_EQUAL(err, "variants[0].weight: a fixed weight is at most "
                              "1000 (thousandths), got 1500");
  CU_ASSERT_EQUAL(vs.total_weight, 1500); /* kept for an import */
  vx_variant_set_free(&vs);
  CU_ASSERT_EQUAL(compile_err("[{\"name\": \"a\", \"weight\": 600,"
                              " \"weightType\": \"fix\"},"
                              " {\"name\": \"b\", \"weight\": 500,"
                              " \"weightType\": \"fix\"}]",
                              &vs, err, sizeof err),
                  VX_ERANGE);
  CU_ASSERT_STRING_EQUAL(err,
                         "variants: the fixed weights add up to 1100, over "
                         "1000");
  vx_variant_set_free(&vs);
  CU_ASSERT_EQUAL(compile_err("[{\"name\": \"a\", \"weight\": 1,"
                              " \"weightType\": \"fixed\"}]",
                              &vs, err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "variants[0].weightType must be \"fix\" or "
                              "\"variable\"");
  vx_variant_set_free(&vs);
  CU_ASSERT_EQUAL(compile_err("[{\"name\": \"a\", \"weight\": 1,"
                              " \"weightType\": 1}]",
                              &vs, err, sizeof err),
                  VX_EINVAL);
  vx_variant_set_free(&vs);
}

static void test_weights_adding_up_past_32_bits_are_refused(void) {
  json_t *list = json_array();
  for (int i = 0; i < 4300; i++) {
    char name[16];
    snprintf(name, sizeof name, "v%d", i);
    json_array_append_new(
        list, json_pack("{s:s, s:i}", "name", name, "weight", 1000000));
  }
  vx_variant_set vs;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_variant_set_compile(list, "g", NULL, &vs, err, sizeof err),
                  VX_ERANGE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "add up to 4300000000"));
  vx_variant_set_free(&vs);
  json_decref(list);
}

typedef struct bad_case {
  const char *json;
  int rc;
  const char *place;
} bad_case;

static void test_malformed_variants_are_refused_naming_the_place(void) {
  static const bad_case cases[] = {
      {"{}", VX_ETYPE, "variants must be an array"},
      {"[3]", VX_ETYPE, "variants[0] must be an object"},
      {"[{\"weight\": 1}]", VX_EINVAL, "variants[0].name"},
      {"[{\"name\": \"a\", \"weight\": 1}, {\"name\": \"\", \"weight\": 1}]",
       VX_EINVAL, "variants[1].name"},
      {"[{\"name\": \"a\", \"weight\": \"10\"}]", VX_ETYPE,
       "variants[0].weight"},
      {"[{\"name\": \"a\", \"weight\": -1}]", VX_EINVAL, "variants[0].weight"},
      {"[{\"name\": \"a\", \"weight\": 1.5}]", VX_EINVAL, "variants[0].weight"},
      {"[{\"name\": \"a\", \"weight\": 1, \"payload\": \"x\"}]", VX_ETYPE,
       "variants[0].payload"},
      {"[{\"name\": \"a\", \"weight\": 1, \"overrides\": {}}]", VX_ETYPE,
       "variants[0].overrides"},
      {"[{\"name\": \"a\", \"weight\": 1, \"overrides\": [{\"values\": []}]}]",
       VX_ETYPE, "variants[0].overrides[0]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vx_variant_set vs;
    char err[512] = "";
    int rc = compile_err(cases[i].json, &vs, err, sizeof err);
    if (rc != cases[i].rc || strstr(err, cases[i].place) == NULL)
      fprintf(stderr, "\n%s: rc %d, err \"%s\"\n", cases[i].json, rc, err);
    CU_ASSERT_EQUAL(rc, cases[i].rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].place));
    /* What was compiled is safe to use and free, and offers nothing. */
    vx_variant_how how;
    CU_ASSERT_PTR_NULL(pick(&vs, "{\"userId\": \"u\"}", &how));
    vx_variant_set_free(&vs);
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_total_weight_zero_gives_no_variant),
      VX_TEST(test_no_variants_gives_no_variant),
      VX_TEST(test_matching_override_wins_over_the_hash),
      VX_TEST(test_first_variant_with_a_matching_override_wins),
      VX_TEST(test_single_weighted_variant_is_single),
      VX_TEST(test_several_variants_are_chosen_by_hash_in_proportion),
      VX_TEST(test_selection_is_sticky_for_the_same_context),
      VX_TEST(test_default_stickiness_falls_back_user_session_address),
      VX_TEST(test_without_any_stickiness_value_the_choice_is_random),
      VX_TEST(test_custom_stickiness_reads_the_named_field),
      VX_TEST(test_stickiness_comes_from_the_first_variant_else_the_fallback),
      VX_TEST(test_the_group_changes_the_bucket),
      VX_TEST(test_string_and_csv_payloads_are_json_strings),
      VX_TEST(test_json_payload_is_parsed),
      VX_TEST(test_number_payload_is_an_integer_or_a_real),
      VX_TEST(test_bad_payloads_are_reported_but_the_set_stays_usable),
      VX_TEST(test_json_payload_nested_too_deep_is_reported_and_kept_as_text),
      VX_TEST(test_first_payload_error_is_the_one_reported),
      VX_TEST(test_two_variants_of_one_name_are_reported_but_usable),
      VX_TEST(test_fixed_weights_are_thousandths),
      VX_TEST(test_weights_adding_up_past_32_bits_are_refused),
      VX_TEST(test_malformed_variants_are_refused_naming_the_place),
      {NULL, NULL},
  };
  return vx_test_main("variant", tests, NULL, NULL);
}
