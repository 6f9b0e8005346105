/* inflight.c - what each HTTP worker is doing now (see inflight.h). */
#include "inflight.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORDS (VX_INFLIGHT_TEXT / 8)

/* One worker's slot, a seqlock with one writer: start is 0 while the text
 * changes, then the request's start + 1. */
typedef struct slot {
  atomic_int_fast64_t start;
  atomic_bool stream;
  atomic_uint_fast64_t text[WORDS];
} slot;

static slot slots[VX_INFLIGHT_MAX];
static atomic_int n_slots;
static _Thread_local int mine = -1; /* -2: no slot left for this thread */

int64_t vx_inflight_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static slot *my_slot(void) {
  if (mine == -1) {
    int i = atomic_fetch_add(&n_slots, 1);
    mine = i < VX_INFLIGHT_MAX ? i : -2;
  }
  return mine >= 0 ? &slots[mine] : NULL;
}

void vx_inflight_begin(const char *method, const char *path, int64_t now_ms) {
  slot *s = my_slot();
  if (s == NULL)
    return;
  char buf[VX_INFLIGHT_TEXT] = {0};
  size_t m = strnlen(method, 16);
  memcpy(buf, method, m);
  buf[m] = ' ';
  size_t p = strnlen(path, sizeof buf - m - 2);
  memcpy(buf + m + 1, path, p);
  atomic_store_explicit(&s->start, 0, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  for (size_t w = 0; w < WORDS; w++) {
    uint64_t v;
    memcpy(&v, buf + 8 * w, 8);
    atomic_store_explicit(&s->text[w], v, memory_order_relaxed);
  }
  atomic_store_explicit(&s->stream, false, memory_order_relaxed);
  atomic_store_explicit(&s->start, now_ms + 1, memory_order_release);
}

void vx_inflight_end(void) {
  slot *s = my_slot();
  if (s != NULL)
    atomic_store_explicit(&s->start, 0, memory_order_release);
}

void vx_inflight_streaming(void) {
  slot *s = my_slot();
  if (s != NULL)
    atomic_store_explicit(&s->stream, true, memory_order_relaxed);
}

/* A consistent copy of slot i, or false when it is idle or changed. */
static bool read_slot(int i, int64_t now_ms, vx_inflight_entry *e) {
  slot *s = &slots[i];
  int_fast64_t start = atomic_load_explicit(&s->start, memory_order_acquire);
  if (start == 0)
    return false;
  char buf[VX_INFLIGHT_TEXT];
  for (size_t w = 0; w < WORDS; w++) {
    uint64_t v = atomic_load_explicit(&s->text[w], memory_order_relaxed);
    memcpy(buf + 8 * w, &v, 8);
  }
  bool stream = atomic_load_explicit(&s->stream, memory_order_relaxed);
  atomic_thread_fence(memory_order_acquire);
  if (atomic_load_explicit(&s->start, memory_order_relaxed) != start)
    return false;
  buf[VX_INFLIGHT_TEXT - 1] = '\0';
  e->age_ms = now_ms - (start - 1);
  e->stream = stream;
  memcpy(e->text, buf, sizeof buf);
  return true;
}

static int slot_count(void) {
  int n = atomic_load(&n_slots);
  return n < VX_INFLIGHT_MAX ? n : VX_INFLIGHT_MAX;
}

static int by_age(const void *a, const void *b) {
  int64_t x = ((const vx_inflight_entry *)a)->age_ms;
  int64_t y = ((const vx_inflight_entry *)b)->age_ms;
  return x < y ? 1 : x > y ? -1 : 0;
}

size_t vx_inflight_list(vx_inflight_entry *out, size_t cap, int64_t now_ms) {
  int n = slot_count();
  size_t found = 0;
  for (int i = 0; i < n; i++) {
    vx_inflight_entry e;
    if (i == mine || !read_slot(i, now_ms, &e))
      continue;
    if (found < cap)
      out[found] = e;
    found++;
  }
  qsort(out, found < cap ? found : cap, sizeof *out, by_age);
  return found;
}

void vx_inflight_stats(int64_t now_ms, size_t *in_flight, size_t *stuck,
                       int64_t *oldest_ms) {
  *in_flight = *stuck = 0;
  *oldest_ms = 0;
  int n = slot_count();
  for (int i = 0; i < n; i++) {
    vx_inflight_entry e;
    if (i == mine || !read_slot(i, now_ms, &e) || e.stream)
      continue;
    (*in_flight)++;
    if (e.age_ms >= VX_INFLIGHT_STUCK_MS)
      (*stuck)++;
    if (e.age_ms > *oldest_ms)
      *oldest_ms = e.age_ms;
  }
}
