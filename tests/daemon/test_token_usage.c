/* test_token_usage.c - the table of token usage cells
 * (daemon/token_usage.c): one stable cell per token, found by id; a use
 * is recorded once per grain; the store's time is taken when later. */
#include <pthread.h>

#include "token_usage.h"
#include "vx_test.h"

static void test_each_token_has_one_cell_that_never_moves(void) {
  vx_token_usage *u = vx_token_usage_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(u);
  vx_token_use *first = vx_token_usage_cell(u, 5, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(first);
  /* Many more, in and out of order: the array grows, cells stay put. */
  for (int64_t id = 100; id > 5; id--)
    CU_ASSERT_PTR_NOT_NULL(vx_token_usage_cell(u, id, 0));
  CU_ASSERT_PTR_NOT_NULL(vx_token_usage_cell(u, 1, 0));
  CU_ASSERT_EQUAL(vx_token_usage_count(u), 97);
  CU_ASSERT_PTR_EQUAL(vx_token_usage_cell(u, 5, 0), first);
  CU_ASSERT_PTR_EQUAL(vx_token_usage_find(u, 5), first);
  CU_ASSERT_PTR_NULL(vx_token_usage_find(u, 2));
  for (size_t i = 1; i < vx_token_usage_count(u); i++)
    CU_ASSERT_TRUE(vx_token_usage_at(u, i - 1)->id <
                   vx_token_usage_at(u, i)->id);
  CU_ASSERT_PTR_NULL(vx_token_usage_at(u, 97));
  vx_token_usage_free(u);
}

static void test_a_use_is_recorded_once_per_grain(void) {
  vx_token_usage *u = vx_token_usage_new();
  vx_token_use *c = vx_token_usage_cell(u, 1, 0);
  CU_ASSERT_EQUAL(vx_token_use_last(c), 0);
  vx_token_use_touch(c, 10000);
  CU_ASSERT_EQUAL(vx_token_use_last(c), 10000);
  vx_token_use_touch(c, 10000 + VX_TOKEN_USE_GRAIN_MS - 1); /* too soon */
  CU_ASSERT_EQUAL(vx_token_use_last(c), 10000);
  vx_token_use_touch(c, 10000 + VX_TOKEN_USE_GRAIN_MS);
  CU_ASSERT_EQUAL(vx_token_use_last(c), 10000 + VX_TOKEN_USE_GRAIN_MS);
  vx_token_use_touch(c, 5000); /* a clock step back is not recorded */
  CU_ASSERT_EQUAL(vx_token_use_last(c), 10000 + VX_TOKEN_USE_GRAIN_MS);
  CU_ASSERT_EQUAL(c->flushed_ms, 0);
  vx_token_usage_free(u);
}

static void test_the_stored_time_is_taken_only_when_later(void) {
  vx_token_usage *u = vx_token_usage_new();
  vx_token_use *c = vx_token_usage_cell(u, 1, 7000);
  CU_ASSERT_EQUAL(vx_token_use_last(c), 7000);
  CU_ASSERT_EQUAL(c->flushed_ms, 7000);
  vx_token_use_touch(c, 20000);
  vx_token_usage_cell(u, 1, 9000); /* reloaded: older than the use */
  CU_ASSERT_EQUAL(vx_token_use_last(c), 20000);
  CU_ASSERT_EQUAL(c->flushed_ms, 9000);
  vx_token_usage_cell(u, 1, 30000); /* written by another process */
  CU_ASSERT_EQUAL(vx_token_use_last(c), 30000);
  CU_ASSERT_EQUAL(c->flushed_ms, 30000);
  vx_token_usage_free(u);
}

static void *hammer(void *arg) {
  vx_token_use *c = arg;
  for (int64_t t = 1; t <= 200000; t++)
    vx_token_use_touch(c, t);
  return NULL;
}

/* Threads record uses of one token at once (run under TSan or helgrind
 * too): the cell ends near the last time any of them saw. */
static void test_threads_record_uses_without_a_lock(void) {
  vx_token_usage *u = vx_token_usage_new();
  vx_token_use *c = vx_token_usage_cell(u, 1, 0);
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, hammer, c);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  CU_ASSERT_TRUE(vx_token_use_last(c) > 200000 - 4 * VX_TOKEN_USE_GRAIN_MS);
  vx_token_usage_free(u);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_each_token_has_one_cell_that_never_moves),
      VX_TEST(test_a_use_is_recorded_once_per_grain),
      VX_TEST(test_the_stored_time_is_taken_only_when_later),
      VX_TEST(test_threads_record_uses_without_a_lock),
      {NULL, NULL}};
  return vx_test_main("token_usage", tests, NULL, NULL);
}
