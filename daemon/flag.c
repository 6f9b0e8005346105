/* flag.c - compiling a flag definition into its immutable runtime form. */
#include "flag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

uint64_t vx_key_hash(const char *key, size_t len) {
  /* Word at a time; keys are chosen by release managers, not attackers. */
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
  for (; len >= 8; key += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, key, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  uint64_t w = 0;
  for (size_t i = 0; i < len; i++)
    w |= (uint64_t)(unsigned char)key[i] << (8 * i);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 29);
}

/* A compile in progress: where problems go. */
typedef struct compile_ctx {
  const char *key;
  unsigned mode;
  char *err;
  size_t errlen;
  int rc;      /* first error in strict mode */
  char *field; /* where the first error is, when known (or NULL) */
  size_t fieldlen;
} compile_ctx;

/* Reports a problem. Strict: records it (first wins) and returns the code
 * so the caller stops. Lenient: logs a warning and returns 0. */
static int problem(compile_ctx *cc, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int problem(compile_ctx *cc, int rc, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (cc->mode & VX_COMPILE_STRICT) {
    if (cc->rc == 0) {
      cc->rc = rc;
      snprintf(cc->err, cc->errlen, "%s", msg);
    }
    return rc;
  }
  vx_log(VX_LOG_WARN, "flag %s: %s", cc->key, msg);
  return 0;
}

/* The key of a segment id (a number or a string) in the segments object:
 * its decimal or string form. False when the id is neither. */
static bool segment_key(const json_t *id, char *buf, size_t len) {
  if (json_is_integer(id))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
  else if (json_is_string(id))
    snprintf(buf, len, "%s", json_string_value(id));
  else
    return false;
  return true;
}

static const json_t *find_segment(const json_t *segments, const json_t *id) {
  char key[128];
  if (segments == NULL || !segment_key(id, key, sizeof key))
    return NULL;
  return json_object_get(segments, key);
}

/* Appends the constraints of a JSON array to s. */
static int add_constraints(compile_ctx *cc, vx_cstrategy *s, size_t si,
                           const char *where, const json_t *list) {
  if (list == NULL || json_is_null(list))
    return 0;
  if (!json_is_array(list)) {
    s->never = true;
    return problem(cc, VX_ETYPE, "strategies[%zu]: %s must be an array", si,
                   where);
  }
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    char why[512] = "";
    vx_constraint *slot = &s->constraints[s->n_constraints++];
    int rc = vx_constraint_compile(c, slot, why, sizeof why);
    if (rc == VX_ENOMEM)
      return rc;
    if (rc != 0 &&
        problem(cc, rc, "strategies[%zu]: %s[%zu]: %s", si, where, i, why) != 0)
      return rc;
  }
  return 0;
}

static size_t array_len(const json_t *a) {
  return json_is_array(a) ? json_array_size(a) : 0;
}

/* Records in f->segments that the flag used segment `key` (seg, or null
 * when it was missing), creating the table on first use. */
static int note_segment(vx_flag *f, const char *key, const json_t *seg) {
  if (f->segments == NULL && (f->segments = json_object()) == NULL)
    return VX_ENOMEM;
  json_t *v = seg ? json_incref((json_t *)seg) : json_null();
  return json_object_set_new(f->segments, key, v) == 0 ? 0 : VX_ENOMEM;
}

/* Compiles definition strategies[si] into s. */
static int compile_strategy(compile_ctx *cc, vx_flag *f, vx_cstrategy *s,
                            size_t si, const json_t *def,
                            const json_t *segments, vx_plugin_host *plugins) {
  s->index = (int)si;
  const json_t *name = json_object_get(def, "name");
  if (!json_is_object(def) || !json_is_string(name)) {
    s->never = true;
    s->name = strdup("?");
    return problem(cc, VX_EINVAL, "strategies[%zu] needs a name (string)", si);
  }
  s->name = strdup(json_string_value(name));
  if (s->name == NULL)
    return VX_ENOMEM;

  const json_t *params = json_object_get(def, "parameters");
  const json_t *segs = json_object_get(def, "segments");
  const json_t *cons = json_object_get(def, "constraints");

  /* Segments' constraints come first, then the strategy's own. */
  size_t total = array_len(cons);
  size_t i;
  json_t *id;
  json_array_foreach(segs, i, id) {
    total +=
        array_len(json_object_get(find_segment(segments, id), "constraints"));
  }
  s->constraints = calloc(total ? total : 1, sizeof *s->constraints);
  if (s->constraints == NULL)
    return VX_ENOMEM;
  if (segs != NULL && !json_is_null(segs) && !json_is_array(segs)) {
    s->never = true;
    if (problem(cc, VX_ETYPE, "strategies[%zu]: segments must be an array",
                si) != 0)
      return cc->rc;
  }
  json_array_foreach(segs, i, id) {
    const json_t *seg = find_segment(segments, id);
    if (seg == NULL) {
      s->never = true; /* Unleash: a missing segment never matches */
      char missing[128];
      if (segment_key(id, missing, sizeof missing) &&
          note_segment(f, missing, NULL) != 0)
        return VX_ENOMEM;
      char *txt = json_dumps(id, JSON_ENCODE_ANY);
      int rc = problem(cc, VX_ENOENT, "strategies[%zu]: segment %s not found",
                       si, txt ? txt : "?");
      free(txt);
      if (rc != 0)
        return rc;
      continue;
    }
    int rc = add_constraints(cc, s, si, "segment constraints",
                             json_object_get(seg, "constraints"));
    if (rc != 0)
      return rc;
    char key[128];
    segment_key(id, key, sizeof key);
    if (note_segment(f, key, seg) != 0)
      return VX_ENOMEM;
  }
  int rc = add_constraints(cc, s, si, "constraints", cons);
  if (rc != 0)
    return rc;
  s->targeted = s->n_constraints > 0 || array_len(segs) > 0;

  /* Strategy variants: group = groupId or the flag key; stickiness = the
   * first variant's, else the strategy's own parameter. */
  const json_t *gid = json_object_get(params, "groupId");
  const json_t *stick = json_object_get(params, "stickiness");
  char why[512] = "";
  rc = vx_variant_set_compile(
      json_object_get(def, "variants"),
      json_is_string(gid) && json_string_length(gid) ? json_string_value(gid)
                                                     : f->key,
      json_is_string(stick) ? json_string_value(stick) : NULL, &s->variants,
      why, sizeof why);
  if (rc == VX_ENOMEM)
    return rc;
  if (rc != 0 &&
      problem(cc, rc, "strategies[%zu] (%s): %s", si, s->name, why) != 0)
    return rc;

  vx_plugin *p = vx_plugin_host_find(plugins, s->name);
  if (p == NULL) {
    s->never = true;
    return problem(cc, VX_ENOENT,
                   "strategies[%zu]: no strategy plugin named \"%s\" is "
                   "loaded; it is off",
                   si, s->name);
  }
  why[0] = '\0';
  const char *param = NULL;
  rc = vx_plugin_compile_at(p, f->key, params, cc->mode, &s->instance, why,
                            sizeof why, &param);
  if (rc == VX_ENOMEM)
    return rc;
  if (rc != 0) {
    s->never = true;
    if (param != NULL && cc->rc == 0 && cc->field != NULL)
      snprintf(cc->field, cc->fieldlen, "strategies[%zu].parameters.%s", si,
               param);
    return problem(cc, rc, "strategies[%zu] (%s): %s", si, s->name, why);
  }
  s->plugin = p;
  if (why[0] != '\0') /* accepted with a warning: lenient mode only */
    problem(cc, 0, "strategies[%zu] (%s): %s", si, s->name, why);
  return 0;
}

static int compile_dependencies(compile_ctx *cc, vx_flag *f,
                                const json_t *deps) {
  if (deps == NULL || json_is_null(deps))
    return 0;
  if (!json_is_array(deps)) {
    f->enabled = false;
    return problem(cc, VX_ETYPE, "dependencies must be an array");
  }
  f->deps = calloc(json_array_size(deps) + 1, sizeof *f->deps);
  if (f->deps == NULL)
    return VX_ENOMEM;
  size_t i;
  json_t *d;
  json_array_foreach(deps, i, d) {
    const json_t *feature = json_object_get(d, "feature");
    const json_t *enabled = json_object_get(d, "enabled");
    const json_t *variants = json_object_get(d, "variants");
    if (!json_is_string(feature)) {
      /* Unleash: an unusable dependency can never be satisfied. */
      int rc = problem(cc, VX_EINVAL,
                       "dependencies[%zu].feature must be a string", i);
      if (rc != 0)
        return rc;
      feature = NULL;
    }
    vx_dependency *dep = &f->deps[f->n_deps++];
    dep->feature = strdup(feature ? json_string_value(feature) : "");
    if (dep->feature == NULL)
      return VX_ENOMEM;
    dep->feature_len = strlen(dep->feature);
    dep->enabled = !json_is_false(enabled);
    size_t nv = array_len(variants);
    dep->variants = calloc(nv + 1, sizeof *dep->variants);
    if (dep->variants == NULL)
      return VX_ENOMEM;
    for (size_t j = 0; j < nv; j++) {
      const json_t *v = json_array_get(variants, j);
      if (!json_is_string(v))
        continue;
      dep->variants[dep->n_variants] = strdup(json_string_value(v));
      if (dep->variants[dep->n_variants++] == NULL)
        return VX_ENOMEM;
    }
  }
  return 0;
}

static int compile_body(compile_ctx *cc, vx_flag *f, const json_t *def,
                        const json_t *segments, vx_plugin_host *plugins) {
  const json_t *enabled = json_object_get(def, "enabled");
  if (enabled != NULL && !json_is_boolean(enabled)) {
    int rc = problem(cc, VX_ETYPE, "enabled must be true or false");
    if (rc != 0)
      return rc;
  }
  f->enabled = json_is_true(enabled);
  const json_t *strategies = json_object_get(def, "strategies");
  if (strategies != NULL && !json_is_null(strategies) &&
      !json_is_array(strategies)) {
    /* Nothing can be evaluated safely: a flag whose strategies are garbage
     * is off rather than on for everyone. */
    f->enabled = false;
    int rc = problem(cc, VX_ETYPE, "strategies must be an array");
    if (rc != 0)
      return rc;
    strategies = NULL;
  }
  size_t n = array_len(strategies);
  f->strategies = calloc(n ? n : 1, sizeof *f->strategies);
  if (f->strategies == NULL)
    return VX_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    /* A strategy kept but switched off ("disabled": true) is not sent to
     * Unleash's clients at all: it is skipped here, so a flag whose
     * strategies are all disabled is on for everyone, as in Unleash. */
    const json_t *def = json_array_get(strategies, i);
    if (json_is_true(json_object_get(def, "disabled")))
      continue;
    vx_cstrategy *s = &f->strategies[f->n_strategies++];
    int rc = compile_strategy(cc, f, s, i, def, segments, plugins);
    if (rc != 0)
      return rc;
  }
  char why[512] = "";
  int rc = vx_variant_set_compile(json_object_get(def, "variants"), f->key,
                                  NULL, &f->variants, why, sizeof why);
  if (rc == VX_ENOMEM)
    return rc;
  if (rc != 0 && problem(cc, rc, "%s", why) != 0)
    return rc;
  return compile_dependencies(cc, f, json_object_get(def, "dependencies"));
}

int vx_flag_compile(const json_t *def, const json_t *segments,
                    vx_plugin_host *plugins, unsigned mode, vx_flag **out,
                    char *err, size_t errlen) {
  return vx_flag_compile_at(def, segments, plugins, mode, out, err, errlen,
                            NULL, 0);
}

int vx_flag_compile_at(const json_t *def, const json_t *segments,
                       vx_plugin_host *plugins, unsigned mode, vx_flag **out,
                       char *err, size_t errlen, char *field, size_t fieldlen) {
  *out = NULL;
  if (errlen > 0)
    err[0] = '\0';
  if (field != NULL && fieldlen > 0)
    field[0] = '\0';
  const json_t *name = json_object_get(def, "name");
  if (!json_is_object(def) || !json_is_string(name) ||
      json_string_length(name) == 0) {
    snprintf(err, errlen, "a flag needs a non-empty \"name\"");
    return VX_EINVAL;
  }
  vx_flag *f = calloc(1, sizeof *f);
  if (f == NULL)
    return VX_ENOMEM;
  atomic_init(&f->refs, 1);
  f->key_len = json_string_length(name);
  f->key = malloc(f->key_len + 1);
  if (f->key == NULL) {
    vx_flag_unref(f);
    return VX_ENOMEM;
  }
  memcpy(f->key, json_string_value(name), f->key_len + 1);
  f->key_hash = vx_key_hash(f->key, f->key_len);
  const char *type = json_string_value(json_object_get(def, "type"));
  static const char *types[] = {"boolean", "string", "number", "object"};
  for (size_t i = 0; type != NULL && i < 4; i++)
    if (strcmp(type, types[i]) == 0)
      f->type = (vx_flag_type)(VX_FLAG_BOOLEAN + i);
  compile_ctx cc = {f->key, mode, err, errlen, 0, field, fieldlen};
  int rc = compile_body(&cc, f, def, segments, plugins);
  if (rc == VX_ENOMEM)
    snprintf(err, errlen, "out of memory");
  if (rc != 0) {
    vx_flag_unref(f);
    return rc;
  }
  *out = f;
  return 0;
}

void vx_flag_ref(vx_flag *f) {
  atomic_fetch_add(&f->refs, 1);
}

void vx_flag_unref(vx_flag *f) {
  if (f == NULL || atomic_fetch_sub(&f->refs, 1) != 1)
    return;
  for (size_t i = 0; i < f->n_strategies; i++) {
    vx_cstrategy *s = &f->strategies[i];
    if (s->plugin != NULL)
      vx_plugin_free_instance(s->plugin, s->instance);
    for (size_t j = 0; j < s->n_constraints; j++)
      vx_constraint_free(&s->constraints[j]);
    free(s->constraints);
    vx_variant_set_free(&s->variants);
    free(s->name);
  }
  free(f->strategies);
  vx_variant_set_free(&f->variants);
  for (size_t i = 0; i < f->n_deps; i++) {
    for (size_t j = 0; j < f->deps[i].n_variants; j++)
      free(f->deps[i].variants[j]);
    free(f->deps[i].variants);
    free(f->deps[i].feature);
  }
  free(f->deps);
  json_decref(f->source);
  json_decref(f->segments);
  free(f->key);
  free(f);
}
