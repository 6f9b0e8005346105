/*
 * regex.c - REGEX constraints: patterns compiled by libre2 (re2_shim.cc)
 * and interned.
 *
 * Compiled regexes are interned: constraints with the same pattern and
 * case flag share one program (reference-counted), because flag sets
 * repeat their patterns (an e-mail domain, a version scheme) across many
 * flags, and each program keeps its own DFA cache.
 */
#include "regex.h"

#include "re2_shim.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

struct vx_regex {
  vx_re2 *re2;
  /* Interning (guarded by intern.mu). */
  size_t refs;
  uint32_t hash;
  bool case_insensitive;
  char *pattern;
  size_t len;
  vx_regex *next; /* in its bucket */
};

/* The intern table: chained buckets, doubled when fuller than 1. */
static struct {
  pthread_mutex_t mu;
  vx_regex **buckets;
  size_t n_buckets, count;
} intern = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

static uint32_t pattern_hash(const char *p, size_t len, bool ci) {
  uint32_t h = ci ? 2166136261u ^ 1u : 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)p[i]) * 16777619u;
  return h;
}

/* The interned regex for (pattern, ci) with one more reference, or NULL
 * (intern.mu held). */
static vx_regex *intern_find(const char *p, size_t len, bool ci, uint32_t h) {
  if (intern.n_buckets == 0)
    return NULL;
  for (vx_regex *r = intern.buckets[h & (intern.n_buckets - 1)]; r != NULL;
       r = r->next) {
    if (r->hash == h && r->case_insensitive == ci && r->len == len &&
        memcmp(r->pattern, p, len) == 0) {
      r->refs++;
      return r;
    }
  }
  return NULL;
}

/* Adds re (intern.mu held); on out-of-memory it is simply not shared. */
static void intern_add(vx_regex *re) {
  if (intern.count >= intern.n_buckets) {
    size_t n = intern.n_buckets ? intern.n_buckets * 2 : 64;
    vx_regex **b = calloc(n, sizeof *b);
    if (b == NULL)
      return;
    for (size_t i = 0; i < intern.n_buckets; i++) {
      for (vx_regex *r = intern.buckets[i], *next; r != NULL; r = next) {
        next = r->next;
        r->next = b[r->hash & (n - 1)];
        b[r->hash & (n - 1)] = r;
      }
    }
    free(intern.buckets);
    intern.buckets = b;
    intern.n_buckets = n;
  }
  vx_regex **head = &intern.buckets[re->hash & (intern.n_buckets - 1)];
  re->next = *head;
  *head = re;
  intern.count++;
}

/* Removes re from the table if it is there (intern.mu held). */
static void intern_remove(vx_regex *re) {
  if (intern.n_buckets == 0)
    return;
  for (vx_regex **p = &intern.buckets[re->hash & (intern.n_buckets - 1)];
       *p != NULL; p = &(*p)->next) {
    if (*p == re) {
      *p = re->next;
      if (--intern.count == 0) { /* nothing left: no table either */
        free(intern.buckets);
        intern.buckets = NULL;
        intern.n_buckets = 0;
      }
      return;
    }
  }
}

static void regex_destroy(vx_regex *re) {
  vx_re2_free(re->re2);
  free(re->pattern);
  free(re);
}

int vx_regex_compile(const char *pattern, size_t len, bool case_insensitive,
                     vx_regex **out, char *err, size_t errlen) {
  *out = NULL;
  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (pattern == NULL)
    pattern = "";
  uint32_t h = pattern_hash(pattern, len, case_insensitive);
  pthread_mutex_lock(&intern.mu);
  vx_regex *shared = intern_find(pattern, len, case_insensitive, h);
  pthread_mutex_unlock(&intern.mu);
  if (shared != NULL) {
    *out = shared;
    return 0;
  }
  vx_regex *re = calloc(1, sizeof *re);
  if (re != NULL)
    re->pattern = malloc(len + 1);
  if (re == NULL || re->pattern == NULL) {
    if (re != NULL)
      free(re);
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "REGEX: out of memory");
    return VX_ENOMEM;
  }
  int rc =
      vx_re2_compile(pattern, len, case_insensitive, &re->re2, err, errlen);
  if (rc != 0) {
    regex_destroy(re);
    return rc;
  }
  memcpy(re->pattern, pattern, len);
  re->pattern[len] = '\0';
  re->len = len;
  re->refs = 1;
  re->hash = h;
  re->case_insensitive = case_insensitive;
  pthread_mutex_lock(&intern.mu);
  shared = intern_find(pattern, len, case_insensitive, h); /* a race lost */
  if (shared == NULL)
    intern_add(re);
  pthread_mutex_unlock(&intern.mu);
  if (shared != NULL) {
    regex_destroy(re);
    re = shared;
  }
  *out = re;
  return 0;
}

int vx_regex_search(const vx_regex *re, const char *subject, size_t len) {
  if (re == NULL)
    return 0;
  return vx_re2_search(re->re2, subject, len) == 1 ? 1 : 0;
}

void vx_regex_free(vx_regex *re) {
  if (re == NULL)
    return;
  pthread_mutex_lock(&intern.mu);
  bool last = --re->refs == 0;
  if (last)
    intern_remove(re);
  pthread_mutex_unlock(&intern.mu);
  if (last)
    regex_destroy(re);
}
