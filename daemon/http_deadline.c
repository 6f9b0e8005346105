/*
 * http_deadline.c - deadlines for workers' blocking reads (see
 * http_deadline.h).
 *
 * A slot is one 64-bit word: the deadline in µs shifted left by two, and
 * the state in the low two bits. One word, so that the watchdog's
 * compare-and-swap cannot mistake a new deadline for an old one.
 */
#include "http_deadline.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
  IDLE = 0,    /* not armed */
  ARMED = 1,   /* reading, deadline in the word */
  SENDING = 2, /* the watchdog is sending the signal */
  SENT = 3     /* the signal was sent (at least once) */
};
#define STATE(w) ((int)((w)&3u))
#define DEADLINE(w) ((w) >> 2)

typedef struct slot {
  _Alignas(64) _Atomic uint64_t word;
  pthread_t thread;
} slot;

struct vx_deadlines {
  slot *slots;
  int n;
  atomic_int attached;
  pthread_t watchdog;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* CLOCK_MONOTONIC */
  bool stopping;
};

static __thread slot *mine;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_signal(int sig) {
  (void)sig;
}

/* Interrupts every armed worker whose deadline has passed. */
static void scan(vx_deadlines *d) {
  uint64_t now = now_us();
  for (int i = 0; i < d->n; i++) {
    slot *s = &d->slots[i];
    uint64_t w = atomic_load_explicit(&s->word, memory_order_acquire);
    int st = STATE(w);
    if ((st != ARMED && st != SENT) || DEADLINE(w) > now)
      continue;
    uint64_t sending = (w & ~(uint64_t)3) | SENDING;
    if (!atomic_compare_exchange_strong(&s->word, &w, sending))
      continue; /* disarmed meanwhile */
    pthread_kill(s->thread, VX_DEADLINE_SIGNAL);
    atomic_store_explicit(&s->word, (w & ~(uint64_t)3) | SENT,
                          memory_order_release);
  }
}

static void *watch(void *arg) {
  vx_deadlines *d = arg;
  pthread_mutex_lock(&d->mu);
  while (!d->stopping) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += VX_DEADLINE_TICK_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&d->cv, &d->mu, &ts);
    if (!d->stopping)
      scan(d);
  }
  pthread_mutex_unlock(&d->mu);
  return NULL;
}

int vx_deadlines_start(int n_workers, vx_deadlines **out) {
  *out = NULL;
  vx_deadlines *d = calloc(1, sizeof *d);
  if (d == NULL)
    return -1;
  d->n = n_workers > 0 ? n_workers : 0;
  d->slots = aligned_alloc(64, ((size_t)d->n + 1) * sizeof *d->slots);
  if (d->slots == NULL) {
    free(d);
    return -1;
  }
  memset(d->slots, 0, ((size_t)d->n + 1) * sizeof *d->slots);
  /* SA_RESTART: every call but poll() carries on after the handler. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(VX_DEADLINE_SIGNAL, &sa, NULL);
  pthread_mutex_init(&d->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&d->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&d->watchdog, NULL, watch, d) != 0) {
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d->slots);
    free(d);
    return -1;
  }
  *out = d;
  return 0;
}

void vx_deadlines_stop(vx_deadlines *d) {
  if (d == NULL)
    return;
  pthread_mutex_lock(&d->mu);
  d->stopping = true;
  pthread_cond_signal(&d->cv);
  pthread_mutex_unlock(&d->mu);
  pthread_join(d->watchdog, NULL);
  pthread_cond_destroy(&d->cv);
  pthread_mutex_destroy(&d->mu);
  free(d->slots);
  free(d);
}

void vx_deadline_attach(vx_deadlines *d) {
  int i = atomic_fetch_add(&d->attached, 1);
  if (i >= d->n) {
    mine = NULL;
    return;
  }
  d->slots[i].thread = pthread_self();
  mine = &d->slots[i];
}

void vx_deadline_arm(uint64_t deadline_us) {
  if (mine != NULL)
    atomic_store_explicit(&mine->word, deadline_us << 2 | ARMED,
                          memory_order_release);
}

/* Takes a signal the watchdog sent that is still pending, so that it
 * cannot end a later poll() of this thread. */
static void take_pending(void) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, VX_DEADLINE_SIGNAL);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  struct timespec zero = {0, 0};
  while (sigtimedwait(&set, NULL, &zero) == VX_DEADLINE_SIGNAL)
    ;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

bool vx_deadline_disarm(void) {
  if (mine == NULL)
    return false;
  uint64_t w = atomic_load_explicit(&mine->word, memory_order_acquire);
  for (;;) {
    if (STATE(w) == SENDING) {
      sched_yield();
      w = atomic_load_explicit(&mine->word, memory_order_acquire);
      continue;
    }
    if (atomic_compare_exchange_weak(&mine->word, &w, IDLE))
      break;
  }
  if (STATE(w) != SENT)
    return false;
  take_pending();
  return true;
}
