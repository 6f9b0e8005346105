/* test_http_deadline.c - deadlines for a worker's blocking reads
 * (daemon/http_deadline.c): the watchdog ends a poll() that outlives its
 * deadline, and never touches a thread that is not armed. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_deadline.h"
#include "vx_test.h"

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* poll() on a pipe nobody writes to: its result, with errno in *err and
 * the time it took in *ms. */
static int poll_idle(int timeout_ms, int *err, long *ms) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  struct pollfd p = {fds[0], POLLIN, 0};
  uint64_t t0 = now_us();
  errno = 0;
  int r = poll(&p, 1, timeout_ms);
  *err = errno;
  *ms = (long)((now_us() - t0) / 1000);
  close(fds[0]);
  close(fds[1]);
  return r;
}

static vx_deadlines *started(int n) {
  vx_deadlines *d = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_deadlines_start(n, &d), 0);
  vx_deadline_attach(d);
  return d;
}

static void test_a_poll_past_its_deadline_is_interrupted(void) {
  vx_deadlines *d = started(2);
  vx_deadline_arm(now_us() + 200000);
  int err;
  long ms;
  int r = poll_idle(5000, &err, &ms);
  CU_ASSERT_EQUAL(r, -1);
  CU_ASSERT_EQUAL(err, EINTR);
  CU_ASSERT_TRUE(ms >= 190 && ms < 1000);
  CU_ASSERT_TRUE(vx_deadline_disarm());
  vx_deadlines_stop(d);
}

static void test_a_disarmed_thread_is_never_interrupted(void) {
  vx_deadlines *d = started(2);
  vx_deadline_arm(now_us() + 50000);
  CU_ASSERT_FALSE(vx_deadline_disarm());
  int err;
  long ms;
  CU_ASSERT_EQUAL(poll_idle(400, &err, &ms), 0);
  vx_deadlines_stop(d);
}

static void *write_later(void *arg) {
  struct timespec ts = {0, 100 * 1000000L};
  nanosleep(&ts, NULL);
  CU_ASSERT_EQUAL(write(*(int *)arg, "x", 1), 1);
  return NULL;
}

static void test_a_read_that_ends_in_time_is_left_alone(void) {
  vx_deadlines *d = started(2);
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  pthread_t t;
  pthread_create(&t, NULL, write_later, &fds[1]);
  vx_deadline_arm(now_us() + 2000000);
  struct pollfd p = {fds[0], POLLIN, 0};
  CU_ASSERT_EQUAL(poll(&p, 1, 5000), 1);
  CU_ASSERT_FALSE(vx_deadline_disarm());
  pthread_join(t, NULL);
  close(fds[0]);
  close(fds[1]);
  vx_deadlines_stop(d);
}

/* A signal that arrives between two polls is sent again at the next
 * tick, so the poll after it ends too. */
static void test_the_signal_is_sent_again_until_disarmed(void) {
  vx_deadlines *d = started(2);
  vx_deadline_arm(now_us());
  uint64_t t0 = now_us();
  while (now_us() - t0 < 3u * VX_DEADLINE_TICK_MS * 1000u)
    ; /* busy, not in poll: the first signal is spent here */
  int err;
  long ms;
  CU_ASSERT_EQUAL(poll_idle(5000, &err, &ms), -1);
  CU_ASSERT_EQUAL(err, EINTR);
  CU_ASSERT_TRUE(ms < 1000);
  CU_ASSERT_TRUE(vx_deadline_disarm());
  vx_deadlines_stop(d);
}

/* A signal still pending when the read ends is taken by disarm: the
 * thread's next poll runs to its own timeout. */
static void test_disarm_leaves_no_pending_signal_behind(void) {
  vx_deadlines *d = started(2);
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, VX_DEADLINE_SIGNAL);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  vx_deadline_arm(now_us());
  struct timespec ts = {0, 3 * VX_DEADLINE_TICK_MS * 1000000L};
  nanosleep(&ts, NULL);
  sigset_t pending;
  sigpending(&pending);
  CU_ASSERT_TRUE(sigismember(&pending, VX_DEADLINE_SIGNAL));
  CU_ASSERT_TRUE(vx_deadline_disarm());
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  int err;
  long ms;
  CU_ASSERT_EQUAL(poll_idle(300, &err, &ms), 0);
  vx_deadlines_stop(d);
}

static void test_a_thread_without_a_slot_has_no_deadline(void) {
  vx_deadlines *d = started(0);
  vx_deadline_arm(now_us());
  int err;
  long ms;
  CU_ASSERT_EQUAL(poll_idle(300, &err, &ms), 0);
  CU_ASSERT_FALSE(vx_deadline_disarm());
  vx_deadlines_stop(d);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_a_poll_past_its_deadline_is_interrupted),
      VX_TEST(test_a_disarmed_thread_is_never_interrupted),
      VX_TEST(test_a_read_that_ends_in_time_is_left_alone),
      VX_TEST(test_the_signal_is_sent_again_until_disarmed),
      VX_TEST(test_disarm_leaves_no_pending_signal_behind),
      VX_TEST(test_a_thread_without_a_slot_has_no_deadline),
      {NULL, NULL},
  };
  return vx_test_main("http_deadline", tests, NULL, NULL);
}
