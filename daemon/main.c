/* main.c - the vexild command line: serve (the default) or evaluate. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_evaluate.h"
#include "config.h"
#include "http.h"
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
    "         [--check-config]\n"
    "      Serve flags over HTTP (OFREP, the native and admin APIs). Every\n"
    "      setting can also come from VEXIL_* environment variables and a\n"
    "      config file: command line > environment > file > default (see\n"
    "      examples/vexil.conf). On first start with an empty database an\n"
    "      admin token is created (VEXIL_ADMIN_TOKEN, or printed once).\n"
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
    vx_log(VX_LOG_INFO, "%s: finishing requests in flight, then exiting",
           sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  vx_http_stop(http);
  vx_service_close(svc);
  vx_log(VX_LOG_INFO, "stopped");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "evaluate") == 0)
    return vx_cli_evaluate(argc - 1, argv + 1, stdout, stderr);
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
