/*
 * service_docs.c - the flag documents the service keeps in memory, as
 * compact JSON text, and the compile definitions staged from them.
 *
 * Why text: at 10,000 flags the parsed jansson trees took about 100 MB
 * (millions of small blocks, each rounded up by malloc), the text about
 * 5 MB. A document is parsed when a write or an admin read needs it; the
 * evaluation path never does (it reads compiled snapshots).
 */
#include <string.h>

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
  return json_loadb(json_string_value(text), json_string_length(text), 0, NULL);
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
