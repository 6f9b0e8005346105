/*
 * The plugin host: loads every plugin of a folder through dlopen, checks
 * each descriptor before calling anything, refuses broken plugins with a
 * message naming the file, the field and both values, and goes on with the
 * others.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "plugin_compile.h"
#include "plugin_host.h"
#include "vx_test.h"

/* Log lines captured from the host. */
static char logged[32][1024];
static int n_logged;

static void capture(vx_log_level level, const char *line, void *arg) {
  (void)arg;
  if (level >= VX_LOG_WARN && n_logged < 32)
    snprintf(logged[n_logged++], sizeof logged[0], "%s", line);
}

/* The captured line mentioning file, or NULL. */
static const char *line_about(const char *file) {
  for (int i = 0; i < n_logged; i++)
    if (strstr(logged[i], file) != NULL)
      return logged[i];
  return NULL;
}

static vx_plugin_host *load_builtins_and_fixtures(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(host);
  n_logged = 0;
  vx_log_set_sink(capture, NULL);
  int builtins = vx_plugin_host_load_dir(host, getenv("VX_PLUGIN_DIR"));
  int fixtures = vx_plugin_host_load_dir(host, getenv("VX_FIXTURE_DIR"));
  vx_log_set_sink(NULL, NULL);
  CU_ASSERT_EQUAL(builtins, 10);
  CU_ASSERT_EQUAL(fixtures, 1); /* only good.so among the fixtures */
  return host;
}

static void assert_refused(const char *file, const char *field, const char *v1,
                           const char *v2) {
  const char *line = line_about(file);
  if (line == NULL) {
    fprintf(stderr, "no refusal logged for %s\n", file);
    CU_FAIL("no refusal logged");
    return;
  }
  bool ok = strstr(line, field) != NULL && (!v1 || strstr(line, v1)) &&
            (!v2 || strstr(line, v2));
  if (!ok)
    fprintf(stderr, "refusal of %s lacks %s/%s/%s: %s\n", file, field,
            v1 ? v1 : "", v2 ? v2 : "", line);
  CU_ASSERT_TRUE(ok);
}

static void test_builtin_strategies_are_all_loaded_by_name(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  static const char *names[] = {"default",
                                "userWithId",
                                "flexibleRollout",
                                "gradualRolloutUserId",
                                "gradualRolloutSessionId",
                                "gradualRolloutRandom",
                                "remoteAddress",
                                "applicationHostname",
                                "timeWindow",
                                "rampRollout"};
  for (size_t i = 0; i < 10; i++) {
    vx_plugin *p = vx_plugin_host_find(host, names[i]);
    CU_ASSERT_PTR_NOT_NULL(p);
    if (p != NULL)
      CU_ASSERT_PTR_NOT_NULL(p->handle);
  }
  CU_ASSERT_PTR_NOT_NULL(vx_plugin_host_find(host, "fixtureGood"));
  CU_ASSERT_EQUAL(vx_plugin_host_count(host), 11);
  vx_plugin_host_free(host);
}

static void test_wrong_magic_is_refused_with_both_values(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("bad_magic.so", "magic", "0xdeadbeef", "0x5658534c");
  vx_plugin_host_free(host);
}

static void test_other_abi_major_is_refused_with_both_values(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("bad_major.so", "abi_major is 2", "supports 1", NULL);
  vx_plugin_host_free(host);
}

static void test_newer_abi_minor_is_refused(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  char want[64];
  snprintf(want, sizeof want, "abi_minor is %d", VX_ABI_MINOR + 1);
  assert_refused("future_minor.so", want, "up to", NULL);
  vx_plugin_host_free(host);
}

static void test_too_small_descriptor_is_refused(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  char want[64];
  snprintf(want, sizeof want, "at least %zu", (size_t)VX_DESCRIPTOR_SIZE_V1_0);
  assert_refused("small_size.so", "size is 16", want, NULL);
  vx_plugin_host_free(host);
}

static void test_null_callback_is_refused(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("null_evaluate.so", "evaluate is NULL", NULL, NULL);
  vx_plugin_host_free(host);
}

static void test_missing_name_is_refused(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("no_name.so", "name is NULL", NULL, NULL);
  vx_plugin_host_free(host);
}

static void test_duplicate_name_is_refused_naming_the_first_file(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("dup_name.so", "\"default\"", "default.so", NULL);
  /* The first one keeps serving. */
  vx_plugin *p = vx_plugin_host_find(host, "default");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_PTR_NULL(strstr(p->origin, "dup_name"));
  vx_plugin_host_free(host);
}

static void test_failing_init_is_refused(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("init_fails.so", "init returned -1", "expects 0", NULL);
  CU_ASSERT_EQUAL(vx_plugin_host_count(host), 11);
  vx_plugin_host_free(host);
}

static void test_missing_entry_symbol_is_refused(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("no_entry.so", "vexil_strategy_entry is missing", NULL, NULL);
  vx_plugin_host_free(host);
}

static void test_entry_returning_null_is_refused(void) {
  vx_plugin_host *host = load_builtins_and_fixtures();
  assert_refused("entry_null.so", "returned NULL", NULL, NULL);
  vx_plugin_host_free(host);
}

static void test_file_that_is_not_a_shared_object_is_refused(void) {
  char dir[] = "/tmp/vexil-plugins-XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/garbage.so", dir);
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("this is not an ELF file\n", f);
  fclose(f);
  vx_plugin_host *host = vx_plugin_host_new();
  char err[512];
  int rc = vx_plugin_host_load_file(host, path, err, sizeof err);
  CU_ASSERT_EQUAL(rc, VX_EIO);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "garbage.so"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "dlopen failed"));
  CU_ASSERT_EQUAL(vx_plugin_host_count(host), 0);
  vx_plugin_host_free(host);
  unlink(path);
  rmdir(dir);
}

static void test_unreadable_folder_is_an_error(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  vx_log_set_sink(capture, NULL);
  CU_ASSERT_EQUAL(vx_plugin_host_load_dir(host, "/nonexistent/vexil"), VX_EIO);
  vx_log_set_sink(NULL, NULL);
  vx_plugin_host_free(host);
}

/* In-process descriptors go through the same checks. */
static int ok_compile(void *st, const char *flag, const vx_param *p, size_t n,
                      void **inst, char *err, size_t errlen) {
  (void)st, (void)flag, (void)p, (void)n;
  static int dummy;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(p[i].name, "refuse") == 0) {
      snprintf(err, errlen, "refused because refuse=%s", p[i].value);
      return VX_EINVAL;
    }
  }
  *inst = &dummy;
  return 0;
}
static int ok_evaluate(const void *inst, const vx_context *ctx) {
  (void)inst, (void)ctx;
  return 1;
}
static void ok_free(void *st, void *inst) {
  (void)st, (void)inst;
}

static const vx_param_def typed_params[] = {
    {"share", VX_PARAM_PERCENTAGE, 1, "how many"},
    {"limit", VX_PARAM_NUMBER, 0, "a number"},
    {"strict", VX_PARAM_BOOLEAN, 0, "a flag"},
    {"ids", VX_PARAM_LIST, 0, "a list"},
    {"refuse", VX_PARAM_STRING, 0, "refused by the plugin when given"},
};

static vx_strategy_descriptor typed_descriptor(void) {
  vx_strategy_descriptor d = {
      .magic = VX_STRATEGY_MAGIC,
      .abi_major = VX_ABI_MAJOR,
      .abi_minor = VX_ABI_MINOR,
      .size = sizeof(vx_strategy_descriptor),
      .name = "typed",
      .version = "1",
      .description = "typed parameters",
      .params = typed_params,
      .n_params = 5,
      .compile = ok_compile,
      .evaluate = ok_evaluate,
      .free_instance = ok_free,
  };
  return d;
}

static void test_descriptor_check_names_the_parameter_table_field(void) {
  vx_strategy_descriptor d = typed_descriptor();
  char err[256];
  CU_ASSERT_EQUAL(vx_plugin_check_descriptor(&d, err, sizeof err), 0);
  d.params = NULL;
  CU_ASSERT_EQUAL(vx_plugin_check_descriptor(&d, err, sizeof err), VX_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "params is NULL, n_params is 5"));
  vx_param_def bad[] = {{"x", (vx_param_type)9, 0, ""}};
  d.params = bad;
  d.n_params = 1;
  CU_ASSERT_EQUAL(vx_plugin_check_descriptor(&d, err, sizeof err), VX_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "params[0].type is 9"));
}

/* A 1.0 plugin's size is the 1.0 figure, whatever later minors append to
 * the struct; one byte less is refused with both values. */
static void test_descriptor_of_the_1_0_size_is_accepted(void) {
  vx_strategy_descriptor d = typed_descriptor();
  char err[256] = "";
  d.abi_minor = 0;
  d.size = (uint32_t)VX_DESCRIPTOR_SIZE_V1_0;
  CU_ASSERT_EQUAL(vx_plugin_check_descriptor(&d, err, sizeof err), 0);
  d.size = (uint32_t)VX_DESCRIPTOR_SIZE_V1_0 - 1;
  CU_ASSERT_EQUAL(vx_plugin_check_descriptor(&d, err, sizeof err), VX_EABI);
  char want[96];
  snprintf(want, sizeof want, "size is %zu, abi 1.0 needs at least %zu",
           (size_t)VX_DESCRIPTOR_SIZE_V1_0 - 1,
           (size_t)VX_DESCRIPTOR_SIZE_V1_0);
  CU_ASSERT_STRING_EQUAL(err, want);
}

static int compile_with(vx_plugin *p, const char *json, char *err,
                        size_t errlen) {
  json_t *params = json_loads(json, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL(params);
  void *inst = NULL;
  int rc = vx_plugin_compile(p, "flag", params, VX_COMPILE_STRICT, &inst, err,
                             errlen);
  if (rc == 0)
    vx_plugin_free_instance(p, inst);
  json_decref(params);
  return rc;
}

static void test_host_checks_parameter_types_before_compile(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  vx_strategy_descriptor d = typed_descriptor();
  char err[256];
  CU_ASSERT_EQUAL_FATAL(
      vx_plugin_host_register(host, &d, "<test>", err, sizeof err), 0);
  vx_plugin *p = vx_plugin_host_find(host, "typed");
  CU_ASSERT_EQUAL(compile_with(p, "{\"share\": \"50\"}", err, sizeof err), 0);
  /* JSON numbers, booleans and arrays are accepted as Unleash text. */
  CU_ASSERT_EQUAL(compile_with(p,
                               "{\"share\": 50, \"limit\": 2.5, \"strict\": "
                               "true, \"ids\": [\"a\", \"b\"]}",
                               err, sizeof err),
                  0);
  CU_ASSERT_EQUAL(compile_with(p, "{}", err, sizeof err), VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "missing parameter share");
  CU_ASSERT_EQUAL(compile_with(p, "{\"share\": \"140\"}", err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "140"));
  CU_ASSERT_EQUAL(
      compile_with(p, "{\"share\": 1, \"limit\": \"ten\"}", err, sizeof err),
      VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "limit must be a number, got \"ten\"");
  CU_ASSERT_EQUAL(
      compile_with(p, "{\"share\": 1, \"strict\": \"yes\"}", err, sizeof err),
      VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "strict must be true or false, got \"yes\"");
  CU_ASSERT_EQUAL(
      compile_with(p, "{\"share\": 1, \"ids\": [1]}", err, sizeof err),
      VX_ETYPE);
  /* The plugin's own message comes through untouched. */
  CU_ASSERT_EQUAL(
      compile_with(p, "{\"share\": 1, \"refuse\": \"x\"}", err, sizeof err),
      VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "refused because refuse=x");
  vx_plugin_host_free(host);
}

/* A name the table does not declare: refused on a strict compile, naming
 * it, the closest known name and the names the strategy takes; kept with
 * a warning on a lenient one; groupId and stickiness are always known. */
static void
test_unknown_parameter_is_refused_strictly_and_warned_leniently(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  vx_strategy_descriptor d = typed_descriptor();
  char err[512];
  CU_ASSERT_EQUAL_FATAL(
      vx_plugin_host_register(host, &d, "<test>", err, sizeof err), 0);
  vx_plugin *p = vx_plugin_host_find(host, "typed");
  json_t *params = json_loads("{\"share\": \"5\", \"Limit\": \"3\"}", 0, NULL);
  void *inst = NULL;
  const char *param = NULL;
  CU_ASSERT_EQUAL(vx_plugin_compile_at(p, "f", params, VX_COMPILE_STRICT, &inst,
                                       err, sizeof err, &param),
                  VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "unknown parameter \"Limit\" (did you mean "
                              "\"limit\"?); typed takes share, limit, "
                              "strict, ids, refuse");
  CU_ASSERT_STRING_EQUAL(param, "Limit");
  CU_ASSERT_PTR_NULL(inst);
  /* Lenient: compiled, the plugin sees the name, the warning stays. */
  CU_ASSERT_EQUAL(
      vx_plugin_compile_at(p, "f", params, 0, &inst, err, sizeof err, &param),
      0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown parameter \"Limit\""));
  vx_plugin_free_instance(p, inst);
  json_decref(params);
  /* The core's own names for strategy variants. */
  CU_ASSERT_EQUAL(compile_with(p,
                               "{\"share\": 1, \"groupId\": \"g\", "
                               "\"stickiness\": \"userId\"}",
                               err, sizeof err),
                  0);
  vx_plugin_host_free(host);
}

static void test_unknown_parameter_suggests_the_closest_name(void) {
  vx_strategy_descriptor d = typed_descriptor();
  CU_ASSERT_STRING_EQUAL(vx_param_suggest(&d, "SHARE"), "share");
  CU_ASSERT_STRING_EQUAL(vx_param_suggest(&d, "shrae"), "share");
  CU_ASSERT_STRING_EQUAL(vx_param_suggest(&d, "refused"), "refuse");
  CU_ASSERT_STRING_EQUAL(vx_param_suggest(&d, "groupid"), "groupId");
  CU_ASSERT_PTR_NULL(vx_param_suggest(&d, "colour"));
  CU_ASSERT_PTR_NULL(vx_param_suggest(&d, ""));
  char longer[200];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  CU_ASSERT_PTR_NULL(vx_param_suggest(&d, longer));
  /* A plugin without parameters says so. */
  vx_plugin_host *host = vx_plugin_host_new();
  vx_strategy_descriptor bare = typed_descriptor();
  bare.name = "bare";
  bare.params = NULL;
  bare.n_params = 0;
  char err[512];
  CU_ASSERT_EQUAL_FATAL(
      vx_plugin_host_register(host, &bare, "<test>", err, sizeof err), 0);
  CU_ASSERT_EQUAL(compile_with(vx_plugin_host_find(host, "bare"),
                               "{\"x\": \"1\"}", err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_STRING_EQUAL(
      err, "unknown parameter \"x\"; bare takes no parameters of its own");
  vx_plugin_host_free(host);
}

static void test_plugin_outlives_the_registry_while_an_instance_lives(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  char err[256];
  CU_ASSERT_EQUAL_FATAL(vx_plugin_host_load_dir(host, getenv("VX_PLUGIN_DIR")),
                        10);
  vx_plugin *p = vx_plugin_host_find(host, "default");
  void *inst = NULL;
  CU_ASSERT_EQUAL_FATAL(
      vx_plugin_compile(p, "f", NULL, 0, &inst, err, sizeof err), 0);
  CU_ASSERT_EQUAL(atomic_load(&p->refs), 2);
  vx_plugin_host_free(host);
  /* Still mapped: its code can still run and free the instance. */
  CU_ASSERT_EQUAL(atomic_load(&p->refs), 1);
  CU_ASSERT_EQUAL(p->desc->evaluate(inst, NULL), 1);
  vx_plugin_free_instance(p, inst);
}

/* A plugin may accept parameters with a warning (Unleash ignores a bad IP
 * in a list): an admin write refuses them, an import keeps them. */
static void test_warning_refuses_strict_compile_and_passes_lenient(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  CU_ASSERT_EQUAL_FATAL(vx_plugin_host_load_dir(host, getenv("VX_PLUGIN_DIR")),
                        10);
  vx_plugin *p = vx_plugin_host_find(host, "remoteAddress");
  json_t *params = json_pack("{s:s}", "IPs", "10.0.0.1, 10.0.0.999");
  char err[256];
  void *inst = NULL;
  CU_ASSERT_EQUAL(vx_plugin_compile(p, "f", params, VX_COMPILE_STRICT, &inst,
                                    err, sizeof err),
                  VX_EINVAL);
  CU_ASSERT_PTR_NULL(inst);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "10.0.0.999"));
  CU_ASSERT_EQUAL(atomic_load(&p->refs), 1);
  CU_ASSERT_EQUAL(vx_plugin_compile(p, "f", params, 0, &inst, err, sizeof err),
                  0);
  CU_ASSERT_PTR_NOT_NULL(inst);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "10.0.0.999"));
  vx_plugin_free_instance(p, inst);
  json_decref(params);
  vx_plugin_host_free(host);
}

/* Copies a file (a plugin) to dst. */
static void copy_file(const char *src, const char *dst) {
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    fwrite(buf, 1, n, out);
  fclose(in);
  fclose(out);
}

/* With a cache folder, what dlopen maps is a copy named by the file's
 * SHA-256, not the file; the copy goes with the plugin. */
static void test_cache_folder_maps_a_content_addressed_copy(void) {
  char dir[] = "/tmp/vexil-cache-XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  char cache[300], stale[340], good[512];
  snprintf(cache, sizeof cache, "%s/cache", dir);
  snprintf(good, sizeof good, "%s/good.so", getenv("VX_FIXTURE_DIR"));
  vx_plugin_host *host = vx_plugin_host_new();
  char err[512] = "";
  CU_ASSERT_EQUAL_FATAL(
      vx_plugin_host_set_cache_dir(host, cache, err, sizeof err), 0);
  CU_ASSERT_STRING_EQUAL(vx_plugin_host_cache_dir(host), cache);
  /* A copy left by a crash is removed when the folder is set again. */
  snprintf(stale, sizeof stale, "%s/stale.so", cache);
  copy_file(good, stale);
  CU_ASSERT_EQUAL(vx_plugin_host_set_cache_dir(host, cache, err, sizeof err),
                  0);
  CU_ASSERT_NOT_EQUAL(access(stale, F_OK), 0);
  char hex[65];
  CU_ASSERT_EQUAL_FATAL(vx_plugin_file_sha256(good, hex, err, sizeof err), 0);
  CU_ASSERT_EQUAL(strlen(hex), 64);
  vx_plugin *p = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_plugin_open(host, good, &p, err, sizeof err), 0);
  CU_ASSERT_STRING_EQUAL(p->origin, good);
  CU_ASSERT_STRING_EQUAL(p->sha256, hex);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p->copy);
  CU_ASSERT_PTR_NOT_NULL(strstr(p->copy, hex));
  CU_ASSERT_EQUAL(strncmp(p->copy, cache, strlen(cache)), 0);
  CU_ASSERT_EQUAL(access(p->copy, R_OK), 0);
  char copy[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", p->copy);
  CU_ASSERT_EQUAL_FATAL(vx_plugin_host_add(host, p, err, sizeof err), 0);
  CU_ASSERT_PTR_EQUAL(vx_plugin_host_find_origin(host, good), p);
  CU_ASSERT_PTR_NULL(vx_plugin_host_find_origin(host, "/elsewhere.so"));
  vx_plugin_host_free(host);
  /* Unloaded with its last reference: the copy is gone (kept mapped, and
   * so kept, when dlclose is skipped for the sanitizers). */
  const char *keep = getenv("VEXIL_NO_DLCLOSE");
  if (keep == NULL || strcmp(keep, "1") != 0)
    CU_ASSERT_NOT_EQUAL(access(copy, F_OK), 0);
  unlink(copy);
  rmdir(cache);
  rmdir(dir);
}

/* A cache "folder" that is a file is refused with a message; plugins then
 * load from their own files. */
static void test_cache_folder_that_is_a_file_is_refused(void) {
  char dir[] = "/tmp/vexil-cache-XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  char file[300];
  snprintf(file, sizeof file, "%s/not-a-folder", dir);
  FILE *f = fopen(file, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fclose(f);
  vx_plugin_host *host = vx_plugin_host_new();
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_plugin_host_set_cache_dir(host, file, err, sizeof err),
                  VX_EIO);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "not-a-folder"));
  CU_ASSERT_PTR_NULL(vx_plugin_host_cache_dir(host));
  char good[512];
  snprintf(good, sizeof good, "%s/good.so", getenv("VX_FIXTURE_DIR"));
  vx_plugin *p = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_plugin_open(host, good, &p, err, sizeof err), 0);
  CU_ASSERT_PTR_NULL(p->copy);
  vx_plugin_unref(p);
  vx_plugin_host_free(host);
  unlink(file);
  rmdir(dir);
}

/* Replacing hands the old plugin back to the caller and registers the new
 * one under the same name; an unknown name changes nothing. */
static void test_replace_swaps_the_plugin_of_that_name(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  char good[512], err[512] = "";
  snprintf(good, sizeof good, "%s/good.so", getenv("VX_FIXTURE_DIR"));
  CU_ASSERT_EQUAL_FATAL(vx_plugin_host_load_file(host, good, err, sizeof err),
                        0);
  vx_plugin *old = vx_plugin_host_find(host, "fixtureGood");
  CU_ASSERT_PTR_NOT_NULL_FATAL(old);
  /* The same file opened again: allowed, since it is the same origin. */
  vx_plugin *next = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_plugin_open(host, good, &next, err, sizeof err), 0);
  CU_ASSERT_PTR_EQUAL(vx_plugin_host_replace(host, next), old);
  CU_ASSERT_PTR_EQUAL(vx_plugin_host_find(host, "fixtureGood"), next);
  CU_ASSERT_EQUAL(vx_plugin_host_count(host), 1);
  vx_plugin_unref(old);
  /* A name that is not registered: NULL, and the caller keeps next. */
  vx_plugin_host *other = vx_plugin_host_new();
  vx_plugin *stray = NULL;
  CU_ASSERT_EQUAL_FATAL(vx_plugin_open(other, good, &stray, err, sizeof err),
                        0);
  CU_ASSERT_PTR_NULL(vx_plugin_host_replace(other, stray));
  CU_ASSERT_EQUAL(vx_plugin_host_count(other), 0);
  vx_plugin_unref(stray);
  vx_plugin_host_free(other);
  vx_plugin_host_free(host);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_builtin_strategies_are_all_loaded_by_name),
      VX_TEST(test_cache_folder_maps_a_content_addressed_copy),
      VX_TEST(test_cache_folder_that_is_a_file_is_refused),
      VX_TEST(test_replace_swaps_the_plugin_of_that_name),
      VX_TEST(test_wrong_magic_is_refused_with_both_values),
      VX_TEST(test_other_abi_major_is_refused_with_both_values),
      VX_TEST(test_newer_abi_minor_is_refused),
      VX_TEST(test_too_small_descriptor_is_refused),
      VX_TEST(test_null_callback_is_refused),
      VX_TEST(test_missing_name_is_refused),
      VX_TEST(test_duplicate_name_is_refused_naming_the_first_file),
      VX_TEST(test_failing_init_is_refused),
      VX_TEST(test_missing_entry_symbol_is_refused),
      VX_TEST(test_entry_returning_null_is_refused),
      VX_TEST(test_file_that_is_not_a_shared_object_is_refused),
      VX_TEST(test_unreadable_folder_is_an_error),
      VX_TEST(test_descriptor_check_names_the_parameter_table_field),
      VX_TEST(test_descriptor_of_the_1_0_size_is_accepted),
      VX_TEST(test_host_checks_parameter_types_before_compile),
      VX_TEST(test_unknown_parameter_is_refused_strictly_and_warned_leniently),
      VX_TEST(test_unknown_parameter_suggests_the_closest_name),
      VX_TEST(test_plugin_outlives_the_registry_while_an_instance_lives),
      VX_TEST(test_warning_refuses_strict_compile_and_passes_lenient),
      {NULL, NULL},
  };
  return vx_test_main("daemon/plugin_host", tests, NULL, NULL);
}
