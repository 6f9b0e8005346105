/* plugin_host.c - loading, checking and registering strategy plugins. */
#include "plugin_host.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vexil/sdk.h>

#include "host_api.h"
#include "log.h"

#ifndef VX_PLUGINDIR
#define VX_PLUGINDIR "/usr/local/lib/vexil/plugins"
#endif

struct vx_plugin_host {
  vx_plugin **items;
  size_t n, cap;
};

vx_plugin_host *vx_plugin_host_new(void) {
  return calloc(1, sizeof(vx_plugin_host));
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
  if (p->handle != NULL && !no_dlclose())
    dlclose(p->handle);
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
  free(host);
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
  /* Every minor of major 1 so far is 1.0, whose size is the whole struct. */
  if (d->size < VX_DESCRIPTOR_SIZE_V1_0) {
    snprintf(err, errlen, "size is %u, abi %u.%u needs at least %zu",
             (unsigned)d->size, (unsigned)d->abi_major, (unsigned)d->abi_minor,
             (size_t)VX_DESCRIPTOR_SIZE_V1_0);
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

static int add_plugin(vx_plugin_host *host, void *handle,
                      const vx_strategy_descriptor *d, const char *origin,
                      char *err, size_t errlen) {
  int rc = vx_plugin_check_descriptor(d, err, errlen);
  if (rc != 0)
    return rc;
  vx_plugin *prev = vx_plugin_host_find(host, d->name);
  if (prev != NULL) {
    snprintf(err, errlen,
             "name is \"%s\", already registered by %s (names are unique)",
             d->name, prev->origin);
    return VX_EEXIST;
  }
  if (host->n == host->cap) {
    size_t cap = host->cap ? host->cap * 2 : 16;
    vx_plugin **items = realloc(host->items, cap * sizeof *items);
    if (items == NULL)
      return VX_ENOMEM;
    host->items = items;
    host->cap = cap;
  }
  vx_plugin *p = calloc(1, sizeof *p);
  if (p == NULL)
    return VX_ENOMEM;
  p->name = strdup(d->name);
  p->origin = strdup(origin);
  if (p->name == NULL || p->origin == NULL) {
    free(p->name);
    free(p->origin);
    free(p);
    return VX_ENOMEM;
  }
  if (d->init != NULL) {
    rc = d->init(vx_host_api_get(), &p->state);
    if (rc != 0) {
      snprintf(err, errlen, "init returned %d (%s), host expects 0", rc,
               vx_strerror(rc));
      free(p->name);
      free(p->origin);
      free(p);
      return VX_EPLUGIN;
    }
  }
  p->handle = handle;
  p->desc = d;
  atomic_init(&p->refs, 1);
  host->items[host->n++] = p;
  return 0;
}

int vx_plugin_host_register(vx_plugin_host *host,
                            const vx_strategy_descriptor *desc,
                            const char *origin, char *err, size_t errlen) {
  char why[512] = "";
  int rc = add_plugin(host, NULL, desc, origin, why, sizeof why);
  if (rc != 0)
    snprintf(err, errlen, "%s: %s", origin, why);
  return rc;
}

int vx_plugin_host_load_file(vx_plugin_host *host, const char *path, char *err,
                             size_t errlen) {
  dlerror();
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    const char *why = dlerror();
    snprintf(err, errlen, "%s: dlopen failed: %s", path,
             why ? why : "unknown error");
    return VX_EIO;
  }
  void *sym = dlsym(handle, VX_STRATEGY_ENTRY_SYMBOL);
  if (sym == NULL) {
    snprintf(err, errlen, "%s: %s is missing, host expects that symbol", path,
             VX_STRATEGY_ENTRY_SYMBOL);
    dlclose(handle);
    return VX_EABI;
  }
  vx_strategy_entry_fn entry;
  memcpy(&entry, &sym, sizeof entry);
  const vx_strategy_descriptor *d = entry();
  if (d == NULL) {
    snprintf(err, errlen, "%s: %s returned NULL, host expects a descriptor",
             path, VX_STRATEGY_ENTRY_SYMBOL);
    dlclose(handle);
    return VX_EABI;
  }
  char why[512] = "";
  int rc = add_plugin(host, handle, d, path, why, sizeof why);
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", path, why);
    if (!no_dlclose())
      dlclose(handle);
    return rc;
  }
  return 0;
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
    char err[1024];
    int rc = vx_plugin_host_load_file(host, path, err, sizeof err);
    if (rc == 0) {
      vx_plugin *p = host->items[host->n - 1];
      vx_log(VX_LOG_INFO, "loaded strategy %s %s from %s", p->name,
             p->desc->version ? p->desc->version : "?", path);
      loaded++;
    } else {
      vx_log(VX_LOG_WARN, "plugin refused: %s", err);
    }
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

/* A parameter value as the text a plugin receives. Returns a malloc'ed
 * string, or NULL with *rc set. */
static char *param_text(const char *name, const json_t *v, int *rc, char *err,
                        size_t errlen) {
  char buf[64];
  switch (json_typeof(v)) {
  case JSON_STRING:
    return strdup(json_string_value(v));
  case JSON_INTEGER:
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return strdup(buf);
  case JSON_REAL:
    snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
    return strdup(buf);
  case JSON_TRUE:
  case JSON_FALSE:
    return strdup(json_is_true(v) ? "true" : "false");
  case JSON_ARRAY: {
    size_t i, total = 1;
    json_t *item;
    json_array_foreach(v, i, item) {
      if (!json_is_string(item)) {
        snprintf(err, errlen, "%s: list items must be strings", name);
        *rc = VX_ETYPE;
        return NULL;
      }
      total += json_string_length(item) + 1;
    }
    char *s = malloc(total);
    if (s == NULL)
      break;
    s[0] = '\0';
    size_t off = 0;
    json_array_foreach(v, i, item) {
      size_t len = json_string_length(item);
      if (i > 0)
        s[off++] = ',';
      memcpy(s + off, json_string_value(item), len);
      off += len;
    }
    s[off] = '\0';
    return s;
  }
  default:
    snprintf(err, errlen, "%s: must be a string, number, boolean or list",
             name);
    *rc = VX_ETYPE;
    return NULL;
  }
  *rc = VX_ENOMEM;
  return NULL;
}

static int check_type(const vx_param_def *pd, const char *value, char *err,
                      size_t errlen) {
  switch (pd->type) {
  case VX_PARAM_PERCENTAGE: {
    int pct;
    char why[256];
    if (vx_parse_percentage(value, pd->name, &pct, why, sizeof why) != 0) {
      snprintf(err, errlen, "%s", why);
      return VX_EINVAL;
    }
    return 0;
  }
  case VX_PARAM_NUMBER: {
    double d;
    if (vx_parse_number(value, strlen(value), &d) != 0) {
      snprintf(err, errlen, "%s must be a number, got \"%s\"", pd->name, value);
      return VX_EINVAL;
    }
    return 0;
  }
  case VX_PARAM_BOOLEAN: {
    bool b;
    if (vx_parse_bool(value, &b) != 0) {
      snprintf(err, errlen, "%s must be true or false, got \"%s\"", pd->name,
               value);
      return VX_EINVAL;
    }
    return 0;
  }
  case VX_PARAM_STRING:
  case VX_PARAM_LIST:
    return 0;
  }
  return 0;
}

int vx_plugin_compile(vx_plugin *p, const char *flag, const json_t *params,
                      unsigned mode, void **instance, char *err,
                      size_t errlen) {
  if (params != NULL && !json_is_object(params) && !json_is_null(params)) {
    snprintf(err, errlen, "parameters must be an object");
    return VX_ETYPE;
  }
  size_t n = json_is_object(params) ? json_object_size(params) : 0;
  vx_param *list = calloc(n ? n : 1, sizeof *list);
  if (list == NULL)
    return VX_ENOMEM;
  size_t count = 0;
  int rc = 0;
  if (n > 0) {
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)params, name, v) {
      if (json_is_null(v))
        continue;
      char *text = param_text(name, v, &rc, err, errlen);
      if (text == NULL)
        goto out;
      list[count].name = name;
      list[count].value = text;
      count++;
    }
  }
  for (uint32_t i = 0; i < p->desc->n_params; i++) {
    const vx_param_def *pd = &p->desc->params[i];
    const char *value = vx_param_find(list, count, pd->name);
    if (value == NULL) {
      if (pd->required) {
        snprintf(err, errlen, "missing parameter %s", pd->name);
        rc = VX_EINVAL;
        goto out;
      }
      continue;
    }
    rc = check_type(pd, value, err, errlen);
    if (rc != 0)
      goto out;
  }
  if (errlen > 0)
    err[0] = '\0';
  rc = p->desc->compile(p->state, flag, list, count, instance, err, errlen);
  if (rc != 0 && (errlen == 0 || err[0] == '\0'))
    snprintf(err, errlen, "compile failed: %s", vx_strerror(rc));
  if (rc > 0)
    rc = VX_EPLUGIN; /* a plugin must return 0 or a negative code */
  if (rc == 0 && errlen > 0 && err[0] != '\0' && (mode & VX_COMPILE_STRICT)) {
    p->desc->free_instance(p->state, *instance); /* accepted, with a warning */
    *instance = NULL;
    rc = VX_EINVAL;
  }
  if (rc == 0)
    vx_plugin_ref(p);
out:
  for (size_t i = 0; i < count; i++)
    free((char *)list[i].value);
  free(list);
  return rc;
}

void vx_plugin_free_instance(vx_plugin *p, void *instance) {
  if (p == NULL)
    return;
  p->desc->free_instance(p->state, instance);
  vx_plugin_unref(p);
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
