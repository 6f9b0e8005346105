/*
 * What each worker is doing (daemon/inflight.c): a request is listed
 * while it runs, with its age, oldest first; streams are not counted as
 * in flight; the caller's own request is left out; long paths are cut.
 */
#include <pthread.h>
#include <string.h>

#include "inflight.h"
#include "vx_test.h"

typedef struct job {
  const char *path;
  int64_t start;
  bool stream;
  pthread_barrier_t *started, *finish;
} job;

static void *worker(void *arg) {
  job *j = arg;
  vx_inflight_begin("POST", j->path, j->start);
  if (j->stream)
    vx_inflight_streaming();
  pthread_barrier_wait(j->started);
  pthread_barrier_wait(j->finish);
  vx_inflight_end();
  return NULL;
}

static void test_requests_are_listed_oldest_first_while_they_run(void) {
  pthread_barrier_t started, finish;
  pthread_barrier_init(&started, NULL, 4);
  pthread_barrier_init(&finish, NULL, 4);
  char longer[300];
  memset(longer, 'x', sizeof longer - 1);
  longer[0] = '/';
  longer[sizeof longer - 1] = '\0';
  job jobs[3] = {{"/api/v1/evaluate/young", 9000, false, &started, &finish},
                 {"/api/v1/stream", 1000, true, &started, &finish},
                 {longer, 5000, false, &started, &finish}};
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&t[i], NULL, worker, &jobs[i]);
  pthread_barrier_wait(&started);
  vx_inflight_begin("GET", "/metrics", 20000); /* our own: left out */
  vx_inflight_entry e[8];
  size_t n = vx_inflight_list(e, 8, 20000);
  CU_ASSERT_EQUAL_FATAL(n, 3);
  CU_ASSERT_STRING_EQUAL(e[0].text, "POST /api/v1/stream");
  CU_ASSERT_TRUE(e[0].stream);
  CU_ASSERT_EQUAL(e[0].age_ms, 19000);
  CU_ASSERT_EQUAL(strlen(e[1].text), VX_INFLIGHT_TEXT - 1);
  CU_ASSERT_EQUAL(strncmp(e[1].text, "POST /xxx", 9), 0);
  CU_ASSERT_STRING_EQUAL(e[2].text, "POST /api/v1/evaluate/young");
  CU_ASSERT_EQUAL(e[2].age_ms, 11000);
  size_t in_flight, stuck;
  int64_t oldest;
  vx_inflight_stats(20000, &in_flight, &stuck, &oldest);
  CU_ASSERT_EQUAL(in_flight, 2); /* the stream is not counted */
  CU_ASSERT_EQUAL(stuck, 2);     /* both are older than 10 s */
  CU_ASSERT_EQUAL(oldest, 15000);
  pthread_barrier_wait(&finish);
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  vx_inflight_end();
  CU_ASSERT_EQUAL(vx_inflight_list(e, 8, 20000), 0);
  vx_inflight_stats(20000, &in_flight, &stuck, &oldest);
  CU_ASSERT_EQUAL(in_flight, 0);
  CU_ASSERT_EQUAL(oldest, 0);
  pthread_barrier_destroy(&started);
  pthread_barrier_destroy(&finish);
}

static const vx_test tests[] = {
    VX_TEST(test_requests_are_listed_oldest_first_while_they_run),
    {NULL, NULL},
};

int main(void) {
  return vx_test_main("daemon/inflight", tests, NULL, NULL);
}
