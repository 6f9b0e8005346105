/*
 * test_constraint.c - Unleash's constraint operators, read as the Unleash
 * client specification writes them: a constraint, a context, a result.
 *
 * Outside sanitizer builds this program links count_alloc.c, which
 * replaces malloc for the whole process (libre2 and libstdc++ included),
 * so that test_evaluation_allocates_nothing counts every allocation.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

#include "constraint.h"
#include "context.h"
#include "vx_test.h"
#ifdef VX_COUNT_ALLOC
#include "count_alloc.h"
#endif

/* ------------------------------------------------------------ helpers */

/* JSON written with single quotes, for readability. */
static json_t *J(const char *text) {
  char *s = strdup(text);
  for (char *p = s; *p; p++) {
    if (*p == '\'')
      *p = '"';
  }
  json_error_t e;
  json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
  if (j == NULL)
    fprintf(stderr, "bad JSON in test: %s (%s)\n", text, e.text);
  free(s);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  return j;
}

static char err[256];

static int compile(const char *def, vx_constraint *c) {
  json_t *j = J(def);
  err[0] = '\0';
  int rc = vx_constraint_compile(j, c, err, sizeof err);
  json_decref(j);
  return rc;
}

static void context(const char *text, vx_context_json *out) {
  json_t *j = J(text);
  int rc = vx_context_from_json(j, out, err, sizeof err);
  json_decref(j);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
}

typedef struct tcase {
  const char *constraint;
  const char *context;
  int expect;
} tcase;

/* Evaluates each case with a fresh compile and context, and reports the
 * failing ones by their JSON. */
static void run(const tcase *cases, size_t n, unsigned line) {
  for (size_t i = 0; i < n; i++) {
    vx_constraint c;
    vx_context_json cx;
    compile(cases[i].constraint, &c);
    context(cases[i].context, &cx);
    bool got = vx_constraint_eval(&c, &cx.ctx);
    char msg[768];
    snprintf(msg, sizeof msg, "%s with %s: got %s, want %s",
             cases[i].constraint, cases[i].context, got ? "true" : "false",
             cases[i].expect ? "true" : "false");
    CU_assertImplementation(got == (cases[i].expect != 0), line, msg, __FILE__,
                            "", CU_FALSE);
    vx_context_json_dispose(&cx);
    vx_constraint_free(&c);
  }
}

#define RUN(cases) run(cases, sizeof cases / sizeof *cases, __LINE__)

/* Compiles def, expects code and a message containing `what`, and checks
 * that the constraint is false for ctx, inverted or not. */
static void assert_never(const char *def, int code, const char *what,
                         const char *ctx, unsigned line) {
  vx_constraint c;
  int rc = compile(def, &c);
  char why[sizeof err];
  memcpy(why, err, sizeof why);
  vx_context_json cx;
  context(ctx, &cx);
  bool got = vx_constraint_eval(&c, &cx.ctx);
  char msg[768];
  snprintf(msg, sizeof msg, "%s: rc %d err \"%s\" never %d eval %d", def, rc,
           why, c.never, got);
  bool ok = rc == code && c.never && !got && strstr(why, what) != NULL;
  CU_assertImplementation(ok, line, msg, __FILE__, "", CU_FALSE);
  vx_context_json_dispose(&cx);
  vx_constraint_free(&c);
}

#define ASSERT_NEVER(def, code, what, ctx)                                     \
  assert_never(def, code, what, ctx, __LINE__)

/* A constraint with a bad list item: reported (code, what) so that a
 * strict write refuses it, yet usable (an import keeps it): each context
 * of ctxs gives the result in want. */
static void assert_partial(const char *def, int code, const char *what,
                           const char *const *ctxs, const int *want, size_t n,
                           unsigned line) {
  vx_constraint c;
  int rc = compile(def, &c);
  char why[sizeof err];
  memcpy(why, err, sizeof why);
  bool ok = rc == code && !c.never && strstr(why, what) != NULL;
  char msg[768];
  snprintf(msg, sizeof msg, "%s: rc %d err \"%s\" never %d", def, rc, why,
           c.never);
  CU_assertImplementation(ok, line, msg, __FILE__, "", CU_FALSE);
  for (size_t i = 0; i < n; i++) {
    vx_context_json cx;
    context(ctxs[i], &cx);
    bool got = vx_constraint_eval(&c, &cx.ctx);
    snprintf(msg, sizeof msg, "%s for %s: got %d, want %d", def, ctxs[i], got,
             want[i]);
    CU_assertImplementation(got == want[i], line, msg, __FILE__, "", CU_FALSE);
    vx_context_json_dispose(&cx);
  }
  vx_constraint_free(&c);
}

#define ASSERT_PARTIAL(def, code, what, ctxs, want)                            \
  assert_partial(def, code, what, ctxs, want, sizeof want / sizeof *want,      \
                 __LINE__)

/* Both plain and inverted must be false. */
#define ASSERT_NEVER_BOTH(def_head, code, what, ctx)                           \
  do {                                                                         \
    ASSERT_NEVER("{" def_head "}", code, what, ctx);                           \
    ASSERT_NEVER("{" def_head ",'inverted':true}", code, what, ctx);           \
  } while (0)

/* -------------------------------------------------------------- names */

static void test_operator_names_map_both_ways(void) {
  const char *names[] = {"IN",
                         "NOT_IN",
                         "STR_CONTAINS",
                         "STR_STARTS_WITH",
                         "STR_ENDS_WITH",
                         "NUM_EQ",
                         "NUM_GT",
                         "NUM_GTE",
                         "NUM_LT",
                         "NUM_LTE",
                         "DATE_AFTER",
                         "DATE_BEFORE",
                         "SEMVER_EQ",
                         "SEMVER_GT",
                         "SEMVER_LT",
                         "SEMVER_GTE",
                         "SEMVER_LTE",
                         "REGEX",
                         "IN_CIDR"};
  CU_ASSERT_EQUAL(sizeof names / sizeof *names, 19);
  for (size_t i = 0; i < 19; i++) {
    vx_op op = vx_op_from_name(names[i]);
    CU_ASSERT_EQUAL(op, (vx_op)(i + 1));
    CU_ASSERT_STRING_EQUAL(vx_op_name(op), names[i]);
  }
  CU_ASSERT_EQUAL(vx_op_from_name("in"), VX_OP_INVALID);
  CU_ASSERT_EQUAL(vx_op_from_name(NULL), VX_OP_INVALID);
  CU_ASSERT_PTR_NOT_NULL(vx_op_name((vx_op)99));
}

/* ------------------------------------------------------------- IN */

static void test_in_matches_exact_values(void) {
  static const tcase cases[] = {
      {"{'contextName':'userId','operator':'IN','values':['a','b']}",
       "{'userId':'a'}", 1},
      {"{'contextName':'userId','operator':'IN','values':['a','b']}",
       "{'userId':'c'}", 0},
      {"{'contextName':'userId','operator':'IN','values':['a','b']}",
       "{'userId':'A'}", 0},
      {"{'contextName':'userId','operator':'IN','values':['a'],"
       "'caseInsensitive':true}",
       "{'userId':'A'}", 0}, /* caseInsensitive is ignored by IN */
      {"{'contextName':'userId','operator':'IN','values':['a'],"
       "'inverted':true}",
       "{'userId':'a'}", 0},
      {"{'contextName':'userId','operator':'IN','values':['a'],"
       "'inverted':true}",
       "{'userId':'b'}", 1},
      {"{'contextName':'userId','operator':'IN','values':[' a ','',null]}",
       "{'userId':'a'}", 1}, /* items trimmed, empty ones dropped */
      {"{'contextName':'userId','operator':'IN','values':['']}",
       "{'userId':''}", 0},
      {"{'contextName':'userId','operator':'IN','values':[]}", "{'userId':'a'}",
       0},
      {"{'contextName':'userId','operator':'IN','values':['a']}",
       "{'userId':' a'}", 0}, /* the context value is not trimmed */
      {"{'contextName':'plan','operator':'IN','values':['gold']}",
       "{'properties':{'plan':'gold'}}", 1},
      {"{'contextName':'appName','operator':'IN','values':['shop']}",
       "{'properties':{'appName':'shop'}}", 1},
      {"{'contextName':'userId','operator':'IN','values':['top']}",
       "{'userId':'top','properties':{'userId':'prop'}}", 1},
  };
  RUN(cases);
}

static void test_in_falls_back_to_value(void) {
  static const tcase cases[] = {
      {"{'contextName':'userId','operator':'IN','value':'a'}", "{'userId':'a'}",
       1},
      {"{'contextName':'userId','operator':'IN','value':'a','values':[]}",
       "{'userId':'a'}", 1},
      {"{'contextName':'userId','operator':'IN','value':'x','values':['a']}",
       "{'userId':'x'}", 0}, /* values wins when given */
      {"{'contextName':'userId','operator':'IN','value':'a,b'}",
       "{'userId':'a'}", 0}, /* one item, not a comma list */
  };
  RUN(cases);
}

static void test_in_compares_numbers_as_their_text(void) {
  static const tcase cases[] = {
      {"{'contextName':'age','operator':'IN','values':['12']}",
       "{'properties':{'age':12}}", 1},
      {"{'contextName':'age','operator':'IN','values':['12']}",
       "{'properties':{'age':12.0}}", 1},
      {"{'contextName':'age','operator':'IN','values':['12.5']}",
       "{'properties':{'age':12.5}}", 1},
      {"{'contextName':'age','operator':'IN','values':[12, 13]}",
       "{'properties':{'age':'13'}}", 1},
      {"{'contextName':'beta','operator':'IN','values':['true']}",
       "{'properties':{'beta':true}}", 1},
      {"{'contextName':'userId','operator':'IN','values':['7']}",
       "{'userId':7}", 1},
  };
  RUN(cases);
}

static void test_in_and_not_in_on_a_missing_field(void) {
  static const tcase cases[] = {
      {"{'contextName':'nope','operator':'IN','values':['s1']}", "{}", 0},
      {"{'contextName':'nope','operator':'IN','values':['s1'],"
       "'inverted':true}",
       "{}", 1},
      {"{'contextName':'nope','operator':'NOT_IN','values':['s1']}", "{}", 1},
      {"{'contextName':'nope','operator':'NOT_IN','values':['s1']}",
       "{'properties':{'nope':null}}", 1},
      {"{'contextName':'nope','operator':'NOT_IN','values':['s1'],"
       "'inverted':true}",
       "{}", 0},
  };
  RUN(cases);
}

static void test_not_in(void) {
  static const tcase cases[] = {
      {"{'contextName':'v','operator':'NOT_IN','values':['s1','s2']}",
       "{'properties':{'v':'s1'}}", 0},
      {"{'contextName':'v','operator':'NOT_IN','values':['s1','s2']}",
       "{'properties':{'v':'s3'}}", 1},
      {"{'contextName':'v','operator':'NOT_IN','values':['s1','s2'],"
       "'inverted':true}",
       "{'properties':{'v':'s1'}}", 1},
      {"{'contextName':'v','operator':'NOT_IN','values':[]}",
       "{'properties':{'v':'x'}}", 1},
  };
  RUN(cases);
}

static void test_in_with_a_hundred_values(void) {
  json_t *values = json_array();
  for (int i = 0; i < 100; i++) {
    char v[32];
    snprintf(v, sizeof v, "user-%d", i);
    json_array_append_new(values, json_string(v));
  }
  json_t *def = json_pack("{s:s, s:s, s:o}", "contextName", "userId",
                          "operator", "IN", "values", values);
  vx_constraint c;
  CU_ASSERT_EQUAL_FATAL(vx_constraint_compile(def, &c, err, sizeof err), 0);
  json_decref(def);
  for (int i = 0; i <= 100; i++) {
    char id[32];
    snprintf(id, sizeof id, "user-%d", i);
    vx_context ctx;
    vx_context_init(&ctx);
    ctx.field[VX_FIELD_USER_ID] = (vx_str){id, strlen(id)};
    CU_ASSERT_EQUAL(vx_constraint_eval(&c, &ctx), i < 100);
  }
  vx_constraint_free(&c);
}

/* ------------------------------------------------------------ STR_* */

static void test_string_operators(void) {
  static const tcase cases[] = {
      {"{'contextName':'f','operator':'STR_STARTS_WITH','values':["
       "'some-string']}",
       "{'properties':{'f':'some-string-is-cool'}}", 1},
      {"{'contextName':'f','operator':'STR_STARTS_WITH','values':["
       "'some-string']}",
       "{'properties':{'f':'some2-is-cool-string'}}", 0},
      {"{'contextName':'f','operator':'STR_STARTS_WITH','values':['e1','e2']}",
       "{'properties':{'f':'e2 cool'}}", 1},
      {"{'contextName':'f','operator':'STR_STARTS_WITH','values':['e1','e2']}",
       "{'properties':{'f':'cool e1'}}", 0},
      {"{'contextName':'f','operator':'STR_STARTS_WITH','values':['TEST'],"
       "'caseInsensitive':true}",
       "{'properties':{'f':'TEsT@example.com'}}", 1},
      {"{'contextName':'f','operator':'STR_STARTS_WITH','values':['TEST']}",
       "{'properties':{'f':'test@example.com'}}", 0},
      {"{'contextName':'email','operator':'STR_ENDS_WITH','values':["
       "'some-email.com']}",
       "{'properties':{'email':'test@some-email.com'}}", 1},
      {"{'contextName':'email','operator':'STR_ENDS_WITH','values':["
       "'some-email.com']}",
       "{'properties':{'email':'test@some-EMAIL.com'}}", 0},
      {"{'contextName':'email','operator':'STR_ENDS_WITH','values':["
       "'some-email.com'],'caseInsensitive':true}",
       "{'properties':{'email':'test@SOME-EMAIL.com'}}", 1},
      {"{'contextName':'email','operator':'STR_ENDS_WITH','values':["
       "'longer-than-the-value.com']}",
       "{'properties':{'email':'a.com'}}", 0},
      {"{'contextName':'email','operator':'STR_CONTAINS','values':['email']}",
       "{'properties':{'email':'test@some-email.com'}}", 1},
      {"{'contextName':'email','operator':'STR_CONTAINS','values':['email']}",
       "{'properties':{'email':'test@another.com'}}", 0},
      {"{'contextName':'email','operator':'STR_CONTAINS','values':['email'],"
       "'inverted':true}",
       "{'properties':{'email':'test@another.com'}}", 1},
      {"{'contextName':'email','operator':'STR_CONTAINS','values':['EMAIL'],"
       "'caseInsensitive':true,'inverted':true}",
       "{'properties':{'email':'x@email.com'}}", 0},
      {"{'contextName':'email','operator':'STR_CONTAINS','values':['x']}", "{}",
       0},
      {"{'contextName':'email','operator':'STR_CONTAINS','values':['x'],"
       "'inverted':true}",
       "{}", 1},
      {"{'contextName':'email','operator':'STR_CONTAINS','values':[' ']}",
       "{'properties':{'email':'abc'}}", 0}, /* trimmed away: no items */
      {"{'contextName':'email','operator':'STR_CONTAINS','value':'b'}",
       "{'properties':{'email':'abc'}}", 1},
      {"{'contextName':'n','operator':'STR_STARTS_WITH','values':['12']}",
       "{'properties':{'n':123}}", 1},
  };
  RUN(cases);
}

static void test_case_insensitive_strings_fold_unicode(void) {
  static const tcase cases[] = {
      {"{'contextName':'f','operator':'STR_CONTAINS','values':["
       "'\xc3\x84PFEL'],'caseInsensitive':true}",
       "{'properties':{'f':'gr\xc3\xbcne \xc3\xa4pfel'}}", 1},
      {"{'contextName':'f','operator':'STR_ENDS_WITH','values':["
       "'\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91'],'caseInsensitive':true}",
       "{'properties':{'f':'\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1'}}", 1},
  };
  RUN(cases);
}

static void test_case_insensitive_values_over_one_kib(void) {
  char big[2100];
  memset(big, 'A', 2000);
  strcpy(big + 2000, "XYZ");
  vx_constraint c;
  CU_ASSERT_EQUAL_FATAL(compile("{'contextName':'f','operator':"
                                "'STR_ENDS_WITH','values':['xyz'],"
                                "'caseInsensitive':true}",
                                &c),
                        0);
  vx_prop prop = {"f", {big, strlen(big)}};
  vx_context ctx;
  vx_context_init(&ctx);
  ctx.props = &prop;
  ctx.n_props = 1;
  CU_ASSERT_TRUE(vx_constraint_eval(&c, &ctx));
  big[2001] = 'Q';
  CU_ASSERT_FALSE(vx_constraint_eval(&c, &ctx));
  vx_constraint_free(&c);
}

/* ------------------------------------------------------------ NUM_* */

static void test_number_operators(void) {
#define NUM(op, v)                                                             \
  "{'contextName':'someValue','operator':'" op "','value':'" v "'}"
#define CTX(v) "{'properties':{'someValue':'" v "'}}"
  static const tcase cases[] = {
      {NUM("NUM_EQ", "12"), CTX("12"), 1},
      {NUM("NUM_EQ", "12"), CTX("12.0"), 1},
      {NUM("NUM_EQ", "12.0"), CTX("12"), 1},
      {NUM("NUM_EQ", "12"), CTX("13"), 0},
      {NUM("NUM_GT", "12"), CTX("13"), 1},
      {NUM("NUM_GT", "12"), CTX("12"), 0},
      {NUM("NUM_GTE", "12"), CTX("12"), 1},
      {NUM("NUM_GTE", "12"), CTX("13"), 1},
      {NUM("NUM_GTE", "12"), CTX("11"), 0},
      {NUM("NUM_LT", "12"), CTX("0"), 1},
      {NUM("NUM_LT", "12"), CTX("12"), 0},
      {NUM("NUM_LTE", "12"), CTX("12"), 1},
      {NUM("NUM_LTE", "12"), CTX("0"), 1},
      {NUM("NUM_LTE", "12"), CTX("13"), 0},
      {NUM("NUM_EQ", "16"), CTX("0x10"), 1},    /* Number() rules */
      {NUM("NUM_EQ", "1000"), CTX(" 1e3 "), 1}, /* white space ignored */
      {NUM("NUM_EQ", "0"), CTX(""), 1},         /* Number('') is 0 */
      {NUM("NUM_GT", "1e308"), CTX("Infinity"), 1},
      {NUM("NUM_LT", "-5"), CTX("-5.5"), 1},
      {NUM("NUM_EQ", "12"), CTX("abc"), 0}, /* NaN */
      {NUM("NUM_EQ", "12"), "{}", 0},
      {"{'contextName':'someValue','operator':'NUM_EQ','value':'12',"
       "'inverted':true}",
       CTX("12"), 0},
      {"{'contextName':'someValue','operator':'NUM_EQ','value':'12',"
       "'inverted':true}",
       CTX("13"), 1},
      {"{'contextName':'someValue','operator':'NUM_EQ','value':'12',"
       "'inverted':true}",
       CTX("abc"), 1}, /* Unleash: !false */
      {"{'contextName':'someValue','operator':'NUM_EQ','value':'12',"
       "'inverted':true}",
       "{}", 1},
      {"{'contextName':'someValue','operator':'NUM_EQ','value':'12',"
       "'caseInsensitive':true}",
       CTX("12"), 1},
      /* JSON numbers on either side. */
      {"{'contextName':'someValue','operator':'NUM_EQ','value':12}",
       "{'properties':{'someValue':12}}", 1},
      {"{'contextName':'someValue','operator':'NUM_GT','value':12.25}",
       "{'properties':{'someValue':12.5}}", 1},
      /* value vs values fallback. */
      {"{'contextName':'someValue','operator':'NUM_EQ','values':['12']}",
       CTX("12"), 1},
      {"{'contextName':'someValue','operator':'NUM_EQ','value':'',"
       "'values':[' ','12']}",
       CTX("12"), 1},
      {"{'contextName':'someValue','operator':'NUM_EQ','value':'',"
       "'values':[]}",
       CTX("0"), 1},
  };
#undef NUM
#undef CTX
  RUN(cases);
}

/* ----------------------------------------------------------- DATE_* */

static void test_date_operators_on_current_time(void) {
#define DATE(op, v)                                                            \
  "{'contextName':'currentTime','operator':'" op "','value':'" v "'}"
  static const tcase cases[] = {
      {DATE("DATE_AFTER", "2022-01-29T13:00:00.000Z"),
       "{'currentTime':'2022-01-30T13:00:00.000Z'}", 1},
      {DATE("DATE_AFTER", "2022-01-29T13:00:00.000Z"),
       "{'currentTime':'2022-01-28T13:00:00.000Z'}", 0},
      {DATE("DATE_AFTER", "2022-01-29T13:00:00.000Z"),
       "{'currentTime':'2022-01-29T13:00:00.000Z'}", 0}, /* strictly */
      {DATE("DATE_BEFORE", "2022-01-29T13:00:00.000Z"),
       "{'currentTime':'2022-01-28T13:00:00.000Z'}", 1},
      {DATE("DATE_BEFORE", "2022-01-29T13:00:00.000Z"),
       "{'currentTime':'2022-01-29T13:00:00.000Z'}", 0},
      {DATE("DATE_BEFORE", "2022-01-29T13:00:00.001Z"),
       "{'currentTime':'2022-01-29T13:00:00.000Z'}", 1},
      /* Offsets: 13:00+02:00 is 11:00Z. */
      {DATE("DATE_AFTER", "2022-01-22T13:00:00.000+02:00"),
       "{'currentTime':'2022-01-22T11:30:00.000Z'}", 1},
      {DATE("DATE_BEFORE", "2022-01-22T14:00:00.000+02:00"),
       "{'currentTime':'2022-01-22T11:30:00.000Z'}", 1},
      {DATE("DATE_BEFORE", "2022-01-22T13:00:00.000+02:00"),
       "{'currentTime':'2022-01-22T11:30:00.000Z'}", 0},
      {DATE("DATE_AFTER", "2022-01-22T10:00:00-02:00"),
       "{'currentTime':'2022-01-22T11:30:00+00:00'}", 0},
      {DATE("DATE_AFTER", "2022-01-22"),
       "{'currentTime':'2022-01-22T00:00:01Z'}", 1},
      /* No currentTime: now. */
      {DATE("DATE_AFTER", "2000-01-01T00:00:00Z"), "{}", 1},
      {DATE("DATE_BEFORE", "2999-01-01T00:00:00Z"), "{}", 1},
      {DATE("DATE_BEFORE", "2000-01-01T00:00:00Z"), "{}", 0},
      /* An unparseable currentTime is false; inverted, true (Unleash). */
      {DATE("DATE_AFTER", "2000-01-01T00:00:00Z"), "{'currentTime':'soon'}", 0},
      {"{'contextName':'currentTime','operator':'DATE_AFTER','value':"
       "'2000-01-01T00:00:00Z','inverted':true}",
       "{'currentTime':'soon'}", 1},
      {"{'contextName':'currentTime','operator':'DATE_AFTER','value':"
       "'2022-01-29T13:00:00Z','inverted':true}",
       "{'currentTime':'2022-01-30T13:00:00Z'}", 0},
      {"{'contextName':'currentTime','operator':'DATE_AFTER','values':["
       "'2022-01-29T13:00:00Z']}",
       "{'currentTime':'2022-01-30T13:00:00Z'}", 1},
  };
#undef DATE
  RUN(cases);
}

static void test_date_operators_on_another_field(void) {
  static const tcase cases[] = {
      {"{'contextName':'signup','operator':'DATE_AFTER','value':"
       "'2021-12-31T00:00:00Z'}",
       "{'properties':{'signup':'2022-01-01T00:00:00Z'}}", 1},
      {"{'contextName':'signup','operator':'DATE_BEFORE','value':"
       "'2021-12-31T00:00:00Z'}",
       "{'properties':{'signup':'2022-01-01T00:00:00Z'}}", 0},
      {"{'contextName':'signup','operator':'DATE_AFTER','value':"
       "'2021-12-31T00:00:00Z'}",
       "{'currentTime':'2030-01-01T00:00:00Z'}", 0}, /* missing */
      {"{'contextName':'signup','operator':'DATE_AFTER','value':"
       "'2021-12-31T00:00:00Z'}",
       "{'properties':{'signup':'last week'}}", 0},
      {"{'contextName':'signup','operator':'DATE_AFTER','value':"
       "'2021-12-31T00:00:00Z','inverted':true}",
       "{}", 1},
  };
  RUN(cases);
}

/* --------------------------------------------------------- SEMVER_* */

static void test_semver_operators(void) {
#define SV(op, v)                                                              \
  "{'contextName':'version','operator':'" op "','value':'" v "'}"
#define CTX(v) "{'properties':{'version':'" v "'}}"
  static const tcase cases[] = {
      {SV("SEMVER_EQ", "1.2.3"), CTX("1.2.3"), 1},
      {SV("SEMVER_EQ", "1.2.3"), CTX("1.2.4"), 0},
      {SV("SEMVER_EQ", "1.2.3"), CTX("1.2.3+build.5"), 1},
      {SV("SEMVER_GT", "1.2.3"), CTX("1.10.0"), 1},
      {SV("SEMVER_GT", "1.2.3"), CTX("1.2.3"), 0},
      {SV("SEMVER_GTE", "1.2.3"), CTX("1.2.3"), 1},
      {SV("SEMVER_LT", "1.2.3"), CTX("1.2.3-rc.1"), 1},
      {SV("SEMVER_LTE", "1.2.3"), CTX("1.2.3"), 1},
      {SV("SEMVER_LTE", "1.2.3"), CTX("1.2.4"), 0},
      {SV("SEMVER_EQ", "v1.2.3"), CTX("1.2.3"), 1}, /* v allowed in value */
      {SV("SEMVER_EQ", "1.2.3"), CTX("v1.2.3"), 0}, /* but not in context */
      {SV("SEMVER_EQ", "1.2.3"), CTX("1.2"), 0},
      {SV("SEMVER_EQ", "1.2.3"), CTX("01.2.3"), 0},
      {SV("SEMVER_EQ", "1.2.3"), CTX(""), 0},
      {SV("SEMVER_EQ", "1.2.3"), "{}", 0},
      {"{'contextName':'version','operator':'SEMVER_EQ','value':'1.2.3',"
       "'inverted':true}",
       CTX("1.2"), 1},
      {"{'contextName':'version','operator':'SEMVER_GT','value':'1.2.3',"
       "'inverted':true}",
       CTX("2.0.0"), 0},
  };
#undef SV
#undef CTX
  RUN(cases);
}

static void test_semver_prerelease_ordering(void) {
  /* SemVer 2.0.0 section 11's example, in ascending order. */
  const char *order[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                         "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                         "1.0.0-rc.1",  "1.0.0"};
  size_t n = sizeof order / sizeof *order;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++) {
      char def[160], ctx[120];
      snprintf(def, sizeof def,
               "{'contextName':'version','operator':'SEMVER_LT','value':'%s'}",
               order[j]);
      snprintf(ctx, sizeof ctx, "{'properties':{'version':'%s'}}", order[i]);
      tcase c[] = {{def, ctx, i < j}};
      RUN(c);
      snprintf(def, sizeof def,
               "{'contextName':'version','operator':'SEMVER_GTE','value':"
               "'%s'}",
               order[j]);
      tcase d[] = {{def, ctx, i >= j}};
      RUN(d);
    }
  }
}

/* ------------------------------------------------------------- REGEX */

static void test_regex_operator(void) {
#define RX(v) "{'contextName':'email','operator':'REGEX','value':'" v "'"
#define CTX(v) "{'properties':{'email':'" v "'}}"
  static const tcase cases[] = {
      {RX("@example\\\\.com$") "}", CTX("jane@example.com"), 1},
      {RX("example") "}", CTX("jane@example.com"), 1}, /* unanchored */
      {RX("^example") "}", CTX("jane@example.com"), 0},
      {RX("EXAMPLE") "}", CTX("jane@example.com"), 0},
      {RX("EXAMPLE") ",'caseInsensitive':true}", CTX("jane@example.com"), 1},
      {RX("EXAMPLE") ",'caseInsensitive':true,'inverted':true}",
       CTX("jane@example.com"), 0},
      {RX("^\\\\d+$") ",'inverted':true}", CTX("12a"), 1},
      {RX("x") "}", "{}", 0},
      {RX("x") ",'inverted':true}", "{}", 1},
      {RX(" b") "}", CTX("a b"), 1}, /* value is not trimmed */
      {RX("") "}", CTX("anything"), 1},
      {"{'contextName':'email','operator':'REGEX','values':['^j']}",
       CTX("jane"), 1},
  };
#undef RX
#undef CTX
  RUN(cases);
}

static void test_regex_refused_by_re2_is_never_true(void) {
  ASSERT_NEVER_BOTH("'contextName':'f','operator':'REGEX','value':'(a)\\\\1'",
                    VX_EPARSE,
                    "REGEX: backreferences are not supported (RE2 syntax): "
                    "\\1",
                    "{'properties':{'f':'aa'}}");
  ASSERT_NEVER_BOTH("'contextName':'f','operator':'REGEX','value':'a(?=b)'",
                    VX_EPARSE, "lookahead", "{'properties':{'f':'ab'}}");
  ASSERT_NEVER_BOTH("'contextName':'f','operator':'REGEX','value':'(ab'",
                    VX_EPARSE, "REGEX: missing closing parenthesis",
                    "{'properties':{'f':'ab'}}");
  ASSERT_NEVER_BOTH("'contextName':'f','operator':'REGEX'", VX_EPARSE,
                    "REGEX: value is missing", "{'properties':{'f':'ab'}}");
}

/* Issue 9: on PCRE2 with a step limit this decided off (the limit was hit
 * and taken as "no match"); RE2 gives the true answer, in linear time. */
static void test_regex_pathological_pattern_decides_by_its_true_match(void) {
  static const tcase cases[] = {
      {"{'contextName':'f','operator':'REGEX','value':'(x+x+)+y|z'}",
       "{'properties':{'f':'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxz'}}", 1},
      {"{'contextName':'f','operator':'REGEX','value':'(x+x+)+y|z',"
       "'inverted':true}",
       "{'properties':{'f':'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxz'}}", 0},
      {"{'contextName':'f','operator':'REGEX','value':'(a+)+$'}",
       "{'properties':{'f':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'}}", 0},
  };
  RUN(cases);
}

/* ----------------------------------------------------------- IN_CIDR */

static void test_in_cidr(void) {
#define CIDR(v)                                                                \
  "{'contextName':'remoteAddress','operator':'IN_CIDR','values':[" v "]"
#define ADDR(v) "{'remoteAddress':'" v "'}"
  static const tcase cases[] = {
      {CIDR("'10.0.0.0/8'") "}", ADDR("10.1.2.3"), 1},
      {CIDR("'10.0.0.0/8'") "}", ADDR("11.1.2.3"), 0},
      {CIDR("'192.168.1.1'") "}", ADDR("192.168.1.1"), 1}, /* bare address */
      {CIDR("'192.168.1.1'") "}", ADDR("192.168.1.2"), 0},
      {CIDR("'10.0.0.0/8',' 172.16.0.0/12 '") "}", ADDR("172.20.0.1"), 1},
      {CIDR("'2001:db8::/32'") "}", ADDR("2001:db8::1"), 1},
      {CIDR("'2001:db8::/32'") "}", ADDR("2001:db9::1"), 0},
      {CIDR("'2001:DB8:0:0::/64'") "}", ADDR("2001:db8::abcd:1"), 1},
      {CIDR("'::1'") "}", ADDR("::1"), 1},
      {CIDR("'2001:db8::/32'") "}", ADDR("10.0.0.1"), 0}, /* families */
      {CIDR("'10.0.0.0/8'") "}", ADDR("::ffff:10.0.0.1"), 1},
      {CIDR("'10.0.0.0/8'") "}", ADDR("not-an-ip"), 0},
      {CIDR("'10.0.0.0/8'") "}", "{}", 0},
      {CIDR("'10.0.0.0/8'") ",'inverted':true}", ADDR("11.0.0.1"), 1},
      {CIDR("'10.0.0.0/8'") ",'inverted':true}", ADDR("10.0.0.1"), 0},
      {CIDR("'10.0.0.0/8'") ",'inverted':true}", "{}", 1},
      {"{'contextName':'ip','operator':'IN_CIDR','value':'10.0.0.0/8'}",
       "{'properties':{'ip':'10.9.9.9'}}", 1},
  };
#undef CIDR
#undef ADDR
  RUN(cases);
}

/* --------------------------------------------------- never / errors */

static void test_bad_values_make_the_constraint_never_true(void) {
  ASSERT_NEVER_BOTH("'contextName':'n','operator':'NUM_EQ','value':'abc'",
                    VX_EPARSE, "NUM_EQ: \"abc\" is not a number",
                    "{'properties':{'n':'abc'}}");
  ASSERT_NEVER_BOTH("'contextName':'n','operator':'NUM_GT'", VX_EPARSE,
                    "NUM_GT: value is missing", "{'properties':{'n':'1'}}");
  ASSERT_NEVER_BOTH("'contextName':'currentTime','operator':'DATE_AFTER',"
                    "'value':'tomorrow'",
                    VX_EPARSE, "DATE_AFTER: \"tomorrow\"", "{}");
  ASSERT_NEVER_BOTH("'contextName':'v','operator':'SEMVER_GT','value':'1.2'",
                    VX_EPARSE, "SEMVER_GT: \"1.2\"",
                    "{'properties':{'v':'1.0.0'}}");
}

/* Unleash's remoteAddress ignores an entry that is not an address and
 * matches the others; IN_CIDR does the same (IPv4 and IPv6), and so does
 * every list operator with an item that is an object or an array. */
static void test_a_bad_list_item_is_left_out_and_the_rest_still_match(void) {
  static const char *const ips[] = {"{'remoteAddress':'10.0.0.1'}",
                                    "{'remoteAddress':'2001:db8::7'}",
                                    "{'remoteAddress':'192.168.0.1'}", "{}"};
  static const int in[] = {1, 1, 0, 0}, not_in[] = {0, 0, 1, 1};
  const char *cidr = "{'contextName':'remoteAddress','operator':'IN_CIDR',"
                     "'values':['10.0.0.0/8','10.0.0.0/33','2001:db8::/32',"
                     "'192.invalid']}";
  ASSERT_PARTIAL(cidr, VX_EPARSE, "IN_CIDR: \"10.0.0.0/33\"", ips, in);
  ASSERT_PARTIAL("{'contextName':'remoteAddress','operator':'IN_CIDR',"
                 "'values':['10.0.0.0/8','10.0.0.0/33','2001:db8::/32'],"
                 "'inverted':true}",
                 VX_EPARSE, "(left out)", ips, not_in);
  /* With no valid entry the list is empty: nothing is in it. */
  static const char *const one[] = {"{'remoteAddress':'10.0.0.1'}"};
  static const int no[] = {0}, yes[] = {1};
  ASSERT_PARTIAL("{'contextName':'remoteAddress','operator':'IN_CIDR',"
                 "'values':['nope']}",
                 VX_EPARSE, "\"nope\"", one, no);
  ASSERT_PARTIAL("{'contextName':'remoteAddress','operator':'IN_CIDR',"
                 "'values':['nope'],'inverted':true}",
                 VX_EPARSE, "\"nope\"", one, yes);

  static const char *const fs[] = {"{'properties':{'f':'x'}}",
                                   "{'properties':{'f':'other'}}"};
  static const int x_only[] = {1, 0}, not_x[] = {0, 1};
  ASSERT_PARTIAL("{'contextName':'f','operator':'IN','values':[{},'x',[1]]}",
                 VX_EPARSE, "values[0] must be a string, got object", fs,
                 x_only);
  ASSERT_PARTIAL("{'contextName':'f','operator':'NOT_IN','values':['x',[]]}",
                 VX_EPARSE, "values[1] must be a string, got array", fs, not_x);
  ASSERT_PARTIAL("{'contextName':'f','operator':'STR_STARTS_WITH',"
                 "'values':[{'a':1},'x']}",
                 VX_EPARSE, "values[0]", fs, x_only);
  /* Single-value operators read the first usable item of values. */
  static const char *const ns[] = {"{'properties':{'n':'5'}}",
                                   "{'properties':{'n':'2'}}"};
  static const int gt3[] = {1, 0};
  ASSERT_PARTIAL("{'contextName':'n','operator':'NUM_GT','values':[[],'3']}",
                 VX_EPARSE, "values[0]", ns, gt3);
}

/* A flag that is not a boolean would be read as false, and silently turn
 * the meaning around: the constraint is never true (an import keeps it
 * off, a strict write refuses it). */
static void test_inverted_and_case_insensitive_must_be_booleans(void) {
  ASSERT_NEVER("{'contextName':'f','operator':'IN','values':['x'],"
               "'inverted':'yes'}",
               VX_ETYPE, "f: inverted must be true or false, got string",
               "{'properties':{'f':'y'}}");
  ASSERT_NEVER("{'contextName':'f','operator':'IN','values':['x'],"
               "'inverted':1}",
               VX_ETYPE, "inverted must be true or false, got number",
               "{'properties':{'f':'y'}}");
  ASSERT_NEVER("{'contextName':'f','operator':'STR_CONTAINS','values':['X'],"
               "'caseInsensitive':'true'}",
               VX_ETYPE, "caseInsensitive must be true or false, got string",
               "{'properties':{'f':'x'}}");
  /* null is absent: false. */
  vx_constraint c;
  CU_ASSERT_EQUAL(compile("{'contextName':'f','operator':'IN','values':['x'],"
                          "'inverted':null,'caseInsensitive':null}",
                          &c),
                  0);
  CU_ASSERT_FALSE(c.inverted);
  CU_ASSERT_FALSE(c.case_insensitive);
  vx_constraint_free(&c);
}

static void test_unknown_operator_is_false_even_inverted(void) {
  ASSERT_NEVER_BOTH("'contextName':'customField','operator':"
                    "'NOT_A_VALID_OPERATOR','value':'x'",
                    VX_EUNSUPPORTED,
                    "unknown operator \"NOT_A_VALID_OPERATOR\"",
                    "{'properties':{'customField':'x'}}");
  ASSERT_NEVER_BOTH("'contextName':'f','operator':'in','values':['x']",
                    VX_EUNSUPPORTED, "unknown operator",
                    "{'properties':{'f':'x'}}");
}

static void test_malformed_constraints_are_invalid(void) {
  ASSERT_NEVER("['IN']", VX_EINVAL, "must be an object", "{}");
  ASSERT_NEVER("{'operator':'NOT_IN','values':['x']}", VX_EINVAL,
               "no contextName", "{}");
  ASSERT_NEVER("{'contextName':'','operator':'NOT_IN'}", VX_EINVAL,
               "no contextName", "{}");
  ASSERT_NEVER("{'contextName':'f','values':['x']}", VX_EINVAL, "no operator",
               "{}");
  ASSERT_NEVER("{'contextName':'f','operator':'NOT_IN','values':'x'}",
               VX_EINVAL, "values must be an array", "{}");
  vx_constraint c;
  memset(&c, 0, sizeof c);
  vx_constraint_free(&c); /* a zeroed struct is fine */
  CU_ASSERT_EQUAL(vx_constraint_compile(NULL, &c, NULL, 0), VX_EINVAL);
  CU_ASSERT_TRUE(c.never);
  vx_constraint_free(&c);
}

static void test_compiled_fields_are_precomputed(void) {
  vx_constraint c;
  CU_ASSERT_EQUAL_FATAL(compile("{'contextName':'appName','operator':'IN',"
                                "'values':['a'],'inverted':true,"
                                "'caseInsensitive':true}",
                                &c),
                        0);
  CU_ASSERT_STRING_EQUAL(c.field, "appName");
  CU_ASSERT_EQUAL(c.field_id, VX_FIELD_APP_NAME);
  CU_ASSERT_EQUAL(c.op, VX_OP_IN);
  CU_ASSERT_TRUE(c.inverted);
  CU_ASSERT_TRUE(c.case_insensitive);
  CU_ASSERT_FALSE(c.never);
  vx_constraint_free(&c);
  CU_ASSERT_PTR_NULL(c.field);
}

/* ------------------------------------------------- threads, memory */

#define THREADS 4
#define ROUNDS 100000

typedef struct shared {
  vx_constraint re, in;
  vx_context yes, no;
  long wrong[THREADS];
} shared;

typedef struct worker {
  shared *s;
  int id;
} worker;

static void *evaluate_many(void *arg) {
  worker *w = arg;
  shared *s = w->s;
  for (int i = 0; i < ROUNDS; i++) {
    if (!vx_constraint_eval(&s->re, &s->yes) ||
        vx_constraint_eval(&s->re, &s->no))
      s->wrong[w->id]++;
    if (!vx_constraint_eval(&s->in, &s->yes) ||
        vx_constraint_eval(&s->in, &s->no))
      s->wrong[w->id]++;
  }
  return NULL;
}

static void test_same_constraints_from_many_threads(void) {
  static shared s;
  memset(&s, 0, sizeof s);
  CU_ASSERT_EQUAL_FATAL(compile("{'contextName':'userId','operator':'REGEX',"
                                "'value':'^user-[0-9]+$',"
                                "'caseInsensitive':true}",
                                &s.re),
                        0);
  CU_ASSERT_EQUAL_FATAL(compile("{'contextName':'userId','operator':'IN',"
                                "'values':['USER-7','x','y','z']}",
                                &s.in),
                        0);
  vx_context_init(&s.yes);
  vx_context_init(&s.no);
  s.yes.field[VX_FIELD_USER_ID] = (vx_str){"USER-7", 6};
  s.no.field[VX_FIELD_USER_ID] = (vx_str){"user-7x", 7};
  pthread_t th[THREADS];
  worker w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (worker){&s, i};
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, evaluate_many, &w[i]),
                          0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(s.wrong[i], 0);
  }
  vx_constraint_free(&s.re);
  vx_constraint_free(&s.in);
}

#ifdef VX_COUNT_ALLOC
static void test_evaluation_allocates_nothing(void) {
  static const char *const defs[] = {
      "{'contextName':'userId','operator':'IN','values':['u1','u2']}",
      "{'contextName':'userId','operator':'NOT_IN','values':['u1']}",
      "{'contextName':'userId','operator':'STR_CONTAINS','values':['U'],"
      "'caseInsensitive':true}",
      "{'contextName':'userId','operator':'STR_STARTS_WITH','values':['u']}",
      "{'contextName':'userId','operator':'STR_ENDS_WITH','values':['1']}",
      "{'contextName':'n','operator':'NUM_GTE','value':'3'}",
      "{'contextName':'currentTime','operator':'DATE_AFTER','value':"
      "'2020-01-01T00:00:00Z'}",
      "{'contextName':'d','operator':'DATE_BEFORE','value':'2030-01-01'}",
      "{'contextName':'v','operator':'SEMVER_GT','value':'1.0.0-rc.1'}",
      "{'contextName':'userId','operator':'REGEX','value':'^u\\\\d$',"
      "'caseInsensitive':true}",
      "{'contextName':'email','operator':'REGEX','value':"
      "'[a-z]+@example\\\\.(com|org)'}",
      "{'contextName':'remoteAddress','operator':'IN_CIDR','values':["
      "'10.0.0.0/8','2001:db8::/32']}",
      "{'contextName':'missing','operator':'IN','values':['x']}",
  };
  enum { N = sizeof defs / sizeof *defs };
  vx_constraint c[N];
  for (size_t i = 0; i < N; i++)
    CU_ASSERT_EQUAL_FATAL(compile(defs[i], &c[i]), 0);
  /* The properties are found by binary search among 44. */
  char text[1024];
  size_t o = (size_t)snprintf(
      text, sizeof text,
      "{'userId':'u1','remoteAddress':'10.1.1.1','properties':{");
  for (int i = 0; i < 40; i++)
    o += (size_t)snprintf(text + o, sizeof text - o, "'f%02d':'x',", i);
  snprintf(
      text + o, sizeof text - o,
      "'n':5,'d':'2024-02-02','v':'1.0.0','email':'jane.doe@example.com'}}");
  vx_context_json cx;
  context(text, &cx);
  CU_ASSERT_EQUAL(cx.ctx.n_props, 44);
  bool expect[N];
  /* The first search of a subject makes RE2's DFA cache the states it
   * reaches (re2_shim.h): allocations inside libre2, which this counter
   * sees. Later searches that reach the same states allocate nothing. */
  const size_t email = 10; /* the unanchored REGEX: RE2's DFA runs */
  size_t before = vx_alloc_count();
  expect[email] = vx_constraint_eval(&c[email], &cx.ctx);
  CU_ASSERT(vx_alloc_count() - before > 0);
  for (size_t i = 0; i < N; i++) /* warm up */
    expect[i] = vx_constraint_eval(&c[i], &cx.ctx);
  before = vx_alloc_count();
  bool same = true;
  for (int round = 0; round < 1000; round++) {
    for (size_t i = 0; i < N; i++)
      same = same && vx_constraint_eval(&c[i], &cx.ctx) == expect[i];
  }
  CU_ASSERT_TRUE(same);
  CU_ASSERT_EQUAL(vx_alloc_count() - before, 0);
  for (size_t i = 0; i < N; i++) /* all true but NOT_IN and missing */
    CU_ASSERT_EQUAL(expect[i], i != 1 && i != N - 1);

  /* Above 1 KiB a case-insensitive value takes one heap buffer. */
  char big[1500];
  memset(big, 'u', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  vx_context ctx;
  vx_context_init(&ctx);
  ctx.field[VX_FIELD_USER_ID] = (vx_str){big, strlen(big)};
  before = vx_alloc_count();
  bool r = vx_constraint_eval(&c[2], &ctx);
  CU_ASSERT_TRUE(r);
  CU_ASSERT_EQUAL(vx_alloc_count() - before, 1);
  for (size_t i = 0; i < N; i++)
    vx_constraint_free(&c[i]);
  vx_context_json_dispose(&cx);
}
#endif

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_operator_names_map_both_ways),
      VX_TEST(test_in_matches_exact_values),
      VX_TEST(test_in_falls_back_to_value),
      VX_TEST(test_in_compares_numbers_as_their_text),
      VX_TEST(test_in_and_not_in_on_a_missing_field),
      VX_TEST(test_not_in),
      VX_TEST(test_in_with_a_hundred_values),
      VX_TEST(test_string_operators),
      VX_TEST(test_case_insensitive_strings_fold_unicode),
      VX_TEST(test_case_insensitive_values_over_one_kib),
      VX_TEST(test_number_operators),
      VX_TEST(test_date_operators_on_current_time),
      VX_TEST(test_date_operators_on_another_field),
      VX_TEST(test_semver_operators),
      VX_TEST(test_semver_prerelease_ordering),
      VX_TEST(test_regex_operator),
      VX_TEST(test_regex_refused_by_re2_is_never_true),
      VX_TEST(test_regex_pathological_pattern_decides_by_its_true_match),
      VX_TEST(test_in_cidr),
      VX_TEST(test_bad_values_make_the_constraint_never_true),
      VX_TEST(test_a_bad_list_item_is_left_out_and_the_rest_still_match),
      VX_TEST(test_inverted_and_case_insensitive_must_be_booleans),
      VX_TEST(test_unknown_operator_is_false_even_inverted),
      VX_TEST(test_malformed_constraints_are_invalid),
      VX_TEST(test_compiled_fields_are_precomputed),
      VX_TEST(test_same_constraints_from_many_threads),
#ifdef VX_COUNT_ALLOC
      VX_TEST(test_evaluation_allocates_nothing),
#endif
      {NULL, NULL},
  };
  return vx_test_main("daemon/constraint", tests, NULL, NULL);
}
