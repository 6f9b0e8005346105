/*
 * fuzz_config - the configuration file (config.c through libconfig): the
 * input is the file's text, read over the defaults as `vexild --config`
 * reads it, then printed as --check-config prints it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int fd = -1;
  static char path[64];
  static FILE *sink;
  if (fd < 0) {
    fd = memfd_create("vexil.conf", 0);
    sink = fopen("/dev/null", "w");
    if (fd < 0 || sink == NULL)
      abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  }
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
    abort();
  vx_config cfg;
  vx_config_defaults(&cfg);
  char err[512];
  if (vx_config_load_file(&cfg, path, err, sizeof err) == 0)
    vx_config_print(&cfg, sink);
  return 0;
}
