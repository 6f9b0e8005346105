/* test_config.c - settings from defaults, file, environment and command
 * line (daemon/config.c). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vexil/error.h>

#include "config.h"
#include "vx_test.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static char tmpdir[PATH_MAX];
static char cwd[PATH_MAX];
static int n_files;

static int suite_init(void) {
  snprintf(tmpdir, sizeof tmpdir, "%s/vx-config-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  return mkdtemp(tmpdir) == NULL || getcwd(cwd, sizeof cwd) == NULL;
}

static int suite_cleanup(void) {
  char path[PATH_MAX + 32];
  for (int i = 0; i < n_files; i++) {
    snprintf(path, sizeof path, "%s/%d.conf", tmpdir, i);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/vexil.conf", tmpdir);
  unlink(path);
  return rmdir(tmpdir);
}

/* Writes text to a new file; returns its path (valid until the next
 * eight calls). */
static const char *write_conf(const char *text) {
  static char paths[8][PATH_MAX + 32];
  char *path = paths[n_files % 8];
  snprintf(path, sizeof paths[0], "%s/%d.conf", tmpdir, n_files);
  n_files++;
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void assert_text(const char *got, const char *want) {
  if (strcmp(got, want) != 0)
    fprintf(stderr, "\n    got:  %s\n    want: %s\n", got, want);
  CU_ASSERT_STRING_EQUAL(got, want);
}

static bool cfg_equal(const vx_config *a, const vx_config *b) {
  if (a->n_plugin_dirs != b->n_plugin_dirs)
    return false;
  for (size_t i = 0; i < a->n_plugin_dirs; i++)
    if (strcmp(a->plugin_dirs[i], b->plugin_dirs[i]) != 0)
      return false;
  return strcmp(a->listen, b->listen) == 0 &&
         strcmp(a->data_dir, b->data_dir) == 0 &&
         strcmp(a->database, b->database) == 0 &&
         strcmp(a->default_environment, b->default_environment) == 0 &&
         a->open_evaluation == b->open_evaluation &&
         a->body_limit == b->body_limit && a->threads == b->threads &&
         a->max_streams == b->max_streams && a->access_log == b->access_log &&
         a->log_level == b->log_level && a->demo == b->demo &&
         a->max_json_depth == b->max_json_depth &&
         a->max_context_properties == b->max_context_properties &&
         a->max_context_value_bytes == b->max_context_value_bytes &&
         a->store_probe_interval_ms == b->store_probe_interval_ms &&
         a->last_used_interval == b->last_used_interval &&
         a->plugin_check_timeout_ms == b->plugin_check_timeout_ms &&
         a->shutdown_timeout_ms == b->shutdown_timeout_ms &&
         a->import_limit == b->import_limit &&
         a->header_timeout_ms == b->header_timeout_ms &&
         a->body_timeout_ms == b->body_timeout_ms &&
         a->import_timeout_ms == b->import_timeout_ms;
}

/* ---- defaults */

static void test_defaults_are_the_documented_ones(void) {
  vx_config cfg;
  vx_config_defaults(&cfg);
  CU_ASSERT_STRING_EQUAL(cfg.listen, "127.0.0.1:8080");
  CU_ASSERT_STRING_EQUAL(cfg.data_dir, "./data");
  CU_ASSERT_STRING_EQUAL(cfg.database, "");
  CU_ASSERT_EQUAL(cfg.n_plugin_dirs, 0);
  CU_ASSERT_STRING_EQUAL(cfg.default_environment, "production");
  CU_ASSERT_FALSE(cfg.open_evaluation);
  CU_ASSERT_EQUAL(cfg.body_limit, 1048576);
  CU_ASSERT_EQUAL(cfg.import_limit, 67108864);
  CU_ASSERT_EQUAL(cfg.header_timeout_ms, 5000);
  CU_ASSERT_EQUAL(cfg.body_timeout_ms, 5000);
  CU_ASSERT_EQUAL(cfg.import_timeout_ms, 120000);
  CU_ASSERT_EQUAL(cfg.threads, 512);
  CU_ASSERT_EQUAL(cfg.max_streams, 256);
  CU_ASSERT_FALSE(cfg.access_log);
  CU_ASSERT_EQUAL(cfg.log_level, VX_LOG_INFO);
  CU_ASSERT_FALSE(cfg.demo);
  CU_ASSERT_EQUAL(cfg.max_json_depth, 64);
  CU_ASSERT_EQUAL(cfg.max_context_properties, 256);
  CU_ASSERT_EQUAL(cfg.max_context_value_bytes, 4096);
  CU_ASSERT_EQUAL(cfg.store_probe_interval_ms, 5000);
  CU_ASSERT_EQUAL(cfg.last_used_interval, 60);
  CU_ASSERT_EQUAL(cfg.plugin_check_timeout_ms, 3000);
  CU_ASSERT_EQUAL(cfg.shutdown_timeout_ms, 10000);
}

static void test_no_arguments_serve_on_the_embedded_default(void) {
  char *argv[] = {"vexild", NULL};
  vx_config cfg;
  vx_cli_action action = VX_CLI_HELP;
  char err[256] = "";
  CU_ASSERT_EQUAL(
      vx_config_from_args(ARGC(argv), argv, NULL, &cfg, &action, err, 256), 0);
  CU_ASSERT_EQUAL(action, VX_CLI_SERVE);
  CU_ASSERT_STRING_EQUAL(cfg.listen, "127.0.0.1:8080");
  CU_ASSERT_STRING_EQUAL(cfg.database, "./data/vexil.db");
}

/* ---- the file */

static const char full_file[] = "# every setting\n"
                                "listen = \"0.0.0.0:9090\";\n"
                                "data_dir = \"/var/lib/vexil\";\n"
                                "database = \"/srv/flags.db\";\n"
                                "plugin_dirs = ( \"/a\", \"/b\" );\n"
                                "default_environment = \"staging\";\n"
                                "open_evaluation = true;\n"
                                "body_limit = 2048;\n"
                                "import_limit = 4096;\n"
                                "header_timeout_ms = 300;\n"
                                "body_timeout_ms = 400;\n"
                                "import_timeout_ms = 500;\n"
                                "threads = 4;\n"
                                "max_streams = 0;\n"
                                "access_log = true;\n"
                                "log_level = \"debug\";\n"
                                "demo = true;\n"
                                "max_json_depth = 100;\n"
                                "max_context_properties = 17;\n"
                                "max_context_value_bytes = 100;\n"
                                "store_probe_interval_ms = 250;\n"
                                "last_used_interval = 5;\n"
                                "plugin_check_timeout_ms = 250;\n"
                                "shutdown_timeout_ms = 1500;\n";

static void test_file_sets_every_setting(void) {
  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, write_conf(full_file), err, 512),
                  0);
  assert_text(err, "");
  CU_ASSERT_STRING_EQUAL(cfg.listen, "0.0.0.0:9090");
  CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/var/lib/vexil");
  CU_ASSERT_STRING_EQUAL(cfg.database, "/srv/flags.db");
  CU_ASSERT_EQUAL_FATAL(cfg.n_plugin_dirs, 2);
  CU_ASSERT_STRING_EQUAL(cfg.plugin_dirs[0], "/a");
  CU_ASSERT_STRING_EQUAL(cfg.plugin_dirs[1], "/b");
  CU_ASSERT_STRING_EQUAL(cfg.default_environment, "staging");
  CU_ASSERT_TRUE(cfg.open_evaluation);
  CU_ASSERT_EQUAL(cfg.body_limit, 2048);
  CU_ASSERT_EQUAL(cfg.import_limit, 4096);
  CU_ASSERT_EQUAL(cfg.header_timeout_ms, 300);
  CU_ASSERT_EQUAL(cfg.body_timeout_ms, 400);
  CU_ASSERT_EQUAL(cfg.import_timeout_ms, 500);
  CU_ASSERT_EQUAL(cfg.threads, 4);
  CU_ASSERT_EQUAL(cfg.max_streams, 0);
  CU_ASSERT_TRUE(cfg.access_log);
  CU_ASSERT_EQUAL(cfg.log_level, VX_LOG_DEBUG);
  CU_ASSERT_TRUE(cfg.demo);
  CU_ASSERT_EQUAL(cfg.max_json_depth, 100);
  CU_ASSERT_EQUAL(cfg.max_context_properties, 17);
  CU_ASSERT_EQUAL(cfg.max_context_value_bytes, 100);
  CU_ASSERT_EQUAL(cfg.store_probe_interval_ms, 250);
  CU_ASSERT_EQUAL(cfg.last_used_interval, 5);
  CU_ASSERT_EQUAL(cfg.plugin_check_timeout_ms, 250);
  CU_ASSERT_EQUAL(cfg.shutdown_timeout_ms, 1500);
}

static void test_file_accepts_ipv6_arrays_int64_and_limits(void) {
  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[512] = "";
  const char *text = "listen = \"[::1]:0\";\n"
                     "plugin_dirs = [ \"/x\" ];\n"
                     "threads = 4096L;\n"
                     "max_streams = 10000;\n"
                     "body_limit = 1073741824;\n"
                     "log_level = \"error\";\n";
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, write_conf(text), err, 512), 0);
  assert_text(err, "");
  CU_ASSERT_STRING_EQUAL(cfg.listen, "[::1]:0");
  CU_ASSERT_EQUAL(cfg.n_plugin_dirs, 1);
  CU_ASSERT_EQUAL(cfg.threads, 4096);
  CU_ASSERT_EQUAL(cfg.max_streams, 10000);
  CU_ASSERT_EQUAL(cfg.body_limit, 1073741824u);
  CU_ASSERT_EQUAL(cfg.log_level, VX_LOG_ERROR);

  /* An empty list and an empty database go back to the built-in folder
   * and <data_dir>/vexil.db. */
  text = "plugin_dirs = ();\ndatabase = \"\";\nthreads = 1;\n";
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, write_conf(text), err, 512), 0);
  CU_ASSERT_EQUAL(cfg.n_plugin_dirs, 0);
  CU_ASSERT_STRING_EQUAL(cfg.database, "");
  CU_ASSERT_EQUAL(cfg.threads, 1);
}

/* Loads text and expects "PATH:LINE: WHAT". */
static void expect_file_error(const char *text, int line, const char *what) {
  const char *path = write_conf(text);
  vx_config cfg, before;
  vx_config_defaults(&cfg);
  before = cfg;
  char err[1024] = "", want[1024];
  snprintf(want, sizeof want, "%s:%d: %s", path, line, what);
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, path, err, sizeof err), VX_EINVAL);
  assert_text(err, want);
  CU_ASSERT_TRUE(cfg_equal(&cfg, &before)); /* nothing applied */
}

static void test_error_names_file_line_and_setting(void) {
  CU_ASSERT_EQUAL_FATAL(chdir(tmpdir), 0);
  FILE *f = fopen("vexil.conf", "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  for (int i = 1; i < 12; i++)
    fprintf(f, "# line %d\n", i);
  fputs("body_limit = 0;\n", f);
  fclose(f);
  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[256] = "";
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, "vexil.conf", err, 256), VX_EINVAL);
  assert_text(err, "vexil.conf:12: body_limit: must be a positive integer");

  f = fopen("vexil.conf", "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("threads = 4;\n\nlisten = \"127.0.0.1:80\";\ndemo = ture;\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, "vexil.conf", err, 256), VX_EINVAL);
  assert_text(err, "vexil.conf:4: syntax error");
  CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);
}

static void test_syntax_errors_name_their_line(void) {
  expect_file_error("threads = 4;\nlisten = ;\n", 2, "syntax error");
  expect_file_error("threads = 4;\n\n\nthreads = 5;\n", 4,
                    "duplicate setting name");
  expect_file_error("threads = 4\nlisten = \"a\"\n\ndemo = maybe;\n", 4,
                    "syntax error"); /* ";" is optional in libconfig */
}

static void test_unknown_settings_are_errors(void) {
  expect_file_error("threads = 4;\nthread = 4;\n", 2,
                    "thread: unknown setting");
  expect_file_error("\nhttp = { port = 80; };\n", 2, "http: unknown setting");
}

static void test_wrong_types_are_errors(void) {
  expect_file_error("listen = 8080;\n", 1, "listen: must be a string");
  expect_file_error("data_dir = true;\n", 1, "data_dir: must be a string");
  expect_file_error("database = 1;\n", 1, "database: must be a string");
  expect_file_error("default_environment = 1;\n", 1,
                    "default_environment: must be a string");
  expect_file_error("log_level = 1;\n", 1, "log_level: must be a string");
  expect_file_error("open_evaluation = \"true\";\n", 1,
                    "open_evaluation: must be true or false");
  expect_file_error("access_log = 1;\n", 1,
                    "access_log: must be true or false");
  expect_file_error("demo = \"yes\";\n", 1, "demo: must be true or false");
  expect_file_error("threads = \"4\";\n", 1,
                    "threads: must be an integer from 1 to 4096");
  expect_file_error("threads = 4.0;\n", 1,
                    "threads: must be an integer from 1 to 4096");
  expect_file_error("max_streams = true;\n", 1,
                    "max_streams: must be an integer from 0 to 10000");
  expect_file_error("body_limit = \"1M\";\n", 1,
                    "body_limit: must be a positive integer");
  expect_file_error("plugin_dirs = \"/a\";\n", 1,
                    "plugin_dirs: must be a list of strings: (\"DIR\", ...)");
  expect_file_error("plugin_dirs = (\n  \"/a\",\n  3\n);\n", 3,
                    "plugin_dirs: must be a list of strings: (\"DIR\", ...)");
  expect_file_error("plugin_dirs = { a = \"/a\"; };\n", 1,
                    "plugin_dirs: must be a list of strings: (\"DIR\", ...)");
}

static void test_out_of_range_values_are_errors(void) {
  expect_file_error("threads = 0;\n", 1,
                    "threads: must be an integer from 1 to 4096");
  expect_file_error("threads = 4097;\n", 1,
                    "threads: must be an integer from 1 to 4096");
  expect_file_error("max_streams = -1;\n", 1,
                    "max_streams: must be an integer from 0 to 10000");
  expect_file_error("max_streams = 10001;\n", 1,
                    "max_streams: must be an integer from 0 to 10000");
  expect_file_error("store_probe_interval_ms = 99;\n", 1,
                    "store_probe_interval_ms: must be an integer from 100 to "
                    "3600000");
  expect_file_error("store_probe_interval_ms = 3600001;\n", 1,
                    "store_probe_interval_ms: must be an integer from 100 to "
                    "3600000");
  expect_file_error("last_used_interval = 0;\n", 1,
                    "last_used_interval: must be an integer from 1 to 3600");
  expect_file_error("last_used_interval = 3601;\n", 1,
                    "last_used_interval: must be an integer from 1 to 3600");
  expect_file_error("body_limit = -5;\n", 1,
                    "body_limit: must be a positive integer");
  expect_file_error("body_limit = 1073741825;\n", 1,
                    "body_limit: must be at most 1073741824 (1 GiB)");
  expect_file_error("body_limit = 99999999999L;\n", 1,
                    "body_limit: must be at most 1073741824 (1 GiB)");
  /* Deeper than 128 is not safe on a worker's stack (json_limit.h). */
  expect_file_error("max_json_depth = 129;\n", 1,
                    "max_json_depth: must be an integer from 16 to 128");
  expect_file_error("max_json_depth = 15;\n", 1,
                    "max_json_depth: must be an integer from 16 to 128");
  expect_file_error("max_context_properties = 0;\n", 1,
                    "max_context_properties: must be an integer from 1 to "
                    "65536");
  expect_file_error("max_context_properties = 65537;\n", 1,
                    "max_context_properties: must be an integer from 1 to "
                    "65536");
  expect_file_error("max_context_value_bytes = 63;\n", 1,
                    "max_context_value_bytes: must be an integer from 64 to "
                    "1048576");
  expect_file_error("plugin_check_timeout_ms = -1;\n", 1,
                    "plugin_check_timeout_ms: must be an integer from 0 to "
                    "600000");
  expect_file_error("plugin_check_timeout_ms = 600001;\n", 1,
                    "plugin_check_timeout_ms: must be an integer from 0 to "
                    "600000");
  expect_file_error("shutdown_timeout_ms = 99;\n", 1,
                    "shutdown_timeout_ms: must be an integer from 100 to "
                    "3600000");
  expect_file_error("import_limit = 0;\n", 1,
                    "import_limit: must be a positive integer");
  expect_file_error("import_limit = 1073741825;\n", 1,
                    "import_limit: must be at most 1073741824 (1 GiB)");
  expect_file_error("header_timeout_ms = 99;\n", 1,
                    "header_timeout_ms: must be an integer from 100 to "
                    "3600000");
  expect_file_error("body_timeout_ms = 3600001;\n", 1,
                    "body_timeout_ms: must be an integer from 100 to 3600000");
  expect_file_error("import_timeout_ms = 0;\n", 1,
                    "import_timeout_ms: must be an integer from 100 to "
                    "3600000");
  expect_file_error("log_level = \"warning\";\n", 1,
                    "log_level: must be one of debug, info, warn, error");
  expect_file_error("default_environment = \"prod/eu\";\n", 1,
                    "default_environment: must be 1 to 63 characters from "
                    "A-Z a-z 0-9 _ . -, not ending in .");
  expect_file_error("default_environment = \"\";\n", 1,
                    "default_environment: must be 1 to 63 characters from "
                    "A-Z a-z 0-9 _ . -, not ending in .");
  /* A URL path could not reach these (civetweb drops a segment's final
   * dots). */
  expect_file_error("default_environment = \"..\";\n", 1,
                    "default_environment: must be 1 to 63 characters from "
                    "A-Z a-z 0-9 _ . -, not ending in .");
  expect_file_error("default_environment = \"prod.\";\n", 1,
                    "default_environment: must be 1 to 63 characters from "
                    "A-Z a-z 0-9 _ . -, not ending in .");
  expect_file_error("data_dir = \"\";\n", 1, "data_dir: must not be empty");
  expect_file_error("plugin_dirs = ( \"/a\", \"\" );\n", 1,
                    "plugin_dirs: a folder name must not be empty");
  expect_file_error("plugin_dirs = ( \"1\", \"2\", \"3\", \"4\", \"5\", \"6\", "
                    "\"7\", \"8\", \"9\", \"10\", \"11\", \"12\", \"13\", "
                    "\"14\", \"15\", \"16\", \"17\" );\n",
                    1, "plugin_dirs: at most 16 folders");

  char text[PATH_MAX + 64];
  snprintf(text, sizeof text, "data_dir = \"%0*d\";\n", PATH_MAX, 0);
  char want[64];
  snprintf(want, sizeof want, "data_dir: too long (at most %d bytes)",
           PATH_MAX - 1);
  expect_file_error(text, 1, want);
}

/* libconfig keeps integers without an L suffix in 32 bits: 4294967312
 * would read as 16. Such values are out of range, never wrapped. */
static void test_integers_beyond_32_bits_are_not_wrapped(void) {
  expect_file_error("threads = 4294967312;\n", 1,
                    "threads: must be an integer from 1 to 4096");
  expect_file_error("# 9999999999\nmax_streams = \n  4294967296;\n", 2,
                    "max_streams: must be an integer from 0 to 10000");
  expect_file_error("threads = 4; body_limit = 0x100000400;\n", 1,
                    "body_limit: must be at most 1073741824 (1 GiB)");
  expect_file_error("threads = -4294967295;\n", 1,
                    "threads: must be an integer from 1 to 4096");
  /* Big numbers in comments, strings and names do not count. */
  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[512] = "";
  const char *text = "threads = 8; # was 4294967312\n"
                     "/* 99999999999 */ data_dir = \"/d/99999999999\";\n"
                     "max_streams = 10; // 99999999999\n";
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, write_conf(text), err, 512), 0);
  assert_text(err, "");
  CU_ASSERT_EQUAL(cfg.threads, 8);
  CU_ASSERT_EQUAL(cfg.max_streams, 10);
}

static void test_listen_must_be_addr_and_port(void) {
  const char *shape =
      "listen: must be ADDR:PORT, such as 127.0.0.1:8080 or [::1]:8080";
  expect_file_error("listen = \"127.0.0.1:65536\";\n", 1,
                    "listen: the port must be a number from 0 to 65535");
  expect_file_error("listen = \"127.0.0.1:\";\n", 1,
                    "listen: the port must be a number from 0 to 65535");
  expect_file_error("listen = \"127.0.0.1:-1\";\n", 1,
                    "listen: the port must be a number from 0 to 65535");
  expect_file_error("listen = \"127.0.0.1:80x\";\n", 1,
                    "listen: the port must be a number from 0 to 65535");
  expect_file_error("listen = \"8080\";\n", 1, shape);
  expect_file_error("listen = \":8080\";\n", 1, shape);
  expect_file_error("listen = \"[::1\";\n", 1, shape);
  expect_file_error("listen = \"[]:80\";\n", 1, shape);
  expect_file_error("listen = \"::1:8080\";\n", 1,
                    "listen: an IPv6 address goes in brackets: [::1]:PORT");
  expect_file_error("listen = \"[::g]:8080\";\n", 1,
                    "listen: \"::g\" is not an IPv6 address");
  expect_file_error("listen = \"localhost:8080\";\n", 1,
                    "listen: \"localhost\" is not an IPv4 address (a name is "
                    "not accepted; an IPv6 address goes in brackets)");
  expect_file_error("listen = \"256.0.0.1:8080\";\n", 1,
                    "listen: \"256.0.0.1\" is not an IPv4 address (a name is "
                    "not accepted; an IPv6 address goes in brackets)");

  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[256];
  const char *ok[] = {"0.0.0.0:0", "127.0.0.1:65535", "[::]:8080",
                      "[fe80::1]:1", "[::ffff:10.0.0.1]:443"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char text[128];
    snprintf(text, sizeof text, "listen = \"%s\";\n", ok[i]);
    CU_ASSERT_EQUAL(vx_config_load_file(&cfg, write_conf(text), err, 256), 0);
    CU_ASSERT_STRING_EQUAL(cfg.listen, ok[i]);
  }
}

static void test_missing_file_is_an_error(void) {
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/absent.conf", tmpdir);
  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[PATH_MAX + 128], want[PATH_MAX + 128];
  CU_ASSERT_NOT_EQUAL(vx_config_load_file(&cfg, path, err, sizeof err), 0);
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
           path);
  assert_text(err, want);
}

/* ---- the environment */

static void test_environment_sets_every_setting(void) {
  char *env[] = {"PATH=/bin",
                 "VEXIL_LISTEN=[::1]:9",
                 "VEXIL_DATA_DIR=/d",
                 "VEXIL_DATABASE=/d/x.db",
                 "VEXIL_PLUGIN_DIRS=/p1::/p2:",
                 "VEXIL_DEFAULT_ENVIRONMENT=dev",
                 "VEXIL_OPEN_EVALUATION=yes",
                 "VEXIL_BODY_LIMIT=10",
                 "VEXIL_IMPORT_LIMIT=11",
                 "VEXIL_HEADER_TIMEOUT_MS=120",
                 "VEXIL_BODY_TIMEOUT_MS=130",
                 "VEXIL_IMPORT_TIMEOUT_MS=140",
                 "VEXIL_THREADS=2",
                 "VEXIL_MAX_STREAMS=3",
                 "VEXIL_ACCESS_LOG=1",
                 "VEXIL_LOG_LEVEL=WARN",
                 "VEXIL_DEMO=TRUE",
                 "VEXIL_MAX_JSON_DEPTH=16",
                 "VEXIL_MAX_CONTEXT_PROPERTIES=65536",
                 "VEXIL_MAX_CONTEXT_VALUE_BYTES=1048576",
                 "VEXIL_STORE_PROBE_INTERVAL_MS=100",
                 "VEXIL_LAST_USED_INTERVAL=3600",
                 "VEXIL_PLUGIN_CHECK_TIMEOUT_MS=0",
                 "VEXIL_SHUTDOWN_TIMEOUT_MS=100",
                 "VEXIL_ADMIN_TOKEN=not-a-setting",
                 "VEXIL_UNKNOWN=ignored",
                 NULL};
  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[256] = "";
  CU_ASSERT_EQUAL(vx_config_load_env(&cfg, env, err, sizeof err), 0);
  assert_text(err, "");
  CU_ASSERT_STRING_EQUAL(cfg.listen, "[::1]:9");
  CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/d");
  CU_ASSERT_STRING_EQUAL(cfg.database, "/d/x.db");
  CU_ASSERT_EQUAL_FATAL(cfg.n_plugin_dirs, 2);
  CU_ASSERT_STRING_EQUAL(cfg.plugin_dirs[0], "/p1");
  CU_ASSERT_STRING_EQUAL(cfg.plugin_dirs[1], "/p2");
  CU_ASSERT_STRING_EQUAL(cfg.default_environment, "dev");
  CU_ASSERT_TRUE(cfg.open_evaluation);
  CU_ASSERT_EQUAL(cfg.body_limit, 10);
  CU_ASSERT_EQUAL(cfg.import_limit, 11);
  CU_ASSERT_EQUAL(cfg.header_timeout_ms, 120);
  CU_ASSERT_EQUAL(cfg.body_timeout_ms, 130);
  CU_ASSERT_EQUAL(cfg.import_timeout_ms, 140);
  CU_ASSERT_EQUAL(cfg.threads, 2);
  CU_ASSERT_EQUAL(cfg.max_streams, 3);
  CU_ASSERT_TRUE(cfg.access_log);
  CU_ASSERT_EQUAL(cfg.log_level, VX_LOG_WARN);
  CU_ASSERT_TRUE(cfg.demo);
  CU_ASSERT_EQUAL(cfg.max_json_depth, 16);
  CU_ASSERT_EQUAL(cfg.max_context_properties, 65536);
  CU_ASSERT_EQUAL(cfg.max_context_value_bytes, 1048576);
  CU_ASSERT_EQUAL(cfg.store_probe_interval_ms, 100);
  CU_ASSERT_EQUAL(cfg.last_used_interval, 3600);
  CU_ASSERT_EQUAL(cfg.plugin_check_timeout_ms, 0);
  CU_ASSERT_EQUAL(cfg.shutdown_timeout_ms, 100);

  char *empty_dirs[] = {"VEXIL_PLUGIN_DIRS=", NULL};
  CU_ASSERT_EQUAL(vx_config_load_env(&cfg, empty_dirs, err, sizeof err), 0);
  CU_ASSERT_EQUAL(cfg.n_plugin_dirs, 0);
  CU_ASSERT_EQUAL(vx_config_load_env(&cfg, NULL, err, sizeof err), 0);
}

static void test_environment_booleans_accept_six_spellings(void) {
  const char *yes[] = {"true", "1", "yes", "True", "YES"};
  const char *no[] = {"false", "0", "no", "FALSE", "No"};
  for (int i = 0; i < 5; i++) {
    char a[64], b[64];
    snprintf(a, sizeof a, "VEXIL_DEMO=%s", yes[i]);
    snprintf(b, sizeof b, "VEXIL_ACCESS_LOG=%s", no[i]);
    char *env[] = {a, b, NULL};
    vx_config cfg;
    vx_config_defaults(&cfg);
    cfg.access_log = true;
    char err[256] = "";
    CU_ASSERT_EQUAL(vx_config_load_env(&cfg, env, err, sizeof err), 0);
    CU_ASSERT_TRUE(cfg.demo);
    CU_ASSERT_FALSE(cfg.access_log);
  }
}

static void expect_env_error(const char *var, const char *want) {
  char *env[] = {"VEXIL_THREADS=3", (char *)var, NULL};
  vx_config cfg, before;
  vx_config_defaults(&cfg);
  before = cfg;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_config_load_env(&cfg, env, err, sizeof err), VX_EINVAL);
  assert_text(err, want);
  CU_ASSERT_TRUE(cfg_equal(&cfg, &before)); /* not even VEXIL_THREADS */
}

static void test_environment_errors_name_the_variable(void) {
  expect_env_error("VEXIL_THREADS=abc",
                   "VEXIL_THREADS: must be an integer from 1 to 4096");
  expect_env_error("VEXIL_THREADS=", "VEXIL_THREADS: must be an integer from "
                                     "1 to 4096");
  expect_env_error("VEXIL_THREADS=4 ", "VEXIL_THREADS: must be an integer "
                                       "from 1 to 4096");
  expect_env_error("VEXIL_THREADS=99999999999999999999999",
                   "VEXIL_THREADS: must be an integer from 1 to 4096");
  expect_env_error("VEXIL_MAX_STREAMS=-1",
                   "VEXIL_MAX_STREAMS: must be an integer from 0 to 10000");
  expect_env_error("VEXIL_BODY_LIMIT=0",
                   "VEXIL_BODY_LIMIT: must be a positive integer");
  expect_env_error("VEXIL_BODY_LIMIT=1073741825",
                   "VEXIL_BODY_LIMIT: must be at most 1073741824 (1 GiB)");
  expect_env_error("VEXIL_DEMO=maybe",
                   "VEXIL_DEMO: must be true or false (or yes/no, 1/0)");
  expect_env_error("VEXIL_OPEN_EVALUATION=",
                   "VEXIL_OPEN_EVALUATION: must be true or false (or yes/no, "
                   "1/0)");
  expect_env_error("VEXIL_LOG_LEVEL=verbose",
                   "VEXIL_LOG_LEVEL: must be one of debug, info, warn, error");
  expect_env_error("VEXIL_LISTEN=127.0.0.1:99999",
                   "VEXIL_LISTEN: the port must be a number from 0 to 65535");
  expect_env_error("VEXIL_DATA_DIR=", "VEXIL_DATA_DIR: must not be empty");
  expect_env_error("VEXIL_DEFAULT_ENVIRONMENT=a b",
                   "VEXIL_DEFAULT_ENVIRONMENT: must be 1 to 63 characters "
                   "from A-Z a-z 0-9 _ . -, not ending in .");
  expect_env_error(
      "VEXIL_PLUGIN_DIRS=1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17",
      "VEXIL_PLUGIN_DIRS: at most 16 folders");
}

/* ---- the command line and the whole chain */

static void test_precedence_is_cli_over_env_over_file_over_default(void) {
  const char *path = write_conf("listen = \"10.0.0.1:1\";\n"
                                "data_dir = \"/file\";\n"
                                "threads = 3;\n"
                                "plugin_dirs = ( \"/file-plugins\" );\n"
                                "log_level = \"error\";\n"
                                "demo = true;\n");
  char cfg_var[PATH_MAX + 32];
  snprintf(cfg_var, sizeof cfg_var, "VEXIL_CONFIG=%s", path);
  char *env[] = {cfg_var,
                 "VEXIL_LISTEN=10.0.0.2:2",
                 "VEXIL_DATA_DIR=/env",
                 "VEXIL_PLUGIN_DIRS=/env-a:/env-b",
                 "VEXIL_LOG_LEVEL=warn",
                 "VEXIL_DEMO=false",
                 NULL};
  char *argv[] = {"vexild", "--listen",     "10.0.0.3:3", "--plugin-dir",
                  "/cli-a", "--plugin-dir", "/cli-b",     "--plugin-dir",
                  "/cli-c", "--demo",       NULL};
  vx_config cfg;
  vx_cli_action action;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv), argv, env, &cfg, &action, err,
                                      sizeof err),
                  0);
  assert_text(err, "");
  CU_ASSERT_EQUAL(action, VX_CLI_SERVE);
  CU_ASSERT_STRING_EQUAL(cfg.listen, "10.0.0.3:3"); /* all four: cli */
  CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/env");     /* file, env: env */
  CU_ASSERT_EQUAL(cfg.threads, 3);                  /* file only */
  CU_ASSERT_EQUAL(cfg.max_streams, 256);            /* nobody: default */
  CU_ASSERT_EQUAL(cfg.log_level, VX_LOG_WARN);      /* env over file */
  CU_ASSERT_TRUE(cfg.demo); /* cli true over env false over file true */
  CU_ASSERT_EQUAL_FATAL(cfg.n_plugin_dirs, 3); /* replaced, not appended */
  CU_ASSERT_STRING_EQUAL(cfg.plugin_dirs[0], "/cli-a");
  CU_ASSERT_STRING_EQUAL(cfg.plugin_dirs[2], "/cli-c");
  /* database: resolved after every source, against the winning data_dir */
  CU_ASSERT_STRING_EQUAL(cfg.database, "/env/vexil.db");

  /* Without the command line, the environment's list wins. */
  char *argv2[] = {"vexild", NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv2), argv2, env, &cfg, &action,
                                      err, sizeof err),
                  0);
  CU_ASSERT_EQUAL_FATAL(cfg.n_plugin_dirs, 2);
  CU_ASSERT_STRING_EQUAL(cfg.plugin_dirs[1], "/env-b");
  CU_ASSERT_FALSE(cfg.demo);
}

static void test_every_setting_has_an_option(void) {
  char *argv[] = {"vexild",
                  "--listen=[::1]:7",
                  "--data-dir",
                  "/dd/",
                  "--default-environment",
                  "qa",
                  "--open-evaluation",
                  "--access-log=yes",
                  "--demo=false",
                  "--log-level",
                  "debug",
                  "--threads",
                  "5",
                  "--max-streams",
                  "6",
                  "--body-limit",
                  "7",
                  "--max-json-depth",
                  "128",
                  "--max-context-properties=9",
                  "--max-context-value-bytes=64",
                  "--store-probe-interval-ms",
                  "3600000",
                  "--last-used-interval",
                  "1",
                  "--plugin-check-timeout-ms",
                  "8",
                  "--shutdown-timeout-ms",
                  "900",
                  "--import-limit=8",
                  "--header-timeout-ms",
                  "900",
                  "--body-timeout-ms",
                  "901",
                  "--import-timeout-ms",
                  "902",
                  NULL};
  char *env[] = {"VEXIL_DEMO=true", NULL};
  vx_config cfg;
  vx_cli_action action;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv), argv, env, &cfg, &action, err,
                                      sizeof err),
                  0);
  assert_text(err, "");
  CU_ASSERT_STRING_EQUAL(cfg.listen, "[::1]:7");
  CU_ASSERT_STRING_EQUAL(cfg.database, "/dd/vexil.db");
  CU_ASSERT_STRING_EQUAL(cfg.default_environment, "qa");
  CU_ASSERT_TRUE(cfg.open_evaluation);
  CU_ASSERT_TRUE(cfg.access_log);
  CU_ASSERT_FALSE(cfg.demo);
  CU_ASSERT_EQUAL(cfg.log_level, VX_LOG_DEBUG);
  CU_ASSERT_EQUAL(cfg.threads, 5);
  CU_ASSERT_EQUAL(cfg.max_streams, 6);
  CU_ASSERT_EQUAL(cfg.body_limit, 7);
  CU_ASSERT_EQUAL(cfg.max_json_depth, 128);
  CU_ASSERT_EQUAL(cfg.max_context_properties, 9);
  CU_ASSERT_EQUAL(cfg.max_context_value_bytes, 64);
  CU_ASSERT_EQUAL(cfg.store_probe_interval_ms, 3600000);
  CU_ASSERT_EQUAL(cfg.last_used_interval, 1);
  CU_ASSERT_EQUAL(cfg.plugin_check_timeout_ms, 8);
  CU_ASSERT_EQUAL(cfg.shutdown_timeout_ms, 900);
  CU_ASSERT_EQUAL(cfg.import_limit, 8);
  CU_ASSERT_EQUAL(cfg.header_timeout_ms, 900);
  CU_ASSERT_EQUAL(cfg.body_timeout_ms, 901);
  CU_ASSERT_EQUAL(cfg.import_timeout_ms, 902);

  char *argv2[] = {"vexild", "--database", "/x.db", "--data-dir", "/y", NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv2), argv2, NULL, &cfg, &action,
                                      err, sizeof err),
                  0);
  CU_ASSERT_STRING_EQUAL(cfg.database, "/x.db"); /* given: kept */
}

static void test_config_option_beats_vexil_config(void) {
  const char *a = write_conf("threads = 11;\n");
  char a_path[PATH_MAX + 32];
  snprintf(a_path, sizeof a_path, "%s", a);
  const char *b = write_conf("threads = 22;\n");
  char var[PATH_MAX + 32];
  snprintf(var, sizeof var, "VEXIL_CONFIG=%s", b);
  char *env[] = {var, NULL};
  char *argv[] = {"vexild", "--config", a_path, NULL};
  vx_config cfg;
  vx_cli_action action;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv), argv, env, &cfg, &action, err,
                                      sizeof err),
                  0);
  CU_ASSERT_EQUAL(cfg.threads, 11);
  char *argv2[] = {"vexild", NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv2), argv2, env, &cfg, &action,
                                      err, sizeof err),
                  0);
  CU_ASSERT_EQUAL(cfg.threads, 22);
  char *argv3[] = {"vexild", "-c", a_path, NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv3), argv3, env, &cfg, &action,
                                      err, sizeof err),
                  0);
  CU_ASSERT_EQUAL(cfg.threads, 11);
}

static void expect_args_error(int argc, char **argv, char *const *envp,
                              const char *want) {
  vx_config cfg;
  vx_cli_action action;
  char err[1024] = "";
  CU_ASSERT_EQUAL(
      vx_config_from_args(argc, argv, envp, &cfg, &action, err, sizeof err),
      VX_EINVAL);
  assert_text(err, want);
}

static void test_command_line_errors_name_the_option(void) {
  char *a1[] = {"vexild", "--threads", "0", NULL};
  expect_args_error(ARGC(a1), a1, NULL,
                    "--threads: must be an integer from 1 to 4096");
  char *a2[] = {"vexild", "--listen", NULL};
  expect_args_error(ARGC(a2), a2, NULL, "--listen: requires a value");
  char *a3[] = {"vexild", "--bogus", NULL};
  expect_args_error(ARGC(a3), a3, NULL, "unknown or ambiguous option: --bogus");
  char *a4[] = {"vexild", "-x", NULL};
  expect_args_error(ARGC(a4), a4, NULL, "unknown option: -x");
  char *a5[] = {"vexild", "serve", NULL};
  expect_args_error(ARGC(a5), a5, NULL, "unexpected argument: serve");
  char *a6[] = {"vexild", "--demo=perhaps", NULL};
  expect_args_error(ARGC(a6), a6, NULL,
                    "--demo: must be true or false (or yes/no, 1/0)");
  char *a7[] = {"vexild", "--check-config=yes", NULL};
  expect_args_error(ARGC(a7), a7, NULL, "--check-config: takes no value");
  char *a8[] = {"vexild", "--log-level", "loud", NULL};
  expect_args_error(ARGC(a8), a8, NULL,
                    "--log-level: must be one of debug, info, warn, error");
  char *a9[] = {"vexild", "--config", "", NULL};
  expect_args_error(ARGC(a9), a9, NULL, "--config: must not be empty");
  char *a13[] = {"vexild", "--demo", "-xh", NULL};
  expect_args_error(ARGC(a13), a13, NULL, "unknown option: -x");
  char *a14[] = {"vexild", "-hc", NULL};
  expect_args_error(ARGC(a14), a14, NULL, "-c: requires a value");
  char *a15[] = {"vexild", "--help=me", NULL};
  expect_args_error(ARGC(a15), a15, NULL, "--help: takes no value");
  char *a10[] = {"vexild", "--plugin-dir", "", NULL};
  expect_args_error(ARGC(a10), a10, NULL,
                    "--plugin-dir: a folder name must not be empty");

  /* The file's error comes through the chain unchanged. */
  const char *path = write_conf("\nthreads = \"many\";\n");
  char p[PATH_MAX + 32], want[PATH_MAX + 128];
  snprintf(p, sizeof p, "%s", path);
  snprintf(want, sizeof want,
           "%s:2: threads: must be an integer from 1 to 4096", p);
  char *a11[] = {"vexild", "--config", p, NULL};
  expect_args_error(ARGC(a11), a11, NULL, want);
  char *env[] = {"VEXIL_MAX_STREAMS=lots", NULL};
  char *a12[] = {"vexild", NULL};
  expect_args_error(ARGC(a12), a12, env,
                    "VEXIL_MAX_STREAMS: must be an integer from 0 to 10000");
}

static void test_actions_check_config_version_help(void) {
  vx_config cfg;
  vx_cli_action action;
  char err[512] = "";
  const char *path = write_conf("threads = 9;\n");
  char p[PATH_MAX + 32];
  snprintf(p, sizeof p, "%s", path);
  char *a1[] = {"vexild", "--config", p, "--check-config", NULL};
  CU_ASSERT_EQUAL(
      vx_config_from_args(ARGC(a1), a1, NULL, &cfg, &action, err, sizeof err),
      0);
  CU_ASSERT_EQUAL(action, VX_CLI_CHECK_CONFIG);
  CU_ASSERT_EQUAL(cfg.threads, 9);
  CU_ASSERT_STRING_EQUAL(cfg.database, "./data/vexil.db");

  /* --check-config validates: a bad setting is still an error. */
  char *a2[] = {"vexild", "--check-config", "--threads=5000", NULL};
  expect_args_error(ARGC(a2), a2, NULL,
                    "--threads: must be an integer from 1 to 4096");

  /* --version and --help read neither the file nor the environment. */
  char *bad_env[] = {"VEXIL_THREADS=0", "VEXIL_CONFIG=/nonexistent", NULL};
  char *a3[] = {"vexild", "--version", NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(a3), a3, bad_env, &cfg, &action, err,
                                      sizeof err),
                  0);
  CU_ASSERT_EQUAL(action, VX_CLI_VERSION);
  char *a4[] = {"vexild", "--check-config", "-h", NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(a4), a4, bad_env, &cfg, &action, err,
                                      sizeof err),
                  0);
  CU_ASSERT_EQUAL(action, VX_CLI_HELP);
  char *a5[] = {"vexild", "--version", "--help", NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(a5), a5, bad_env, &cfg, &action, err,
                                      sizeof err),
                  0);
  CU_ASSERT_EQUAL(action, VX_CLI_HELP);
}

static void test_repeated_calls_start_over(void) {
  /* getopt keeps state between calls; each call must begin afresh, also
   * after one that stopped in the middle of its arguments. */
  for (int round = 0; round < 3; round++) {
    vx_config cfg;
    vx_cli_action action;
    char err[256] = "";
    char *bad[] = {"vexild", "-hx", "--threads", "3", NULL};
    CU_ASSERT_EQUAL(vx_config_from_args(ARGC(bad), bad, NULL, &cfg, &action,
                                        err, sizeof err),
                    VX_EINVAL);
    assert_text(err, "unknown option: -x");
    char *good[] = {"vexild", "--threads", "3", "--plugin-dir", "/p", NULL};
    CU_ASSERT_EQUAL(vx_config_from_args(ARGC(good), good, NULL, &cfg, &action,
                                        err, sizeof err),
                    0);
    CU_ASSERT_EQUAL(cfg.threads, 3);
    CU_ASSERT_EQUAL(cfg.n_plugin_dirs, 1);
    CU_ASSERT_EQUAL(action, VX_CLI_SERVE);
    char *none[] = {"vexild", NULL};
    CU_ASSERT_EQUAL(vx_config_from_args(ARGC(none), none, NULL, &cfg, &action,
                                        err, sizeof err),
                    0);
    CU_ASSERT_EQUAL(cfg.threads, 512);
    CU_ASSERT_EQUAL(cfg.n_plugin_dirs, 0);
  }
}

/* ---- printing */

static char *print_to_string(const vx_config *cfg) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  vx_config_print(cfg, f);
  fclose(f);
  return buf;
}

static void test_print_reads_back_the_same(void) {
  vx_config cfg;
  vx_config_defaults(&cfg);
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, write_conf(full_file), NULL, 0), 0);
  /* Strings that need escaping, and non-ASCII bytes. */
  strcpy(cfg.data_dir, "/tmp/a \"quoted\" \\dir\\\twith\ttabs\nand\x01");
  strcpy(cfg.plugin_dirs[1], "/opt/plug\xc3\xa9s/\"x\"\x1f"
                             "abc");
  cfg.log_level = VX_LOG_WARN;
  cfg.body_limit = 1073741824;

  char *text = print_to_string(&cfg);
  vx_config back;
  vx_config_defaults(&back);
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_config_load_file(&back, write_conf(text), err, 512), 0);
  assert_text(err, "");
  CU_ASSERT_TRUE(cfg_equal(&cfg, &back));
  char *again = print_to_string(&back);
  CU_ASSERT_STRING_EQUAL(text, again);
  free(text);
  free(again);

  /* The defaults, resolved, round-trip too; the list prints empty. */
  char *argv[] = {"vexild", NULL};
  vx_cli_action action;
  CU_ASSERT_EQUAL(
      vx_config_from_args(1, argv, NULL, &cfg, &action, err, sizeof err), 0);
  text = print_to_string(&cfg);
  assert_text(text, "listen = \"127.0.0.1:8080\";\n"
                    "data_dir = \"./data\";\n"
                    "database = \"./data/vexil.db\";\n"
                    "plugin_dirs = (); # none: the built-in folder\n"
                    "default_environment = \"production\";\n"
                    "open_evaluation = false;\n"
                    "body_limit = 1048576;\n"
                    "import_limit = 67108864;\n"
                    "header_timeout_ms = 5000;\n"
                    "body_timeout_ms = 5000;\n"
                    "import_timeout_ms = 120000;\n"
                    "threads = 512;\n"
                    "max_streams = 256;\n"
                    "access_log = false;\n"
                    "log_level = \"info\";\n"
                    "demo = false;\n"
                    "max_json_depth = 64;\n"
                    "max_context_properties = 256;\n"
                    "max_context_value_bytes = 4096;\n"
                    "store_probe_interval_ms = 5000;\n"
                    "last_used_interval = 60;\n"
                    "plugin_check_timeout_ms = 3000;\n"
                    "shutdown_timeout_ms = 10000;\n");
  vx_config_defaults(&back);
  CU_ASSERT_EQUAL(vx_config_load_file(&back, write_conf(text), err, 512), 0);
  CU_ASSERT_TRUE(cfg_equal(&cfg, &back));
  free(text);
}

/* ---- examples/vexil.conf */

static void test_example_file_loads_and_documents_the_defaults(void) {
  const char *example = getenv("VX_EXAMPLE_CONF");
  CU_ASSERT_PTR_NOT_NULL_FATAL(example);
  vx_config cfg, defaults;
  vx_config_defaults(&cfg);
  vx_config_defaults(&defaults);
  char err[PATH_MAX + 256] = "";
  CU_ASSERT_EQUAL(vx_config_load_file(&cfg, example, err, sizeof err), 0);
  assert_text(err, "");
  CU_ASSERT_TRUE(cfg_equal(&cfg, &defaults));

  /* Uncommenting the first "# name = value;" line of every setting gives
   * a file that loads and says exactly the defaults. */
  FILE *in = fopen(example, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  char *out_text = NULL;
  size_t out_len = 0;
  FILE *out = open_memstream(&out_text, &out_len);
  static const char *const names[] = {"listen",
                                      "data_dir",
                                      "database",
                                      "plugin_dirs",
                                      "default_environment",
                                      "open_evaluation",
                                      "body_limit",
                                      "import_limit",
                                      "header_timeout_ms",
                                      "body_timeout_ms",
                                      "import_timeout_ms",
                                      "threads",
                                      "max_streams",
                                      "access_log",
                                      "log_level",
                                      "demo",
                                      "max_json_depth",
                                      "max_context_properties",
                                      "max_context_value_bytes",
                                      "store_probe_interval_ms",
                                      "last_used_interval",
                                      "plugin_check_timeout_ms",
                                      "shutdown_timeout_ms"};
  enum { N_NAMES = sizeof names / sizeof *names };
  bool seen[N_NAMES] = {false};
  char line[1024];
  while (fgets(line, sizeof line, in) != NULL) {
    for (int i = 0; i < N_NAMES; i++) {
      size_t n = strlen(names[i]);
      if (!seen[i] && strncmp(line, "# ", 2) == 0 &&
          strncmp(line + 2, names[i], n) == 0 &&
          strncmp(line + 2 + n, " = ", 3) == 0) {
        seen[i] = true;
        fputs(line + 2, out);
      }
    }
  }
  fclose(in);
  fclose(out);
  for (int i = 0; i < N_NAMES; i++) {
    if (!seen[i])
      fprintf(stderr, "\n    not documented: %s\n", names[i]);
    CU_ASSERT_TRUE(seen[i]);
  }
  char *argv[] = {"vexild", "--config", (char *)write_conf(out_text), NULL};
  vx_cli_action action;
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv), argv, NULL, &cfg, &action,
                                      err, sizeof err),
                  0);
  assert_text(err, "");
  char *argv0[] = {"vexild", NULL};
  CU_ASSERT_EQUAL(vx_config_from_args(ARGC(argv0), argv0, NULL, &defaults,
                                      &action, err, sizeof err),
                  0);
  CU_ASSERT_TRUE(cfg_equal(&cfg, &defaults));
  free(out_text);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_defaults_are_the_documented_ones),
      VX_TEST(test_no_arguments_serve_on_the_embedded_default),
      VX_TEST(test_file_sets_every_setting),
      VX_TEST(test_file_accepts_ipv6_arrays_int64_and_limits),
      VX_TEST(test_error_names_file_line_and_setting),
      VX_TEST(test_syntax_errors_name_their_line),
      VX_TEST(test_unknown_settings_are_errors),
      VX_TEST(test_wrong_types_are_errors),
      VX_TEST(test_out_of_range_values_are_errors),
      VX_TEST(test_integers_beyond_32_bits_are_not_wrapped),
      VX_TEST(test_listen_must_be_addr_and_port),
      VX_TEST(test_missing_file_is_an_error),
      VX_TEST(test_environment_sets_every_setting),
      VX_TEST(test_environment_booleans_accept_six_spellings),
      VX_TEST(test_environment_errors_name_the_variable),
      VX_TEST(test_precedence_is_cli_over_env_over_file_over_default),
      VX_TEST(test_every_setting_has_an_option),
      VX_TEST(test_config_option_beats_vexil_config),
      VX_TEST(test_command_line_errors_name_the_option),
      VX_TEST(test_actions_check_config_version_help),
      VX_TEST(test_repeated_calls_start_over),
      VX_TEST(test_print_reads_back_the_same),
      VX_TEST(test_example_file_loads_and_documents_the_defaults),
      {NULL, NULL},
  };
  return vx_test_main("config", tests, suite_init, suite_cleanup);
}
