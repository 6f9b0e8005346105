/*
 * `vexild evaluate`, run as a release manager runs it: the real binary,
 * its default plugin folder, a state file, contexts; decisions on stdout
 * one JSON line each, errors on stderr with a non-zero exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vx_test.h"

static char tmpdir[] = "/tmp/vexil-cli-XXXXXX";
static char state_path[256], contexts_path[256], bad_path[256];
static char out_path[256], err_path[256];
static char out[16384], errs[16384];

static const char *state_json =
    "{\"version\": 1, \"features\": ["
    " {\"name\": \"checkout\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"userWithId\","
    "   \"parameters\": {\"userIds\": \"alice\"}}],"
    "  \"variants\": [{\"name\": \"new\", \"weight\": 1,"
    "   \"payload\": {\"type\": \"string\", \"value\": \"v2\"}}]},"
    " {\"name\": \"ramp\", \"enabled\": true,"
    "  \"strategies\": [{\"name\": \"flexibleRollout\","
    "   \"parameters\": {\"rollout\": \"100\"}}]}"
    "]}";

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

static void read_file(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
  buf[n] = '\0';
  if (f)
    fclose(f);
}

static int suite_init(void) {
  if (mkdtemp(tmpdir) == NULL || getenv("VX_VEXILD") == NULL)
    return -1;
  snprintf(state_path, sizeof state_path, "%s/state.json", tmpdir);
  snprintf(contexts_path, sizeof contexts_path, "%s/contexts.jsonl", tmpdir);
  snprintf(bad_path, sizeof bad_path, "%s/bad.json", tmpdir);
  snprintf(out_path, sizeof out_path, "%s/out", tmpdir);
  snprintf(err_path, sizeof err_path, "%s/err", tmpdir);
  FILE *f = fopen(state_path, "w");
  if (f == NULL)
    return -1;
  fputs(state_json, f);
  fclose(f);
  return 0;
}

static int suite_clean(void) {
  const char *files[] = {state_path, contexts_path, bad_path, out_path,
                         err_path};
  for (size_t i = 0; i < 5; i++)
    unlink(files[i]);
  rmdir(tmpdir);
  return 0;
}

/* Runs vexild with args (shell words); returns its exit status. */
static int run(const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s' </dev/null",
           getenv("VX_VEXILD"), args, out_path, err_path);
  int st = system(cmd);
  read_file(out_path, out, sizeof out);
  read_file(err_path, errs, sizeof errs);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_one_context_prints_one_decision(void) {
  char args[1024];
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag checkout "
           "--context '{\"userId\": \"alice\"}'",
           state_path);
  CU_ASSERT_EQUAL(run(args), 0);
  CU_ASSERT_STRING_EQUAL(
      out, "{\"flag\":\"checkout\",\"enabled\":true,\"variant\":{\"name\":"
           "\"new\",\"enabled\":true,\"feature_enabled\":true,\"payload\":{"
           "\"type\":\"string\",\"value\":\"v2\"}},\"reason\":"
           "\"TARGETING_MATCH\"}\n");
}

static void test_contexts_file_gives_one_line_per_context_in_order(void) {
  write_file(contexts_path, "{\"userId\": \"bob\"}\n"
                            "\n"
                            "{\"userId\": \"alice\"}\n"
                            "{}\n");
  char args[1024];
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag checkout --contexts '%s'",
           state_path, contexts_path);
  CU_ASSERT_EQUAL(run(args), 0);
  char *l1 = out, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
  CU_ASSERT_PTR_NOT_NULL_FATAL(strchr(l3, '\n'));
  CU_ASSERT_EQUAL(strchr(l3, '\n')[1], '\0'); /* exactly three lines */
  CU_ASSERT_EQUAL(strncmp(l1, "{\"flag\":\"checkout\",\"enabled\":false", 34),
                  0);
  CU_ASSERT_EQUAL(strncmp(l2, "{\"flag\":\"checkout\",\"enabled\":true", 33),
                  0);
  CU_ASSERT_EQUAL(strncmp(l3, "{\"flag\":\"checkout\",\"enabled\":false", 34),
                  0);
}

static void test_unknown_flag_prints_flag_not_found_and_exits_0(void) {
  char args[1024];
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag nope --context '{}'",
           state_path);
  CU_ASSERT_EQUAL(run(args), 0);
  CU_ASSERT_STRING_EQUAL(
      out, "{\"flag\":\"nope\",\"enabled\":false,\"variant\":{\"name\":"
           "\"disabled\",\"enabled\":false,\"feature_enabled\":false},"
           "\"reason\":\"FLAG_NOT_FOUND\"}\n");
}

static void test_builtin_plugins_are_found_without_plugin_dir(void) {
  char args[1024];
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag ramp --context "
           "'{\"userId\": \"u\"}'",
           state_path);
  CU_ASSERT_EQUAL(run(args), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"enabled\":true"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"reason\":\"SPLIT\""));
}

static void test_malformed_state_names_file_line_and_column(void) {
  write_file(bad_path, "{\"features\": [\n  {\"name\": }\n]}\n");
  char args[1024];
  snprintf(args, sizeof args, "evaluate --unleash-state '%s' --flag x",
           bad_path);
  CU_ASSERT_EQUAL(run(args), 2);
  CU_ASSERT_STRING_EQUAL(out, "");
  char want[300];
  snprintf(want, sizeof want, "%s:2:", bad_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, want));
}

static void test_state_of_the_wrong_shape_is_refused(void) {
  write_file(bad_path, "{\"features\": {}}");
  char args[1024];
  snprintf(args, sizeof args, "evaluate --unleash-state '%s' --flag x",
           bad_path);
  CU_ASSERT_EQUAL(run(args), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "\"features\" must be an array"));
}

static void test_bad_context_is_refused_with_its_line(void) {
  write_file(contexts_path, "{\"userId\": \"a\"}\n{\"userId\": [1]}\n");
  char args[1024];
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag checkout --contexts '%s'",
           state_path, contexts_path);
  CU_ASSERT_EQUAL(run(args), 2);
  char want[300];
  snprintf(want, sizeof want, "%s:2:", contexts_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, want));
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "userId"));
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag checkout --context '{'",
           state_path);
  CU_ASSERT_EQUAL(run(args), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "invalid JSON"));
}

static void test_json_nested_too_deep_is_refused_before_parsing(void) {
  char deep[2048];
  memset(deep, '[', 800);
  memset(deep + 800, ']', 800);
  deep[1600] = '\0';
  char text[2100];
  snprintf(text, sizeof text, "{\"features\": %s}", deep);
  write_file(bad_path, text);
  char args[4096];
  snprintf(args, sizeof args, "evaluate --unleash-state '%s' --flag x",
           bad_path);
  CU_ASSERT_EQUAL(run(args), 2);
  char want[300];
  snprintf(want, sizeof want, "%s:1:77: nesting deeper than 64 levels",
           bad_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, want));
  snprintf(text, sizeof text, "{\"userId\": %s}", deep);
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag checkout --context '%s'",
           state_path, text);
  CU_ASSERT_EQUAL(run(args), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "nesting deeper than 64 levels"));
}

static void test_missing_arguments_print_usage(void) {
  CU_ASSERT_EQUAL(run("evaluate --flag x"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "usage: vexild evaluate"));
  CU_ASSERT_EQUAL(run("evaluate --bogus"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--bogus"));
  char args[1024];
  snprintf(args, sizeof args,
           "evaluate --unleash-state '%s' --flag x --plugin-dir "
           "/nonexistent/dir",
           state_path);
  CU_ASSERT_EQUAL(run(args), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(errs, "/nonexistent/dir"));
}

static void test_help_and_version(void) {
  CU_ASSERT_EQUAL(run("--help"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "vexild evaluate"));
  CU_ASSERT_EQUAL(run("--version"), 0);
  CU_ASSERT_EQUAL(strncmp(out, "vexild ", 7), 0);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_one_context_prints_one_decision),
      VX_TEST(test_contexts_file_gives_one_line_per_context_in_order),
      VX_TEST(test_unknown_flag_prints_flag_not_found_and_exits_0),
      VX_TEST(test_builtin_plugins_are_found_without_plugin_dir),
      VX_TEST(test_malformed_state_names_file_line_and_column),
      VX_TEST(test_state_of_the_wrong_shape_is_refused),
      VX_TEST(test_bad_context_is_refused_with_its_line),
      VX_TEST(test_json_nested_too_deep_is_refused_before_parsing),
      VX_TEST(test_missing_arguments_print_usage),
      VX_TEST(test_help_and_version),
      {NULL, NULL},
  };
  return vx_test_main("daemon/cli_evaluate", tests, suite_init, suite_clean);
}
