/*
 * engine.h - publishes snapshots to readers without locks.
 *
 * Readers (any thread) call vx_engine_acquire, read the snapshot, then
 * vx_engine_release. Acquire is wait-free in practice: it announces the
 * pointer in a per-thread hazard slot and re-checks it, with no lock and no
 * shared counter, so readers on different cores do not contend.
 *
 * The writer (the control thread) calls vx_engine_publish: the new snapshot
 * is swapped in atomically and the old one is retired; a retired snapshot
 * is freed, at that publish or a later vx_engine_reclaim, once no hazard
 * slot still holds it.
 *
 * A thread may nest acquires (they return the snapshot already held, up to
 * VX_ENGINE_MAX_NEST deep across engines).
 */
#ifndef VX_ENGINE_H
#define VX_ENGINE_H

#include <stddef.h>

#include "snapshot.h"

#define VX_ENGINE_MAX_NEST 4

typedef struct vx_engine vx_engine;

/* A new engine with no snapshot. NULL on OOM. */
vx_engine *vx_engine_new(void);

/* Frees the current and every retired snapshot. No reader may be inside. */
void vx_engine_free(vx_engine *e);

/* Makes next the current snapshot (ownership passes to the engine) and
 * frees what no reader holds any more. Control thread only. */
void vx_engine_publish(vx_engine *e, vx_snapshot *next);

/* Frees retired snapshots that no reader holds. Control thread only.
 * Returns how many are still waiting for a reader to leave. */
size_t vx_engine_reclaim(vx_engine *e);

/* The current snapshot for reading (NULL before the first publish), valid
 * until the matching vx_engine_release on the same thread. Any thread;
 * allocates only the first time a thread ever acquires. */
const vx_snapshot *vx_engine_acquire(vx_engine *e);
void vx_engine_release(vx_engine *e);

/* The current snapshot for the control thread (which alone publishes, so
 * it may read it without a hazard slot). */
const vx_snapshot *vx_engine_current(const vx_engine *e);

#endif
