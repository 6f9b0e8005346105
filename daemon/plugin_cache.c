/* plugin_cache.c - content-addressed copies of plugin files (see
 * plugin_cache.h). */
#include "plugin_cache.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vexil/error.h>

#include "sha256.h"

#define MAX_PLUGIN_FILE (256u << 20) /* 256 MiB: far beyond any plugin */

static void clear_cache(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if ((n > 3 && strcmp(e->d_name + n - 3, ".so") == 0) ||
        (n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0)) {
      char path[PATH_MAX];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    }
  }
  closedir(d);
}

/* Reads the whole file; *buf is malloc'ed. */
static int read_file(const char *path, unsigned char **buf, size_t *len,
                     char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (f == NULL || fstat(fileno(f), &st) != 0) {
    snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    if (f != NULL)
      fclose(f);
    return VX_EIO;
  }
  if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > MAX_PLUGIN_FILE) {
    snprintf(err, errlen, "%s: not a regular file of at most 256 MiB", path);
    fclose(f);
    return VX_EIO;
  }
  size_t cap = (size_t)st.st_size + 1, n = 0;
  unsigned char *b = malloc(cap);
  if (b == NULL) {
    fclose(f);
    return VX_ENOMEM;
  }
  size_t got;
  while ((got = fread(b + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) { /* it grew while we read: take what fits the limit */
      if (cap > MAX_PLUGIN_FILE)
        break;
      unsigned char *nb = realloc(b, cap * 2);
      if (nb == NULL)
        break;
      b = nb;
      cap *= 2;
    }
  }
  bool bad = ferror(f) != 0;
  fclose(f);
  if (bad) {
    free(b);
    snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    return VX_EIO;
  }
  *buf = b;
  *len = n;
  return 0;
}

int vx_plugin_file_sha256(const char *path, char hex[65], char *err,
                          size_t errlen) {
  unsigned char *data, digest[32];
  size_t len;
  int rc = read_file(path, &data, &len, err, errlen);
  if (rc != 0)
    return rc;
  vx_sha256(data, len, digest);
  vx_sha256_hex(digest, hex);
  free(data);
  return 0;
}

/* Writes data to dir/<hex>.so through a temporary file and rename, so
 * that a copy another module maps is replaced, never rewritten. */
static char *write_copy(const char *dir, const char *hex,
                        const unsigned char *data, size_t len, char *err,
                        size_t errlen) {
  char tmp[PATH_MAX], path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s.so", dir, hex);
  snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, hex, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  bool ok = f != NULL && fwrite(data, 1, len, f) == len;
  if (f != NULL && fclose(f) != 0)
    ok = false;
  if (ok && rename(tmp, path) != 0)
    ok = false;
  if (!ok) {
    snprintf(err, errlen, "cannot write %.300s: %s", path, strerror(errno));
    unlink(tmp);
    return NULL;
  }
  char *copy = strdup(path);
  if (copy == NULL)
    unlink(path);
  return copy;
}

int vx_plugin_cache_prepare(const char *dir, char *err, size_t errlen) {
  struct stat st;
  if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    return VX_EIO;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
      access(dir, W_OK | X_OK) != 0) {
    snprintf(err, errlen, "%s is not a folder vexild can write to", dir);
    return VX_EIO;
  }
  clear_cache(dir);
  return 0;
}

int vx_plugin_cache_copy(const char *dir, const char *path, char hex[65],
                         char **copy, char *err, size_t errlen) {
  *copy = NULL;
  unsigned char *data = NULL, digest[32];
  size_t len = 0;
  int rc = read_file(path, &data, &len, err, errlen);
  if (rc != 0)
    return rc;
  vx_sha256(data, len, digest);
  vx_sha256_hex(digest, hex);
  if (dir != NULL) {
    char why[512] = "";
    *copy = write_copy(dir, hex, data, len, why, sizeof why);
    if (*copy == NULL) {
      snprintf(err, errlen, "%s: %s", path, why);
      rc = VX_EIO;
    }
  }
  free(data);
  return rc;
}
