/*
 * service_docs.c - the flag documents the service keeps in memory, as
 * compact JSON text, and the compile definitions staged from them.
 *
 * Why text: at 10,000 flags the parsed jansson trees took about 100 MB
 * (millions of small blocks, each rounded up by malloc), the text about
 * 5 MB. A document is parsed when a write or an admin read needs it; the
 * evaluation path never does (it reads compiled snapshots).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_limit.h"
#include "service_internal.h"

#define TEXT_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)

json_t *vx_flag_text(const json_t *doc) {
  char *text = json_dumps(doc, TEXT_FLAGS);
  if (text == NULL)
    return NULL;
  json_t *s = json_stringn_nocheck(text, strlen(text));
  free(text);
  return s;
}

json_t *vx_flag_parse(const json_t *text) {
  if (!json_is_string(text))
    return NULL;
  return vx_json_parse_stored(json_string_value(text), json_string_length(text),
                              0, NULL);
}

json_t *vx_service_flag_locked(vx_service *svc, const char *key) {
  const json_t *text = json_object_get(svc->flags, key);
  return text ? vx_flag_parse(text) : NULL;
}

bool vx_flag_text_mentions(const json_t *text, const char *member,
                           const char *value) {
  json_t *v = json_string(value);
  char *quoted = v ? json_dumps(v, TEXT_FLAGS) : NULL;
  json_decref(v);
  if (quoted == NULL)
    return true; /* cannot tell: the caller parses */
  size_t ml = strlen(member), ql = strlen(quoted);
  char *needle = malloc(ml + ql + 4);
  bool found = true;
  if (needle != NULL) {
    needle[0] = '"';
    memcpy(needle + 1, member, ml);
    memcpy(needle + 1 + ml, "\":", 2);
    memcpy(needle + 3 + ml, quoted, ql + 1);
    found = memmem(json_string_value(text), json_string_length(text), needle,
                   ml + ql + 3) != NULL;
  }
  free(needle);
  free(quoted);
  return found;
}

static json_t *off_state(void) {
  return json_pack("{s:b, s:[]}", "enabled", 0, "strategies");
}

void vx_service_fill_envs_locked(vx_service *svc, json_t *flag) {
  json_t *states = json_object_get(flag, "environments");
  if (!json_is_object(states)) {
    states = json_object();
    json_object_set_new(flag, "environments", states);
  }
  size_t i;
  json_t *env;
  json_array_foreach(svc->environments, i, env) {
    if (json_object_get(states, json_string_value(env)) == NULL)
      json_object_set_new(states, json_string_value(env), off_state());
  }
}

int vx_service_keep_flag_locked(vx_service *svc, const json_t *flag) {
  const char *key = json_string_value(json_object_get(flag, "key"));
  json_t *text = key ? vx_flag_text(flag) : NULL;
  if (text == NULL || json_object_set_new(svc->flags, key, text) != 0)
    return VX_ENOMEM;
  /* Every environment compiles from the same text (state.h): no copy. */
  bool archived = json_is_true(json_object_get(flag, "archived"));
  size_t i;
  json_t *env;
  json_array_foreach(svc->environments, i, env) {
    const char *name = json_string_value(env);
    json_t *table = json_object_get(svc->st.envs, name);
    if (table == NULL) {
      table = json_object();
      if (table == NULL || json_object_set_new(svc->st.envs, name, table) != 0)
        return VX_ENOMEM;
    }
    if (archived)
      json_object_del(table, key);
    else if (json_object_set(table, key, text) != 0)
      return VX_ENOMEM;
  }
  return 0;
}

/* Archived flags are in no environment's table (vx_service_keep_flag_
 * locked), live ones in all of them: the default environment's table
 * tells, without parsing the document. */
static bool is_archived_locked(vx_service *svc, const char *key,
                               const json_t *text) {
  const json_t *table =
      json_object_get(svc->st.envs, svc->cfg.default_environment);
  if (table != NULL)
    return json_object_get(table, key) == NULL;
  json_t *doc = vx_flag_parse(text);
  bool archived = json_is_true(json_object_get(doc, "archived"));
  json_decref(doc);
  return archived;
}

int vx_service_list_flags_json(vx_service *svc, vx_archived_filter which,
                               char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  pthread_mutex_lock(&svc->lock);
  size_t n, k = 0, bytes = 64;
  const char **keys = vx_sorted_keys(svc->flags, &n);
  int rc = keys != NULL ? 0 : VX_ENOMEM;
  for (size_t i = 0; rc == 0 && i < n; i++) { /* the listed ones, in order */
    const json_t *text = json_object_get(svc->flags, keys[i]);
    if (which != VX_LIST_ANY &&
        is_archived_locked(svc, keys[i], text) != (which == VX_LIST_ARCHIVED))
      continue;
    keys[k++] = keys[i];
    bytes += json_string_length(text) + 1;
  }
  char *buf = rc == 0 ? malloc(bytes) : NULL;
  if (buf == NULL)
    rc = VX_ENOMEM;
  if (rc == 0) {
    size_t o = 0;
    memcpy(buf, "{\"flags\":[", 10);
    o = 10;
    for (size_t i = 0; i < k; i++) {
      const json_t *t = json_object_get(svc->flags, keys[i]);
      if (i > 0)
        buf[o++] = ',';
      memcpy(buf + o, json_string_value(t), json_string_length(t));
      o += json_string_length(t);
    }
    o += (size_t)snprintf(buf + o, bytes - o, "],\"revision\":%" PRIu64 "}",
                          svc->st.revision);
    *out = buf;
    *len = o;
  }
  pthread_mutex_unlock(&svc->lock);
  free(keys);
  return rc;
}
