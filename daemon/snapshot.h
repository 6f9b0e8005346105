/*
 * snapshot.h - an immutable set of compiled flags, per environment: what
 * every evaluation reads. Built on the control thread, then published
 * through the engine (engine.h) and never modified again, so any number of
 * threads read it without locks.
 */
#ifndef VX_SNAPSHOT_H
#define VX_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "flag.h"

/* One environment: an open-addressing hash table of flags by key. */
typedef struct vx_env {
  char *name;
  vx_flag **slots; /* capacity is a power of two, at most half full */
  size_t cap;
  size_t count;
} vx_env;

/* A token the snapshot accepts: authentication reads it without a lock. */
typedef struct vx_auth_entry {
  unsigned char hash[32]; /* SHA-256 of the secret */
  int role;               /* vx_role (service.h) */
  int64_t id;
  /* Where a request records the token's use (token_usage.h): owned by
   * the service, outlives every snapshot; NULL when not recorded. */
  struct vx_token_use *use;
  char name[128];
  char environment[64]; /* a client token's environment, else "" */
} vx_auth_entry;

typedef struct vx_snapshot {
  uint64_t revision;
  vx_auth_entry *auth; /* sorted by hash; owned, freed with the snapshot */
  size_t n_auth;
  vx_env *envs;
  size_t n_envs;
  size_t cap_envs;
} vx_snapshot;

/* A new, empty snapshot. NULL on out-of-memory. */
vx_snapshot *vx_snapshot_new(uint64_t revision);

/* The environment called name, created empty if missing. NULL on OOM. */
vx_env *vx_snapshot_env_add(vx_snapshot *s, const char *name);

/* A copy of another snapshot's environment (same capacity, its own
 * references to the same flags), added to s. NULL on OOM. */
vx_env *vx_snapshot_env_clone(vx_snapshot *s, const vx_env *from);

/* The environment called name, or NULL. */
const vx_env *vx_snapshot_env(const vx_snapshot *s, const char *name);

/* Adds (or replaces) a flag; the table takes its own reference. */
int vx_env_put(vx_env *env, vx_flag *flag);

/* The flag with that key, or NULL. Lock- and allocation-free. */
const vx_flag *vx_env_find(const vx_env *env, const char *key, size_t len);

/* Iteration: the i-th occupied slot for i in [0, cap), NULL if empty. */
static inline const vx_flag *vx_env_slot(const vx_env *env, size_t i) {
  return env->slots[i];
}

/* Frees the snapshot and drops its flag references. Control thread only,
 * and only when no reader can still hold it (the engine ensures that). */
void vx_snapshot_free(vx_snapshot *s);

#endif
