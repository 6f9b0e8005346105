/* check_contexts.c - the contexts the pre-load check evaluates on (see
 * check_contexts.h). */
#include "check_contexts.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

/* Bytes of the long values at most: less when the context refuses that
 * much (a cap on context values), halved until it is taken. */
#define LONG_MAX_LEN 65536

/* Unleash contexts, as JSON; "LONG" stands for a long value. */
static const char *const context_json[] = {
    "{}",
    "{\"userId\": \"user-1\", \"sessionId\": \"session-1\", "
    "\"remoteAddress\": \"127.0.0.1\", \"environment\": \"production\", "
    "\"appName\": \"web\"}",
    "{\"userId\": \"alice@example.com\", \"remoteAddress\": \"10.1.2.3\"}",
    "{\"userId\": \"42\", \"sessionId\": \"s-42\", \"remoteAddress\": "
    "\"::1\"}",
    "{\"userId\": \"\\u00fcn\\u00efc\\u00f6d\\u00e9-\\u7528\\u6237\", "
    "\"remoteAddress\": \"2001:db8::1\"}",
    "{\"sessionId\": \"only-a-session\", \"remoteAddress\": "
    "\"::ffff:192.0.2.1\"}",
    "{\"userId\": \"\", \"sessionId\": \"\", \"remoteAddress\": \"\", "
    "\"environment\": \"\", \"appName\": \"\", \"currentTime\": \"\"}",
    "{\"userId\": \"-1\", \"remoteAddress\": \"not-an-address\", "
    "\"currentTime\": \"not a date\"}",
    "{\"userId\": \"u-leap\", \"remoteAddress\": \"255.255.255.255\", "
    "\"currentTime\": \"2024-02-29T23:59:59.999Z\"}",
    "{\"userId\": \"u-epoch\", \"remoteAddress\": \"0.0.0.0\", "
    "\"currentTime\": \"1970-01-01T00:00:00Z\"}",
    "{\"userId\": \"u-far\", \"remoteAddress\": \"fe80::1%eth0\", "
    "\"currentTime\": \"9999-12-31T23:59:59+14:00\"}",
    "{\"userId\": \"u-props\", \"properties\": {\"plan\": \"gold\", "
    "\"country\": \"NO\", \"tenantId\": \"t-1\", \"appVersion\": \"2.1.0\", "
    "\"region\": \"eu-west-1\", \"email\": \"a@b.c\"}}",
    "{\"userId\": \"1e309\", \"properties\": {\"count\": 1e308, \"ratio\": "
    "-0.0, \"flag\": true, \"nothing\": null, \"\": \"empty name\"}}",
    "{\"userId\": \"nul\\u0000inside\", \"sessionId\": \"\\u0000\", "
    "\"properties\": {\"with nul\": \"x\\u0000y\"}}",
    "{\"userId\": LONG, \"sessionId\": LONG, \"remoteAddress\": LONG, "
    "\"environment\": LONG, \"appName\": LONG, \"currentTime\": LONG, "
    "\"properties\": {\"long\": LONG}}",
};
#define N_CONTEXTS (sizeof context_json / sizeof context_json[0])

static const char *const context_labels[N_CONTEXTS] = {
    "the empty context",
    "userId user-1, sessionId, remoteAddress 127.0.0.1, environment, appName",
    "userId alice@example.com, remoteAddress 10.1.2.3",
    "userId 42, remoteAddress ::1",
    "a non-ASCII userId, remoteAddress 2001:db8::1",
    "a sessionId only, remoteAddress ::ffff:192.0.2.1",
    "every field an empty string",
    "userId -1, remoteAddress and currentTime that do not parse",
    "currentTime 2024-02-29T23:59:59.999Z, remoteAddress 255.255.255.255",
    "currentTime 1970-01-01T00:00:00Z, remoteAddress 0.0.0.0",
    "currentTime 9999-12-31T23:59:59+14:00, remoteAddress fe80::1%eth0",
    "properties plan, country, tenantId, appVersion, region, email",
    "numbers, booleans, null and an empty property name",
    "NUL bytes inside values",
    "every field and a property as long as a context may be (64 KiB at most)",
};

static vx_context_json contexts[N_CONTEXTS];
static bool contexts_built;

/* context_json[i] with LONG replaced by a string of len bytes,
 * malloc'ed. */
static char *expand(const char *tmpl, size_t len) {
  size_t n = 0;
  for (const char *p = tmpl; (p = strstr(p, "LONG")) != NULL; p += 4)
    n++;
  char *out = malloc(strlen(tmpl) + n * (len + 2) + 1);
  if (out == NULL)
    return NULL;
  char *o = out;
  for (const char *p = tmpl; *p != '\0';) {
    if (strncmp(p, "LONG", 4) == 0) {
      *o++ = '"';
      for (size_t i = 0; i < len; i++)
        *o++ = (char)('a' + i % 26);
      *o++ = '"';
      p += 4;
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  return out;
}

/* Builds context i: 0, VX_ENOMEM, or the context's refusal. */
static int build(size_t i, size_t len) {
  char *text = expand(context_json[i], len);
  json_t *obj = text != NULL ? json_loads(text, JSON_ALLOW_NUL, NULL) : NULL;
  free(text);
  char err[256];
  int rc = obj != NULL
               ? vx_context_from_json(obj, &contexts[i], err, sizeof err)
               : VX_ENOMEM;
  json_decref(obj); /* the context keeps its own reference */
  return rc;
}

const vx_context_json *vx_check_contexts(size_t *n,
                                         const char *const **labels) {
  *n = N_CONTEXTS;
  if (labels != NULL)
    *labels = context_labels;
  if (contexts_built)
    return contexts;
  for (size_t i = 0; i < N_CONTEXTS; i++) {
    int rc = VX_ENOMEM;
    for (size_t len = LONG_MAX_LEN; len >= 64; len /= 2)
      if ((rc = build(i, len)) == 0 || rc == VX_ENOMEM ||
          strstr(context_json[i], "LONG") == NULL)
        break;
    if (rc != 0) {
      for (size_t j = 0; j < i; j++)
        vx_context_json_dispose(&contexts[j]);
      return NULL;
    }
  }
  contexts_built = true;
  return contexts;
}
