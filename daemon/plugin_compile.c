/* plugin_compile.c - a strategy's parameters checked and compiled (see
 * plugin_compile.h). */
#include "plugin_compile.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/sdk.h>

/* A parameter value as the text a plugin receives. Returns a malloc'ed
 * string, or NULL with *rc set. */
static char *param_text(const char *name, const json_t *v, int *rc, char *err,
                        size_t errlen) {
  char buf[64];
  switch (json_typeof(v)) {
  case JSON_STRING:
    return strdup(json_string_value(v));
  case JSON_INTEGER:
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return strdup(buf);
  case JSON_REAL:
    snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
    return strdup(buf);
  case JSON_TRUE:
  case JSON_FALSE:
    return strdup(json_is_true(v) ? "true" : "false");
  case JSON_ARRAY: {
    size_t i, total = 1;
    json_t *item;
    json_array_foreach(v, i, item) {
      if (!json_is_string(item)) {
        snprintf(err, errlen, "%s: list items must be strings", name);
        *rc = VX_ETYPE;
        return NULL;
      }
      total += json_string_length(item) + 1;
    }
    char *s = malloc(total);
    if (s == NULL)
      break;
    s[0] = '\0';
    size_t off = 0;
    json_array_foreach(v, i, item) {
      size_t len = json_string_length(item);
      if (i > 0)
        s[off++] = ',';
      memcpy(s + off, json_string_value(item), len);
      off += len;
    }
    s[off] = '\0';
    return s;
  }
  default:
    snprintf(err, errlen, "%s: must be a string, number, boolean or list",
             name);
    *rc = VX_ETYPE;
    return NULL;
  }
  *rc = VX_ENOMEM;
  return NULL;
}

static int check_type(const vx_param_def *pd, const char *value, char *err,
                      size_t errlen) {
  switch (pd->type) {
  case VX_PARAM_PERCENTAGE: {
    int pct;
    char why[256];
    if (vx_parse_percentage(value, pd->name, &pct, why, sizeof why) != 0) {
      snprintf(err, errlen, "%s", why);
      return VX_EINVAL;
    }
    return 0;
  }
  case VX_PARAM_NUMBER: {
    double d;
    if (vx_parse_number(value, strlen(value), &d) != 0) {
      snprintf(err, errlen, "%s must be a number, got \"%s\"", pd->name, value);
      return VX_EINVAL;
    }
    return 0;
  }
  case VX_PARAM_BOOLEAN: {
    bool b;
    if (vx_parse_bool(value, &b) != 0) {
      snprintf(err, errlen, "%s must be true or false, got \"%s\"", pd->name,
               value);
      return VX_EINVAL;
    }
    return 0;
  }
  case VX_PARAM_STRING:
  case VX_PARAM_LIST:
    return 0;
  }
  return 0;
}

int vx_params_from_json(const json_t *params, vx_params *out, char *err,
                        size_t errlen) {
  out->list = NULL;
  out->n = 0;
  if (params != NULL && !json_is_object(params) && !json_is_null(params)) {
    snprintf(err, errlen, "parameters must be an object");
    return VX_ETYPE;
  }
  size_t n = json_is_object(params) ? json_object_size(params) : 0;
  out->list = calloc(n ? n : 1, sizeof *out->list);
  if (out->list == NULL)
    return VX_ENOMEM;
  int rc = 0;
  const char *name;
  json_t *v;
  json_object_foreach((json_t *)params, name, v) {
    if (json_is_null(v))
      continue;
    char *text = param_text(name, v, &rc, err, errlen);
    if (text == NULL)
      return rc;
    out->list[out->n].name = name;
    out->list[out->n].value = text;
    out->n++;
  }
  return 0;
}

void vx_params_dispose(vx_params *ps) {
  for (size_t i = 0; i < ps->n; i++)
    free((char *)ps->list[i].value);
  free(ps->list);
  ps->list = NULL;
  ps->n = 0;
}

/* Names the core reads itself, for strategy variants (flag.c). */
static const char *const core_params[] = {"groupId", "stickiness"};
#define N_CORE (sizeof core_params / sizeof core_params[0])

static bool known(const vx_strategy_descriptor *d, const char *name) {
  for (uint32_t i = 0; i < d->n_params; i++)
    if (strcmp(d->params[i].name, name) == 0)
      return true;
  for (size_t i = 0; i < N_CORE; i++)
    if (strcmp(core_params[i], name) == 0)
      return true;
  return false;
}

#define SUGGEST_MAX 64 /* longer names get no suggestion */

/* Levenshtein distance, ASCII case folded; both at most SUGGEST_MAX. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb) {
  size_t row[SUGGEST_MAX + 1];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      bool same =
          tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
      size_t best = diag + (same ? 0 : 1);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *vx_param_suggest(const vx_strategy_descriptor *d,
                             const char *name) {
  size_t len = strlen(name);
  if (len == 0 || len > SUGGEST_MAX)
    return NULL;
  const char *best = NULL;
  size_t best_d = len / 3 < 2 ? 2 : len / 3; /* the most still "close" */
  best_d++;
  for (size_t i = 0; i < d->n_params + N_CORE; i++) {
    const char *cand =
        i < d->n_params ? d->params[i].name : core_params[i - d->n_params];
    size_t lc = strlen(cand);
    if (lc > SUGGEST_MAX)
      continue;
    if (strcasecmp(cand, name) == 0)
      return cand;
    size_t dist = distance(name, len, cand, lc);
    if (dist < best_d) {
      best = cand;
      best_d = dist;
    }
  }
  return best;
}

/* "unknown parameter \"x\" (did you mean \"y\"?); S takes: a, b" */
static void unknown_message(const vx_strategy_descriptor *d, const char *name,
                            char *err, size_t errlen) {
  const char *hint = vx_param_suggest(d, name);
  int n = snprintf(err, errlen, "unknown parameter \"%s\"", name);
  if (hint != NULL && n >= 0 && (size_t)n < errlen)
    n += snprintf(err + n, errlen - (size_t)n, " (did you mean \"%s\"?)", hint);
  if (n >= 0 && (size_t)n < errlen)
    n += snprintf(err + n, errlen - (size_t)n, "; %s takes %s", d->name,
                  d->n_params > 0 ? "" : "no parameters of its own");
  for (uint32_t i = 0; i < d->n_params && n >= 0 && (size_t)n < errlen; i++)
    n += snprintf(err + n, errlen - (size_t)n, "%s%s", i > 0 ? ", " : "",
                  d->params[i].name);
}

int vx_plugin_compile_params(vx_plugin *p, const char *flag,
                             const vx_param *params, size_t n, unsigned mode,
                             void **instance, char *err, size_t errlen,
                             const char **param) {
  const vx_strategy_descriptor *d = p->desc;
  const char *unknown = NULL;
  if (param != NULL)
    *param = NULL;
  for (size_t i = 0; i < n && unknown == NULL; i++)
    if (!known(d, params[i].name))
      unknown = params[i].name;
  if (unknown != NULL && (mode & VX_COMPILE_STRICT)) {
    unknown_message(d, unknown, err, errlen);
    if (param != NULL)
      *param = unknown;
    return VX_EINVAL;
  }
  for (uint32_t i = 0; i < d->n_params; i++) {
    const vx_param_def *pd = &d->params[i];
    const char *value = vx_param_find(params, n, pd->name);
    int rc = 0;
    if (value == NULL && pd->required) {
      snprintf(err, errlen, "missing parameter %s", pd->name);
      rc = VX_EINVAL;
    } else if (value != NULL) {
      rc = check_type(pd, value, err, errlen);
    }
    if (rc != 0) {
      if (param != NULL)
        *param = pd->name;
      return rc;
    }
  }
  if (errlen > 0)
    err[0] = '\0';
  int rc = d->compile(p->state, flag, params, n, instance, err, errlen);
  if (rc != 0 && (errlen == 0 || err[0] == '\0'))
    snprintf(err, errlen, "compile failed: %s", vx_strerror(rc));
  if (rc > 0)
    rc = VX_EPLUGIN; /* a plugin must return 0 or a negative code */
  /* Lenient: an unknown name is a warning, unless the plugin gave one. */
  if (rc == 0 && unknown != NULL && errlen > 0 && err[0] == '\0')
    unknown_message(d, unknown, err, errlen);
  if (rc == 0 && errlen > 0 && err[0] != '\0' && (mode & VX_COMPILE_STRICT)) {
    d->free_instance(p->state, *instance); /* accepted, with a warning */
    *instance = NULL;
    rc = VX_EINVAL;
  }
  if (rc == 0)
    vx_plugin_ref(p);
  return rc;
}

int vx_plugin_compile_at(vx_plugin *p, const char *flag, const json_t *params,
                         unsigned mode, void **instance, char *err,
                         size_t errlen, const char **param) {
  if (param != NULL)
    *param = NULL;
  vx_params ps;
  int rc = vx_params_from_json(params, &ps, err, errlen);
  if (rc == 0)
    rc = vx_plugin_compile_params(p, flag, ps.list, ps.n, mode, instance, err,
                                  errlen, param);
  vx_params_dispose(&ps);
  return rc;
}

int vx_plugin_compile(vx_plugin *p, const char *flag, const json_t *params,
                      unsigned mode, void **instance, char *err,
                      size_t errlen) {
  return vx_plugin_compile_at(p, flag, params, mode, instance, err, errlen,
                              NULL);
}

void vx_plugin_free_instance(vx_plugin *p, void *instance) {
  if (p == NULL)
    return;
  p->desc->free_instance(p->state, instance);
  vx_plugin_unref(p);
}
