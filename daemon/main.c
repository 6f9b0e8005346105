/* main.c - the vexild command line: serve (the default) or evaluate. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_evaluate.h"
#include "cli_token.h"
#include "config.h"
#include "http.h"
#include "inflight.h"
#include "log.h"
#include "service.h"
#include "service_reload.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

extern char **environ;

static const char help[] =
    "vexild " VX_VERSION " - the Vexil feature-flag daemon\n"
    "\n"
    "usage:\n"
    "  vexild [--config FILE] [--listen ADDR:PORT] [--data-dir DIR]\n"
    "         [--database PATH] [--plugin-dir DIR]... [--default-environment "
    "NAME]\n"
    "         [--open-evaluation] [--access-log] [--log-level LEVEL] "
    "[--demo]\n"
    "         [--body-limit BYTES] [--import-limit BYTES]\n"
    "         [--header-timeout-ms MS] [--body-timeout-ms MS]\n"
    "         [--import-timeout-ms MS] [--threads N] [--max-streams N]\n"
    "         [--max-json-depth N] [--max-context-properties N]\n"
    "         [--max-context-value-bytes N] [--store-probe-interval-ms MS]\n"
    "         [--last-used-interval SECONDS] [--plugin-check-timeout-ms MS]\n"
    "         [--shutdown-timeout-ms MS] [--check-config]\n"
    "      Serve flags over HTTP (OFREP, the native and admin APIs). Every\n"
    "      setting can also come from VEXIL_* environment variables and a\n"
    "      config file: command line > environment > file > default (see\n"
    "      examples/vexil.conf). On first start with an empty database an\n"
    "      admin token is created (VEXIL_ADMIN_TOKEN, or printed once);\n"
    "      VEXIL_ADMIN_TOKEN is not read again once the database has one.\n"
    "      --max-json-depth (16..128, default 64) bounds the nesting of\n"
    "      any JSON read; --max-context-properties (default 256) the\n"
    "      properties of one evaluation context, and\n"
    "      --max-context-value-bytes (default 4096) each of its values.\n"
    "      Over a limit, requests are answered with 400.\n"
    "      --plugin-check-timeout-ms MS (default 3000, 0 off): each call\n"
    "      into a plugin in the pre-load check, a forked child that\n"
    "      exercises every plugin before it is loaded, must return within\n"
    "      MS; a plugin that crashes, exits or hangs there is refused.\n"
    "      --shutdown-timeout-ms MS (default 10000): after SIGTERM, the\n"
    "      requests in flight get MS to finish; then vexild names them in\n"
    "      the log and exits with status 3 (answered writes are already\n"
    "      committed).\n"
    "  vexild token create --admin --name NAME [--config FILE]\n"
    "                      [--database PATH] [--data-dir DIR]\n"
    "      Break-glass: add an admin token to the database on this host,\n"
    "      also while vexild runs (it takes it in within a second). Prints\n"
    "      the secret once; audited as \"break-glass (uid N on HOST)\".\n"
    "  vexild token list [--config FILE] [--database PATH] [--data-dir DIR]\n"
    "      List the tokens of the database (never a secret).\n"
    "  vexild evaluate --unleash-state FILE.json --flag KEY\n"
    "                  [--context JSON | --contexts FILE]\n"
    "                  [--plugin-dir DIR]... [--environment NAME]\n"
    "      Decide a flag offline from an Unleash state file and print one\n"
    "      JSON decision per context.\n"
    "  vexild --version\n"
    "  vexild --help\n";

/* mkdir -p of path's folder. */
static int make_parent(const char *path) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  char *dir = dirname(buf);
  for (char *p = dir + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  }
  return mkdir(dir, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

/* ---- stopping, with a deadline */

typedef struct stopper {
  vx_http *http;
  atomic_bool done;
} stopper;

static void *stop_http(void *arg) {
  stopper *st = arg;
  vx_http_stop(st->http);
  atomic_store(&st->done, true);
  return NULL;
}

/* Stops the server on another thread and waits at most timeout_ms for it
 * (a worker stuck in a plugin's evaluate would hold mg_stop forever). A
 * second SIGTERM or SIGINT ends the wait at once. Returns 0 when stopped,
 * -1 when the time is up. */
static int stop_http_before(vx_http *http, const sigset_t *set,
                            int timeout_ms) {
  static stopper st; /* may outlive this call when the time is up */
  st.http = http;
  atomic_init(&st.done, false);
  pthread_t t;
  if (pthread_create(&t, NULL, stop_http, &st) != 0) {
    vx_http_stop(http);
    return 0;
  }
  int64_t deadline = vx_inflight_now_ms() + timeout_ms;
  while (!atomic_load(&st.done)) {
    int64_t left = deadline - vx_inflight_now_ms();
    if (left <= 0)
      return -1;
    struct timespec ts = {0, (left < 20 ? left : 20) * 1000000L};
    int sig = sigtimedwait(set, NULL, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      vx_log(VX_LOG_WARN, "%s again: not waiting any longer",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
      return -1;
    }
  }
  pthread_join(t, NULL);
  return 0;
}

/* The shutdown deadline passed: says what it waited for, and exits 3
 * without running exit handlers (the stuck worker still runs). */
__attribute__((noreturn)) static void give_up(int timeout_ms) {
  vx_inflight_entry e[16];
  size_t n = vx_inflight_list(e, 16, vx_inflight_now_ms());
  vx_log(VX_LOG_ERROR,
         "shutdown: %zu request%s still in flight after %d ms; exiting "
         "with status 3 without waiting for %s",
         n, n == 1 ? "" : "s", timeout_ms, n == 1 ? "it" : "them");
  for (size_t i = 0; i < n && i < 16; i++)
    vx_log(VX_LOG_ERROR,
           "shutdown: waited for %s%s, in flight for %.1f s (its worker is "
           "stuck, for example in a strategy plugin's evaluate)",
           e[i].text, e[i].stream ? " (an event stream)" : "",
           (double)e[i].age_ms / 1000.0);
  vx_log(VX_LOG_ERROR,
         "shutdown: every write that was answered is committed in the "
         "database (answers are sent after COMMIT); a write not answered "
         "yet is rolled back by SQLite at the next start");
  _exit(3);
}

static int serve(const vx_config *cfg) {
  /* Signals are taken by sigwait below, in this thread only. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (make_parent(cfg->database) != 0) {
    vx_log(VX_LOG_ERROR, "cannot create the folder of %s: %s", cfg->database,
           strerror(errno));
    return 1;
  }
  char err[1024];
  char *secret = NULL;
  vx_service *svc;
  if (vx_service_open(cfg, &svc, &secret, err, sizeof err) != 0) {
    vx_log(VX_LOG_ERROR, "cannot open %s: %s", cfg->database, err);
    return 1;
  }
  vx_http *http;
  if (vx_http_start(svc, &http, err, sizeof err) != 0) {
    vx_log(VX_LOG_ERROR, "cannot listen on %s: %s", cfg->listen, err);
    vx_service_close(svc);
    if (secret != NULL)
      explicit_bzero(secret, strlen(secret));
    free(secret);
    return 1;
  }
  char host[128];
  snprintf(host, sizeof host, "%s", cfg->listen);
  char *colon = strrchr(host, ':');
  if (colon != NULL)
    *colon = '\0';
  printf("vexild %s listening on http://%s:%d\n", VX_VERSION, host,
         vx_http_port(http));
  if (secret != NULL) {
    printf("admin token (shown once, keep it): %s\n", secret);
    explicit_bzero(secret, strlen(secret));
    free(secret);
  }
  fflush(stdout);

  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0)
      continue;
    if (sig == SIGHUP) {
      /* Here, on the signal thread, not in a handler: a reload is an
       * ordinary write under the service's lock. */
      vx_principal who = {.role = VX_ROLE_ADMIN, .name = "SIGHUP"};
      json_t *report = NULL;
      vx_werr werr = {0};
      if (vx_service_reload_plugins(svc, &who, &report, &werr) != 0) {
        vx_log(VX_LOG_ERROR, "SIGHUP: plugin reload failed: %s", werr.message);
        continue;
      }
      vx_log(VX_LOG_INFO,
             "SIGHUP: plugins reloaded: %zu loaded, %zu replaced, %zu "
             "rejected",
             json_array_size(json_object_get(report, "loaded")),
             json_array_size(json_object_get(report, "replaced")),
             json_array_size(json_object_get(report, "rejected")));
      json_decref(report);
      continue;
    }
    vx_log(VX_LOG_INFO,
           "%s: finishing requests in flight (at most %d ms), then exiting",
           sig == SIGTERM ? "SIGTERM" : "SIGINT", cfg->shutdown_timeout_ms);
    break;
  }
  if (stop_http_before(http, &set, cfg->shutdown_timeout_ms) != 0)
    give_up(cfg->shutdown_timeout_ms); /* does not return */
  vx_service_close(svc);
  vx_log(VX_LOG_INFO, "stopped");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "evaluate") == 0)
    return vx_cli_evaluate(argc - 1, argv + 1, stdout, stderr);
  if (argc >= 2 && strcmp(argv[1], "token") == 0)
    return vx_cli_token(argc - 1, argv + 1, environ, stdout, stderr);
  vx_config cfg;
  vx_cli_action action;
  char err[1024];
  if (vx_config_from_args(argc, argv, environ, &cfg, &action, err,
                          sizeof err) != 0) {
    fprintf(stderr, "vexild: %s\n", err);
    return 2;
  }
  switch (action) {
  case VX_CLI_HELP:
    fputs(help, stdout);
    return 0;
  case VX_CLI_VERSION:
    printf("vexild %s\n", VX_VERSION);
    return 0;
  case VX_CLI_CHECK_CONFIG:
    vx_config_print(&cfg, stdout);
    return 0;
  case VX_CLI_SERVE:
    break;
  }
  vx_log_set_level(cfg.log_level);
  return serve(&cfg);
}
