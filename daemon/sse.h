/*
 * sse.h - the change stream: GET /api/v1/stream (server-sent events).
 *
 * A hub, registered as a change listener of the service, keeps the last
 * VX_SSE_HISTORY events in a ring: one per revision, in OFREP's event
 * format (the default "message" event whose data has type
 * refetchEvaluation, so OpenFeature providers refetch), with the revision
 * and the changed keys for other clients:
 *   id: N
 *   data: {"type": "refetchEvaluation", "revision": N, "flags": [...]}
 *
 * Which changes a stream carries: a client token's stream, only those of
 * its environment (asking for another with ?environment= is 403); an
 * admin token's (or, with open evaluation, a token-less one), those of
 * every environment, or of the one ?environment= names (404
 * ENVIRONMENT_NOT_FOUND for an unknown one). A stream of one environment
 * gets an event only when a flag changed there, listing only those keys;
 * a stream of every environment gets every revision, token and
 * environment changes (no keys) included. Resets go to every stream.
 * A stream ends as soon as its token is revoked (also when the revocation
 * comes from the database: tokens taken in by the housekeeping), after a
 * comment ": token revoked"; reconnecting then gets 401.
 * A stream opened with Last-Event-ID: M replays the events after M when
 * the ring still has all of them, else it first sends
 *   data: {"type": "refetchEvaluation", "revision": CURRENT, "reset": true}
 * (the client should reload everything). A revision that changed more
 * than 1000 flags is sent as such a reset too, and the ring holds at most
 * 4 MiB of events. Streams send a comment line
 * ": keep-alive" every 15 s (VEXIL_SSE_KEEPALIVE_MS overrides it, for
 * tests). Each open stream holds one civetweb worker thread: the pool is
 * sized cfg->threads + cfg->max_streams (http.c), and a stream beyond
 * cfg->max_streams gets 503 TOO_MANY_STREAMS, so that streams can never
 * take the workers that evaluations need.
 *
 * Threads: the change listener runs on the writer's thread, makes the
 * event's frames, and only appends to the ring under the hub's mutex;
 * streams wait on a condition variable (with the keep-alive timeout),
 * check their token in the current snapshot (no lock), copy what is new,
 * and write it without holding the mutex. The hub and its ring are in
 * sse_hub.c, the route in sse.c.
 */
#ifndef VX_SSE_H
#define VX_SSE_H

#include "http.h"
#include "service.h"

#define VX_SSE_HISTORY 1024
#define VX_SSE_KEEPALIVE_MS 15000

typedef struct vx_sse_hub vx_sse_hub;

/* Creates a hub for svc and registers it as a change listener (until
 * vx_sse_hub_free unregisters it). max_streams caps open streams. The
 * service must outlive the hub. */
int vx_sse_hub_new(vx_service *svc, int max_streams, vx_sse_hub **out);
/* Ends every open stream promptly (they return within one wake-up) and
 * refuses new ones. Idempotent. */
void vx_sse_hub_stop(vx_sse_hub *hub);
/* Frees the hub: after vx_sse_hub_stop and once no stream runs (after
 * mg_stop). NULL is fine. */
void vx_sse_hub_free(vx_sse_hub *hub);

/* The hub of a server (kept by http.c). */
vx_sse_hub *vx_http_sse_hub(vx_http *h);

#endif
