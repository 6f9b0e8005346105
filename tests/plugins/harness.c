/* harness.c - see harness.h. */
#include "harness.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 32

const vx_strategy_descriptor *th_desc;
void *th_state;
char th_err[256];

static const vx_strategy_descriptor *linked_desc;
static void *module_handle; /* non-NULL during the dlopen run */
static long live_at_start;

/* ------------------------------------------------------------- helpers */

static int vcompile(const char *flag, void **instance, va_list ap) {
  vx_param params[MAX_PARAMS];
  size_t n = 0;
  const char *name;
  while ((name = va_arg(ap, const char *)) != NULL) {
    const char *value = va_arg(ap, const char *);
    if (n < MAX_PARAMS) {
      params[n].name = name;
      params[n].value = value;
      n++;
    }
  }
  memset(th_err, 0, sizeof th_err);
  *instance = NULL;
  return th_desc->compile(th_state, flag, params, n, instance, th_err,
                          sizeof th_err);
}

int th_compile(const char *flag, void **instance, ...) {
  va_list ap;
  va_start(ap, instance);
  int rc = vcompile(flag, instance, ap);
  va_end(ap);
  return rc;
}

void *th_compile_ok(const char *flag, ...) {
  void *instance;
  va_list ap;
  va_start(ap, flag);
  int rc = vcompile(flag, &instance, ap);
  va_end(ap);
  if (rc != 0)
    fprintf(stderr, "\n  compile failed: %d %s\n", rc, th_err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(instance);
  if (th_err[0] != '\0')
    fprintf(stderr, "\n  unexpected warning: %s\n", th_err);
  CU_ASSERT_STRING_EQUAL(th_err, "");
  return instance;
}

void *th_compile_warns(const char *message, const char *flag, ...) {
  void *instance;
  va_list ap;
  va_start(ap, flag);
  int rc = vcompile(flag, &instance, ap);
  va_end(ap);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(instance);
  bool same = strcmp(th_err, message) == 0;
  if (!same)
    fprintf(stderr, "\n  expected warning \"%s\", got \"%s\"\n",
            message != NULL ? message : "", th_err);
  CU_ASSERT_TRUE(same);
  return instance;
}

void th_compile_fails(const char *message, const char *flag, ...) {
  void *instance;
  long live = fh_count.live;
  va_list ap;
  va_start(ap, flag);
  int rc = vcompile(flag, &instance, ap);
  va_end(ap);
  CU_ASSERT_EQUAL(rc, VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(th_err, message);
  if (strcmp(th_err, message) != 0)
    fprintf(stderr, "\n  expected \"%s\", got \"%s\"\n", message, th_err);
  CU_ASSERT_EQUAL(fh_count.live, live);
  if (rc == 0)
    th_free(instance);
}

int th_eval(const void *instance, const vx_context *ctx) {
  return th_desc->evaluate(instance, ctx);
}

void th_free(void *instance) {
  th_desc->free_instance(th_state, instance);
}

const vx_context *th_ctx1(const char *name, const char *value) {
  static vx_context ctx;
  fh_ctx_init(&ctx);
  fh_ctx_set(&ctx, name, value);
  return &ctx;
}

void th_check_descriptor(const char *name, vx_strategy_kind kind,
                         const th_param_expect *params, size_t n_params) {
  CU_ASSERT_STRING_EQUAL(th_desc->name, name);
  CU_ASSERT_EQUAL(th_desc->kind, kind);
  CU_ASSERT_EQUAL_FATAL(th_desc->n_params, n_params);
  if (n_params > 0)
    CU_ASSERT_PTR_NOT_NULL_FATAL(th_desc->params);
  for (size_t i = 0; i < n_params; i++) {
    const vx_param_def *p = &th_desc->params[i];
    CU_ASSERT_STRING_EQUAL(p->name, params[i].name);
    CU_ASSERT_EQUAL(p->type, params[i].type);
    CU_ASSERT_EQUAL(p->required != 0, params[i].required != 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->help);
    CU_ASSERT(strlen(p->help) > 10);
  }
}

void th_assert_evaluate_allocates_nothing(const void *instance,
                                          const vx_context *const *ctxs,
                                          size_t n, unsigned iterations) {
  fh_reset_counters();
  unsigned long host_allocs = fh_count.alloc_calls;
  unsigned long mallocs = fh_malloc_calls();
  unsigned on = 0;
  for (unsigned i = 0; i < iterations; i++)
    on += (unsigned)th_eval(instance, ctxs[i % n]);
  CU_ASSERT_EQUAL(fh_count.alloc_calls, host_allocs);
  CU_ASSERT_EQUAL(fh_malloc_calls(), mallocs);
  CU_ASSERT(on <= iterations);
}

void th_assert_compile_survives_alloc_failures(const char *flag, ...) {
  for (unsigned long k = 1; k <= 64; k++) {
    long live = fh_count.live;
    void *instance;
    fh_reset_counters();
    fh_fail_alloc_at(k);
    va_list ap;
    va_start(ap, flag);
    int rc = vcompile(flag, &instance, ap);
    va_end(ap);
    fh_fail_alloc_at(0);
    if (rc == 0) {
      CU_ASSERT_PTR_NOT_NULL(instance);
      th_free(instance);
      CU_ASSERT_EQUAL(fh_count.live, live);
      return;
    }
    CU_ASSERT_EQUAL(rc, VX_ENOMEM);
    CU_ASSERT_STRING_EQUAL(th_err, "out of memory");
    CU_ASSERT_EQUAL(fh_count.live, live);
  }
  CU_FAIL("compile kept failing after 64 allocation failures");
}

uint32_t th_random_for_bucket(uint32_t bucket) {
  /* The least r with (r * 100) >> 32 == bucket - 1. */
  uint64_t r = (((uint64_t)(bucket - 1) << 32) + 99) / 100;
  return (uint32_t)r;
}

const char *th_id(const char *prefix, unsigned i) {
  static char bufs[8][64];
  static unsigned next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "%s%u", prefix, i);
  return b;
}

/* ------------------------------------------------- checks for every plugin */

static void test_descriptor_begins_with_magic_abi_and_size(void) {
  CU_ASSERT_EQUAL(th_desc->magic, VX_STRATEGY_MAGIC);
  CU_ASSERT_EQUAL(th_desc->abi_major, VX_ABI_MAJOR);
  CU_ASSERT_EQUAL(th_desc->abi_minor, VX_ABI_MINOR);
  CU_ASSERT_EQUAL(th_desc->size, sizeof(vx_strategy_descriptor));
  CU_ASSERT(th_desc->size >= VX_DESCRIPTOR_SIZE_V1_0);
}

static void test_descriptor_has_version_description_and_callbacks(void) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(th_desc->name);
  CU_ASSERT(th_desc->name[0] != '\0');
  CU_ASSERT_PTR_NOT_NULL_FATAL(th_desc->version);
  CU_ASSERT_STRING_EQUAL(th_desc->version, "1.0.0");
  CU_ASSERT_PTR_NOT_NULL_FATAL(th_desc->description);
  CU_ASSERT(strlen(th_desc->description) > 10);
  CU_ASSERT(strchr(th_desc->description, '\n') == NULL);
  CU_ASSERT_PTR_NOT_NULL(th_desc->compile);
  CU_ASSERT_PTR_NOT_NULL(th_desc->evaluate);
  CU_ASSERT_PTR_NOT_NULL(th_desc->free_instance);
  /* init and fini come as a pair. */
  CU_ASSERT_EQUAL(th_desc->init == NULL, th_desc->fini == NULL);
  CU_ASSERT(th_desc->kind == VX_KIND_STATIC ||
            th_desc->kind == VX_KIND_TARGETING ||
            th_desc->kind == VX_KIND_SPLIT);
  CU_ASSERT(th_desc->n_params == 0 || th_desc->params != NULL);
  for (uint32_t i = 0; i < th_desc->n_params; i++) {
    CU_ASSERT_PTR_NOT_NULL(th_desc->params[i].name);
    CU_ASSERT(th_desc->params[i].type >= VX_PARAM_STRING &&
              th_desc->params[i].type <= VX_PARAM_BOOLEAN);
  }
}

static void test_init_refuses_a_host_of_another_abi_major(void) {
  if (th_desc->init == NULL) {
    CU_PASS("no init: the plugin uses no host function");
    return;
  }
  long live = fh_count.live;
  void *state = NULL;
  int rc = th_desc->init(fh_host_variant(sizeof(vx_host_api), VX_ABI_MAJOR + 1),
                         &state);
  CU_ASSERT_EQUAL(rc, VX_EABI);
  CU_ASSERT_EQUAL(fh_count.live, live);
}

static void test_init_refuses_a_host_table_too_short_for_its_needs(void) {
  if (th_desc->init == NULL) {
    CU_PASS("no init: the plugin uses no host function");
    return;
  }
  long live = fh_count.live;
  void *state = NULL;
  /* Only the header: no function at all. */
  int rc = th_desc->init(
      fh_host_variant((uint32_t)offsetof(vx_host_api, log), VX_ABI_MAJOR),
      &state);
  CU_ASSERT_EQUAL(rc, VX_EABI);
  CU_ASSERT_EQUAL(fh_count.live, live);
}

static void test_module_is_a_separate_copy_with_the_same_descriptor(void) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(module_handle);
  CU_ASSERT_PTR_NOT_EQUAL(th_desc, linked_desc);
  CU_ASSERT_STRING_EQUAL(th_desc->name, linked_desc->name);
  CU_ASSERT_EQUAL(th_desc->n_params, linked_desc->n_params);
  CU_ASSERT_EQUAL(th_desc->kind, linked_desc->kind);
}

static void test_module_exports_only_the_entry_point(void) {
  static const char *const hidden[] = {
      "vx_param_find",      "vx_parse_percentage", "vx_strset_from_csv",
      "vx_strset_contains", "vx_hash_prefix_init", "vx_normalized_hash",
      "vx_murmur3_32",      "vx_cidr_parse",       "vx_ip_parse",
      "vx_utf8_lower",      "vx_strerror",         "descriptor",
  };
  CU_ASSERT_PTR_NOT_NULL_FATAL(module_handle);
  CU_ASSERT_PTR_NOT_NULL(dlsym(module_handle, VX_STRATEGY_ENTRY_SYMBOL));
  for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
    void *sym = dlsym(module_handle, hidden[i]);
    if (sym != NULL)
      fprintf(stderr, "\n  %s is exported\n", hidden[i]);
    CU_ASSERT_PTR_NULL(sym);
  }
}

static const vx_test common_tests[] = {
    VX_TEST(test_descriptor_begins_with_magic_abi_and_size),
    VX_TEST(test_descriptor_has_version_description_and_callbacks),
    VX_TEST(test_init_refuses_a_host_of_another_abi_major),
    VX_TEST(test_init_refuses_a_host_table_too_short_for_its_needs),
    {NULL, NULL},
};

static const vx_test dlopen_tests[] = {
    VX_TEST(test_module_is_a_separate_copy_with_the_same_descriptor),
    VX_TEST(test_module_exports_only_the_entry_point),
    {NULL, NULL},
};

/* ----------------------------------------------------------------- runs */

static int suite_init(void) {
  fh_reset_counters();
  fh_random_fixed(0);
  live_at_start = fh_count.live;
  th_state = NULL;
  if (th_desc->init != NULL && th_desc->init(fh_host(), &th_state) != 0) {
    fprintf(stderr, "%s: init failed\n", th_desc->name);
    return 1;
  }
  return 0;
}

static int suite_cleanup(void) {
  if (th_desc->fini != NULL)
    th_desc->fini(th_state);
  th_state = NULL;
  if (fh_count.live != live_at_start) {
    fprintf(stderr, "%s: %ld host blocks leaked\n", th_desc->name,
            fh_count.live - live_at_start);
    return 1;
  }
  return 0;
}

static size_t count_tests(const vx_test *t) {
  size_t n = 0;
  while (t[n].name != NULL)
    n++;
  return n;
}

static int run(const char *suite, const vx_test *tests, int dlopen_run) {
  size_t n_common = count_tests(common_tests);
  size_t n_dlopen = dlopen_run ? count_tests(dlopen_tests) : 0;
  size_t n_own = count_tests(tests);
  vx_test *all = calloc(n_common + n_dlopen + n_own + 1, sizeof *all);
  if (all == NULL)
    return 2;
  memcpy(all, common_tests, n_common * sizeof *all);
  memcpy(all + n_common, dlopen_tests, n_dlopen * sizeof *all);
  memcpy(all + n_common + n_dlopen, tests, n_own * sizeof *all);
  int rc = vx_test_main(suite, all, suite_init, suite_cleanup);
  free(all);
  return rc;
}

int th_run_both(const char *module_file, const vx_strategy_descriptor *linked,
                const vx_test *tests) {
  const char *dir = getenv("VX_PLUGIN_DIR");
  if (dir == NULL || dir[0] == '\0') {
    fprintf(stderr, "VX_PLUGIN_DIR is not set: where are the modules?\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.so", dir, module_file);

  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
    return 2;
  }
  void *sym = dlsym(handle, VX_STRATEGY_ENTRY_SYMBOL);
  if (sym == NULL) {
    fprintf(stderr, "%s: no %s\n", path, VX_STRATEGY_ENTRY_SYMBOL);
    dlclose(handle);
    return 2;
  }
  vx_strategy_entry_fn entry;
  memcpy(&entry, &sym, sizeof entry); /* object to function pointer */
  const vx_strategy_descriptor *loaded = entry();
  if (loaded == NULL) {
    fprintf(stderr, "%s: %s returned NULL\n", path, VX_STRATEGY_ENTRY_SYMBOL);
    dlclose(handle);
    return 2;
  }

  char suite[128];
  linked_desc = linked;

  module_handle = handle;
  th_desc = loaded;
  snprintf(suite, sizeof suite, "%s via dlopen(%s.so)", loaded->name,
           module_file);
  int rc_loaded = run(suite, tests, 1);
  module_handle = NULL;

  th_desc = linked;
  snprintf(suite, sizeof suite, "%s linked in", linked->name);
  int rc_linked = run(suite, tests, 0);

  /* Sanitizer runs keep the module mapped so leak reports name lines. */
  const char *keep = getenv("VEXIL_NO_DLCLOSE");
  if ((keep == NULL || strcmp(keep, "1") != 0) && dlclose(handle) != 0) {
    fprintf(stderr, "dlclose %s: %s\n", path, dlerror());
    return 2;
  }
  return rc_loaded > rc_linked ? rc_loaded : rc_linked;
}
