/*
 * vx_test.h - a thin layer over CUnit so that every test program reads the
 * same: a table of named tests, run as one suite, exit status = failures.
 */
#ifndef VX_TEST_H
#define VX_TEST_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct vx_test {
  const char *name;
  void (*fn)(void);
} vx_test;

#define VX_TEST(fn)                                                            \
  { #fn, fn }

/* Runs tests[] (terminated by {NULL, NULL}) as one CUnit suite and returns
 * a process exit status: 0 when every assertion passed. */
static inline int vx_test_main(const char *suite_name, const vx_test *tests,
                               CU_InitializeFunc init, CU_CleanupFunc cleanup) {
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  CU_pSuite suite = CU_add_suite(suite_name, init, cleanup);
  if (suite == NULL) {
    CU_cleanup_registry();
    return 2;
  }
  for (const vx_test *t = tests; t->name != NULL; t++) {
    if (CU_add_test(suite, t->name, t->fn) == NULL) {
      CU_cleanup_registry();
      return 2;
    }
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failures = CU_get_number_of_failures() +
                      CU_get_number_of_suites_failed() +
                      CU_get_number_of_tests_failed();
  unsigned ran = CU_get_number_of_tests_run();
  CU_cleanup_registry();
  if (ran == 0) {
    fprintf(stderr, "%s: no test ran\n", suite_name);
    return 2;
  }
  return failures == 0 ? 0 : 1;
}

#endif
