/* plugin_host.c - loading, checking and registering strategy plugins. */
#include "plugin_host.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vexil/sdk.h>

#include "host_api.h"
#include "log.h"
#include "plugin_check.h"

#ifndef VX_PLUGINDIR
#define VX_PLUGINDIR "/usr/local/lib/vexil/plugins"
#endif

/* A plugin file refused by the last scan of its folder. */
typedef struct refusal {
  char *file;
  char *name; /* "" when unknown */
} refusal;

struct vx_plugin_host {
  vx_plugin **items;
  size_t n, cap;
  char *cache_dir; /* content-addressed copies, or NULL */
  int check_ms;    /* the pre-load check's limit per call; 0: no check */
  const vx_check_uses *uses;    /* borrowed, may be NULL */
  pthread_mutex_t refused_lock; /* metrics read the refusals */
  refusal *refused;
  size_t n_refused;
};

vx_plugin_host *vx_plugin_host_new(void) {
  vx_plugin_host *host = calloc(1, sizeof(vx_plugin_host));
  if (host != NULL)
    pthread_mutex_init(&host->refused_lock, NULL);
  return host;
}

void vx_plugin_host_set_check(vx_plugin_host *host, int timeout_ms,
                              const vx_check_uses *uses) {
  host->check_ms = timeout_ms;
  host->uses = uses;
}

void vx_plugin_host_note_refused(vx_plugin_host *host, const char *file,
                                 const char *name) {
  pthread_mutex_lock(&host->refused_lock);
  refusal *r = realloc(host->refused, (host->n_refused + 1) * sizeof *r);
  if (r != NULL) {
    host->refused = r;
    r[host->n_refused].file = strdup(file);
    r[host->n_refused].name = strdup(name != NULL ? name : "");
    if (r[host->n_refused].file != NULL && r[host->n_refused].name != NULL)
      host->n_refused++;
    else {
      free(r[host->n_refused].file);
      free(r[host->n_refused].name);
    }
  }
  pthread_mutex_unlock(&host->refused_lock);
}

void vx_plugin_host_forget_refused(vx_plugin_host *host) {
  pthread_mutex_lock(&host->refused_lock);
  for (size_t i = 0; i < host->n_refused; i++) {
    free(host->refused[i].file);
    free(host->refused[i].name);
  }
  free(host->refused);
  host->refused = NULL;
  host->n_refused = 0;
  pthread_mutex_unlock(&host->refused_lock);
}

size_t vx_plugin_host_each_refused(vx_plugin_host *host,
                                   void (*fn)(const char *file,
                                              const char *name, void *arg),
                                   void *arg) {
  pthread_mutex_lock(&host->refused_lock);
  size_t n = host->n_refused;
  for (size_t i = 0; fn != NULL && i < n; i++)
    fn(host->refused[i].file, host->refused[i].name, arg);
  pthread_mutex_unlock(&host->refused_lock);
  return n;
}

static bool no_dlclose(void) {
  const char *v = getenv("VEXIL_NO_DLCLOSE");
  return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

void vx_plugin_ref(vx_plugin *p) {
  atomic_fetch_add(&p->refs, 1);
}

void vx_plugin_unref(vx_plugin *p) {
  if (p == NULL || atomic_fetch_sub(&p->refs, 1) != 1)
    return;
  if (p->desc->fini != NULL)
    p->desc->fini(p->state);
  if (p->handle != NULL && !no_dlclose()) {
    dlclose(p->handle);
    if (p->copy != NULL)
      unlink(p->copy);
  }
  free(p->copy);
  free(p->name);
  free(p->origin);
  free(p);
}

void vx_plugin_host_free(vx_plugin_host *host) {
  if (host == NULL)
    return;
  for (size_t i = 0; i < host->n; i++)
    vx_plugin_unref(host->items[i]);
  free(host->items);
  free(host->cache_dir);
  vx_plugin_host_forget_refused(host);
  pthread_mutex_destroy(&host->refused_lock);
  free(host);
}

const char *vx_strategy_kind_name(vx_strategy_kind k) {
  switch (k) {
  case VX_KIND_STATIC:
    return "static";
  case VX_KIND_TARGETING:
    return "targeting";
  case VX_KIND_SPLIT:
    return "split";
  }
  return NULL;
}

const char *vx_param_type_name(vx_param_type t) {
  switch (t) {
  case VX_PARAM_STRING:
    return "string";
  case VX_PARAM_PERCENTAGE:
    return "percentage";
  case VX_PARAM_LIST:
    return "list";
  case VX_PARAM_NUMBER:
    return "number";
  case VX_PARAM_BOOLEAN:
    return "boolean";
  }
  return NULL;
}

int vx_plugin_check_descriptor(const vx_strategy_descriptor *d, char *err,
                               size_t errlen) {
  if (d->magic != VX_STRATEGY_MAGIC) {
    snprintf(err, errlen, "magic is 0x%08x, host expects 0x%08x",
             (unsigned)d->magic, (unsigned)VX_STRATEGY_MAGIC);
    return VX_EABI;
  }
  if (d->abi_major != VX_ABI_MAJOR) {
    snprintf(err, errlen, "abi_major is %u, host supports %u",
             (unsigned)d->abi_major, (unsigned)VX_ABI_MAJOR);
    return VX_EABI;
  }
  if (d->abi_minor > VX_ABI_MINOR) {
    snprintf(err, errlen, "abi_minor is %u, host supports up to %u",
             (unsigned)d->abi_minor, (unsigned)VX_ABI_MINOR);
    return VX_EABI;
  }
  /* The size the plugin's minor needs: that minor's frozen figure (not
   * the sizeof of this host's struct, which grows with later minors). */
  static const size_t minor_size[VX_ABI_MINOR + 1] = {VX_DESCRIPTOR_SIZE_V1_0};
  if (d->size < minor_size[d->abi_minor]) {
    snprintf(err, errlen, "size is %u, abi %u.%u needs at least %zu",
             (unsigned)d->size, (unsigned)d->abi_major, (unsigned)d->abi_minor,
             minor_size[d->abi_minor]);
    return VX_EABI;
  }
  if (d->name == NULL || d->name[0] == '\0') {
    snprintf(err, errlen, "name is %s, host expects a non-empty string",
             d->name == NULL ? "NULL" : "empty");
    return VX_EINVAL;
  }
  static const struct {
    const char *field;
    size_t off;
  } required[] = {
      {"compile", offsetof(vx_strategy_descriptor, compile)},
      {"evaluate", offsetof(vx_strategy_descriptor, evaluate)},
      {"free_instance", offsetof(vx_strategy_descriptor, free_instance)},
  };
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    void (*fn)(void);
    memcpy(&fn, (const char *)d + required[i].off, sizeof fn);
    if (fn == NULL) {
      snprintf(err, errlen, "%s is NULL, host expects a function",
               required[i].field);
      return VX_EINVAL;
    }
  }
  if (d->n_params > 0 && d->params == NULL) {
    snprintf(err, errlen, "params is NULL, n_params is %u",
             (unsigned)d->n_params);
    return VX_EINVAL;
  }
  for (uint32_t i = 0; i < d->n_params; i++) {
    const vx_param_def *pd = &d->params[i];
    if (pd->name == NULL || pd->name[0] == '\0') {
      snprintf(err, errlen, "params[%u].name is %s, host expects a name",
               (unsigned)i, pd->name == NULL ? "NULL" : "empty");
      return VX_EINVAL;
    }
    if (vx_param_type_name(pd->type) == NULL) {
      snprintf(err, errlen, "params[%u].type is %d, host expects 0..4",
               (unsigned)i, (int)pd->type);
      return VX_EINVAL;
    }
  }
  return 0;
}

/* A new plugin record for d (checked), before init. */
static vx_plugin *new_plugin(const vx_strategy_descriptor *d,
                             const char *origin) {
  vx_plugin *p = calloc(1, sizeof *p);
  if (p == NULL)
    return NULL;
  p->name = strdup(d->name);
  p->origin = strdup(origin);
  if (p->name == NULL || p->origin == NULL) {
    free(p->name);
    free(p->origin);
    free(p);
    return NULL;
  }
  p->desc = d;
  p->stats = vx_strategy_stats_for(d->name);
  atomic_init(&p->refs, 1);
  return p;
}

static void discard(vx_plugin *p) {
  if (p == NULL)
    return;
  free(p->copy);
  free(p->name);
  free(p->origin);
  free(p);
}

/* The checks after the descriptor's own: the name is not another file's
 * (origin NULL: not any plugin's), then init. */
static int admit(vx_plugin_host *host, vx_plugin *p, const char *origin,
                 char *err, size_t errlen) {
  vx_plugin *prev = vx_plugin_host_find(host, p->desc->name);
  if (prev != NULL && (origin == NULL || strcmp(prev->origin, origin) != 0)) {
    snprintf(err, errlen,
             "name is \"%s\", already registered by %s (names are unique)",
             p->desc->name, prev->origin);
    return VX_EEXIST;
  }
  if (p->desc->init != NULL) {
    int rc = p->desc->init(vx_host_api_get(), &p->state);
    if (rc != 0) {
      snprintf(err, errlen, "init returned %d (%s), host expects 0", rc,
               vx_strerror(rc));
      return VX_EPLUGIN;
    }
  }
  return 0;
}

int vx_plugin_host_add(vx_plugin_host *host, vx_plugin *p, char *err,
                       size_t errlen) {
  vx_plugin *prev = vx_plugin_host_find(host, p->name);
  if (prev != NULL) {
    snprintf(err, errlen,
             "name is \"%s\", already registered by %s (names are unique)",
             p->name, prev->origin);
    return VX_EEXIST;
  }
  if (host->n == host->cap) {
    size_t cap = host->cap ? host->cap * 2 : 16;
    vx_plugin **items = realloc(host->items, cap * sizeof *items);
    if (items == NULL) {
      snprintf(err, errlen, "out of memory");
      return VX_ENOMEM;
    }
    host->items = items;
    host->cap = cap;
  }
  host->items[host->n++] = p;
  return 0;
}

vx_plugin *vx_plugin_host_replace(vx_plugin_host *host, vx_plugin *next) {
  for (size_t i = 0; i < host->n; i++) {
    if (strcmp(host->items[i]->name, next->name) == 0) {
      vx_plugin *old = host->items[i];
      host->items[i] = next;
      return old;
    }
  }
  return NULL;
}

vx_plugin *vx_plugin_host_find_origin(const vx_plugin_host *host,
                                      const char *path) {
  for (size_t i = 0; i < host->n; i++)
    if (strcmp(host->items[i]->origin, path) == 0)
      return host->items[i];
  return NULL;
}

int vx_plugin_host_register(vx_plugin_host *host,
                            const vx_strategy_descriptor *desc,
                            const char *origin, char *err, size_t errlen) {
  char why[512] = "";
  int rc = vx_plugin_check_descriptor(desc, why, sizeof why);
  vx_plugin *p = NULL;
  if (rc == 0 && (p = new_plugin(desc, origin)) == NULL)
    rc = VX_ENOMEM;
  if (rc == 0)
    rc = admit(host, p, NULL, why, sizeof why);
  if (rc == 0 && (rc = vx_plugin_host_add(host, p, why, sizeof why)) != 0 &&
      desc->fini != NULL)
    desc->fini(p->state);
  if (rc != 0) {
    discard(p);
    snprintf(err, errlen, "%s: %s", origin, why);
  }
  return rc;
}

/* ------------------------------------------------- content addressing */

int vx_plugin_host_set_cache_dir(vx_plugin_host *host, const char *dir,
                                 char *err, size_t errlen) {
  int rc = vx_plugin_cache_prepare(dir, err, errlen);
  char *copy = rc == 0 ? strdup(dir) : NULL;
  if (rc == 0 && copy == NULL)
    rc = VX_ENOMEM;
  if (rc != 0)
    return rc;
  free(host->cache_dir);
  host->cache_dir = copy;
  return 0;
}

const char *vx_plugin_host_cache_dir(const vx_plugin_host *host) {
  return host->cache_dir;
}

int vx_plugin_open(vx_plugin_host *host, const char *path, vx_plugin **out,
                   char *err, size_t errlen) {
  return vx_plugin_open_named(host, path, out, NULL, 0, err, errlen);
}

int vx_plugin_open_named(vx_plugin_host *host, const char *path,
                         vx_plugin **out, char *name, size_t namelen, char *err,
                         size_t errlen) {
  *out = NULL;
  if (name != NULL && namelen > 0)
    name[0] = '\0';
  char hex[65], why[1024] = "";
  char *copy = NULL;
  int rc = vx_plugin_cache_copy(host->cache_dir, path, hex, &copy, err, errlen);
  if (rc != 0)
    return rc;
  const char *load_path = copy != NULL ? copy : path;
  void *handle = NULL;
  if (host->check_ms > 0) {
    /* Exercised in a child first: a crash there is not ours. */
    rc = vx_plugin_check(load_path, host->check_ms, host->uses, name, namelen,
                         why, sizeof why);
    if (rc != 0) {
      snprintf(err, errlen, "%s: %s", path, why);
      goto fail;
    }
  }
  dlerror();
  handle = dlopen(load_path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    const char *dl = dlerror();
    snprintf(err, errlen, "%s: dlopen failed: %s", path,
             dl ? dl : "unknown error");
    rc = VX_EIO;
    goto fail;
  }
  void *sym = dlsym(handle, VX_STRATEGY_ENTRY_SYMBOL);
  if (sym == NULL) {
    snprintf(err, errlen, "%s: %s is missing, host expects that symbol", path,
             VX_STRATEGY_ENTRY_SYMBOL);
    rc = VX_EABI;
    goto fail;
  }
  vx_strategy_entry_fn entry;
  memcpy(&entry, &sym, sizeof entry);
  const vx_strategy_descriptor *d = entry();
  if (d == NULL) {
    snprintf(err, errlen, "%s: %s returned NULL, host expects a descriptor",
             path, VX_STRATEGY_ENTRY_SYMBOL);
    rc = VX_EABI;
    goto fail;
  }
  rc = vx_plugin_check_descriptor(d, why, sizeof why);
  if (rc == 0 && name != NULL)
    snprintf(name, namelen, "%s", d->name);
  vx_plugin *p = NULL;
  if (rc == 0 && (p = new_plugin(d, path)) == NULL)
    rc = VX_ENOMEM;
  if (rc == 0 && (rc = admit(host, p, path, why, sizeof why)) != 0) {
    discard(p);
    p = NULL;
  }
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", path, why);
    goto fail;
  }
  p->handle = handle;
  p->copy = copy;
  memcpy(p->sha256, hex, sizeof hex);
  *out = p;
  return 0;
fail:
  if (handle != NULL && !no_dlclose())
    dlclose(handle);
  if (copy != NULL) {
    unlink(copy);
    free(copy);
  }
  return rc;
}

int vx_plugin_host_load_file(vx_plugin_host *host, const char *path, char *err,
                             size_t errlen) {
  vx_plugin *p;
  int rc = vx_plugin_open(host, path, &p, err, errlen);
  if (rc != 0)
    return rc;
  char why[512] = "";
  rc = vx_plugin_host_add(host, p, why, sizeof why);
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", path, why);
    vx_plugin_unref(p);
  }
  return rc;
}

static int so_filter(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 3 && strcmp(e->d_name + n - 3, ".so") == 0;
}

int vx_plugin_host_load_dir(vx_plugin_host *host, const char *dir) {
  struct dirent **list = NULL;
  int n = scandir(dir, &list, so_filter, alphasort);
  if (n < 0) {
    vx_log(VX_LOG_ERROR, "plugin folder %s: %s", dir, strerror(errno));
    return VX_EIO;
  }
  int loaded = 0;
  for (int i = 0; i < n; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
    free(list[i]);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    char err[1536], why[512], name[128];
    vx_plugin *p = NULL;
    int rc = vx_plugin_open_named(host, path, &p, name, sizeof name, err,
                                  sizeof err);
    if (rc == 0 && (rc = vx_plugin_host_add(host, p, why, sizeof why)) != 0) {
      snprintf(err, sizeof err, "%.1000s: %s", path, why);
      vx_plugin_unref(p);
    }
    if (rc == 0) {
      vx_log(VX_LOG_INFO, "loaded strategy %s %s from %s", p->name,
             p->desc->version ? p->desc->version : "?", path);
      loaded++;
      continue;
    }
    vx_plugin_host_note_refused(host, path, name);
    if (name[0] != '\0' && vx_plugin_host_find(host, name) == NULL)
      vx_log(VX_LOG_WARN,
             "plugin refused: %s; strategy %s is not loaded: flags using it "
             "are off until a version that passes is loaded (POST "
             "/api/v1/admin/plugins/reload or SIGHUP)",
             err, name);
    else
      vx_log(VX_LOG_WARN, "plugin refused: %s", err);
  }
  free(list);
  return loaded;
}

vx_plugin *vx_plugin_host_find(const vx_plugin_host *host, const char *name) {
  for (size_t i = 0; i < host->n; i++)
    if (strcmp(host->items[i]->name, name) == 0)
      return host->items[i];
  return NULL;
}

size_t vx_plugin_host_count(const vx_plugin_host *host) {
  return host->n;
}

vx_plugin *vx_plugin_host_at(const vx_plugin_host *host, size_t i) {
  return i < host->n ? host->items[i] : NULL;
}

const char *vx_plugin_default_dir(void) {
  static char dir[PATH_MAX];
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL) {
      *slash = '\0';
      char candidate[PATH_MAX];
      struct stat st;
      if (snprintf(candidate, sizeof candidate, "%s/../plugins", exe) <
              (int)sizeof candidate &&
          stat(candidate, &st) == 0 && S_ISDIR(st.st_mode) &&
          realpath(candidate, dir) != NULL)
        return dir;
    }
  }
  snprintf(dir, sizeof dir, "%s", VX_PLUGINDIR);
  return dir;
}
