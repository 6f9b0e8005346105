/*
 * regex.c - REGEX constraints: the pattern checked and rewritten by
 * re2_translate.c, then compiled by PCRE2 (UTF, JIT when available), and
 * matched with per-thread match data and JIT stack.
 *
 * Compiled regexes are interned: constraints with the same pattern and
 * case flag share one program (reference-counted), because a JIT-compiled
 * program costs one to two KiB of executable memory and flag sets repeat
 * their patterns (an e-mail domain, a version scheme) across many flags.
 */
#include "regex.h"

#include "re2_translate.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vexil/error.h>

/* Bounds on one match: backtracking steps, and the interpreter's heap
 * (KiB) and depth. RE2 constructs match in linear time, but PCRE2
 * backtracks, so (a+)+$ would run for ages without them. A search that
 * hits a limit counts as no match. */
#define VX_REGEX_MATCH_LIMIT 1000000u
#define VX_REGEX_DEPTH_LIMIT 100000u
#define VX_REGEX_HEAP_LIMIT_KIB 8192u

struct vx_regex {
  pcre2_code *code;
  pcre2_match_context *mctx;
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
  pcre2_code_free(re->code);
  pcre2_match_context_free(re->mctx);
  free(re->pattern);
  free(re);
}

static pcre2_jit_stack *thread_jit_stack(void *data);

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
  vx_re2_pattern t;
  int trc = vx_re2_translate(pattern, len, &t, err, errlen);
  if (trc != 0)
    return trc;
  vx_regex *re = calloc(1, sizeof *re);
  pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
  int rc = VX_ENOMEM;
  if (re == NULL || cc == NULL)
    goto done;
  pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
  uint32_t opts = PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP |
                  PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_CIRCUMFLEX;
  if (case_insensitive)
    opts |= PCRE2_CASELESS;
  int code;
  PCRE2_SIZE off;
  re->code = pcre2_compile((PCRE2_SPTR)(t.text != NULL ? t.text : ""), t.len,
                           opts, &code, &off, cc);
  if (re->code == NULL) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(code, msg, sizeof msg);
    size_t src = off < t.len ? t.map[off] : len;
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "REGEX: %s at offset %zu", (char *)msg, src);
    rc = VX_EPARSE;
    goto done;
  }
  (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE); /* optional */
  re->mctx = pcre2_match_context_create(NULL);
  if (re->mctx == NULL)
    goto done;
  pcre2_set_match_limit(re->mctx, VX_REGEX_MATCH_LIMIT);
  pcre2_set_depth_limit(re->mctx, VX_REGEX_DEPTH_LIMIT);
  pcre2_set_heap_limit(re->mctx, VX_REGEX_HEAP_LIMIT_KIB);
  pcre2_jit_stack_assign(re->mctx, thread_jit_stack, NULL);
  re->refs = 1;
  re->hash = h;
  re->case_insensitive = case_insensitive;
  re->len = len;
  re->pattern = malloc(len + 1);
  if (re->pattern == NULL)
    goto done;
  memcpy(re->pattern, pattern, len);
  re->pattern[len] = '\0';
  pthread_mutex_lock(&intern.mu);
  shared = intern_find(pattern, len, case_insensitive, h); /* a race lost */
  if (shared == NULL)
    intern_add(re);
  pthread_mutex_unlock(&intern.mu);
  if (shared != NULL) {
    regex_destroy(re);
    re = shared;
  }
  rc = 0;
done:
  pcre2_compile_context_free(cc);
  vx_re2_pattern_free(&t);
  if (rc != 0) {
    if (rc == VX_ENOMEM && err != NULL && errlen > 0)
      snprintf(err, errlen, "REGEX: out of memory");
    if (re != NULL)
      regex_destroy(re);
    return rc;
  }
  *out = re;
  return 0;
}

/* Per-thread matching state, made on the thread's first search and freed
 * when the thread exits: the match data (one ovector pair is enough to
 * learn whether there is a match) and a JIT stack that grows on demand up
 * to VX_REGEX_JIT_STACK_MAX instead of PCRE2's fixed 32 KiB. */
#define VX_REGEX_JIT_STACK_MAX (8u * 1024u * 1024u)

typedef struct thread_state {
  pcre2_match_data *md;
  pcre2_jit_stack *jit;
} thread_state;

static _Thread_local thread_state tl_state;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;
static pthread_key_t tl_key;
static bool tl_key_ok;

static void thread_state_destroy(void *p) {
  (void)p;
  pcre2_match_data_free(tl_state.md);
  pcre2_jit_stack_free(tl_state.jit);
  tl_state.md = NULL;
  tl_state.jit = NULL;
}

static void tl_key_init(void) {
  tl_key_ok = pthread_key_create(&tl_key, thread_state_destroy) == 0;
}

static pcre2_match_data *thread_match_data(void) {
  if (tl_state.md != NULL)
    return tl_state.md;
  pthread_once(&tl_once, tl_key_init);
  tl_state.md = pcre2_match_data_create(1, NULL);
  tl_state.jit = pcre2_jit_stack_create(32 * 1024, VX_REGEX_JIT_STACK_MAX,
                                        NULL); /* NULL: PCRE2's default */
  /* The key's value only makes the destructor run at thread exit. */
  if (tl_state.md != NULL && tl_key_ok)
    pthread_setspecific(tl_key, &tl_state);
  return tl_state.md;
}

/* Called by PCRE2 during a JIT match: this thread's stack. */
static pcre2_jit_stack *thread_jit_stack(void *data) {
  (void)data;
  return tl_state.jit;
}

int vx_regex_search(const vx_regex *re, const char *subject, size_t len) {
  if (re == NULL || re->code == NULL)
    return 0;
  pcre2_match_data *md = thread_match_data();
  if (md == NULL)
    return 0;
  if (subject == NULL) {
    subject = "";
    len = 0;
  }
  /* >= 0 is a match (0: the ovector was too small for all groups);
   * no match, invalid UTF-8 and hitting a limit are all "no". */
  int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, re->mctx);
  return rc >= 0 ? 1 : 0;
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
