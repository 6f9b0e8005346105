/*
 * http_deadline.h - a deadline for the blocking reads of civetweb's
 * workers, so that a whole request body has a time limit, not each read.
 *
 * civetweb (Debian's 1.15) reads a body with poll() + recv() and gives up
 * only after request_timeout_ms of silence: a client that sends one byte
 * a second holds its worker for as long as its Content-Length lasts. The
 * API gives a handler no socket to put a deadline on. So a worker arms
 * its deadline in a slot of its own before it reads (two stores, no
 * system call), and disarms it after; a watchdog thread looks at the
 * slots every VX_DEADLINE_TICK_MS and sends VX_DEADLINE_SIGNAL to a worker
 * whose deadline has passed. The signal's handler does nothing; it is
 * installed with SA_RESTART, so the only call it ends is the poll() the
 * worker waits in (poll is never restarted), and civetweb's read returns
 * what it had. The signal is sent again at each tick until the worker
 * disarms, since one may arrive between two polls. Disarming never leaves
 * a signal behind: it waits while one is being sent and takes any that is
 * still pending, so no later call of that worker is interrupted.
 *
 * Threads: vx_deadlines_start and _stop on the control thread;
 * vx_deadline_attach on each worker once (civetweb's init_thread);
 * vx_deadline_arm and _disarm on that worker only.
 */
#ifndef VX_HTTP_DEADLINE_H
#define VX_HTTP_DEADLINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define VX_DEADLINE_SIGNAL (SIGRTMIN + 4)
#define VX_DEADLINE_TICK_MS 50

typedef struct vx_deadlines vx_deadlines;

/* Room for n_workers workers; installs the signal handler (process-wide)
 * and starts the watchdog. Returns 0, or -1 (out of memory, no thread). */
int vx_deadlines_start(int n_workers, vx_deadlines **out);
/* Stops the watchdog and frees d; after every attached worker has ended
 * (after mg_stop). NULL is a no-op. */
void vx_deadlines_stop(vx_deadlines *d);

/* Gives the calling thread a slot of d. A thread beyond n_workers gets
 * none: its reads then have no deadline. */
void vx_deadline_attach(vx_deadlines *d);

/* The calling thread's blocking reads end at deadline_us (CLOCK_MONOTONIC,
 * µs), until vx_deadline_disarm. No system call. */
void vx_deadline_arm(uint64_t deadline_us);
/* Ends the deadline. Returns true when the watchdog interrupted this
 * thread for it (the read then ended early). No system call unless it
 * did. */
bool vx_deadline_disarm(void);

#endif
