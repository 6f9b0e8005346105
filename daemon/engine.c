/* engine.c - snapshot publication with hazard pointers. */
#include "engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One per thread that ever read a snapshot; never freed, reused after the
 * thread exits. */
/* Aligned to a cache line so that readers on different cores never write
 * to the same line. */
typedef struct __attribute__((aligned(64))) hazard_slot {
  _Atomic(const vx_snapshot *) hp[VX_ENGINE_MAX_NEST];
  const vx_engine *owner[VX_ENGINE_MAX_NEST];
  int depth[VX_ENGINE_MAX_NEST];
  int held; /* entries with depth > 0: 0 is the common, fast case */
  atomic_bool in_use;
  struct hazard_slot *next;
} hazard_slot;

static _Atomic(hazard_slot *) slots_head;
static pthread_key_t slot_key;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;
static _Thread_local hazard_slot *my_slot;

typedef struct retired {
  vx_snapshot *snap;
  struct retired *next;
} retired;

struct vx_engine {
  _Atomic(vx_snapshot *) current;
  pthread_mutex_t write_lock; /* publishers only; readers never take it */
  retired *retired;
};

static void slot_release(void *p) {
  hazard_slot *s = p;
  for (int i = 0; i < VX_ENGINE_MAX_NEST; i++) {
    s->owner[i] = NULL;
    s->depth[i] = 0;
    atomic_store(&s->hp[i], NULL);
  }
  s->held = 0;
  atomic_store(&s->in_use, false);
}

static void slot_key_init(void) {
  pthread_key_create(&slot_key, slot_release);
}

static hazard_slot *get_slot(void) {
  if (my_slot != NULL)
    return my_slot;
  pthread_once(&slot_key_once, slot_key_init);
  for (hazard_slot *s = atomic_load(&slots_head); s != NULL; s = s->next) {
    bool expected = false;
    if (atomic_compare_exchange_strong(&s->in_use, &expected, true)) {
      my_slot = s;
      pthread_setspecific(slot_key, s);
      return s;
    }
  }
  hazard_slot *s = aligned_alloc(64, sizeof *s);
  if (s == NULL)
    return NULL;
  memset(s, 0, sizeof *s);
  atomic_store(&s->in_use, true);
  hazard_slot *head = atomic_load(&slots_head);
  do {
    s->next = head;
  } while (!atomic_compare_exchange_weak(&slots_head, &head, s));
  my_slot = s;
  pthread_setspecific(slot_key, s);
  return s;
}

vx_engine *vx_engine_new(void) {
  vx_engine *e = calloc(1, sizeof *e);
  if (e == NULL)
    return NULL;
  atomic_init(&e->current, NULL);
  pthread_mutex_init(&e->write_lock, NULL);
  return e;
}

const vx_snapshot *vx_engine_acquire(vx_engine *e) {
  hazard_slot *s = get_slot();
  if (s == NULL)
    return NULL;
  int free_i = s->held == 0 ? 0 : -1;
  for (int i = 0; s->held > 0 && i < VX_ENGINE_MAX_NEST; i++) {
    if (s->owner[i] == e && s->depth[i] > 0) {
      s->depth[i]++;
      return atomic_load_explicit(&s->hp[i], memory_order_relaxed);
    }
    if (free_i < 0 && s->depth[i] == 0)
      free_i = i;
  }
  if (free_i < 0)
    return NULL; /* nested deeper than VX_ENGINE_MAX_NEST engines */
  const vx_snapshot *p;
  do {
    p = atomic_load(&e->current);
    atomic_store(&s->hp[free_i], p); /* seq_cst: visible before re-check */
  } while (p != atomic_load(&e->current));
  s->owner[free_i] = e;
  s->depth[free_i] = 1;
  s->held++;
  return p;
}

void vx_engine_release(vx_engine *e) {
  hazard_slot *s = my_slot;
  if (s == NULL)
    return;
  for (int i = 0; i < VX_ENGINE_MAX_NEST; i++) {
    if (s->owner[i] == e && s->depth[i] > 0) {
      if (--s->depth[i] == 0) {
        s->held--;
        s->owner[i] = NULL;
        atomic_store_explicit(&s->hp[i], NULL, memory_order_release);
      }
      return;
    }
  }
}

static bool is_hazard(const vx_snapshot *snap) {
  for (hazard_slot *s = atomic_load(&slots_head); s != NULL; s = s->next)
    for (int i = 0; i < VX_ENGINE_MAX_NEST; i++)
      if (atomic_load(&s->hp[i]) == snap)
        return true;
  return false;
}

static size_t reclaim_locked(vx_engine *e) {
  size_t waiting = 0;
  retired **pp = &e->retired;
  while (*pp != NULL) {
    retired *r = *pp;
    if (is_hazard(r->snap)) {
      waiting++;
      pp = &r->next;
    } else {
      *pp = r->next;
      vx_snapshot_free(r->snap);
      free(r);
    }
  }
  return waiting;
}

void vx_engine_publish(vx_engine *e, vx_snapshot *next) {
  pthread_mutex_lock(&e->write_lock);
  vx_snapshot *old = atomic_exchange(&e->current, next);
  if (old != NULL) {
    retired *r = malloc(sizeof *r);
    if (r != NULL) {
      r->snap = old;
      r->next = e->retired;
      e->retired = r;
    }
    /* On OOM the old snapshot leaks rather than being freed under a
     * reader: never a use-after-free. */
  }
  reclaim_locked(e);
  pthread_mutex_unlock(&e->write_lock);
}

size_t vx_engine_reclaim(vx_engine *e) {
  pthread_mutex_lock(&e->write_lock);
  size_t waiting = reclaim_locked(e);
  pthread_mutex_unlock(&e->write_lock);
  return waiting;
}

const vx_snapshot *vx_engine_current(const vx_engine *e) {
  return atomic_load(&((vx_engine *)e)->current);
}

void vx_engine_free(vx_engine *e) {
  if (e == NULL)
    return;
  while (e->retired != NULL) {
    retired *r = e->retired;
    e->retired = r->next;
    vx_snapshot_free(r->snap);
    free(r);
  }
  vx_snapshot_free(atomic_load(&e->current));
  pthread_mutex_destroy(&e->write_lock);
  free(e);
}
