/*
 * The host table's size check published in vexil/sdk.h (VX_HOST_HAS),
 * against the fake host table cut to every length, and the template
 * plugin (sdk/template/my_strategy.c, loaded through dlopen as the daemon
 * loads it) refusing a host whose table lacks a function it calls.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "fake_host.h"
#include "vx_test.h"

/* A full table has every function; one cut right before a function's end
 * has none from that function on. */
static void test_host_has_exactly_the_functions_its_size_covers(void) {
  const vx_host_api *full = fh_host();
  CU_ASSERT_TRUE(VX_HOST_HAS(full, log));
  CU_ASSERT_TRUE(VX_HOST_HAS(full, random_u32));
  static const size_t ends[] = {
      offsetof(vx_host_api, log) + sizeof(void *),
      offsetof(vx_host_api, alloc) + sizeof(void *),
      offsetof(vx_host_api, free) + sizeof(void *),
      offsetof(vx_host_api, context_get) + sizeof(void *),
      offsetof(vx_host_api, normalized_hash) + sizeof(void *),
      offsetof(vx_host_api, now_ms) + sizeof(void *),
      offsetof(vx_host_api, random_u32) + sizeof(void *),
  };
  for (size_t cut = 0; cut < sizeof ends / sizeof ends[0]; cut++) {
    const vx_host_api *h =
        fh_host_variant((uint32_t)ends[cut] - 1, VX_ABI_MAJOR);
    /* The function cut in half and every later one are missing. */
    CU_ASSERT_EQUAL(VX_HOST_HAS(h, log), cut > 0);
    CU_ASSERT_EQUAL(VX_HOST_HAS(h, alloc), cut > 1);
    CU_ASSERT_EQUAL(VX_HOST_HAS(h, free), cut > 2);
    CU_ASSERT_EQUAL(VX_HOST_HAS(h, context_get), cut > 3);
    CU_ASSERT_EQUAL(VX_HOST_HAS(h, normalized_hash), cut > 4);
    CU_ASSERT_EQUAL(VX_HOST_HAS(h, now_ms), cut > 5);
    CU_ASSERT_FALSE(VX_HOST_HAS(h, random_u32));
  }
}

static void test_host_has_no_function_left_null(void) {
  vx_host_api h = *fh_host();
  h.now_ms = NULL;
  CU_ASSERT_FALSE(VX_HOST_HAS(&h, now_ms));
  CU_ASSERT_TRUE(VX_HOST_HAS(&h, random_u32));
}

/* The 1.0 table is what a 1.0 daemon hands over: all seven functions. */
static void test_the_1_0_host_table_has_every_1_0_function(void) {
  const vx_host_api *h =
      fh_host_variant((uint32_t)VX_HOST_API_SIZE_V1_0, VX_ABI_MAJOR);
  CU_ASSERT_TRUE(VX_HOST_HAS(h, log));
  CU_ASSERT_TRUE(VX_HOST_HAS(h, random_u32));
}

static const vx_strategy_descriptor *template_desc(void) {
  static const vx_strategy_descriptor *d;
  if (d != NULL)
    return d;
  char path[1024];
  snprintf(path, sizeof path, "%s/my_strategy.so", getenv("VX_TEMPLATE_DIR"));
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "%s\n", dlerror());
    return NULL;
  }
  void *sym = dlsym(h, VX_STRATEGY_ENTRY_SYMBOL);
  vx_strategy_entry_fn entry;
  *(void **)&entry = sym;
  d = sym != NULL ? entry() : NULL;
  return d;
}

static void test_template_refuses_a_host_without_a_function_it_calls(void) {
  const vx_strategy_descriptor *d = template_desc();
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  long live = fh_count.live;
  void *state = NULL;
  /* A table that ends before context_get, which evaluate calls. */
  const vx_host_api *h = fh_host_variant(
      (uint32_t)offsetof(vx_host_api, context_get), VX_ABI_MAJOR);
  CU_ASSERT_EQUAL(d->init(h, &state), VX_EABI);
  CU_ASSERT_EQUAL(fh_count.live, live);
}

static void test_template_accepts_the_1_0_host_table(void) {
  const vx_strategy_descriptor *d = template_desc();
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  void *state = NULL;
  const vx_host_api *h =
      fh_host_variant((uint32_t)VX_HOST_API_SIZE_V1_0, VX_ABI_MAJOR);
  CU_ASSERT_EQUAL(d->init(h, &state), VX_OK);
  if (d->fini != NULL)
    d->fini(state);
}

static const vx_test tests[] = {
    VX_TEST(test_host_has_exactly_the_functions_its_size_covers),
    VX_TEST(test_host_has_no_function_left_null),
    VX_TEST(test_the_1_0_host_table_has_every_1_0_function),
    VX_TEST(test_template_refuses_a_host_without_a_function_it_calls),
    VX_TEST(test_template_accepts_the_1_0_host_table),
    {NULL, NULL},
};

int main(void) {
  return vx_test_main("plugins/host_table", tests, NULL, NULL);
}
