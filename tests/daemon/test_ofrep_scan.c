/*
 * The OFREP body scanner (daemon/ofrep_scan.c): for every body it accepts,
 * the context is exactly what jansson and vx_ofrep_context_map give; what
 * it does not understand it declines. Checked on hand-picked bodies and on
 * thousands of mutations of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofrep.h"
#include "ofrep_scan.h"
#include "vx_test.h"

static char strings[VX_OFREP_SCAN_STRINGS(VX_OFREP_SCAN_MAX)];

static bool same_str(vx_str a, vx_str b) {
  if (a.ptr == NULL || b.ptr == NULL)
    return a.ptr == b.ptr;
  return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0 &&
         a.ptr[a.len] == '\0';
}

/* The general path's context for body, or false when it refuses it. */
static bool general(const char *body, size_t len, json_t **tree,
                    vx_ofrep_context *c) {
  *tree = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
  if (*tree == NULL || !json_is_object(*tree))
    return false;
  const json_t *ctx = json_object_get(*tree, "context");
  if (json_is_null(ctx))
    ctx = NULL;
  return vx_ofrep_context_map(ctx, c, NULL, 0) == 0;
}

/* Scans body; when accepted, the general path must accept it too and give
 * the same context. Returns the scanner's answer. */
static int scan_agrees(const char *body, size_t len) {
  vx_ofrep_context fast;
  int got = vx_ofrep_scan(body, len, strings, sizeof strings, &fast);
  if (!got)
    return 0;
  json_t *tree;
  vx_ofrep_context slow;
  bool ok = general(body, len, &tree, &slow);
  CU_ASSERT_TRUE(ok);
  if (!ok) {
    fprintf(stderr, "scanned but refused by jansson: %.*s\n", (int)len, body);
  } else {
    bool same = fast.has_targeting_key == slow.has_targeting_key &&
                fast.ctx.n_props == slow.ctx.n_props;
    for (int f = 0; f < VX_FIELD_COUNT; f++)
      same &= same_str(fast.ctx.field[f], slow.ctx.field[f]);
    for (size_t i = 0; same && i < fast.ctx.n_props; i++)
      same = strcmp(fast.ctx.props[i].name, slow.ctx.props[i].name) == 0 &&
             same_str(fast.ctx.props[i].value, slow.ctx.props[i].value);
    CU_ASSERT_TRUE(same);
    if (!same)
      fprintf(stderr, "the contexts differ for: %.*s\n", (int)len, body);
    vx_ofrep_context_dispose(&slow);
  }
  json_decref(tree);
  vx_ofrep_context_dispose(&fast);
  return got;
}

static int scan_str(const char *body) {
  return scan_agrees(body, strlen(body));
}

static const char *common[] = {
    "{\"context\": {\"targetingKey\": \"user-1\"}}",
    "{\"context\":{\"targetingKey\":\"u\",\"email\":\"a@example.com\","
    "\"appVersion\":\"2.1.0\",\"country\":\"C07\",\"age\":33}}",
    "{}",
    " \t\r\n{ \"context\" : null } \n",
    "{\"context\": {}}",
    "{\"context\": {\"userId\": \"x\", \"targetingKey\": \"y\"}}",
    "{\"context\": {\"sessionId\": \"s\", \"remoteAddress\": \"10.0.0.1\", "
    "\"environment\": \"e\", \"appName\": \"a\", \"currentTime\": "
    "\"2026-01-01T00:00:00Z\"}}",
    "{\"context\": {\"plan\": \"pro\", \"properties\": {\"plan\": \"free\", "
    "\"tier\": 2}, \"beta\": true}}",
    "{\"context\": {\"n\": -42, \"z\": 0, \"f\": false, \"gone\": null, "
    "\"big\": 999999999999999}}",
    "{\"context\": {\"q\": \"say \\\"hi\\\"\\n\\t\\\\ \\/ \\b\\f\\r\"}}",
    "{\"context\": {\"name\": \"Zoë 日本\"}}",
    "{\"context\": {\"\": \"empty key\"}}",
    "{\"context\": {\"properties\": {}}}",
};

static void test_common_bodies_are_scanned_as_the_general_path_maps_them(void) {
  for (size_t i = 0; i < sizeof common / sizeof *common; i++) {
    CU_ASSERT_EQUAL(scan_str(common[i]), 1);
    if (scan_str(common[i]) != 1)
      fprintf(stderr, "declined: %s\n", common[i]);
  }
}

static void test_targeting_key_stands_for_a_missing_user_id(void) {
  vx_ofrep_context c;
  const char *b = "{\"context\": {\"targetingKey\": \"t-9\", \"k\": 1}}";
  CU_ASSERT_EQUAL_FATAL(
      vx_ofrep_scan(b, strlen(b), strings, sizeof strings, &c), 1);
  CU_ASSERT_TRUE(c.has_targeting_key);
  CU_ASSERT_STRING_EQUAL(c.ctx.field[VX_FIELD_USER_ID].ptr, "t-9");
  CU_ASSERT_EQUAL(c.ctx.n_props, 1);
  CU_ASSERT_STRING_EQUAL(c.ctx.props[0].name, "k");
  CU_ASSERT_STRING_EQUAL(c.ctx.props[0].value.ptr, "1");
  vx_ofrep_context_dispose(&c);
}

static void test_top_level_properties_win_over_nested_ones(void) {
  vx_ofrep_context c;
  const char *b = "{\"context\": {\"properties\": {\"a\": \"nested\", "
                  "\"c\": \"nested-c\"}, \"b\": \"top-b\", \"a\": \"top\"}}";
  CU_ASSERT_EQUAL_FATAL(
      vx_ofrep_scan(b, strlen(b), strings, sizeof strings, &c), 1);
  /* Sorted by name for lookups, the nested "a" dropped. */
  CU_ASSERT_EQUAL_FATAL(c.ctx.n_props, 3);
  CU_ASSERT_STRING_EQUAL(c.ctx.props[0].value.ptr, "top");
  CU_ASSERT_STRING_EQUAL(c.ctx.props[1].value.ptr, "top-b");
  CU_ASSERT_STRING_EQUAL(c.ctx.props[2].value.ptr, "nested-c");
  CU_ASSERT_STRING_EQUAL(vx_context_get(&c.ctx, "a", NULL), "top");
  CU_ASSERT_EQUAL(scan_str(b), 1);
  vx_ofrep_context_dispose(&c);
}

static void test_context_over_a_limit_is_left_to_the_general_path(void) {
  const char *b = "{\"context\": {\"a\": \"1\", \"b\": \"2\", "
                  "\"properties\": {\"c\": \"3\"}}}";
  vx_ofrep_context c;
  vx_context_set_max_props(2);
  CU_ASSERT_EQUAL(vx_ofrep_scan(b, strlen(b), strings, sizeof strings, &c), 0);
  json_t *tree;
  CU_ASSERT_FALSE(general(b, strlen(b), &tree, &c)); /* which refuses it */
  vx_ofrep_context_dispose(&c);
  json_decref(tree);
  vx_context_set_max_props(3);
  CU_ASSERT_EQUAL(scan_str(b), 1);
  vx_context_set_max_props(VX_CONTEXT_MAX_PROPS_DEFAULT);

  /* A value over max_context_value_bytes, likewise. */
  char longer[256];
  snprintf(longer, sizeof longer, "{\"context\": {\"email\": \"%065d\"}}", 0);
  vx_context_set_max_value(64);
  CU_ASSERT_EQUAL(
      vx_ofrep_scan(longer, strlen(longer), strings, sizeof strings, &c), 0);
  CU_ASSERT_FALSE(general(longer, strlen(longer), &tree, &c));
  vx_ofrep_context_dispose(&c);
  json_decref(tree);
  vx_context_set_max_value(65);
  CU_ASSERT_EQUAL(scan_str(longer), 1);
  vx_context_set_max_value(VX_CONTEXT_MAX_VALUE_DEFAULT);
}

static const char *declined[] = {
    "",                                             /* empty: {} by default */
    "[]",                                           /* not an object */
    "{\"context\": []}",                            /* INVALID_CONTEXT */
    "{\"context\": \"x\"}",                         /* INVALID_CONTEXT */
    "{\"context\": {\"a\": [1]}}",                  /* INVALID_CONTEXT */
    "{\"context\": {\"a\": {}}}",                   /* INVALID_CONTEXT */
    "{\"context\": {\"properties\": {\"a\": {}}}}", /* INVALID_CONTEXT */
    "{\"context\": {\"properties\": \"p\"}}",       /* a property named so */
    "{\"context\": {}, \"flag\": 1}",               /* other members */
    "{\"context\": {\"a\": 1, \"a\": 2}}",          /* duplicate */
    "{\"context\": {}, \"context\": {}}",           /* duplicate */
    "{\"context\": {\"a\": 1.5}}",                  /* a real */
    "{\"context\": {\"a\": 1e3}}",                  /* an exponent */
    "{\"context\": {\"a\": -0}}",                   /* JavaScript's "0" */
    "{\"context\": {\"a\": 0123}}",                 /* malformed */
    "{\"context\": {\"a\": 1234567890123456}}",     /* 16 digits */
    "{\"context\": {\"a\": \"\\u00e9\"}}",          /* \u escape */
    "{\"context\": {\"a\": \"\\x\"}}",              /* malformed escape */
    "{\"context\": {\"a\": \"tab\there\"}}",        /* a raw control */
    "{\"context\": {\"a\": \"\xff\"}}",             /* not UTF-8 */
    "{\"context\": {\"a\": tru}}",                  /* malformed */
    "{\"context\": {\"a\": nul}}",                  /* malformed */
    "{\"context\": {\"a\": 1,}}",                   /* trailing comma */
    "{\"context\": {\"a\": 1}",                     /* unclosed */
    "{\"context\": {\"a\": 1}} x",                  /* trailing garbage */
    "\xef\xbb\xbf{}",                               /* a BOM */
};

static void test_what_it_does_not_understand_is_declined(void) {
  for (size_t i = 0; i < sizeof declined / sizeof *declined; i++) {
    CU_ASSERT_EQUAL(scan_str(declined[i]), 0);
    if (scan_str(declined[i]) != 0)
      fprintf(stderr, "accepted: %s\n", declined[i]);
  }
}

static void test_more_properties_than_fit_are_declined(void) {
  char body[1024];
  size_t n = (size_t)snprintf(body, sizeof body, "{\"context\": {");
  for (int i = 0; i <= VX_OFREP_INLINE_PROPS; i++)
    n += (size_t)snprintf(body + n, sizeof body - n, "%s\"p%d\": %d",
                          i ? ", " : "", i, i);
  snprintf(body + n, sizeof body - n, "}}");
  CU_ASSERT_EQUAL(scan_str(body), 0);
}

static void test_bodies_beyond_the_limit_or_the_buffer_are_declined(void) {
  static char big[VX_OFREP_SCAN_MAX + 64];
  size_t n = (size_t)snprintf(big, sizeof big, "{\"context\": {\"k\": \"");
  while (n < VX_OFREP_SCAN_MAX + 10)
    big[n++] = 'a';
  memcpy(big + n, "\"}}", 4);
  CU_ASSERT_EQUAL(scan_str(big), 0);
  vx_ofrep_context c;
  const char *b = common[0];
  char tiny[8];
  CU_ASSERT_EQUAL(vx_ofrep_scan(b, strlen(b), tiny, sizeof tiny, &c), 0);
}

/* Every accepted mutation must agree with jansson: flipped, deleted and
 * inserted bytes, and every prefix. */
static void test_mutated_bodies_are_declined_or_agree(void) {
  static const char alphabet[] = "{}[]\":,\\ -0123456789.eEtrufalsn\x01\xc3";
  unsigned seed = 12345;
  char buf[512];
  for (size_t i = 0; i < sizeof common / sizeof *common; i++) {
    const char *b = common[i];
    size_t len = strlen(b);
    for (size_t cut = 0; cut < len; cut++)
      scan_agrees(b, cut);
    for (int round = 0; round < 600; round++) {
      memcpy(buf, b, len);
      size_t n = len;
      int edits = 1 + round % 3;
      for (int e = 0; e < edits; e++) {
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % (n + 1);
        char c = alphabet[(seed >> 20) % (sizeof alphabet - 1)];
        switch ((seed >> 4) % 3) {
        case 0: /* replace */
          if (at < n)
            buf[at] = c;
          break;
        case 1: /* delete */
          if (at < n) {
            memmove(buf + at, buf + at + 1, n - at - 1);
            n--;
          }
          break;
        default: /* insert */
          if (n + 1 < sizeof buf) {
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = c;
            n++;
          }
        }
      }
      scan_agrees(buf, n);
    }
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_common_bodies_are_scanned_as_the_general_path_maps_them),
      VX_TEST(test_targeting_key_stands_for_a_missing_user_id),
      VX_TEST(test_top_level_properties_win_over_nested_ones),
      VX_TEST(test_context_over_a_limit_is_left_to_the_general_path),
      VX_TEST(test_what_it_does_not_understand_is_declined),
      VX_TEST(test_more_properties_than_fit_are_declined),
      VX_TEST(test_bodies_beyond_the_limit_or_the_buffer_are_declined),
      VX_TEST(test_mutated_bodies_are_declined_or_agree),
      {NULL, NULL},
  };
  return vx_test_main("daemon/ofrep_scan", tests, NULL, NULL);
}
