/*
 * constraint.c - Unleash's constraint operators: compiled once (numbers,
 * dates, versions, CIDRs and regexes parsed, sets hashed, case folded),
 * then evaluated lock- and allocation-free from any thread.
 */
#include "constraint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraint_items.h"
#include "regex.h"

struct vx_constraint_impl {
  size_t n;       /* list items (STR_*, IN_CIDR) */
  char **items;   /* STR_*: owned, lower-cased when case-insensitive */
  size_t *lens;   /* STR_*: their lengths */
  vx_strset *set; /* IN, NOT_IN */
  vx_cidr *cidrs; /* IN_CIDR */
  double num;     /* NUM_* */
  int64_t ms;     /* DATE_* */
  vx_semver ver;  /* SEMVER_*: points into ver_text */
  char *ver_text;
  vx_regex *re; /* REGEX */
};

static const char *const op_names[] = {
    [VX_OP_INVALID] = "INVALID",
    [VX_OP_IN] = "IN",
    [VX_OP_NOT_IN] = "NOT_IN",
    [VX_OP_STR_CONTAINS] = "STR_CONTAINS",
    [VX_OP_STR_STARTS_WITH] = "STR_STARTS_WITH",
    [VX_OP_STR_ENDS_WITH] = "STR_ENDS_WITH",
    [VX_OP_NUM_EQ] = "NUM_EQ",
    [VX_OP_NUM_GT] = "NUM_GT",
    [VX_OP_NUM_GTE] = "NUM_GTE",
    [VX_OP_NUM_LT] = "NUM_LT",
    [VX_OP_NUM_LTE] = "NUM_LTE",
    [VX_OP_DATE_AFTER] = "DATE_AFTER",
    [VX_OP_DATE_BEFORE] = "DATE_BEFORE",
    [VX_OP_SEMVER_EQ] = "SEMVER_EQ",
    [VX_OP_SEMVER_GT] = "SEMVER_GT",
    [VX_OP_SEMVER_LT] = "SEMVER_LT",
    [VX_OP_SEMVER_GTE] = "SEMVER_GTE",
    [VX_OP_SEMVER_LTE] = "SEMVER_LTE",
    [VX_OP_REGEX] = "REGEX",
    [VX_OP_IN_CIDR] = "IN_CIDR",
};
#define N_OPS (sizeof op_names / sizeof *op_names)

vx_op vx_op_from_name(const char *name) {
  if (name == NULL)
    return VX_OP_INVALID;
  for (size_t i = 1; i < N_OPS; i++) {
    if (strcmp(name, op_names[i]) == 0)
      return (vx_op)i;
  }
  return VX_OP_INVALID;
}

const char *vx_op_name(vx_op op) {
  if ((size_t)op >= N_OPS)
    return op_names[VX_OP_INVALID];
  return op_names[op];
}

static bool is_list_op(vx_op op) {
  return op == VX_OP_IN || op == VX_OP_NOT_IN || op == VX_OP_STR_CONTAINS ||
         op == VX_OP_STR_STARTS_WITH || op == VX_OP_STR_ENDS_WITH ||
         op == VX_OP_IN_CIDR;
}

/* ---------------------------------------------------------- compile */

static int compile_strings(vx_constraint *c, const vx_items *it) {
  vx_constraint_impl *m = c->impl;
  m->items = calloc(it->n + 1, sizeof *m->items);
  m->lens = calloc(it->n + 1, sizeof *m->lens);
  if (m->items == NULL || m->lens == NULL)
    return VX_ENOMEM;
  for (size_t i = 0; i < it->n; i++) {
    size_t n = it->len[i];
    if (c->case_insensitive)
      n = vx_utf8_lower(it->s[i], it->len[i], (char[1]){0}, 0);
    m->items[i] = malloc(n + 1);
    if (m->items[i] == NULL)
      return VX_ENOMEM;
    m->n = i + 1;
    if (c->case_insensitive)
      vx_utf8_lower(it->s[i], it->len[i], m->items[i], n);
    else
      memcpy(m->items[i], it->s[i], n);
    m->items[i][n] = '\0';
    m->lens[i] = n;
  }
  return 0;
}

/* Compiles the operator's data; on a bad value writes "OP: why" to err
 * and returns VX_EPARSE. A bad entry of an IN_CIDR list is left out
 * instead (as Unleash's remoteAddress ignores one): *skipped is set and
 * err names the first, unless an earlier problem is already there. */
static int compile_op(vx_constraint *c, const vx_items *it, bool *skipped,
                      char *err, size_t errlen) {
  vx_constraint_impl *m = c->impl;
  const char *op = vx_op_name(c->op);
  const char *v = it->n > 0 ? it->s[0] : NULL;
  int vl = it->n > 0 ? (int)(it->len[0] > 80 ? 80 : it->len[0]) : 0;
  if (!is_list_op(c->op) && v == NULL) {
    snprintf(err, errlen, "%s: value is missing", op);
    return VX_EPARSE;
  }
  switch (c->op) {
  case VX_OP_IN:
  case VX_OP_NOT_IN:
    if (it->n == 0)
      return 0; /* an empty list: nothing is IN */
    return vx_strset_from_array(it->s, it->len, it->n, &m->set) == 0
               ? 0
               : VX_ENOMEM;
  case VX_OP_STR_CONTAINS:
  case VX_OP_STR_STARTS_WITH:
  case VX_OP_STR_ENDS_WITH:
    return compile_strings(c, it);
  case VX_OP_NUM_EQ:
  case VX_OP_NUM_GT:
  case VX_OP_NUM_GTE:
  case VX_OP_NUM_LT:
  case VX_OP_NUM_LTE:
    if (vx_parse_number(v, it->len[0], &m->num) == 0)
      return 0;
    snprintf(err, errlen, "%s: \"%.*s\" is not a number", op, vl, v);
    return VX_EPARSE;
  case VX_OP_DATE_AFTER:
  case VX_OP_DATE_BEFORE: {
    size_t n = it->len[0];
    const char *s = vx_js_trim(v, &n);
    if (vx_time_parse(s, n, &m->ms) == 0)
      return 0;
    snprintf(err, errlen, "%s: \"%.*s\" is not an ISO 8601 date", op, vl, v);
    return VX_EPARSE;
  }
  case VX_OP_SEMVER_EQ:
  case VX_OP_SEMVER_GT:
  case VX_OP_SEMVER_LT:
  case VX_OP_SEMVER_GTE:
  case VX_OP_SEMVER_LTE:
    m->ver_text = strndup(v, it->len[0]);
    if (m->ver_text == NULL)
      return VX_ENOMEM;
    if (vx_semver_parse(m->ver_text, it->len[0], &m->ver) == 0)
      return 0;
    snprintf(err, errlen, "%s: \"%.*s\" is not a semantic version", op, vl, v);
    return VX_EPARSE;
  case VX_OP_REGEX: {
    int rc = vx_regex_compile(v, it->len[0], c->case_insensitive, &m->re, err,
                              errlen);
    return rc == VX_ENOMEM ? rc : rc != 0 ? VX_EPARSE : 0;
  }
  case VX_OP_IN_CIDR:
    m->cidrs = calloc(it->n + 1, sizeof *m->cidrs);
    if (m->cidrs == NULL)
      return VX_ENOMEM;
    for (size_t i = 0; i < it->n; i++) {
      if (vx_cidr_parse(it->s[i], it->len[i], &m->cidrs[m->n]) == 0) {
        m->n++;
        continue;
      }
      int l = (int)(it->len[i] > 80 ? 80 : it->len[i]);
      if (!*skipped)
        snprintf(err, errlen,
                 "%s: \"%.*s\" is not an IP address or CIDR range (left "
                 "out)",
                 op, l, it->s[i]);
      *skipped = true;
    }
    return 0;
  case VX_OP_INVALID:
    break;
  }
  return VX_EINTERNAL;
}

int vx_constraint_compile(const json_t *def, vx_constraint *out, char *err,
                          size_t errlen) {
  char scratch[8];
  if (err == NULL || errlen == 0) {
    err = scratch;
    errlen = sizeof scratch;
  }
  err[0] = '\0';
  memset(out, 0, sizeof *out);
  out->field_id = VX_FIELD_PROPERTY;
  out->never = true;
  if (!json_is_object(def)) {
    snprintf(err, errlen, "constraint must be an object");
    return VX_EINVAL;
  }
  const json_t *name = json_object_get(def, "contextName");
  if (!json_is_string(name) || json_string_length(name) == 0) {
    snprintf(err, errlen, "constraint has no contextName");
    return VX_EINVAL;
  }
  out->field = strdup(json_string_value(name));
  if (out->field == NULL) {
    snprintf(err, errlen, "out of memory");
    return VX_ENOMEM;
  }
  out->field_id = vx_field_from_name(out->field);
  /* "inverted": "yes" read as false would silently invert the meaning. */
  static const char *const flags[] = {"inverted", "caseInsensitive"};
  for (size_t i = 0; i < 2; i++) {
    const json_t *b = json_object_get(def, flags[i]);
    if (b != NULL && !json_is_null(b) && !json_is_boolean(b)) {
      snprintf(err, errlen,
               "constraint on %s: %s must be true or false, got %s", out->field,
               flags[i], vx_json_type_name(b));
      return VX_ETYPE;
    }
  }
  out->inverted = json_is_true(json_object_get(def, "inverted"));
  out->case_insensitive = json_is_true(json_object_get(def, "caseInsensitive"));
  const json_t *opj = json_object_get(def, "operator");
  if (!json_is_string(opj)) {
    snprintf(err, errlen, "constraint on %s has no operator", out->field);
    return VX_EINVAL;
  }
  out->op = vx_op_from_name(json_string_value(opj));
  if (out->op == VX_OP_INVALID) {
    snprintf(err, errlen, "unknown operator \"%.40s\"", json_string_value(opj));
    return VX_EUNSUPPORTED;
  }
  out->impl = calloc(1, sizeof *out->impl);
  if (out->impl == NULL) {
    snprintf(err, errlen, "out of memory");
    return VX_ENOMEM;
  }
  vx_items it = {0};
  bool skipped = false; /* an item left out: usable, but not clean */
  int rc = vx_items_read(def, is_list_op(out->op), &it, &skipped, err, errlen);
  if (rc == 0) {
    rc = compile_op(out, &it, &skipped, err, errlen);
    if (rc == VX_ENOMEM)
      snprintf(err, errlen, "out of memory");
  }
  vx_items_free(&it);
  if (rc != 0)
    return rc;
  out->never = false;
  return skipped ? VX_EPARSE : 0;
}

/* ---------------------------------------------------------- evaluate */

static bool match_strings(const vx_constraint *c, const char *v, size_t len) {
  const vx_constraint_impl *m = c->impl;
  for (size_t i = 0; i < m->n; i++) {
    const char *s = m->items[i];
    size_t n = m->lens[i];
    if (n > len)
      continue;
    switch (c->op) {
    case VX_OP_STR_STARTS_WITH:
      if (memcmp(v, s, n) == 0)
        return true;
      break;
    case VX_OP_STR_ENDS_WITH:
      if (memcmp(v + len - n, s, n) == 0)
        return true;
      break;
    default:
      if (memmem(v, len, s, n) != NULL)
        return true;
      break;
    }
  }
  return false;
}

static bool eval_strings(const vx_constraint *c, const char *v, size_t len) {
  if (!c->case_insensitive)
    return match_strings(c, v, len);
  char stack[1024];
  size_t n = vx_utf8_lower(v, len, stack, sizeof stack);
  if (n <= sizeof stack)
    return match_strings(c, stack, n);
  char *heap = malloc(n); /* rare: over 1 KiB */
  if (heap == NULL)
    return false;
  vx_utf8_lower(v, len, heap, n);
  bool r = match_strings(c, heap, n);
  free(heap);
  return r;
}

static bool compare(vx_op op, int cmp) {
  switch (op) {
  case VX_OP_NUM_EQ:
  case VX_OP_SEMVER_EQ:
    return cmp == 0;
  case VX_OP_NUM_GT:
  case VX_OP_SEMVER_GT:
  case VX_OP_DATE_AFTER:
    return cmp > 0;
  case VX_OP_NUM_GTE:
  case VX_OP_SEMVER_GTE:
    return cmp >= 0;
  case VX_OP_NUM_LT:
  case VX_OP_SEMVER_LT:
  case VX_OP_DATE_BEFORE:
    return cmp < 0;
  case VX_OP_NUM_LTE:
  case VX_OP_SEMVER_LTE:
    return cmp <= 0;
  default:
    return false;
  }
}

static bool eval_op(const vx_constraint *c, const vx_context *ctx) {
  const vx_constraint_impl *m = c->impl;
  bool is_date = c->op == VX_OP_DATE_AFTER || c->op == VX_OP_DATE_BEFORE;
  if (is_date && c->field_id == VX_FIELD_CURRENT_TIME) {
    bool ok;
    int64_t now = vx_context_time(ctx, &ok);
    return ok && compare(c->op, (now > m->ms) - (now < m->ms));
  }
  size_t len = 0;
  const char *v = vx_context_lookup(ctx, c->field_id, c->field, &len);
  if (v == NULL)
    return c->op == VX_OP_NOT_IN;
  switch (c->op) {
  case VX_OP_IN:
    return m->set != NULL && vx_strset_contains(m->set, v, len) == 1;
  case VX_OP_NOT_IN:
    return m->set == NULL || vx_strset_contains(m->set, v, len) != 1;
  case VX_OP_STR_CONTAINS:
  case VX_OP_STR_STARTS_WITH:
  case VX_OP_STR_ENDS_WITH:
    return eval_strings(c, v, len);
  case VX_OP_NUM_EQ:
  case VX_OP_NUM_GT:
  case VX_OP_NUM_GTE:
  case VX_OP_NUM_LT:
  case VX_OP_NUM_LTE: {
    double x;
    if (vx_parse_number(v, len, &x) != 0)
      return false;
    return compare(c->op, (x > m->num) - (x < m->num));
  }
  case VX_OP_DATE_AFTER:
  case VX_OP_DATE_BEFORE: {
    int64_t t;
    if (vx_time_parse(v, len, &t) != 0)
      return false;
    return compare(c->op, (t > m->ms) - (t < m->ms));
  }
  case VX_OP_SEMVER_EQ:
  case VX_OP_SEMVER_GT:
  case VX_OP_SEMVER_LT:
  case VX_OP_SEMVER_GTE:
  case VX_OP_SEMVER_LTE: {
    vx_semver s;
    /* Unleash refuses a context version that starts with 'v'. */
    if (len == 0 || v[0] == 'v' || vx_semver_parse(v, len, &s) != 0)
      return false;
    return compare(c->op, vx_semver_cmp(&s, &m->ver));
  }
  case VX_OP_REGEX:
    return vx_regex_search(m->re, v, len) == 1;
  case VX_OP_IN_CIDR: {
    vx_ip ip;
    if (vx_ip_parse(v, len, &ip) != 0)
      return false;
    for (size_t i = 0; i < m->n; i++) {
      if (vx_cidr_contains(&m->cidrs[i], &ip) == 1)
        return true;
    }
    return false;
  }
  case VX_OP_INVALID:
    break;
  }
  return false;
}

bool vx_constraint_eval(const vx_constraint *c, const vx_context *ctx) {
  if (c == NULL || c->never || c->impl == NULL)
    return false;
  bool r = eval_op(c, ctx);
  return c->inverted ? !r : r;
}

void vx_constraint_free(vx_constraint *c) {
  if (c == NULL)
    return;
  vx_constraint_impl *m = c->impl;
  if (m != NULL) {
    for (size_t i = 0; m->items != NULL && i < m->n; i++)
      free(m->items[i]);
    free(m->items);
    free(m->lens);
    vx_strset_free(m->set);
    free(m->cidrs);
    free(m->ver_text);
    vx_regex_free(m->re);
    free(m);
  }
  free(c->field);
  memset(c, 0, sizeof *c);
}
