/* snapshot.c - per-environment flag tables of an immutable snapshot. */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

vx_snapshot *vx_snapshot_new(uint64_t revision) {
  vx_snapshot *s = calloc(1, sizeof *s);
  if (s != NULL)
    s->revision = revision;
  return s;
}

const vx_env *vx_snapshot_env(const vx_snapshot *s, const char *name) {
  for (size_t i = 0; i < s->n_envs; i++)
    if (strcmp(s->envs[i].name, name) == 0)
      return &s->envs[i];
  return NULL;
}

vx_env *vx_snapshot_env_add(vx_snapshot *s, const char *name) {
  const vx_env *found = vx_snapshot_env(s, name);
  if (found != NULL)
    return (vx_env *)found;
  if (s->n_envs == s->cap_envs) {
    size_t cap = s->cap_envs ? s->cap_envs * 2 : 4;
    vx_env *envs = realloc(s->envs, cap * sizeof *envs);
    if (envs == NULL)
      return NULL;
    s->envs = envs;
    s->cap_envs = cap;
  }
  vx_env *env = &s->envs[s->n_envs];
  memset(env, 0, sizeof *env);
  env->name = strdup(name);
  env->cap = 16;
  env->slots = calloc(env->cap, sizeof *env->slots);
  if (env->name == NULL || env->slots == NULL) {
    free(env->name);
    free(env->slots);
    return NULL;
  }
  s->n_envs++;
  return env;
}

vx_env *vx_snapshot_env_clone(vx_snapshot *s, const vx_env *from) {
  vx_env *env = vx_snapshot_env_add(s, from->name);
  if (env == NULL)
    return NULL;
  vx_flag **slots = calloc(from->cap, sizeof *slots);
  if (slots == NULL)
    return NULL; /* env stays empty; the snapshot frees it */
  memcpy(slots, from->slots, from->cap * sizeof *slots);
  for (size_t i = 0; i < from->cap; i++)
    if (slots[i] != NULL)
      vx_flag_ref(slots[i]);
  free(env->slots);
  env->slots = slots;
  env->cap = from->cap;
  env->count = from->count;
  return env;
}

static size_t probe(const vx_env *env, uint64_t hash, const char *key,
                    size_t len) {
  size_t mask = env->cap - 1;
  size_t i = (size_t)hash & mask;
  for (;;) {
    const vx_flag *f = env->slots[i];
    if (f == NULL || (f->key_hash == hash && f->key_len == len &&
                      memcmp(f->key, key, len) == 0))
      return i;
    i = (i + 1) & mask;
  }
}

static int grow(vx_env *env) {
  size_t cap = env->cap * 2;
  vx_flag **old = env->slots;
  size_t old_cap = env->cap;
  env->slots = calloc(cap, sizeof *env->slots);
  if (env->slots == NULL) {
    env->slots = old;
    return VX_ENOMEM;
  }
  env->cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i] != NULL)
      env->slots[probe(env, old[i]->key_hash, old[i]->key, old[i]->key_len)] =
          old[i];
  free(old);
  return 0;
}

int vx_env_put(vx_env *env, vx_flag *flag) {
  if ((env->count + 1) * 2 > env->cap && grow(env) != 0)
    return VX_ENOMEM;
  size_t i = probe(env, flag->key_hash, flag->key, flag->key_len);
  vx_flag_ref(flag);
  if (env->slots[i] != NULL)
    vx_flag_unref(env->slots[i]);
  else
    env->count++;
  env->slots[i] = flag;
  return 0;
}

const vx_flag *vx_env_find(const vx_env *env, const char *key, size_t len) {
  return env->slots[probe(env, vx_key_hash(key, len), key, len)];
}

void vx_snapshot_free(vx_snapshot *s) {
  if (s == NULL)
    return;
  for (size_t e = 0; e < s->n_envs; e++) {
    vx_env *env = &s->envs[e];
    for (size_t i = 0; i < env->cap; i++)
      vx_flag_unref(env->slots[i]);
    free(env->slots);
    free(env->name);
  }
  free(s->envs);
  free(s->auth);
  free(s);
}
