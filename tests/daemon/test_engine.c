/*
 * Snapshot publication (daemon/engine.c): readers on any thread acquire
 * the current snapshot without locks; a published-over snapshot is freed
 * only once no reader holds it. A snapshot being freed is observed through
 * the reference count of a flag that only it holds. The stress test also
 * runs under AddressSanitizer, which turns a use-after-free into a crash.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context.h"
#include "engine.h"
#include "eval.h"
#include "log.h"
#include "plugin_host.h"
#include "vx_test.h"

static vx_plugin_host *plugins;

static int suite_init(void) {
  vx_log_set_level(VX_LOG_ERROR);
  plugins = vx_plugin_host_new();
  if (plugins == NULL)
    return -1;
  return vx_plugin_host_load_dir(plugins, getenv("VX_PLUGIN_DIR")) > 0 &&
                 vx_plugin_host_find(plugins, "default") != NULL
             ? 0
             : -1;
}

static int suite_clean(void) {
  vx_plugin_host_free(plugins);
  return 0;
}

/* A flag `key`, switched on or off, with the "default" strategy. */
static vx_flag *make_flag(const char *key, int enabled) {
  json_t *def = json_pack("{s:s, s:b, s:[{s:s}]}", "name", key, "enabled",
                          enabled, "strategies", "name", "default");
  CU_ASSERT_PTR_NOT_NULL_FATAL(def);
  vx_flag *f = NULL;
  char err[256];
  int rc = vx_flag_compile(def, NULL, plugins, VX_COMPILE_STRICT, &f, err,
                           sizeof err);
  json_decref(def);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return f;
}

/* A snapshot of revision rev holding flag in "production". */
static vx_snapshot *make_snapshot(uint64_t rev, vx_flag *flag) {
  vx_snapshot *s = vx_snapshot_new(rev);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  vx_env *env = vx_snapshot_env_add(s, "production");
  CU_ASSERT_PTR_NOT_NULL_FATAL(env);
  if (flag != NULL)
    CU_ASSERT_EQUAL_FATAL(vx_env_put(env, flag), 0);
  return s;
}

static unsigned refs(const vx_flag *f) {
  return atomic_load(&((vx_flag *)f)->refs);
}

static void test_acquire_before_any_publish_is_null(void) {
  vx_engine *e = vx_engine_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_PTR_NULL(vx_engine_acquire(e));
  vx_engine_release(e);
  CU_ASSERT_PTR_NULL(vx_engine_current(e));
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 0);
  /* A NULL acquire pins nothing: the first publish is seen at once. */
  vx_snapshot *s = make_snapshot(1, NULL);
  vx_engine_publish(e, s);
  CU_ASSERT_PTR_EQUAL(vx_engine_acquire(e), s);
  vx_engine_release(e);
  vx_engine_free(e);
}

static void test_acquire_returns_the_last_published_snapshot(void) {
  vx_engine *e = vx_engine_new();
  vx_snapshot *s1 = make_snapshot(1, NULL);
  vx_snapshot *s2 = make_snapshot(2, NULL);
  vx_engine_publish(e, s1);
  CU_ASSERT_PTR_EQUAL(vx_engine_current(e), s1);
  const vx_snapshot *got = vx_engine_acquire(e);
  CU_ASSERT_PTR_EQUAL(got, s1);
  CU_ASSERT_EQUAL(got->revision, 1);
  vx_engine_release(e);
  vx_engine_publish(e, s2);
  CU_ASSERT_PTR_EQUAL(vx_engine_current(e), s2);
  got = vx_engine_acquire(e);
  CU_ASSERT_PTR_EQUAL(got, s2);
  CU_ASSERT_EQUAL(got->revision, 2);
  vx_engine_release(e);
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 0);
  vx_engine_free(e);
}

static void test_publish_frees_the_old_snapshot_when_no_reader_holds_it(void) {
  vx_engine *e = vx_engine_new();
  vx_flag *old_flag = make_flag("old", 1);
  vx_engine_publish(e, make_snapshot(1, old_flag));
  CU_ASSERT_EQUAL(refs(old_flag), 2);
  vx_engine_publish(e, make_snapshot(2, NULL));
  CU_ASSERT_EQUAL(refs(old_flag), 1); /* snapshot 1 is gone */
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 0);
  vx_flag_unref(old_flag);
  vx_engine_free(e);
}

/* A reader on another thread that holds a snapshot until told to go. */
typedef struct held_reader {
  vx_engine *e;
  sem_t acquired, go, released;
  const vx_snapshot *seen;
  uint64_t revision_after_wait;
  const vx_flag *flag_after_wait;
} held_reader;

static void *held_reader_main(void *arg) {
  held_reader *r = arg;
  r->seen = vx_engine_acquire(r->e);
  sem_post(&r->acquired);
  sem_wait(&r->go);
  /* Still valid: the writer has published since, but we hold it. */
  r->revision_after_wait = r->seen->revision;
  const vx_env *env = vx_snapshot_env(r->seen, "production");
  r->flag_after_wait = env ? vx_env_find(env, "held", 4) : NULL;
  vx_engine_release(r->e);
  sem_post(&r->released);
  return NULL;
}

static void test_snapshot_held_by_another_thread_outlives_publish(void) {
  vx_engine *e = vx_engine_new();
  vx_flag *held = make_flag("held", 1);
  vx_snapshot *s1 = make_snapshot(1, held);
  vx_engine_publish(e, s1);

  held_reader r = {.e = e};
  sem_init(&r.acquired, 0, 0);
  sem_init(&r.go, 0, 0);
  sem_init(&r.released, 0, 0);
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, held_reader_main, &r), 0);
  sem_wait(&r.acquired);
  CU_ASSERT_PTR_EQUAL(r.seen, s1);

  vx_engine_publish(e, make_snapshot(2, NULL));
  CU_ASSERT_EQUAL(refs(held), 2); /* snapshot 1 was not freed */
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 1);
  CU_ASSERT_EQUAL(refs(held), 2);
  vx_engine_publish(e, make_snapshot(3, NULL)); /* 2 goes, 1 stays */
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 1);

  sem_post(&r.go);
  sem_wait(&r.released);
  CU_ASSERT_EQUAL(r.revision_after_wait, 1);
  CU_ASSERT_PTR_EQUAL(r.flag_after_wait, held);
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 0);
  CU_ASSERT_EQUAL(refs(held), 1); /* snapshot 1 is freed now */
  pthread_join(t, NULL);

  sem_destroy(&r.acquired);
  sem_destroy(&r.go);
  sem_destroy(&r.released);
  vx_flag_unref(held);
  vx_engine_free(e);
}

static void test_nested_acquire_returns_the_snapshot_already_held(void) {
  vx_engine *e = vx_engine_new();
  vx_flag *f1 = make_flag("one", 1);
  vx_snapshot *s1 = make_snapshot(1, f1);
  vx_engine_publish(e, s1);
  const vx_snapshot *outer = vx_engine_acquire(e);
  CU_ASSERT_PTR_EQUAL(outer, s1);
  vx_engine_publish(e, make_snapshot(2, NULL));
  /* A nested acquire sees what the outer one holds, not the newer one. */
  const vx_snapshot *inner = vx_engine_acquire(e);
  CU_ASSERT_PTR_EQUAL(inner, s1);
  vx_engine_release(e);
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 1); /* the outer still holds it */
  CU_ASSERT_EQUAL(refs(f1), 2);
  vx_engine_release(e);
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 0);
  CU_ASSERT_EQUAL(refs(f1), 1);
  /* After the last release a fresh acquire sees the current snapshot. */
  const vx_snapshot *now = vx_engine_acquire(e);
  CU_ASSERT_EQUAL(now->revision, 2);
  vx_engine_release(e);
  vx_flag_unref(f1);
  vx_engine_free(e);
}

static void test_acquires_on_different_engines_nest_independently(void) {
  vx_engine *a = vx_engine_new();
  vx_engine *b = vx_engine_new();
  vx_snapshot *sa = make_snapshot(10, NULL);
  vx_snapshot *sb = make_snapshot(20, NULL);
  vx_engine_publish(a, sa);
  vx_engine_publish(b, sb);
  CU_ASSERT_PTR_EQUAL(vx_engine_acquire(a), sa);
  CU_ASSERT_PTR_EQUAL(vx_engine_acquire(b), sb);
  CU_ASSERT_PTR_EQUAL(vx_engine_acquire(a), sa);
  vx_engine_publish(a, make_snapshot(11, NULL));
  vx_engine_publish(b, make_snapshot(21, NULL));
  CU_ASSERT_EQUAL(vx_engine_reclaim(a), 1);
  CU_ASSERT_EQUAL(vx_engine_reclaim(b), 1);
  vx_engine_release(b);
  CU_ASSERT_EQUAL(vx_engine_reclaim(b), 0);
  CU_ASSERT_EQUAL(vx_engine_reclaim(a), 1); /* a is held twice */
  vx_engine_release(a);
  CU_ASSERT_EQUAL(vx_engine_reclaim(a), 1);
  vx_engine_release(a);
  CU_ASSERT_EQUAL(vx_engine_reclaim(a), 0);
  vx_engine_free(a);
  vx_engine_free(b);
}

static void test_nesting_more_engines_than_the_limit_returns_null(void) {
  enum { N = VX_ENGINE_MAX_NEST + 1 };
  vx_engine *e[N];
  for (int i = 0; i < N; i++) {
    e[i] = vx_engine_new();
    vx_engine_publish(e[i], make_snapshot((uint64_t)i + 1, NULL));
  }
  for (int i = 0; i < N - 1; i++)
    CU_ASSERT_PTR_NOT_NULL(vx_engine_acquire(e[i]));
  CU_ASSERT_PTR_NULL(vx_engine_acquire(e[N - 1]));
  vx_engine_release(e[N - 1]); /* harmless: it holds nothing */
  for (int i = 0; i < N - 1; i++) {
    vx_engine_publish(e[i], make_snapshot(100, NULL));
    CU_ASSERT_EQUAL(vx_engine_reclaim(e[i]), 1); /* still held */
    vx_engine_release(e[i]);
    CU_ASSERT_EQUAL(vx_engine_reclaim(e[i]), 0);
  }
  for (int i = 0; i < N; i++)
    vx_engine_free(e[i]);
}

static void *acquire_and_exit(void *arg) {
  vx_engine *e = arg;
  return (void *)vx_engine_acquire(e); /* never released */
}

static void *acquire_and_release(void *arg) {
  vx_engine *e = arg;
  const vx_snapshot *s = vx_engine_acquire(e);
  vx_engine_release(e);
  return (void *)s;
}

static void test_thread_exiting_while_holding_pins_nothing(void) {
  vx_engine *e = vx_engine_new();
  vx_flag *f = make_flag("f", 1);
  vx_snapshot *s1 = make_snapshot(1, f);
  vx_engine_publish(e, s1);
  pthread_t t;
  void *seen = NULL;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, acquire_and_exit, e), 0);
  pthread_join(t, &seen);
  CU_ASSERT_PTR_EQUAL(seen, s1);
  vx_snapshot *s2 = make_snapshot(2, NULL);
  vx_engine_publish(e, s2);
  CU_ASSERT_EQUAL(vx_engine_reclaim(e), 0);
  CU_ASSERT_EQUAL(refs(f), 1);
  /* The next thread reuses the dead thread's slot and must still see the
   * current snapshot. */
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, acquire_and_release, e), 0);
  pthread_join(t, &seen);
  CU_ASSERT_PTR_EQUAL(seen, s2);
  vx_flag_unref(f);
  vx_engine_free(e);
}

/* ---------------------------------------------------------------- stress */

enum { READERS = 4, PUBLISHES = 2000 };

typedef struct stress {
  vx_engine *e;
  atomic_bool stop;
  /* per reader results */
  unsigned long iterations[READERS];
  unsigned long went_backwards[READERS];
  unsigned long inconsistent[READERS];
  unsigned long distinct[READERS];
  uint64_t last[READERS];
  int index_next;
  pthread_mutex_t index_lock;
} stress;

static void *stress_reader(void *arg) {
  stress *st = arg;
  pthread_mutex_lock(&st->index_lock);
  int me = st->index_next++;
  pthread_mutex_unlock(&st->index_lock);
  vx_context ctx;
  vx_context_init(&ctx);
  uint64_t last = 0;
  /* The pass that first sees `stop` runs after the last publish, so it
   * must see the last revision. */
  bool stopping;
  do {
    stopping = atomic_load(&st->stop);
    const vx_snapshot *s = vx_engine_acquire(st->e);
    if (s != NULL) {
      if (s->revision < last)
        st->went_backwards[me]++;
      if (s->revision != last)
        st->distinct[me]++;
      last = s->revision;
      const vx_env *env = vx_snapshot_env(s, "production");
      vx_decision d;
      /* Even revisions hold "toggle" on, odd ones off. */
      if (env == NULL || vx_evaluate(env, "toggle", 6, &ctx, &d) != 0 ||
          d.enabled != (s->revision % 2 == 0) ||
          strcmp(d.flag->key, "toggle") != 0)
        st->inconsistent[me]++;
    }
    vx_engine_release(st->e);
    st->iterations[me]++;
  } while (!stopping);
  st->last[me] = last;
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_readers_never_see_a_freed_or_older_snapshot(void) {
  stress st;
  memset(&st, 0, sizeof st);
  pthread_mutex_init(&st.index_lock, NULL);
  st.e = vx_engine_new();
  vx_flag *on = make_flag("toggle", 1);
  vx_flag *off = make_flag("toggle", 0);
  vx_engine_publish(st.e, make_snapshot(0, on));

  pthread_t t[READERS];
  for (int i = 0; i < READERS; i++)
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, stress_reader, &st), 0);
  /* 2,000 publishes spread over ~0.3 s: one every 150 us, without
   * sleeping when the schedule is already behind. */
  double start = now_s();
  for (uint64_t rev = 1; rev <= PUBLISHES; rev++) {
    vx_engine_publish(st.e, make_snapshot(rev, rev % 2 == 0 ? on : off));
    double ahead = start + (double)rev * 150e-6 - now_s();
    if (ahead > 0) {
      struct timespec pause = {0, (long)(ahead * 1e9)};
      nanosleep(&pause, NULL);
    }
  }
  atomic_store(&st.stop, true);
  for (int i = 0; i < READERS; i++)
    pthread_join(t[i], NULL);

  unsigned long total = 0, distinct = 0;
  for (int i = 0; i < READERS; i++) {
    CU_ASSERT(st.iterations[i] > 0);
    CU_ASSERT_EQUAL(st.went_backwards[i], 0);
    CU_ASSERT_EQUAL(st.inconsistent[i], 0);
    CU_ASSERT_EQUAL(st.last[i], PUBLISHES);
    total += st.iterations[i];
    distinct += st.distinct[i];
  }
  /* The readers ran while snapshots were being published. */
  CU_ASSERT(total > 2 * READERS);
  CU_ASSERT(distinct > 2 * READERS);
  /* Every retired snapshot is freed: only the current one and our own
   * references remain on the two flags. */
  CU_ASSERT_EQUAL(vx_engine_reclaim(st.e), 0);
  CU_ASSERT_EQUAL(refs(on) + refs(off), 3);
  CU_ASSERT_EQUAL(vx_engine_current(st.e)->revision, PUBLISHES);
  vx_engine_free(st.e);
  CU_ASSERT_EQUAL(refs(on), 1);
  CU_ASSERT_EQUAL(refs(off), 1);
  vx_flag_unref(on);
  vx_flag_unref(off);
  pthread_mutex_destroy(&st.index_lock);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_acquire_before_any_publish_is_null),
      VX_TEST(test_acquire_returns_the_last_published_snapshot),
      VX_TEST(test_publish_frees_the_old_snapshot_when_no_reader_holds_it),
      VX_TEST(test_snapshot_held_by_another_thread_outlives_publish),
      VX_TEST(test_nested_acquire_returns_the_snapshot_already_held),
      VX_TEST(test_acquires_on_different_engines_nest_independently),
      VX_TEST(test_nesting_more_engines_than_the_limit_returns_null),
      VX_TEST(test_thread_exiting_while_holding_pins_nothing),
      VX_TEST(test_readers_never_see_a_freed_or_older_snapshot),
      {NULL, NULL},
  };
  return vx_test_main("engine", tests, suite_init, suite_clean);
}
