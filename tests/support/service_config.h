/*
 * service_config.h - the settings the service tests (tests/daemon/
 * test_service*.c) open a vx_service with: its database in dir, the built
 * plugins (VX_PLUGIN_DIR), the first admin token's secret "secret-admin"
 * (VEXIL_ADMIN_TOKEN), only errors logged.
 */
#ifndef VX_TEST_SERVICE_CONFIG_H
#define VX_TEST_SERVICE_CONFIG_H

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "log.h"

static inline void vxt_service_config(vx_config *cfg, const char *dir) {
  vx_log_set_level(VX_LOG_ERROR);
  vx_config_defaults(cfg);
  snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", dir);
  snprintf(cfg->database, sizeof cfg->database, "%s/vexil.db", dir);
  snprintf(cfg->plugin_dirs[0], sizeof cfg->plugin_dirs[0], "%s",
           getenv("VX_PLUGIN_DIR"));
  cfg->n_plugin_dirs = 1;
  setenv("VEXIL_ADMIN_TOKEN", "secret-admin", 1);
}

#endif
