/*
 * bench_eval - in-process evaluation throughput.
 *
 * An evaluation here is the whole call a request makes once its context is
 * parsed: acquire the current snapshot, find the environment, look the
 * flag up by key, evaluate it (constraints, plugin, variants), produce the
 * vx_decision, release the snapshot. Contexts are prepared beforehand (1024
 * different users, cycled) as the HTTP layer prepares one per request.
 *
 * Cases: a flag with `default`; with `flexibleRollout`; with five
 * constraints (REGEX, SEMVER_GTE, IN of 100 values, STR_ENDS_WITH, NUM_GT);
 * with three variants. 1,000 other flags sit in the same table. Each case
 * runs on 1 thread, then on 2 threads. The process's allocator counts
 * every malloc/calloc/realloc (count_alloc.c), so the allocations per
 * evaluation printed are measured, not assumed.
 *
 * usage: bench_eval [SECONDS_PER_RUN [CASE_FLAG]]   (default 1.0, all cases)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context.h"
#include "count_alloc.h"
#include "engine.h"
#include "eval.h"
#include "log.h"
#include "plugin_host.h"
#include "state.h"

#define N_CONTEXTS 1024

static vx_engine *engine;
static vx_context_json contexts[N_CONTEXTS];
static double seconds = 1.0;
/* Workers warm up, then wait here twice: once so the main thread can read
 * the allocation counter after every thread's set-up, once to start. */
static pthread_barrier_t ready, go;

typedef struct run {
  const char *flag;
  size_t flag_len;
  unsigned long long evaluations;
  unsigned long long enabled;
} run;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg) {
  run *r = arg;
  unsigned long long n = 0, on = 0;
  size_t c = (size_t)(uintptr_t)r % N_CONTEXTS;
  { /* warm-up: this thread's hazard slot and regex match data */
    const vx_snapshot *s = vx_engine_acquire(engine);
    vx_decision d;
    vx_evaluate(vx_snapshot_env(s, "production"), r->flag, r->flag_len,
                &contexts[c].ctx, &d);
    vx_engine_release(engine);
  }
  pthread_barrier_wait(&ready);
  pthread_barrier_wait(&go);
  double end = now() + seconds;
  while (1) {
    for (int i = 0; i < 4096; i++) {
      const vx_snapshot *s = vx_engine_acquire(engine);
      const vx_env *env = vx_snapshot_env(s, "production");
      vx_decision d;
      vx_evaluate(env, r->flag, r->flag_len, &contexts[c].ctx, &d);
      on += d.enabled;
      vx_engine_release(engine);
      c = (c + 1) & (N_CONTEXTS - 1);
    }
    n += 4096;
    if (now() >= end)
      break;
  }
  r->evaluations = n;
  r->enabled = on;
  return NULL;
}

/* Runs flag on `threads` threads; returns evaluations per second (total)
 * and the allocations made by any thread while they ran. */
static double measure(const char *flag, int threads, double *allocs_per_eval,
                      double *share_on) {
  pthread_t tid[8];
  run runs[8];
  pthread_barrier_init(&ready, NULL, (unsigned)threads + 1);
  pthread_barrier_init(&go, NULL, (unsigned)threads + 1);
  for (int i = 0; i < threads; i++) {
    runs[i] = (run){flag, strlen(flag), 0, 0};
    pthread_create(&tid[i], NULL, worker, &runs[i]);
  }
  pthread_barrier_wait(&ready);
  size_t allocs_before = vx_alloc_count();
  double t0 = now();
  pthread_barrier_wait(&go);
  unsigned long long total = 0, on = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(tid[i], NULL);
    total += runs[i].evaluations;
    on += runs[i].enabled;
  }
  double elapsed = now() - t0;
  size_t allocs = vx_alloc_count() - allocs_before;
  pthread_barrier_destroy(&ready);
  pthread_barrier_destroy(&go);
  *allocs_per_eval = (double)allocs / (double)total;
  *share_on = (double)on / (double)total;
  return (double)total / elapsed;
}

static json_t *build_state(void) {
  json_t *features = json_array();
  json_array_append_new(features, json_pack("{s:s, s:b, s:[{s:s}]}", "name",
                                            "bench-default", "enabled", 1,
                                            "strategies", "name", "default"));
  json_array_append_new(
      features, json_pack("{s:s, s:b, s:[{s:s, s:{s:s, s:s, s:s}}]}", "name",
                          "bench-rollout", "enabled", 1, "strategies", "name",
                          "flexibleRollout", "parameters", "rollout", "50",
                          "stickiness", "default", "groupId", "bench-rollout"));
  json_t *countries = json_array();
  for (int i = 0; i < 100; i++) {
    char c[8];
    snprintf(c, sizeof c, "C%02d", i);
    json_array_append_new(countries, json_string(c));
  }
  json_t *constraints = json_pack(
      "[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:o},"
      " {s:s, s:s, s:[s]}, {s:s, s:s, s:s}]",
      "contextName", "email", "operator", "REGEX", "value",
      "^[a-z0-9.]+@(example|test)\\.com$", "contextName", "appVersion",
      "operator", "SEMVER_GTE", "value", "2.0.0", "contextName", "country",
      "operator", "IN", "values", countries, "contextName", "email", "operator",
      "STR_ENDS_WITH", "values", ".com", "contextName", "age", "operator",
      "NUM_GT", "value", "17");
  json_array_append_new(
      features, json_pack("{s:s, s:b, s:[{s:s, s:o}]}", "name",
                          "bench-constraints", "enabled", 1, "strategies",
                          "name", "default", "constraints", constraints));
  json_array_append_new(
      features,
      json_pack("{s:s, s:b, s:[{s:s}], s:[{s:s, s:i, s:{s:s, s:s}},"
                " {s:s, s:i, s:{s:s, s:s}}, {s:s, s:i, s:{s:s, s:s}}]}",
                "name", "bench-variants", "enabled", 1, "strategies", "name",
                "default", "variants", "name", "red", "weight", 34, "payload",
                "type", "string", "value", "#f00", "name", "green", "weight",
                33, "payload", "type", "string", "value", "#0f0", "name",
                "blue", "weight", 33, "payload", "type", "string", "value",
                "#00f"));
  for (int i = 0; i < 1000; i++) {
    char name[32];
    snprintf(name, sizeof name, "filler-%04d", i);
    json_array_append_new(
        features, json_pack("{s:s, s:b, s:[{s:s, s:{s:s}}]}", "name", name,
                            "enabled", 1, "strategies", "name",
                            "flexibleRollout", "parameters", "rollout", "10"));
  }
  return json_pack("{s:i, s:o}", "version", 1, "features", features);
}

int main(int argc, char **argv) {
  if (argc > 1)
    seconds = atof(argv[1]);
  if (seconds <= 0)
    seconds = 1.0;
  vx_log_set_level(VX_LOG_ERROR);
  const char *dir = getenv("VX_PLUGIN_DIR");
  vx_plugin_host *plugins = vx_plugin_host_new();
  if (vx_plugin_host_load_dir(plugins, dir ? dir : vx_plugin_default_dir()) <
      8) {
    fprintf(stderr, "bench_eval: built-in plugins not found (VX_PLUGIN_DIR)\n");
    return 2;
  }
  vx_state st;
  vx_state_init(&st);
  json_t *doc = build_state();
  char err[512];
  vx_snapshot *snap;
  if (vx_state_import_unleash(&st, doc, "production", VX_IMPORT_REPLACE, err,
                              sizeof err) != 0 ||
      vx_snapshot_build(&st, NULL, plugins, VX_COMPILE_STRICT, &snap, err,
                        sizeof err) != 0) {
    fprintf(stderr, "bench_eval: %s\n", err);
    return 2;
  }
  json_decref(doc);
  engine = vx_engine_new();
  vx_engine_publish(engine, snap);
  for (int i = 0; i < N_CONTEXTS; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "{\"userId\": \"user-%d\", \"sessionId\": \"s-%d\","
             " \"properties\": {\"email\": \"user%d@example.com\","
             " \"appVersion\": \"2.%d.0\", \"country\": \"C%02d\","
             " \"age\": \"%d\"}}",
             i, i, i, i % 7, i % 100, 18 + i % 50);
    json_t *obj = json_loads(text, 0, NULL);
    if (vx_context_from_json(obj, &contexts[i], err, sizeof err) != 0) {
      fprintf(stderr, "bench_eval: %s\n", err);
      return 2;
    }
    json_decref(obj);
  }

  static const struct {
    const char *flag, *label;
  } cases[] = {
      {"bench-default", "default"},
      {"bench-rollout", "flexibleRollout 50%"},
      {"bench-constraints", "5 constraints (REGEX, SEMVER, IN x100, ...)"},
      {"bench-variants", "default + 3 variants"},
  };
  printf("| case | threads | evaluations/s | ns/evaluation/thread | "
         "allocations/evaluation | share on |\n");
  printf("|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (argc > 2 && strcmp(argv[2], cases[i].flag) != 0)
      continue;
    for (int threads = 1; threads <= 2; threads++) {
      double allocs, on;
      double rate = measure(cases[i].flag, threads, &allocs, &on);
      printf("| %s | %d | %.1f M | %.1f | %.3g | %.2f |\n", cases[i].label,
             threads, rate / 1e6, 1e9 * threads / rate, allocs, on);
      fflush(stdout);
    }
  }
  for (int i = 0; i < N_CONTEXTS; i++)
    vx_context_json_dispose(&contexts[i]);
  vx_engine_free(engine);
  vx_state_dispose(&st);
  vx_plugin_host_free(plugins);
  return 0;
}
