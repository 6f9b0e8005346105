/*
 * bad_input_cases.c - the cases of the bad-input matrix (bad_input.h),
 * grouped by route: OFREP, native evaluation, admin, operations, and the
 * HTTP layer itself. The daemon holds (test_bad_input.c's seed): flags
 * "f" (on in production, default strategy) and "v" (a string variant),
 * environments production and staging, a production client token.
 */
#include <stdio.h>
#include <string.h>

#include "bad_input.h"

/* ---------------------------------------------------------- generators */

static void open_close(bi_buf *b, long n, char open, char close) {
  bi_repeat(b, open, (size_t)n);
  bi_repeat(b, close, (size_t)n);
}

/* {"context":{"a":[[[...]]]}}: n arrays inside the context. */
static void deep_context(bi_buf *b, long n) {
  bi_puts(b, "{\"context\":{\"a\":");
  open_close(b, n, '[', ']');
  bi_puts(b, "}}");
}

/* [[[...]]] alone. */
static void deep_array(bi_buf *b, long n) {
  open_close(b, n, '[', ']');
}

/* {"a":{"a":...{}...}}: n objects. */
static void deep_object(bi_buf *b, long n) {
  for (long i = 0; i < n; i++)
    bi_puts(b, "{\"a\":");
  bi_puts(b, "1");
  bi_repeat(b, '}', (size_t)n);
}

/* A flag whose json variant payload nests n arrays deep. */
static void deep_payload(bi_buf *b, long n) {
  bi_puts(b, "{\"key\": \"deep-payload\", \"type\": \"object\", "
             "\"environments\": {\"production\": {\"enabled\": true, "
             "\"variants\": [{\"name\": \"a\", \"weight\": 1000, "
             "\"payload\": {\"type\": \"json\", \"value\": \"");
  open_close(b, n, '[', ']');
  bi_puts(b, "\"}}]}}}");
}

/* The same payload in an Unleash state, imported leniently. */
static void unleash_deep_payload(bi_buf *b, long n) {
  bi_puts(b, "{\"version\": 1, \"features\": [{\"name\": \"deep-import\", "
             "\"enabled\": true, \"strategies\": [{\"name\": \"default\"}], "
             "\"variants\": [{\"name\": \"a\", \"weight\": 1000, "
             "\"payload\": {\"type\": \"json\", \"value\": \"");
  open_close(b, n, '[', ']');
  bi_puts(b, "\"}}]}]}");
}

/* {"context":{"targetingKey":"xxx..."}} with n x. */
static void long_key(bi_buf *b, long n) {
  bi_puts(b, "{\"context\":{\"targetingKey\":\"");
  bi_repeat(b, 'x', (size_t)n);
  bi_puts(b, "\"}}");
}

/* A context with n distinct properties. */
static void many_properties(bi_buf *b, long n) {
  bi_puts(b, "{\"context\":{\"targetingKey\":\"u\"");
  char item[48];
  for (long i = 0; i < n; i++) {
    snprintf(item, sizeof item, ",\"p%ld\":\"v\"", i);
    bi_puts(b, item);
  }
  bi_puts(b, "}}");
}

/* A native (Unleash) context with n distinct properties. */
static void many_native_properties(bi_buf *b, long n) {
  bi_puts(b, "{\"context\":{\"userId\":\"u\",\"properties\":{");
  char item[48];
  for (long i = 0; i < n; i++) {
    snprintf(item, sizeof item, "%s\"p%ld\":\"v\"", i ? "," : "", i);
    bi_puts(b, item);
  }
  bi_puts(b, "}}}");
}

/* The values of an IN constraint: n items. */
static void list_items(bi_buf *b, long n) {
  char item[32];
  for (long i = 0; i < n; i++) {
    snprintf(item, sizeof item, "%s\"u%ld\"", i ? "," : "", i);
    bi_puts(b, item);
  }
}

/* A flag with an IN constraint of n values (an admin write). */
static void flag_with_list(bi_buf *b, long n) {
  bi_puts(b, "{\"key\": \"big-list\", \"environments\": {\"production\": "
             "{\"enabled\": true, \"strategies\": [{\"name\": \"default\", "
             "\"constraints\": [{\"contextName\": \"userId\", \"operator\": "
             "\"IN\", \"values\": [");
  list_items(b, n);
  bi_puts(b, "]}]}]}}}");
}

/* The same flag in an Unleash state (an import, with its larger limit). */
static void unleash_with_list(bi_buf *b, long n) {
  bi_puts(b, "{\"version\": 1, \"features\": [{\"name\": \"big-import\", "
             "\"enabled\": true, \"strategies\": [{\"name\": \"default\", "
             "\"constraints\": [{\"contextName\": \"userId\", \"operator\": "
             "\"IN\", \"values\": [");
  list_items(b, n);
  bi_puts(b, "]}]}]}]}");
}

/* An Unleash state with the same feature twice. */
static void unleash_duplicate(bi_buf *b, long n) {
  (void)n;
  bi_puts(b, "{\"version\": 1, \"features\": ["
             "{\"name\": \"dup\", \"enabled\": true, \"strategies\": []},"
             "{\"name\": \"dup\", \"enabled\": false, \"strategies\": []}]}");
}

/* A body with a raw NUL byte inside a string. */
static void nul_in_body(bi_buf *b, long n) {
  (void)n;
  static const char body[] = "{\"context\":{\"targetingKey\":\"a\0b\"}}";
  bi_put(b, body, sizeof body - 1);
}

/* Two requests in one send: the second closes. */
static void pipelined(bi_buf *b, long n) {
  (void)n;
  bi_puts(b, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

/* GET /healthz with n extra headers. */
static void many_headers(bi_buf *b, long n) {
  bi_puts(b, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
  char h[48];
  for (long i = 0; i < n; i++) {
    snprintf(h, sizeof h, "X-Header-%ld: v\r\n", i);
    bi_puts(b, h);
  }
  bi_puts(b, "\r\n");
}

/* A body of n bytes of JSON ({"context":{"x":"aaa..."}}). */
static void body_of(bi_buf *b, long n) {
  bi_puts(b, "{\"context\":{\"x\":\"");
  bi_repeat(b, 'a', (size_t)(n > 20 ? n - 20 : 0));
  bi_puts(b, "\"}}");
}

/* ---------------------------------------------------------- shorthands */

#define OF "/ofrep/v1/evaluate/flags"
#define NAT "/api/v1/evaluate"
#define ADM "/api/v1/admin"
#define FLAGS ADM "/flags"
#define MIB (1024L * 1024)

/* A flag document for the admin API (PUT flags/m: a case that wrongly
 * succeeds does not turn the next ones into 409 ALREADY_EXISTS) with one
 * production strategy S. */
#define STRAT(S)                                                               \
  "{\"key\": \"m\", \"environments\": {\"production\": {\"enabled\": true, "   \
  "\"strategies\": [" S "]}}}"
/* ... with one constraint C on a default strategy. */
#define CONSTR(C) STRAT("{\"name\": \"default\", \"constraints\": [" C "]}")
/* ... with flag-level variants V. */
#define VARS(V)                                                                \
  "{\"key\": \"m\", \"environments\": {\"production\": {\"enabled\": true, "   \
  "\"variants\": [" V "]}}}"

/* Case shapes: a literal body, a generated one, a raw request. */
#define LIT(name, m, path, tok, body, st, code)                                \
  { name, m, path, tok, NULL, body, NULL, 0, BI_LENGTH, BI_ONE, st, code }
#define HDR(name, m, path, tok, hdrs, body, st, code)                          \
  { name, m, path, tok, hdrs, body, NULL, 0, BI_LENGTH, BI_ONE, st, code }
#define GEN(name, m, path, tok, gen, arg, framing, st, code)                   \
  { name, m, path, tok, NULL, NULL, gen, arg, framing, BI_ONE, st, code }
#define RAW(name, req, st, code)                                               \
  { name, NULL, NULL, BI_NONE, NULL, req, NULL, 0, BI_RAW, BI_ONE, st, code }

const bi_case bi_cases[] = {
    /* ---- OFREP, one flag */
    LIT("ofrep_single_truncated_json", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"targetingKey\":\"u\"", 400, "PARSE_ERROR"),
    LIT("ofrep_single_not_json", "POST", OF "/f", BI_CLIENT, "hello", 400,
        "PARSE_ERROR"),
    LIT("ofrep_single_invalid_utf8", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"targetingKey\":\"\xff\xfe\"}}", 400, "PARSE_ERROR"),
    GEN("ofrep_single_nul_byte", "POST", OF "/f", BI_CLIENT, nul_in_body, 0,
        BI_LENGTH, 400, "PARSE_ERROR"),
    LIT("ofrep_single_escaped_nul", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"targetingKey\":\"a\\u0000b\"}}", 400, "PARSE_ERROR"),
    GEN("ofrep_single_nested_800", "POST", OF "/f", BI_CLIENT, deep_context,
        800, BI_LENGTH, 400, "PARSE_ERROR"),
    GEN("ofrep_single_nested_100000_chunked", "POST", OF "/f", BI_CLIENT,
        deep_context, 100000, BI_CHUNKED, 400, "PARSE_ERROR"),
    GEN("ofrep_single_nested_within_limit_is_an_invalid_context", "POST",
        OF "/f", BI_CLIENT, deep_context, 20, BI_LENGTH, 400,
        "INVALID_CONTEXT"),
    LIT("ofrep_single_context_is_an_array", "POST", OF "/f", BI_CLIENT,
        "{\"context\":[]}", 400, "INVALID_CONTEXT"),
    LIT("ofrep_single_context_is_a_string", "POST", OF "/f", BI_CLIENT,
        "{\"context\":\"u\"}", 400, "INVALID_CONTEXT"),
    LIT("ofrep_single_body_is_an_array", "POST", OF "/f", BI_CLIENT, "[]", 400,
        "INVALID_CONTEXT"),
    LIT("ofrep_single_targeting_key_is_an_object", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"targetingKey\":{}}}", 400, "INVALID_CONTEXT"),
    LIT("ofrep_single_targeting_key_number_is_its_text", "POST", OF "/f",
        BI_CLIENT, "{\"context\":{\"targetingKey\":42}}", 200, NULL),
    LIT("ofrep_single_number_out_of_range", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"n\":1e999}}", 400, "PARSE_ERROR"),
    LIT("ofrep_single_integer_out_of_range", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"n\":123456789012345678901234567890}}", 400,
        "PARSE_ERROR"),
    LIT("ofrep_single_duplicate_keys", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"a\":\"1\",\"a\":\"2\"}}", 400, "PARSE_ERROR"),
    GEN("ofrep_single_too_many_properties", "POST", OF "/f", BI_CLIENT,
        many_properties, 20000, BI_LENGTH, 400, "INVALID_CONTEXT"),
    LIT("ofrep_single_unknown_flag", "POST", OF "/no-such-flag", BI_CLIENT,
        "{}", 404, "FLAG_NOT_FOUND"),
    LIT("ofrep_single_without_token", "POST", OF "/f", BI_NONE, "{}", 401,
        "UNAUTHORIZED"),
    LIT("ofrep_single_unknown_token", "POST", OF "/f", BI_WRONG, "{}", 401,
        "UNAUTHORIZED"),
    GEN("ofrep_single_body_over_the_limit", "POST", OF "/f", BI_CLIENT, body_of,
        2 * MIB, BI_LENGTH, 413, "BODY_TOO_LARGE"),
    GEN("ofrep_single_chunked_body_over_the_limit", "POST", OF "/f", BI_CLIENT,
        body_of, 2 * MIB, BI_CHUNKED, 413, "BODY_TOO_LARGE"),
    GEN("ofrep_single_chunked_body", "POST", OF "/f", BI_CLIENT, long_key, 3000,
        BI_CHUNKED, 200, NULL),
    GEN("ofrep_single_value_of_max_context_value_bytes", "POST", OF "/f",
        BI_CLIENT, long_key, 4096, BI_LENGTH, 200, NULL),
    GEN("ofrep_single_value_over_max_context_value_bytes", "POST", OF "/f",
        BI_CLIENT, long_key, 900000, BI_LENGTH, 400, "INVALID_CONTEXT"),
    LIT("ofrep_single_get_is_not_allowed", "GET", OF "/f", BI_CLIENT, NULL, 405,
        "METHOD_NOT_ALLOWED"),
    LIT("ofrep_single_key_with_nul", "POST", OF "/f%00x", BI_CLIENT, "{}", 400,
        "INVALID_PATH"),
    LIT("ofrep_single_client_token_asks_for_another_environment", "POST",
        OF "/f?environment=staging", BI_CLIENT, "{}", 403, "FORBIDDEN"),
    LIT("ofrep_single_properties_is_not_an_object", "POST", OF "/f", BI_CLIENT,
        "{\"context\":{\"properties\":[1]}}", 400, "INVALID_CONTEXT"),
    LIT("ofrep_single_environment_too_long", "POST",
        OF "/f?environment=@R300:e@", BI_ADMIN, "{}", 400, "GENERAL"),

    /* ---- OFREP, every flag */
    LIT("ofrep_bulk_truncated_json", "POST", OF, BI_CLIENT,
        "{\"context\":", 400, "PARSE_ERROR"),
    GEN("ofrep_bulk_nested_800", "POST", OF, BI_CLIENT, deep_context, 800,
        BI_LENGTH, 400, "PARSE_ERROR"),
    GEN("ofrep_bulk_nested_objects_2000", "POST", OF, BI_CLIENT, deep_object,
        2000, BI_LENGTH, 400, "PARSE_ERROR"),
    LIT("ofrep_bulk_context_is_a_number", "POST", OF, BI_CLIENT,
        "{\"context\":7}", 400, "INVALID_CONTEXT"),
    LIT("ofrep_bulk_empty_body_is_the_empty_context", "POST", OF, BI_CLIENT, "",
        200, NULL),
    HDR("ofrep_bulk_control_character_in_a_header", "POST", OF, BI_CLIENT,
        "If-None-Match: \"\x01garbage\"\r\n", "{}", 400, "BAD_REQUEST"),
    GEN("ofrep_bulk_too_many_properties", "POST", OF, BI_CLIENT,
        many_properties, 20000, BI_LENGTH, 400, "INVALID_CONTEXT"),
    LIT("ofrep_bulk_invalid_utf8", "POST", OF, BI_CLIENT,
        "{\"context\":{\"k\":\"\xc3\x28\"}}", 400, "PARSE_ERROR"),
    LIT("ofrep_bulk_without_token", "POST", OF, BI_NONE, "{}", 401,
        "UNAUTHORIZED"),
    LIT("ofrep_bulk_remote_address_is_an_array", "POST", OF, BI_CLIENT,
        "{\"context\":{\"remoteAddress\":[\"10.0.0.1\"]}}", 400,
        "INVALID_CONTEXT"),

    /* ---- native evaluation */
    LIT("native_single_truncated_json", "POST", NAT "/f", BI_CLIENT,
        "{\"context\":{", 400, "INVALID_JSON"),
    GEN("native_single_nested_800", "POST", NAT "/f", BI_CLIENT, deep_context,
        800, BI_LENGTH, 400, "JSON_TOO_DEEP"),
    LIT("native_single_context_is_an_array", "POST", NAT "/f", BI_CLIENT,
        "{\"context\":[1]}", 400, "INVALID_CONTEXT"),
    LIT("native_single_user_id_is_an_object", "POST", NAT "/f", BI_CLIENT,
        "{\"context\":{\"userId\":{\"a\":1}}}", 400, "INVALID_CONTEXT"),
    LIT("native_single_unknown_flag", "POST", NAT "/no-such-flag", BI_CLIENT,
        "{}", 404, "FLAG_NOT_FOUND"),
    GEN("native_single_too_many_native_properties", "POST", NAT "/f", BI_CLIENT,
        many_native_properties, 20000, BI_LENGTH, 400, "CONTEXT_TOO_LARGE"),
    LIT("native_single_environment_too_long", "POST",
        NAT "/f?environment=@R300:e@", BI_ADMIN, "{}", 400, "INVALID_QUERY"),
    LIT("native_single_unknown_environment", "POST",
        NAT "/f?environment=nowhere", BI_ADMIN, "{}", 404,
        "ENVIRONMENT_NOT_FOUND"),
    GEN("native_bulk_nested_800", "POST", NAT, BI_CLIENT, deep_context, 800,
        BI_LENGTH, 400, "JSON_TOO_DEEP"),
    LIT("native_bulk_not_json", "POST", NAT, BI_CLIENT, "{'context': {}}", 400,
        "INVALID_JSON"),
    LIT("native_bulk_without_token", "POST", NAT, BI_NONE, "{}", 401,
        "UNAUTHORIZED"),
    LIT("native_single_key_with_nul", "POST", NAT "/f%00", BI_CLIENT, "{}", 400,
        "INVALID_PATH"),

    /* ---- admin: flag documents */
    GEN("admin_flag_nested_800", "POST", FLAGS, BI_ADMIN, deep_array, 800,
        BI_LENGTH, 400, "JSON_TOO_DEEP"),
    GEN("admin_flag_nested_objects_1000", "POST", FLAGS, BI_ADMIN, deep_object,
        1000, BI_LENGTH, 400, "JSON_TOO_DEEP"),
    LIT("admin_flag_with_a_client_token", "POST", FLAGS, BI_CLIENT,
        "{\"key\": \"x\"}", 403, "FORBIDDEN"),
    LIT("admin_flag_without_token", "POST", FLAGS, BI_NONE, "{\"key\": \"x\"}",
        401, "UNAUTHORIZED"),
    LIT("admin_flag_key_dot", "POST", FLAGS, BI_ADMIN, "{\"key\": \".\"}", 400,
        "VALIDATION_FAILED"),
    LIT("admin_flag_key_dot_dot", "POST", FLAGS, BI_ADMIN, "{\"key\": \"..\"}",
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_key_with_a_slash", "POST", FLAGS, BI_ADMIN,
        "{\"key\": \"a/b\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_flag_key_empty", "POST", FLAGS, BI_ADMIN, "{\"key\": \"\"}", 400,
        "VALIDATION_FAILED"),
    LIT("admin_flag_key_is_a_number", "POST", FLAGS, BI_ADMIN, "{\"key\": 7}",
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_key_too_long", "POST", FLAGS, BI_ADMIN,
        "{\"key\": \"@R300:k@\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_flag_key_missing", "POST", FLAGS, BI_ADMIN,
        "{\"description\": \"no key\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_flag_body_is_an_array", "POST", FLAGS, BI_ADMIN, "[]", 400,
        "INVALID_TYPE"),
    LIT("admin_flag_enabled_is_a_string", "PUT", FLAGS "/m", BI_ADMIN,
        "{\"key\": \"m\", \"environments\": {\"production\": {\"enabled\": "
        "\"yes\"}}}",
        400, "INVALID_TYPE"),
    LIT("admin_flag_strategies_is_an_object", "PUT", FLAGS "/m", BI_ADMIN,
        "{\"key\": \"m\", \"environments\": {\"production\": {\"strategies\": "
        "{}}}}",
        400, "INVALID_TYPE"),
    LIT("admin_flag_unknown_strategy", "PUT", FLAGS "/m", BI_ADMIN,
        STRAT("{\"name\": \"noSuchStrategy\"}"), 400, "VALIDATION_FAILED"),
    LIT("admin_flag_rollout_over_100", "PUT", FLAGS "/m", BI_ADMIN,
        STRAT("{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": "
              "\"140\"}}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_rollout_not_a_number", "PUT", FLAGS "/m", BI_ADMIN,
        STRAT("{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": "
              "\"abc\"}}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_rollout_negative", "PUT", FLAGS "/m", BI_ADMIN,
        STRAT("{\"name\": \"flexibleRollout\", \"parameters\": {\"rollout\": "
              "\"-1\"}}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_unknown_parameter_name", "PUT", FLAGS "/m", BI_ADMIN,
        STRAT("{\"name\": \"timeWindow\", \"parameters\": {\"from\": "
              "\"09:00\", \"to\": \"17:00\", \"timezone\": "
              "\"Europe/Paris\"}}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_parameters_is_an_array", "PUT", FLAGS "/m", BI_ADMIN,
        STRAT("{\"name\": \"default\", \"parameters\": []}"), 400,
        "VALIDATION_FAILED"),
    LIT("admin_flag_unknown_operator", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"userId\", \"operator\": \"LIKE\", "
               "\"values\": [\"a\"]}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_inverted_is_a_string", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"userId\", \"operator\": \"IN\", "
               "\"values\": [\"a\"], \"inverted\": \"yes\"}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_case_insensitive_is_a_number", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"userId\", \"operator\": \"IN\", "
               "\"values\": [\"a\"], \"caseInsensitive\": 1}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_values_is_a_string", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"userId\", \"operator\": \"IN\", "
               "\"values\": \"a,b\"}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_invalid_cidr_in_a_list", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"remoteAddress\", \"operator\": "
               "\"IN_CIDR\", \"values\": [\"10.0.0.0/8\", \"not-an-ip\"]}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_invalid_regex", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"userId\", \"operator\": \"REGEX\", "
               "\"value\": \"(unclosed\"}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_regex_backreference", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"userId\", \"operator\": \"REGEX\", "
               "\"value\": \"(a)\\\\1\"}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_invalid_date", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"currentTime\", \"operator\": "
               "\"DATE_AFTER\", \"value\": \"next tuesday\"}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_invalid_semver", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"version\", \"operator\": \"SEMVER_EQ\", "
               "\"value\": \"1.x\"}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_num_operator_with_text", "PUT", FLAGS "/m", BI_ADMIN,
        CONSTR("{\"contextName\": \"age\", \"operator\": \"NUM_GT\", "
               "\"value\": \"old\"}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_constraint_without_context_name", "PUT", FLAGS "/m",
        BI_ADMIN, CONSTR("{\"operator\": \"IN\", \"values\": [\"a\"]}"), 400,
        "VALIDATION_FAILED"),
    LIT("admin_flag_duplicate_variant_names", "PUT", FLAGS "/m", BI_ADMIN,
        VARS("{\"name\": \"a\", \"weight\": 500}, {\"name\": \"a\", "
             "\"weight\": 500}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_fixed_weight_over_1000", "PUT", FLAGS "/m", BI_ADMIN,
        VARS("{\"name\": \"a\", \"weight\": 1001, \"weightType\": \"fix\"}, "
             "{\"name\": \"b\", \"weight\": 0}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_negative_weight", "PUT", FLAGS "/m", BI_ADMIN,
        VARS("{\"name\": \"a\", \"weight\": -5}"), 400, "VALIDATION_FAILED"),
    LIT("admin_flag_weight_is_a_string", "PUT", FLAGS "/m", BI_ADMIN,
        VARS("{\"name\": \"a\", \"weight\": \"heavy\"}"), 400,
        "VALIDATION_FAILED"),
    GEN("admin_flag_json_payload_nested_230", "POST", FLAGS, BI_ADMIN,
        deep_payload, 230, BI_LENGTH, 400, "VALIDATION_FAILED"),
    LIT("admin_flag_json_payload_not_json", "PUT", FLAGS "/m", BI_ADMIN,
        VARS("{\"name\": \"a\", \"weight\": 1000, \"payload\": {\"type\": "
             "\"json\", \"value\": \"{oops\"}}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_unknown_payload_type", "PUT", FLAGS "/m", BI_ADMIN,
        VARS("{\"name\": \"a\", \"weight\": 1000, \"payload\": {\"type\": "
             "\"yaml\", \"value\": \"a: 1\"}}"),
        400, "VALIDATION_FAILED"),
    LIT("admin_flag_unknown_type", "PUT", FLAGS "/m", BI_ADMIN,
        "{\"key\": \"m\", \"type\": \"float\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_flag_unknown_environment", "PUT", FLAGS "/m", BI_ADMIN,
        "{\"key\": \"m\", \"environments\": {\"moon\": {\"enabled\": true}}}",
        400, "UNKNOWN_ENVIRONMENT"),
    LIT("admin_flag_depends_on_itself", "PUT", FLAGS "/f/dependencies",
        BI_ADMIN, "{\"dependencies\": [{\"feature\": \"f\"}]}", 400,
        "DEPENDENCY_CYCLE"),
    LIT("admin_flag_depends_on_a_missing_flag", "PUT", FLAGS "/f/dependencies",
        BI_ADMIN, "{\"dependencies\": [{\"feature\": \"no-such-flag\"}]}", 400,
        "UNKNOWN_FLAG"),
    GEN("admin_flag_list_of_a_million_items_is_over_the_body_limit", "POST",
        FLAGS, BI_ADMIN, flag_with_list, 1000000, BI_LENGTH, 413,
        "BODY_TOO_LARGE"),
    HDR("admin_flag_stale_if_match", "PUT", FLAGS "/f", BI_ADMIN,
        "If-Match: \"1\"\r\n", "{\"key\": \"f\", \"description\": \"x\"}", 409,
        "CONFLICT"),
    HDR("admin_flag_if_match_not_a_revision", "PUT", FLAGS "/f", BI_ADMIN,
        "If-Match: \"abc\"\r\n", "{\"key\": \"f\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_flag_patch_unknown_flag", "PATCH", FLAGS "/no-such-flag",
        BI_ADMIN, "{\"description\": \"x\"}", 404, "NOT_FOUND"),
    LIT("admin_flag_list_archived_filter_unknown", "GET",
        FLAGS "?archived=maybe", BI_ADMIN, NULL, 400, "VALIDATION_FAILED"),
    LIT("admin_flag_strategy_index_out_of_range", "GET",
        FLAGS "/f/environments/production/strategies/99999999999999999999",
        BI_ADMIN, NULL, 404, "NOT_FOUND"),
    LIT("admin_flag_strategy_order_not_a_permutation", "POST",
        FLAGS "/f/environments/production/strategies/order", BI_ADMIN,
        "{\"order\": [0, 0]}", 400, "VALIDATION_FAILED"),
    LIT("admin_flag_toggle_unknown_environment", "POST",
        FLAGS "/f/environments/moon/on", BI_ADMIN, NULL, 404, "NOT_FOUND"),
    LIT("admin_flag_enabled_body_not_boolean", "PUT",
        FLAGS "/f/environments/production/enabled", BI_ADMIN,
        "{\"enabled\": 1}", 400, "INVALID_TYPE"),

    /* ---- admin: audit, tokens, environments, segments */
    LIT("admin_audit_limit_zero", "GET", ADM "/audit?limit=0", BI_ADMIN, NULL,
        400, "VALIDATION_FAILED"),
    LIT("admin_audit_limit_not_a_number", "GET", ADM "/audit?limit=abc",
        BI_ADMIN, NULL, 400, "VALIDATION_FAILED"),
    LIT("admin_audit_before_overflows", "GET",
        ADM "/audit?before=99999999999999999999999", BI_ADMIN, NULL, 400,
        "VALIDATION_FAILED"),
    LIT("admin_audit_id_overflows", "GET", ADM "/audit/99999999999999999999999",
        BI_ADMIN, NULL, 400, "VALIDATION_FAILED"),
    LIT("admin_revert_id_overflows", "POST",
        ADM "/audit/99999999999999999999999/revert", BI_ADMIN, NULL, 400,
        "VALIDATION_FAILED"),
    LIT("admin_revert_unknown_entry", "POST", ADM "/audit/999999/revert",
        BI_ADMIN, NULL, 404, "NOT_FOUND"),
    LIT("admin_token_unknown_role", "POST", ADM "/tokens", BI_ADMIN,
        "{\"name\": \"x\", \"role\": \"root\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_token_client_without_environment", "POST", ADM "/tokens",
        BI_ADMIN, "{\"name\": \"x\", \"role\": \"client\"}", 400,
        "UNKNOWN_ENVIRONMENT"),
    LIT("admin_token_name_is_a_number", "POST", ADM "/tokens", BI_ADMIN,
        "{\"name\": 5, \"role\": \"admin\"}", 400, "INVALID_TYPE"),
    LIT("admin_token_revoke_the_last_admin", "DELETE", ADM "/tokens/1",
        BI_ADMIN, NULL, 409, "LAST_ADMIN"),
    LIT("admin_token_revoke_not_an_id", "DELETE", ADM "/tokens/abc", BI_ADMIN,
        NULL, 404, "NOT_FOUND"),
    LIT("admin_environment_name_with_a_space", "POST", ADM "/environments",
        BI_ADMIN, "{\"name\": \"two words\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_environment_name_too_long", "POST", ADM "/environments",
        BI_ADMIN, "{\"name\": \"@R200:e@\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_environment_name_dot_dot", "POST", ADM "/environments", BI_ADMIN,
        "{\"name\": \"..\"}", 400, "VALIDATION_FAILED"),
    LIT("admin_environment_delete_the_default", "DELETE",
        ADM "/environments/production", BI_ADMIN, NULL, 409,
        "DEFAULT_ENVIRONMENT"),
    GEN("admin_segment_nested_800", "POST", ADM "/segments", BI_ADMIN,
        deep_array, 800, BI_LENGTH, 400, "JSON_TOO_DEEP"),
    LIT("admin_segment_constraints_is_an_object", "POST", ADM "/segments",
        BI_ADMIN, "{\"name\": \"s\", \"constraints\": {}}", 400,
        "INVALID_TYPE"),
    LIT("admin_segment_id_dot_dot", "PUT", ADM "/segments/%2e%2e", BI_ADMIN,
        "{\"name\": \"s\", \"constraints\": []}", 400, "VALIDATION_FAILED"),
    LIT("admin_segment_dot_dot_segment_is_resolved_away", "PUT",
        ADM "/segments/..", BI_ADMIN, "{\"name\": \"s\", \"constraints\": []}",
        404, "NOT_FOUND"),
    LIT("admin_segment_unknown_operator", "POST", ADM "/segments", BI_ADMIN,
        "{\"name\": \"s\", \"constraints\": [{\"contextName\": \"userId\", "
        "\"operator\": \"SOUNDS_LIKE\", \"values\": [\"a\"]}]}",
        400, "VALIDATION_FAILED"),

    /* ---- admin: import, explain, plugins */
    LIT("admin_import_not_an_object", "POST", ADM "/import", BI_ADMIN, "[]",
        400, "INVALID_TYPE"),
    LIT("admin_import_unknown_format", "POST", ADM "/import?format=yaml",
        BI_ADMIN, "{}", 400, "VALIDATION_FAILED"),
    LIT("admin_import_unknown_mode", "POST", ADM "/import?mode=overwrite",
        BI_ADMIN, "{}", 400, "VALIDATION_FAILED"),
    LIT("admin_import_environment_too_long", "POST",
        ADM "/import?format=unleash&environment=@R200:e@", BI_ADMIN,
        "{\"version\": 1, \"features\": []}", 400, "INVALID_QUERY"),
    LIT("admin_import_unknown_environment", "POST",
        ADM "/import?format=unleash&environment=moon", BI_ADMIN,
        "{\"version\": 1, \"features\": []}", 400, "UNKNOWN_ENVIRONMENT"),
    GEN("admin_import_duplicate_feature", "POST", ADM "/import?format=unleash",
        BI_ADMIN, unleash_duplicate, 0, BI_LENGTH, 400, "VALIDATION_FAILED"),
    GEN("admin_import_nested_800", "POST", ADM "/import", BI_ADMIN, deep_array,
        800, BI_LENGTH, 400, "JSON_TOO_DEEP"),
    GEN("admin_import_json_payload_nested_230", "POST",
        ADM "/import?format=unleash", BI_ADMIN, unleash_deep_payload, 230,
        BI_LENGTH, 400, "VALIDATION_FAILED"),
    GEN("admin_import_list_of_a_million_items", "POST",
        ADM "/import?format=unleash", BI_ADMIN, unleash_with_list, 1000000,
        BI_LENGTH, 200, NULL),
    LIT("admin_import_features_is_an_object", "POST",
        ADM "/import?format=unleash", BI_ADMIN,
        "{\"version\": 1, \"features\": {}}", 400, "INVALID_TYPE"),
    GEN("admin_explain_nested_800", "POST",
        FLAGS "/f/environments/production/explain", BI_ADMIN, deep_context, 800,
        BI_LENGTH, 400, "JSON_TOO_DEEP"),
    LIT("admin_explain_unknown_flag", "POST",
        FLAGS "/no-such-flag/environments/production/explain", BI_ADMIN, "{}",
        404, "NOT_FOUND"),
    LIT("admin_explain_context_is_a_string", "POST",
        FLAGS "/f/environments/production/explain", BI_ADMIN,
        "{\"context\": \"u\"}", 400, "INVALID_CONTEXT"),
    LIT("admin_strategy_unknown", "GET", ADM "/strategies/noSuchStrategy",
        BI_ADMIN, NULL, 404, "NOT_FOUND"),
    LIT("admin_plugins_reload_body_not_json", "POST", ADM "/plugins/reload",
        BI_ADMIN, "reload please", 400, "INVALID_JSON"),
    LIT("admin_unknown_path", "GET", ADM "/no-such-thing", BI_ADMIN, NULL, 404,
        "NOT_FOUND"),

    /* ---- operations */
    LIT("ops_healthz_post", "POST", "/healthz", BI_NONE, "{}", 405,
        "METHOD_NOT_ALLOWED"),
    LIT("ops_metrics_delete", "DELETE", "/metrics", BI_NONE, NULL, 405,
        "METHOD_NOT_ALLOWED"),
    LIT("ops_readyz_with_a_body", "GET", "/readyz", BI_NONE, "ignored", 200,
        NULL),
    LIT("ops_stream_without_token", "GET", "/api/v1/stream", BI_NONE, NULL, 401,
        "UNAUTHORIZED"),
    LIT("ops_stream_unknown_token", "GET", "/api/v1/stream", BI_WRONG, NULL,
        401, "UNAUTHORIZED"),
    LIT("ops_stream_post", "POST", "/api/v1/stream", BI_CLIENT, "{}", 405,
        "METHOD_NOT_ALLOWED"),
    LIT("ops_openapi_post", "POST", "/api/v1/openapi.json", BI_NONE, "{}", 405,
        "METHOD_NOT_ALLOWED"),
    LIT("ops_unknown_path", "GET", "/no-such-path", BI_NONE, NULL, 404,
        "NOT_FOUND"),
    LIT("ops_ui_asset_traversal", "GET", "/ui/../../etc/passwd", BI_NONE, NULL,
        404, "NOT_FOUND"),

    /* ---- the HTTP layer */
    RAW("http_1_0_request", "GET /healthz HTTP/1.0\r\n\r\n", 200, NULL),
    {"http_pipelined_requests", NULL, NULL, BI_NONE, NULL, NULL, pipelined, 0,
     BI_RAW, BI_PIPELINED, 200, NULL},
    RAW("http_oversized_header",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: @R20000:h@\r\n\r\n", 400,
        "BAD_REQUEST"),
    {"http_too_many_headers", NULL, NULL, BI_NONE, NULL, NULL, many_headers,
     200, BI_RAW, BI_ONE, 431, "HEADERS_TOO_LARGE"},
    RAW("http_content_length_and_transfer_encoding",
        "POST " OF " HTTP/1.1\r\nHost: x\r\nX-API-Key: @C@\r\n"
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\n{}\r\n0\r\n\r\n",
        400, "INVALID_FRAMING"),
    RAW("http_two_transfer_encodings",
        "POST " OF " HTTP/1.1\r\nHost: x\r\nX-API-Key: @C@\r\n"
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\n{}\r\n0\r\n\r\n",
        400, "INVALID_FRAMING"),
    RAW("http_two_different_content_lengths",
        "POST " OF " HTTP/1.1\r\nHost: x\r\nX-API-Key: @C@\r\n"
        "Content-Length: 2\r\nContent-Length: 4\r\n\r\n{}{}",
        400, "INVALID_FRAMING"),
    RAW("http_negative_content_length",
        "POST " OF " HTTP/1.1\r\nHost: x\r\nX-API-Key: @C@\r\n"
        "Content-Length: -5\r\n\r\n{}",
        411, "LENGTH_REQUIRED"),
    RAW("http_content_length_not_a_number",
        "POST " OF " HTTP/1.1\r\nHost: x\r\nX-API-Key: @C@\r\n"
        "Content-Length: two\r\n\r\n{}",
        411, "LENGTH_REQUIRED"),
    RAW("http_transfer_encoding_gzip",
        "POST " OF " HTTP/1.1\r\nHost: x\r\nX-API-Key: @C@\r\n"
        "Transfer-Encoding: gzip\r\n\r\n{}",
        400, "BAD_REQUEST"),
    /* civetweb takes the chunk size "zz" for 0, the last chunk: the body is
     * empty (the empty context), and the connection ends with the answer,
     * so what follows is never read as a request (exactly one answer). */
    RAW("http_bad_chunk_size_ends_the_body_and_the_connection",
        "POST " OF " HTTP/1.1\r\nHost: x\r\nX-API-Key: @C@\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        200, NULL),
    RAW("http_garbage_request_line", "\x01\x02 nonsense\r\n\r\n", 400,
        "BAD_REQUEST"),
    RAW("http_2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400,
        "BAD_REQUEST"),
    LIT("http_path_with_nul", "GET", "/healthz%00.html", BI_NONE, NULL, 400,
        "INVALID_PATH"),
    LIT("http_path_with_a_control_character", "GET",
        "/api/v1/admin/flags/a%0ab", BI_ADMIN, NULL, 400, "INVALID_PATH"),
    LIT("http_path_with_bad_escape", "GET", "/api/v1/admin/flags/%zz", BI_ADMIN,
        NULL, 400, "INVALID_PATH"),
    LIT("http_very_long_path", "GET", "/api/v1/admin/flags/@R8000:p@", BI_ADMIN,
        NULL, 404, "NOT_FOUND"),
    RAW("http_absolute_uri",
        "GET http://127.0.0.1:@P@/healthz HTTP/1.1\r\n"
        "Host: x\r\nConnection: close\r\n\r\n",
        200, NULL),
    /* A proxy request (another port): civetweb 1.15 serves no proxy and
     * closes the connection without an answer. */
    {"http_absolute_uri_of_another_port", NULL, NULL, BI_NONE, NULL,
     "GET http://127.0.0.1:1/healthz HTTP/1.1\r\nHost: x\r\n\r\n", NULL, 0,
     BI_RAW, BI_CLOSED, 0, NULL},
    {"http_body_shorter_than_announced", "POST", OF "/f", BI_CLIENT, NULL,
     "{\"context\":{\"targetingKey\":\"u\"}}", NULL, 0, BI_LENGTH, BI_TRUNCATED,
     400, "PARSE_ERROR"},
    HDR("http_expect_100_continue", "POST", OF "/f", BI_CLIENT,
        "Expect: 100-continue\r\n", "{}", 200, NULL),
    GEN("http_body_without_length_is_ignored", "GET", "/healthz", BI_NONE,
        long_key, 10, BI_UNFRAMED, 200, NULL),
    LIT("http_lowercase_method", "get", "/healthz", BI_NONE, NULL, 400,
        "BAD_REQUEST"),
};

const size_t bi_n_cases = sizeof bi_cases / sizeof bi_cases[0];
