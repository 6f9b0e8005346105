/*
 * strset.c - an immutable set of strings with O(1) average lookup.
 *
 * One allocation holds everything: the header, the items in insertion
 * order, an open-addressing table (linear probing, load <= 1/2) of item
 * indexes + 1 (0 = empty), and the NUL-terminated bytes of the items.
 * An item is 8 bytes (offset and length in the pool): a constraint's IN
 * list of 100 short values takes about 2 KiB, so 10,000 flags with such
 * lists stay small.
 */
#include <vexil/sdk.h>

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
  uint32_t off; /* of its bytes in the pool */
  uint32_t len;
} item;

struct vx_strset {
  size_t count;
  size_t mask; /* table size - 1; the size is a power of two */
  item *items;
  uint32_t *table;
  char *pool;
};

static uint32_t hash_of(const char *s, size_t len) {
  return vx_murmur3_32(s, len, 0);
}

/* The table slot holding s, or the empty slot where it would go. */
static uint32_t *slot_for(const vx_strset *set, const char *s, size_t len,
                          uint32_t h) {
  for (size_t i = h & set->mask;; i = (i + 1) & set->mask) {
    uint32_t *slot = &set->table[i];
    if (*slot == 0)
      return slot;
    const item *it = &set->items[*slot - 1];
    if (it->len == len &&
        (len == 0 || memcmp(set->pool + it->off, s, len) == 0))
      return slot;
  }
}

static size_t align_up(size_t n, size_t a) {
  return (n + a - 1) / a * a;
}

/* Allocates a set with room for up to n items of `bytes` bytes in total
 * (NULs not counted). Returns NULL on overflow or out of memory. */
static vx_strset *set_new(size_t n, size_t bytes, char **pool) {
  size_t slots = 8;
  if (n > UINT32_MAX - 1 || n > SIZE_MAX / 4 / sizeof(item))
    return NULL;
  while (slots < 2 * n)
    slots *= 2;
  size_t off_items = align_up(sizeof(vx_strset), alignof(item));
  size_t off_table = off_items + n * sizeof(item);
  size_t off_pool = off_table + slots * sizeof(uint32_t);
  if (bytes > UINT32_MAX - n || /* offsets are 32-bit */
      bytes > SIZE_MAX - off_pool - n)
    return NULL;
  char *mem = calloc(1, off_pool + bytes + n);
  if (mem == NULL)
    return NULL;
  vx_strset *set = (vx_strset *)mem;
  set->mask = slots - 1;
  set->items = (item *)(mem + off_items);
  set->table = (uint32_t *)(mem + off_table);
  set->pool = mem + off_pool;
  *pool = set->pool;
  return set;
}

/* Adds s unless present; *pool is where its copy goes. */
static void set_add(vx_strset *set, const char *s, size_t len, char **pool) {
  uint32_t h = hash_of(s, len);
  uint32_t *slot = slot_for(set, s, len, h);
  if (*slot != 0)
    return;
  char *copy = *pool;
  if (len > 0)
    memcpy(copy, s, len);
  copy[len] = '\0';
  *pool += len + 1;
  set->items[set->count] = (item){(uint32_t)(copy - set->pool), (uint32_t)len};
  *slot = (uint32_t)++set->count;
}

int vx_strset_from_array(const char *const *items, const size_t *lens, size_t n,
                         vx_strset **out) {
  size_t bytes = 0;
  char *pool;
  if (out == NULL || (items == NULL && n > 0))
    return VX_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (items[i] == NULL)
      return VX_EINVAL;
    size_t len = lens != NULL ? lens[i] : strlen(items[i]);
    if (len > SIZE_MAX - bytes)
      return VX_ENOMEM;
    bytes += len;
  }
  vx_strset *set = set_new(n, bytes, &pool);
  if (set == NULL)
    return VX_ENOMEM;
  for (size_t i = 0; i < n; i++)
    set_add(set, items[i], lens != NULL ? lens[i] : strlen(items[i]), &pool);
  *out = set;
  return 0;
}

/* Counts the trimmed, non-empty items of csv and, when set is not NULL,
 * adds them to it. */
static size_t csv_each(const char *csv, vx_strset *set, char **pool) {
  size_t count = 0;
  const char *p = csv;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t raw = comma != NULL ? (size_t)(comma - p) : strlen(p), len;
    const char *t = vx_trim_space(p, raw, &len);
    if (len > 0) {
      count++;
      if (set != NULL)
        set_add(set, t, len, pool);
    }
    if (comma == NULL)
      return count;
    p = comma + 1;
  }
}

int vx_strset_from_csv(const char *csv, vx_strset **out) {
  char *pool;
  if (csv == NULL || out == NULL)
    return VX_EINVAL;
  vx_strset *set = set_new(csv_each(csv, NULL, NULL), strlen(csv), &pool);
  if (set == NULL)
    return VX_ENOMEM;
  csv_each(csv, set, &pool);
  *out = set;
  return 0;
}

void vx_strset_free(vx_strset *set) {
  free(set);
}

size_t vx_strset_count(const vx_strset *set) {
  return set != NULL ? set->count : 0;
}

const char *vx_strset_item(const vx_strset *set, size_t i, size_t *len) {
  if (set == NULL || i >= set->count) {
    if (len != NULL)
      *len = 0;
    return NULL;
  }
  if (len != NULL)
    *len = set->items[i].len;
  return set->pool + set->items[i].off;
}

int vx_strset_contains(const vx_strset *set, const char *s, size_t len) {
  if (set == NULL || set->count == 0 || (s == NULL && len > 0))
    return 0;
  return *slot_for(set, s, len, hash_of(s, len)) != 0;
}
