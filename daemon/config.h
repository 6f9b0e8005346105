/*
 * config.h - the daemon's settings, from (lowest to highest precedence)
 * built-in defaults, a libconfig file, VEXIL_* environment variables and
 * the command line. examples/vexil.conf documents every setting.
 */
/* clang-format off */
/*
 *   setting               file key                 environment                    default
 *   listen                listen                   VEXIL_LISTEN                   127.0.0.1:8080
 *   data directory        data_dir                 VEXIL_DATA_DIR                 ./data
 *   database              database                 VEXIL_DATABASE                 <data_dir>/vexil.db
 *   plugin folders        plugin_dirs (list)       VEXIL_PLUGIN_DIRS (:)          the built-in folder
 *   default environment   default_environment      VEXIL_DEFAULT_ENVIRONMENT      production
 *   open evaluation       open_evaluation          VEXIL_OPEN_EVALUATION          false
 *   body limit (bytes)    body_limit               VEXIL_BODY_LIMIT               1048576
 *   import body limit     import_limit             VEXIL_IMPORT_LIMIT             67108864
 *   header read timeout   header_timeout_ms        VEXIL_HEADER_TIMEOUT_MS        5000
 *   body read timeout     body_timeout_ms          VEXIL_BODY_TIMEOUT_MS          5000
 *   import body timeout   import_timeout_ms        VEXIL_IMPORT_TIMEOUT_MS        120000
 *   worker threads        threads                  VEXIL_THREADS                  512
 *   max event streams     max_streams              VEXIL_MAX_STREAMS              256
 *   access log            access_log               VEXIL_ACCESS_LOG               false
 *   log level             log_level                VEXIL_LOG_LEVEL                info
 *   demo flags            demo                     VEXIL_DEMO                     false
 *   JSON nesting          max_json_depth           VEXIL_MAX_JSON_DEPTH           64
 *   context properties    max_context_properties   VEXIL_MAX_CONTEXT_PROPERTIES   256
 *   context value bytes   max_context_value_bytes  VEXIL_MAX_CONTEXT_VALUE_BYTES  4096
 *   store probe (ms)      store_probe_interval_ms  VEXIL_STORE_PROBE_INTERVAL_MS  5000
 *   last use written (s)  last_used_interval       VEXIL_LAST_USED_INTERVAL       60
 *   plugin check (ms)     plugin_check_timeout_ms  VEXIL_PLUGIN_CHECK_TIMEOUT_MS  3000 (0: off)
 *   shutdown deadline     shutdown_timeout_ms      VEXIL_SHUTDOWN_TIMEOUT_MS      10000
 * The command-line option of each is --file-key with '-' for '_'
 * (--body-limit, --header-timeout-ms).
 */
/* clang-format on */
#ifndef VX_CONFIG_H
#define VX_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <vexil/strategy.h>

#define VX_CONFIG_MAX_PLUGIN_DIRS 16

typedef struct vx_config {
  char listen[128]; /* "ADDR:PORT"; port 0 picks a free port */
  char data_dir[PATH_MAX];
  char database[PATH_MAX]; /* "" until resolved: <data_dir>/vexil.db */
  char plugin_dirs[VX_CONFIG_MAX_PLUGIN_DIRS][PATH_MAX];
  size_t n_plugin_dirs; /* 0: the built-in folder */
  char default_environment[64];
  bool open_evaluation;  /* evaluation without a token */
  size_t body_limit;     /* bytes, > 0 */
  size_t import_limit;   /* bytes, > 0: the body of POST .../admin/import */
  int header_timeout_ms; /* to receive a request's head, from its start */
  int body_timeout_ms;   /* to receive a whole body, from the head's end */
  int import_timeout_ms; /* the same for an import's body */
  int threads;           /* request workers, besides event streams */
  int max_streams;       /* open /api/v1/stream connections at most */
  bool access_log;
  vx_log_level log_level;
  bool demo; /* seed demo flags into an empty database */
  /* Parser limits (json_limit.h, context.h): arrays and objects nested in
   * any JSON read from outside (16..128), properties in one evaluation
   * context (1..65536), bytes of one context value (64..1048576). */
  int max_json_depth;
  int max_context_properties;
  int max_context_value_bytes;
  /* How often a store that stopped taking writes is probed, and an
   * unpublished revision retried (service_health.c). */
  int store_probe_interval_ms;
  int last_used_interval; /* s between writes of tokens' last use, 1..3600 */
  /* Each call into a plugin in the pre-load check (a forked child,
   * plugin_check.h) must return within this many ms; 0: no check. */
  int plugin_check_timeout_ms;
  /* After SIGTERM, requests in flight get this many ms to finish; then
   * vexild logs what it waited for and exits with status 3. */
  int shutdown_timeout_ms;
} vx_config;

/* What the command line asks for. */
typedef enum vx_cli_action {
  VX_CLI_SERVE = 0,
  VX_CLI_CHECK_CONFIG, /* --check-config: validate, print, exit */
  VX_CLI_VERSION,
  VX_CLI_HELP
} vx_cli_action;

void vx_config_defaults(vx_config *cfg);

/* Reads a libconfig file over cfg. Errors name file, line and setting:
 * "vexil.conf:12: body_limit: must be a positive integer". Unknown
 * settings are errors (a typo must not pass silently). */
int vx_config_load_file(vx_config *cfg, const char *path, char *err,
                        size_t errlen);

/* Applies VEXIL_* variables from envp (NULL-terminated "K=V" strings).
 * Errors name the variable. */
int vx_config_load_env(vx_config *cfg, char *const *envp, char *err,
                       size_t errlen);

/* The whole precedence chain for `vexild [serve options]`: --config FILE
 * (or VEXIL_CONFIG), an --option for every setting of the table above
 * (--plugin-dir repeatable, replacing the list; a boolean's option alone
 * means true), --check-config, --version, --help.
 * Fills cfg (database resolved against data_dir) and *action. Returns 0,
 * or VX_EINVAL with a message in err. argv[0] is the program name. */
int vx_config_from_args(int argc, char **argv, char *const *envp,
                        vx_config *cfg, vx_cli_action *action, char *err,
                        size_t errlen);

/* Writes the effective configuration, one "key = value;" line each, in
 * libconfig syntax (what --check-config prints). */
void vx_config_print(const vx_config *cfg, FILE *out);

#endif
