/* token_usage.c - the table of token usage cells (token_usage.h): cells
 * allocated one by one (their addresses never change), found through an
 * array of pointers sorted by token id. Ids grow, so a new token's cell
 * is almost always appended. */
#include "token_usage.h"

#include <stdlib.h>
#include <string.h>

struct vx_token_usage {
  vx_token_use **cells; /* sorted by id */
  size_t n, cap;
};

vx_token_usage *vx_token_usage_new(void) {
  return calloc(1, sizeof(vx_token_usage));
}

void vx_token_usage_free(vx_token_usage *u) {
  if (u == NULL)
    return;
  for (size_t i = 0; i < u->n; i++)
    free(u->cells[i]);
  free(u->cells);
  free(u);
}

/* The position of id in u->cells, or where it would go. */
static size_t position(const vx_token_usage *u, int64_t id) {
  size_t lo = 0, hi = u->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (u->cells[mid]->id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

vx_token_use *vx_token_usage_find(const vx_token_usage *u, int64_t id) {
  size_t at = position(u, id);
  return at < u->n && u->cells[at]->id == id ? u->cells[at] : NULL;
}

vx_token_use *vx_token_usage_cell(vx_token_usage *u, int64_t id,
                                  int64_t stored_ms) {
  size_t at = position(u, id);
  if (at < u->n && u->cells[at]->id == id) {
    vx_token_use *c = u->cells[at];
    if (stored_ms > c->flushed_ms)
      c->flushed_ms = stored_ms;
    if (stored_ms > vx_token_use_last(c))
      atomic_store_explicit(&c->last_ms, stored_ms, memory_order_relaxed);
    return c;
  }
  if (u->n == u->cap) {
    size_t cap = u->cap ? 2 * u->cap : 16;
    vx_token_use **cells = realloc(u->cells, cap * sizeof *cells);
    if (cells == NULL)
      return NULL;
    u->cells = cells;
    u->cap = cap;
  }
  vx_token_use *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->id = id;
  c->flushed_ms = stored_ms;
  atomic_init(&c->last_ms, stored_ms);
  memmove(u->cells + at + 1, u->cells + at, (u->n - at) * sizeof *u->cells);
  u->cells[at] = c;
  u->n++;
  return c;
}

size_t vx_token_usage_count(const vx_token_usage *u) {
  return u->n;
}

vx_token_use *vx_token_usage_at(const vx_token_usage *u, size_t i) {
  return i < u->n ? u->cells[i] : NULL;
}
