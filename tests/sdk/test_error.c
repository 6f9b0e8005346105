/*
 * test_error.c - names and descriptions of the vx_error codes.
 */
#include <string.h>
#include <vexil/error.h>

#include "vx_test.h"

static const struct {
  int code;
  const char *name;
} codes[] = {
    {VX_OK, "OK"},
    {VX_EINVAL, "EINVAL"},
    {VX_ENOMEM, "ENOMEM"},
    {VX_ENOENT, "ENOENT"},
    {VX_EEXIST, "EEXIST"},
    {VX_EPARSE, "EPARSE"},
    {VX_EABI, "EABI"},
    {VX_EIO, "EIO"},
    {VX_ERANGE, "ERANGE"},
    {VX_ETYPE, "ETYPE"},
    {VX_ECONFLICT, "ECONFLICT"},
    {VX_ECYCLE, "ECYCLE"},
    {VX_EUNSUPPORTED, "EUNSUPPORTED"},
    {VX_EPLUGIN, "EPLUGIN"},
    {VX_ETOOBIG, "ETOOBIG"},
    {VX_EINTERNAL, "EINTERNAL"},
};
#define N_CODES (sizeof codes / sizeof codes[0])

static void test_every_code_has_its_stable_name(void) {
  for (size_t i = 0; i < N_CODES; i++)
    CU_ASSERT_STRING_EQUAL(vx_errname(codes[i].code), codes[i].name);
}

static void test_every_code_has_a_distinct_description(void) {
  const char *unknown = vx_strerror(12345);
  for (size_t i = 0; i < N_CODES; i++) {
    const char *text = vx_strerror(codes[i].code);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT(strlen(text) > 0);
    CU_ASSERT_STRING_NOT_EQUAL(text, unknown);
    for (size_t j = 0; j < i; j++)
      CU_ASSERT_STRING_NOT_EQUAL(text, vx_strerror(codes[j].code));
  }
}

static void test_descriptions_are_meaningful(void) {
  CU_ASSERT_STRING_EQUAL(vx_strerror(VX_OK), "success");
  CU_ASSERT_STRING_EQUAL(vx_strerror(VX_ENOMEM), "out of memory");
  CU_ASSERT_PTR_NOT_NULL(strstr(vx_strerror(VX_EINTERNAL), "bug"));
}

static void test_unknown_codes_are_reported_as_unknown(void) {
  static const int unknown[] = {
      1, 42, -16, -100, VX_EINTERNAL - 1, (int)0x80000000u, 0x7fffffff};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    CU_ASSERT_STRING_EQUAL(vx_strerror(unknown[i]), "unknown error");
    CU_ASSERT_STRING_EQUAL(vx_errname(unknown[i]), "EUNKNOWN");
  }
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_every_code_has_its_stable_name),
      VX_TEST(test_every_code_has_a_distinct_description),
      VX_TEST(test_descriptions_are_meaningful),
      VX_TEST(test_unknown_codes_are_reported_as_unknown),
      {NULL, NULL},
  };
  return vx_test_main("sdk/error", tests, NULL, NULL);
}
