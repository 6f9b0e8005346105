/*
 * metrics.c - lock-free counters and their Prometheus text exposition.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inflight.h"
#include "plugin_host.h"
#include "strategy_stats.h"

/* ---- HTTP: per route, counts by status and a latency histogram */

/* Status codes with their own series; others are counted by class. */
static const int known_status[] = {200, 201, 204, 304, 400, 401, 403, 404,
                                   405, 409, 413, 415, 422, 429, 500, 503};
#define N_KNOWN (sizeof known_status / sizeof known_status[0])
#define N_STATUS (N_KNOWN + 5) /* + "1xx" .. "5xx" */

/* Upper bounds in microseconds (rendered in seconds). */
static const uint64_t bucket_us[] = {
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define N_BUCKETS (sizeof bucket_us / sizeof bucket_us[0])

/* Counters are sharded: each thread adds to its own shard (chosen once per
 * thread), so that threads on different cores do not fight over the same
 * cache lines on every request; rendering sums the shards. The shard is
 * the outer index, so one shard's counters are contiguous. */
#define N_SHARDS 8

static _Thread_local int my_shard = -1;
static atomic_int next_shard;

static int shard(void) {
  if (my_shard < 0)
    my_shard = atomic_fetch_add(&next_shard, 1) % N_SHARDS;
  return my_shard;
}

typedef struct route_stats {
  atomic_uint_fast64_t status[N_STATUS];
  atomic_uint_fast64_t bucket[N_BUCKETS + 1]; /* last: +Inf only */
  atomic_uint_fast64_t sum_us;
  atomic_uint_fast64_t count;
} route_stats;

static _Atomic(char *) route_label[VX_METRICS_MAX_ROUTES];
static route_stats routes[N_SHARDS][VX_METRICS_MAX_ROUTES];
static atomic_int n_routes;
static pthread_mutex_t routes_lock = PTHREAD_MUTEX_INITIALIZER;

int vx_metrics_route(const char *label) {
  pthread_mutex_lock(&routes_lock);
  int n = atomic_load(&n_routes);
  int found = -1;
  for (int i = 0; i < n && found < 0; i++)
    if (strcmp(atomic_load(&route_label[i]), label) == 0)
      found = i;
  if (found < 0) {
    if (n < VX_METRICS_MAX_ROUTES - 1) {
      found = n;
      atomic_store(&route_label[n], strdup(label));
      atomic_store(&n_routes, n + 1);
    } else {
      found = VX_METRICS_MAX_ROUTES - 1;
      if (atomic_load(&route_label[found]) == NULL) {
        atomic_store(&route_label[found], strdup("other"));
        atomic_store(&n_routes, VX_METRICS_MAX_ROUTES);
      }
    }
  }
  pthread_mutex_unlock(&routes_lock);
  return found;
}

static size_t status_slot(int status) {
  for (size_t i = 0; i < N_KNOWN; i++)
    if (known_status[i] == status)
      return i;
  int cls = status / 100;
  if (cls < 1 || cls > 5)
    cls = 5;
  return N_KNOWN + (size_t)(cls - 1);
}

void vx_metrics_http(int route, int status, uint64_t micros) {
  if (route < 0 || route >= VX_METRICS_MAX_ROUTES)
    return;
  route_stats *r = &routes[shard()][route];
  atomic_fetch_add_explicit(&r->status[status_slot(status)], 1,
                            memory_order_relaxed);
  size_t b = 0;
  while (b < N_BUCKETS && micros > bucket_us[b])
    b++;
  atomic_fetch_add_explicit(&r->bucket[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&r->sum_us, micros, memory_order_relaxed);
  atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}

/* ---- evaluations by flag: open addressing, CAS insertion */

typedef struct flag_key {
  uint64_t hash;
  size_t len;
  char key[];
} flag_key;

typedef struct flag_count {
  atomic_uint_fast64_t on, off;
} flag_count;

#define MAX_PROBES 256

static _Atomic(flag_key *) flags[VX_METRICS_MAX_FLAGS];
static flag_count flag_counts[N_SHARDS][VX_METRICS_MAX_FLAGS];
static atomic_uint_fast64_t flags_overflow;

static uint64_t fnv1a(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static bool same(const flag_key *k, uint64_t h, const char *key, size_t len) {
  return k->hash == h && k->len == len && memcmp(k->key, key, len) == 0;
}

void vx_metrics_eval(const char *key, size_t len, bool enabled) {
  uint64_t h = fnv1a(key, len);
  size_t i = (size_t)h & (VX_METRICS_MAX_FLAGS - 1);
  flag_key *mine = NULL;
  for (int probe = 0; probe < MAX_PROBES; probe++) {
    flag_key *k = atomic_load_explicit(&flags[i], memory_order_acquire);
    if (k == NULL) {
      /* First sight of this key here: publish a copy by CAS. */
      if (mine == NULL) {
        mine = malloc(sizeof *mine + len + 1);
        if (mine == NULL)
          break;
        mine->hash = h;
        mine->len = len;
        memcpy(mine->key, key, len);
        mine->key[len] = '\0';
      }
      if (atomic_compare_exchange_strong_explicit(&flags[i], &k, mine,
                                                  memory_order_acq_rel,
                                                  memory_order_acquire)) {
        k = mine;
        mine = NULL;
      }
      /* else k is the winner's key: compare with it below. */
    }
    if (same(k, h, key, len)) {
      flag_count *c = &flag_counts[shard()][i];
      atomic_fetch_add_explicit(enabled ? &c->on : &c->off, 1,
                                memory_order_relaxed);
      free(mine);
      return;
    }
    i = (i + 1) & (VX_METRICS_MAX_FLAGS - 1);
  }
  free(mine);
  atomic_fetch_add_explicit(&flags_overflow, 1, memory_order_relaxed);
}

/* ---- streams */

static atomic_long streams_open;

void vx_metrics_streams(int delta) {
  atomic_fetch_add(&streams_open, delta);
}

long vx_metrics_streams_open(void) {
  return atomic_load(&streams_open);
}

/* ---- exposition */

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '\\' || c == '"') {
      fputc('\\', f);
      fputc(c, f);
    } else if (c == '\n')
      fputs("\\n", f);
    else
      fputc(c, f);
  }
}

static void status_label(size_t slot, char *buf, size_t len) {
  if (slot < N_KNOWN)
    snprintf(buf, len, "%d", known_status[slot]);
  else
    snprintf(buf, len, "%dxx", (int)(slot - N_KNOWN + 1));
}

/* One route's counters summed over the shards. */
static void sum_route(int i, uint64_t status[N_STATUS],
                      uint64_t bucket[N_BUCKETS + 1], uint64_t *sum_us,
                      uint64_t *count) {
  memset(status, 0, sizeof(uint64_t) * N_STATUS);
  memset(bucket, 0, sizeof(uint64_t) * (N_BUCKETS + 1));
  *sum_us = *count = 0;
  for (int sh = 0; sh < N_SHARDS; sh++) {
    route_stats *r = &routes[sh][i];
    for (size_t s = 0; s < N_STATUS; s++)
      status[s] += atomic_load_explicit(&r->status[s], memory_order_relaxed);
    for (size_t b = 0; b <= N_BUCKETS; b++)
      bucket[b] += atomic_load_explicit(&r->bucket[b], memory_order_relaxed);
    *sum_us += atomic_load_explicit(&r->sum_us, memory_order_relaxed);
    *count += atomic_load_explicit(&r->count, memory_order_relaxed);
  }
}

static void put_route(FILE *f, const char *series, const char *label) {
  fprintf(f, "%s{route=\"", series);
  put_label(f, label, strlen(label));
}

static void render_http(FILE *f) {
  int n = atomic_load(&n_routes);
  static uint64_t status[VX_METRICS_MAX_ROUTES][N_STATUS];
  static uint64_t bucket[VX_METRICS_MAX_ROUTES][N_BUCKETS + 1];
  uint64_t sum_us[VX_METRICS_MAX_ROUTES], count[VX_METRICS_MAX_ROUTES];
  static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&render_lock); /* the static sums above */
  for (int i = 0; i < n; i++)
    sum_route(i, status[i], bucket[i], &sum_us[i], &count[i]);
  fputs("# HELP vexil_http_requests_total HTTP requests answered, by route "
        "and status.\n# TYPE vexil_http_requests_total counter\n",
        f);
  for (int i = 0; i < n; i++) {
    const char *label = atomic_load(&route_label[i]);
    for (size_t s = 0; s < N_STATUS; s++) {
      if (status[i][s] == 0)
        continue;
      char st[8];
      status_label(s, st, sizeof st);
      put_route(f, "vexil_http_requests_total", label);
      fprintf(f, "\",status=\"%s\"} %llu\n", st,
              (unsigned long long)status[i][s]);
    }
  }
  fputs("# HELP vexil_http_request_duration_seconds Time from the request "
        "to the end of the answer, by route.\n"
        "# TYPE vexil_http_request_duration_seconds histogram\n",
        f);
  for (int i = 0; i < n; i++) {
    const char *label = atomic_load(&route_label[i]);
    if (count[i] == 0)
      continue;
    uint64_t cum = 0;
    for (size_t b = 0; b <= N_BUCKETS; b++) {
      cum += bucket[i][b];
      put_route(f, "vexil_http_request_duration_seconds_bucket", label);
      if (b < N_BUCKETS)
        fprintf(f, "\",le=\"%g\"} %llu\n", (double)bucket_us[b] / 1e6,
                (unsigned long long)cum);
      else
        fprintf(f, "\",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    }
    put_route(f, "vexil_http_request_duration_seconds_sum", label);
    fprintf(f, "\"} %.6f\n", (double)sum_us[i] / 1e6);
    /* Buckets and count are read at slightly different times: report
     * the +Inf bucket as the count so that they agree. */
    put_route(f, "vexil_http_request_duration_seconds_count", label);
    fprintf(f, "\"} %llu\n", (unsigned long long)cum);
  }
  pthread_mutex_unlock(&render_lock);
}

static void render_evals(FILE *f) {
  fputs("# HELP vexil_evaluations_total Flag evaluations, by flag and "
        "result.\n# TYPE vexil_evaluations_total counter\n",
        f);
  for (size_t i = 0; i < VX_METRICS_MAX_FLAGS; i++) {
    flag_key *k = atomic_load_explicit(&flags[i], memory_order_acquire);
    if (k == NULL)
      continue;
    uint64_t val[2] = {0, 0};
    for (int sh = 0; sh < N_SHARDS; sh++) {
      val[0] +=
          atomic_load_explicit(&flag_counts[sh][i].on, memory_order_relaxed);
      val[1] +=
          atomic_load_explicit(&flag_counts[sh][i].off, memory_order_relaxed);
    }
    static const char *const res[2] = {"true", "false"};
    for (int r = 0; r < 2; r++) {
      if (val[r] == 0)
        continue;
      fputs("vexil_evaluations_total{flag=\"", f);
      put_label(f, k->key, k->len);
      fprintf(f, "\",result=\"%s\"} %llu\n", res[r],
              (unsigned long long)val[r]);
    }
  }
  fprintf(f,
          "# HELP vexil_evaluation_flags_overflow_total Evaluations not "
          "counted by flag (the flag table was full).\n"
          "# TYPE vexil_evaluation_flags_overflow_total counter\n"
          "vexil_evaluation_flags_overflow_total %llu\n",
          (unsigned long long)atomic_load(&flags_overflow));
}

/* The store's health (service_health.c). */
static void render_store(FILE *f, vx_service *svc) {
  static const char *const codes[] = {"STORE_FULL", "STORE_READ_ONLY",
                                      "STORE_CORRUPT", "STORE_UNAVAILABLE"};
  vx_store_health h;
  vx_service_health(svc, &h);
  fprintf(f,
          "# HELP vexil_store_writable 1 while the store takes writes, 0 "
          "while they answer 503 (/readyz says why).\n"
          "# TYPE vexil_store_writable gauge\nvexil_store_writable %d\n"
          "# HELP vexil_store_write_failures_total Writes the store could not "
          "take, by error code.\n"
          "# TYPE vexil_store_write_failures_total counter\n",
          h.writable ? 1 : 0);
  for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
    fprintf(f, "vexil_store_write_failures_total{code=\"%s\"} %llu\n", codes[i],
            (unsigned long long)h.write_failures[i]);
  fprintf(f,
          "# HELP vexil_publish_pending 1 while a committed revision is not "
          "served yet (retried until it is).\n"
          "# TYPE vexil_publish_pending gauge\nvexil_publish_pending %d\n"
          "# HELP vexil_publish_failures_total Snapshots that could not be "
          "built or published after a commit.\n"
          "# TYPE vexil_publish_failures_total counter\n"
          "vexil_publish_failures_total %llu\n",
          h.pending ? 1 : 0, (unsigned long long)h.publish_failures);
}

static void render_inflight(FILE *f) {
  size_t in_flight, stuck;
  int64_t oldest;
  vx_inflight_stats(vx_inflight_now_ms(), &in_flight, &stuck, &oldest);
  fprintf(f,
          "# HELP vexil_requests_in_flight Requests being served now, "
          "event streams and this one left out.\n"
          "# TYPE vexil_requests_in_flight gauge\n"
          "vexil_requests_in_flight %zu\n"
          "# HELP vexil_requests_stuck Requests in flight for %d s or more "
          "(a worker stuck, e.g. in a plugin's evaluate).\n"
          "# TYPE vexil_requests_stuck gauge\n"
          "vexil_requests_stuck %zu\n"
          "# HELP vexil_request_oldest_seconds Age of the oldest request in "
          "flight.\n# TYPE vexil_request_oldest_seconds gauge\n"
          "vexil_request_oldest_seconds %.3f\n",
          in_flight, VX_INFLIGHT_STUCK_MS / 1000, stuck,
          (double)oldest / 1000.0);
}

static void render_strategy_errors(FILE *f) {
  fputs("# HELP vexil_strategy_errors_total Results of a strategy plugin's "
        "evaluate that were neither 1 (on) nor 0 (off); each was served as "
        "off.\n# TYPE vexil_strategy_errors_total counter\n",
        f);
  size_t n;
  vx_strategy_stats *st = vx_strategy_stats_all(&n);
  for (size_t i = 0; i < n; i++) {
    fputs("vexil_strategy_errors_total{strategy=\"", f);
    put_label(f, st[i].name, strlen(st[i].name));
    fprintf(f, "\"} %llu\n",
            (unsigned long long)atomic_load_explicit(&st[i].errors,
                                                     memory_order_relaxed));
  }
}

static void put_refused(const char *file, const char *name, void *arg) {
  FILE *f = arg;
  fputs("vexil_plugin_refused{file=\"", f);
  put_label(f, file, strlen(file));
  fputs("\",strategy=\"", f);
  put_label(f, name, strlen(name));
  fputs("\"} 1\n", f);
}

static void render_refused(FILE *f, vx_plugin_host *host) {
  fputs("# HELP vexil_plugins_refused Plugin files refused at start or by "
        "the last reload (see the log): a strategy refused at start is not "
        "loaded and its flags are off; one refused on reload keeps its "
        "previous version.\n# TYPE vexil_plugins_refused gauge\n",
        f);
  fprintf(f, "vexil_plugins_refused %zu\n",
          vx_plugin_host_each_refused(host, NULL, NULL));
  fputs("# HELP vexil_plugin_refused One series per refused plugin file, "
        "with its strategy when known.\n"
        "# TYPE vexil_plugin_refused gauge\n",
        f);
  vx_plugin_host_each_refused(host, put_refused, f);
}

int vx_metrics_render(vx_service *svc, char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  FILE *f = open_memstream(out, len);
  if (f == NULL)
    return -1;
  render_http(f);
  render_evals(f);
  render_strategy_errors(f);
  render_inflight(f);
  fprintf(f,
          "# HELP vexil_open_streams Open event streams (/api/v1/stream).\n"
          "# TYPE vexil_open_streams gauge\nvexil_open_streams %ld\n",
          vx_metrics_streams_open());
  if (svc != NULL) {
    fprintf(f,
            "# HELP vexil_revision The revision of the flags being served.\n"
            "# TYPE vexil_revision gauge\nvexil_revision %llu\n",
            (unsigned long long)vx_service_revision(svc));
    fprintf(f,
            "# HELP vexil_plugins_loaded Strategy plugins loaded.\n"
            "# TYPE vexil_plugins_loaded gauge\nvexil_plugins_loaded %zu\n",
            vx_plugin_host_count(vx_service_plugins(svc)));
    render_store(f, svc);
    render_refused(f, vx_service_plugins(svc));
  }
  if (fclose(f) != 0) {
    free(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}
