/* config.c - the daemon's settings: defaults < file < environment < argv. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vexil/error.h>

#include "context.h"
#include "json_limit.h"

#define BODY_LIMIT_MAX (1024LL * 1024 * 1024) /* 1 GiB */
#define TIMEOUT_MS_MAX 3600000                /* an hour */
#define FILE_SIZE_MAX (1024L * 1024)          /* of a configuration file */

/* ---- the table of settings */

typedef enum kind {
  K_LISTEN,  /* "ADDR:PORT" */
  K_PATH,    /* a non-empty path */
  K_DB,      /* a path, "" for <data_dir>/vexil.db */
  K_DIRS,    /* a list of paths */
  K_ENVNAME, /* [A-Za-z0-9_.-]{1,63} */
  K_BOOL,
  K_INT,  /* int in [min, max] */
  K_SIZE, /* size_t in [min, max] */
  K_LEVEL /* debug|info|warn|error */
} kind;

typedef struct key {
  const char *name; /* in the file */
  const char *env;  /* VEXIL_... */
  const char *opt;  /* --option */
  kind kind;
  size_t off; /* of the field in vx_config */
  long long min, max;
} key;

#define F(field) offsetof(vx_config, field)
static const key keys[] = {
    {"listen", "VEXIL_LISTEN", "listen", K_LISTEN, F(listen), 0, 0},
    {"data_dir", "VEXIL_DATA_DIR", "data-dir", K_PATH, F(data_dir), 0, 0},
    {"database", "VEXIL_DATABASE", "database", K_DB, F(database), 0, 0},
    {"plugin_dirs", "VEXIL_PLUGIN_DIRS", "plugin-dir", K_DIRS, F(plugin_dirs),
     0, 0},
    {"default_environment", "VEXIL_DEFAULT_ENVIRONMENT", "default-environment",
     K_ENVNAME, F(default_environment), 0, 0},
    {"open_evaluation", "VEXIL_OPEN_EVALUATION", "open-evaluation", K_BOOL,
     F(open_evaluation), 0, 0},
    {"body_limit", "VEXIL_BODY_LIMIT", "body-limit", K_SIZE, F(body_limit), 1,
     BODY_LIMIT_MAX},
    {"import_limit", "VEXIL_IMPORT_LIMIT", "import-limit", K_SIZE,
     F(import_limit), 1, BODY_LIMIT_MAX},
    {"header_timeout_ms", "VEXIL_HEADER_TIMEOUT_MS", "header-timeout-ms", K_INT,
     F(header_timeout_ms), 100, TIMEOUT_MS_MAX},
    {"body_timeout_ms", "VEXIL_BODY_TIMEOUT_MS", "body-timeout-ms", K_INT,
     F(body_timeout_ms), 100, TIMEOUT_MS_MAX},
    {"import_timeout_ms", "VEXIL_IMPORT_TIMEOUT_MS", "import-timeout-ms", K_INT,
     F(import_timeout_ms), 100, TIMEOUT_MS_MAX},
    {"threads", "VEXIL_THREADS", "threads", K_INT, F(threads), 1, 4096},
    {"max_streams", "VEXIL_MAX_STREAMS", "max-streams", K_INT, F(max_streams),
     0, 10000},
    {"access_log", "VEXIL_ACCESS_LOG", "access-log", K_BOOL, F(access_log), 0,
     0},
    {"log_level", "VEXIL_LOG_LEVEL", "log-level", K_LEVEL, F(log_level), 0, 0},
    {"demo", "VEXIL_DEMO", "demo", K_BOOL, F(demo), 0, 0},
    {"max_json_depth", "VEXIL_MAX_JSON_DEPTH", "max-json-depth", K_INT,
     F(max_json_depth), VX_JSON_DEPTH_MIN, VX_JSON_DEPTH_MAX},
    {"max_context_properties", "VEXIL_MAX_CONTEXT_PROPERTIES",
     "max-context-properties", K_INT, F(max_context_properties), 1, 65536},
    {"max_context_value_bytes", "VEXIL_MAX_CONTEXT_VALUE_BYTES",
     "max-context-value-bytes", K_INT, F(max_context_value_bytes), 64, 1048576},
    {"store_probe_interval_ms", "VEXIL_STORE_PROBE_INTERVAL_MS",
     "store-probe-interval-ms", K_INT, F(store_probe_interval_ms), 100,
     3600000},
    {"last_used_interval", "VEXIL_LAST_USED_INTERVAL", "last-used-interval",
     K_INT, F(last_used_interval), 1, 3600},
    {"plugin_check_timeout_ms", "VEXIL_PLUGIN_CHECK_TIMEOUT_MS",
     "plugin-check-timeout-ms", K_INT, F(plugin_check_timeout_ms), 0, 600000},
    {"shutdown_timeout_ms", "VEXIL_SHUTDOWN_TIMEOUT_MS", "shutdown-timeout-ms",
     K_INT, F(shutdown_timeout_ms), 100, 3600000},
};
#undef F
#define N_KEYS (sizeof keys / sizeof keys[0])

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void vx_config_defaults(vx_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  strcpy(cfg->listen, "127.0.0.1:8080");
  strcpy(cfg->data_dir, "./data");
  strcpy(cfg->default_environment, "production");
  cfg->body_limit = 1048576;
  cfg->import_limit = 64u << 20;
  cfg->header_timeout_ms = 5000;
  cfg->body_timeout_ms = 5000;
  cfg->import_timeout_ms = 120000;
  cfg->threads = 512;
  cfg->max_streams = 256;
  cfg->log_level = VX_LOG_INFO;
  cfg->max_json_depth = VX_JSON_DEPTH_DEFAULT;
  cfg->max_context_properties = VX_CONTEXT_MAX_PROPS_DEFAULT;
  cfg->max_context_value_bytes = VX_CONTEXT_MAX_VALUE_DEFAULT;
  cfg->store_probe_interval_ms = 5000;
  cfg->last_used_interval = 60;
  cfg->plugin_check_timeout_ms = 3000;
  cfg->shutdown_timeout_ms = 10000;
}

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err == NULL || errlen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- values: each check writes what is wrong into msg, without a place */

static int copy_str(char *dst, size_t size, const char *s, char *msg,
                    size_t msglen) {
  size_t n = strlen(s);
  if (n >= size) {
    snprintf(msg, msglen, "too long (at most %zu bytes)", size - 1);
    return -1;
  }
  memcpy(dst, s, n + 1);
  return 0;
}

static int check_listen(const char *s, char *msg, size_t msglen) {
  const char *colon = strrchr(s, ':');
  char addr[128];
  const char *shape = "must be ADDR:PORT, such as 127.0.0.1:8080 or [::1]:8080";
  if (strlen(s) >= sizeof addr)
    return copy_str(addr, sizeof addr, s, msg, msglen); /* too long */
  if (colon == NULL || colon == s) {
    snprintf(msg, msglen, "%s", shape);
    return -1;
  }
  size_t alen = (size_t)(colon - s);
  memcpy(addr, s, alen);
  addr[alen] = '\0';
  unsigned char buf[16];
  if (addr[0] == '[') {
    if (alen < 3 || addr[alen - 1] != ']') {
      snprintf(msg, msglen, "%s", shape);
      return -1;
    }
    addr[alen - 1] = '\0';
    if (inet_pton(AF_INET6, addr + 1, buf) != 1) {
      snprintf(msg, msglen, "\"%s\" is not an IPv6 address", addr + 1);
      return -1;
    }
  } else if (strchr(addr, ':') != NULL) {
    snprintf(msg, msglen, "an IPv6 address goes in brackets: [%s]:PORT", addr);
    return -1;
  } else if (inet_pton(AF_INET, addr, buf) != 1) {
    snprintf(msg, msglen,
             "\"%s\" is not an IPv4 address (a name is not accepted; an "
             "IPv6 address goes in brackets)",
             addr);
    return -1;
  }
  const char *port = colon + 1;
  size_t plen = strlen(port);
  if (plen == 0 || plen > 5 || strspn(port, "0123456789") != plen ||
      atol(port) > 65535) {
    snprintf(msg, msglen, "the port must be a number from 0 to 65535");
    return -1;
  }
  return 0;
}

static int check_int(const key *k, long long v, bool is_int, char *msg,
                     size_t msglen) {
  if (is_int && v >= k->min && v <= k->max)
    return 0;
  if (k->kind == K_SIZE && (!is_int || v < k->min))
    snprintf(msg, msglen, "must be a positive integer");
  else if (k->kind == K_SIZE)
    snprintf(msg, msglen, "must be at most %lld (1 GiB)", k->max);
  else
    snprintf(msg, msglen, "must be an integer from %lld to %lld", k->min,
             k->max);
  return -1;
}

static void store_int(vx_config *cfg, const key *k, long long v) {
  char *field = (char *)cfg + k->off;
  if (k->kind == K_SIZE)
    *(size_t *)(void *)field = (size_t)v;
  else
    *(int *)(void *)field = (int)v;
}

static int set_path(char *dst, size_t size, bool may_be_empty, const char *s,
                    char *msg, size_t msglen) {
  if (s[0] == '\0' && !may_be_empty) {
    snprintf(msg, msglen, "must not be empty");
    return -1;
  }
  return copy_str(dst, size, s, msg, msglen);
}

static int add_dir(vx_config *cfg, const char *dir, size_t len, char *msg,
                   size_t msglen) {
  if (cfg->n_plugin_dirs == VX_CONFIG_MAX_PLUGIN_DIRS) {
    snprintf(msg, msglen, "at most %d folders", VX_CONFIG_MAX_PLUGIN_DIRS);
    return -1;
  }
  if (len == 0) {
    snprintf(msg, msglen, "a folder name must not be empty");
    return -1;
  }
  if (len >= PATH_MAX) {
    snprintf(msg, msglen, "too long (at most %d bytes)", PATH_MAX - 1);
    return -1;
  }
  memcpy(cfg->plugin_dirs[cfg->n_plugin_dirs], dir, len);
  cfg->plugin_dirs[cfg->n_plugin_dirs][len] = '\0';
  cfg->n_plugin_dirs++;
  return 0;
}

static int parse_bool(const char *s, bool *out) {
  static const char *const yes[] = {"true", "1", "yes"};
  static const char *const no[] = {"false", "0", "no"};
  for (int i = 0; i < 3; i++) {
    if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
      *out = strcasecmp(s, yes[i]) == 0;
      return 0;
    }
  }
  return -1;
}

/* Applies a textual value (environment, command line). For K_DIRS the text
 * is a colon-separated list that replaces the current one; empty parts are
 * skipped, so "" means the built-in folder. */
static int set_text(vx_config *cfg, const key *k, const char *s, char *msg,
                    size_t msglen) {
  char *field = (char *)cfg + k->off;
  switch (k->kind) {
  case K_LISTEN:
    if (check_listen(s, msg, msglen) != 0)
      return -1;
    return copy_str(cfg->listen, sizeof cfg->listen, s, msg, msglen);
  case K_PATH:
  case K_DB:
    return set_path(field, PATH_MAX, k->kind == K_DB, s, msg, msglen);
  case K_DIRS:
    cfg->n_plugin_dirs = 0;
    for (const char *p = s; *p != '\0';) {
      size_t len = strcspn(p, ":");
      if (len > 0 && add_dir(cfg, p, len, msg, msglen) != 0)
        return -1;
      p += len + (p[len] == ':');
    }
    return 0;
  case K_ENVNAME: {
    size_t n = strlen(s);
    /* A '.' at the end: civetweb would drop it from a URL path. */
    if (n == 0 || n > 63 || s[n - 1] == '.' ||
        strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_.-") != n) {
      snprintf(msg, msglen,
               "must be 1 to 63 characters from A-Z a-z 0-9 _ . -, not "
               "ending in .");
      return -1;
    }
    memcpy(field, s, n + 1);
    return 0;
  }
  case K_BOOL:
    if (parse_bool(s, (bool *)(void *)field) != 0) {
      snprintf(msg, msglen, "must be true or false (or yes/no, 1/0)");
      return -1;
    }
    return 0;
  case K_INT:
  case K_SIZE: {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    bool is_int =
        *end == '\0' && (isdigit((unsigned char)s[0]) ||
                         (s[0] == '-' && isdigit((unsigned char)s[1])));
    if (check_int(k, v, is_int, msg, msglen) != 0)
      return -1;
    store_int(cfg, k, v);
    return 0;
  }
  case K_LEVEL:
    for (int i = 0; i < 4; i++) {
      if (strcasecmp(s, level_names[i]) == 0) {
        cfg->log_level = (vx_log_level)i;
        return 0;
      }
    }
    snprintf(msg, msglen, "must be one of debug, info, warn, error");
    return -1;
  }
  return -1;
}

/* ---- the file */

/* libconfig 1.5 silently truncates an integer without an L suffix to 32
 * bits (4294967312 reads as 16). A small scan of the text finds such
 * literals and remembers the line and name of their setting, so that they
 * are reported as out of range instead. 32 entries are plenty: a valid file
 * holds seven integers at most (any other is an error of its own). Files
 * pulled in with @include are not scanned. */
typedef struct wide {
  int line[32];
  char name[32][64];
  int n;
} wide;

static void scan_wide_ints(const char *s, wide *w) {
  int line = 1, name_line = 0;
  char name[64] = "";
  w->n = 0;
  while (*s != '\0') {
    if (*s == '\n') {
      line++;
      s++;
    } else if (*s == '#' || (s[0] == '/' && s[1] == '/')) {
      s += strcspn(s, "\n");
    } else if (s[0] == '/' && s[1] == '*') {
      for (s += 2; *s != '\0' && !(s[0] == '*' && s[1] == '/'); s++)
        line += *s == '\n';
      s += *s != '\0' ? 2 : 0;
    } else if (*s == '"') {
      for (s++; *s != '\0' && *s != '"'; s++) {
        if (*s == '\\' && s[1] != '\0')
          s++;
        line += *s == '\n';
      }
      s += *s != '\0';
    } else if (isalpha((unsigned char)*s) || *s == '*') {
      size_t n =
          strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_*-");
      snprintf(name, sizeof name, "%.*s", (int)n, s);
      name_line = line;
      s += n;
    } else if (isdigit((unsigned char)*s) ||
               ((*s == '-' || *s == '+') && isdigit((unsigned char)s[1]))) {
      const char *start = s + (*s == '-' || *s == '+');
      bool hex = start[0] == '0' && (start[1] == 'x' || start[1] == 'X');
      size_t n = strspn(start + (hex ? 2 : 0),
                        hex ? "0123456789abcdefABCDEF" : "0123456789");
      const char *end = start + (hex ? 2 : 0) + n;
      bool is_int = *end != '.' && *end != 'e' && *end != 'E' && *end != 'L';
      errno = 0;
      unsigned long long v = strtoull(start, NULL, hex ? 16 : 10);
      if (is_int && (errno == ERANGE || v > INT32_MAX) && w->n < 32) {
        w->line[w->n] = name_line;
        snprintf(w->name[w->n], sizeof w->name[0], "%s", name);
        w->n++;
      }
      s = end + strspn(end, "0123456789.eE+-L");
    } else {
      s++;
    }
  }
}

static bool is_wide(const wide *w, int line, const char *name) {
  for (int i = 0; w != NULL && i < w->n; i++)
    if (w->line[i] == line && strcmp(w->name[i], name) == 0)
      return true;
  return false;
}

/* Applies one setting of the file; on error msg says what and *line
 * where (a list element has its own line). */
static int set_setting(vx_config *cfg, const key *k, config_setting_t *s,
                       const wide *w, int *line, char *msg, size_t msglen) {
  int type = config_setting_type(s);
  switch (k->kind) {
  case K_BOOL:
    if (type != CONFIG_TYPE_BOOL) {
      snprintf(msg, msglen, "must be true or false");
      return -1;
    }
    *(bool *)(void *)((char *)cfg + k->off) = config_setting_get_bool(s) != 0;
    return 0;
  case K_INT:
  case K_SIZE: {
    bool is_int = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
    long long v = is_int ? config_setting_get_int64(s) : 0;
    if (type == CONFIG_TYPE_INT && is_wide(w, *line, k->name))
      v = LLONG_MAX;
    if (check_int(k, v, is_int, msg, msglen) != 0)
      return -1;
    store_int(cfg, k, v);
    return 0;
  }
  case K_DIRS:
    if (type != CONFIG_TYPE_LIST && type != CONFIG_TYPE_ARRAY) {
      snprintf(msg, msglen, "must be a list of strings: (\"DIR\", ...)");
      return -1;
    }
    cfg->n_plugin_dirs = 0;
    for (int i = 0; i < config_setting_length(s); i++) {
      config_setting_t *e = config_setting_get_elem(s, i);
      *line = (int)config_setting_source_line(e);
      if (config_setting_type(e) != CONFIG_TYPE_STRING) {
        snprintf(msg, msglen, "must be a list of strings: (\"DIR\", ...)");
        return -1;
      }
      const char *dir = config_setting_get_string(e);
      if (add_dir(cfg, dir, strlen(dir), msg, msglen) != 0)
        return -1;
    }
    return 0;
  default:
    if (type != CONFIG_TYPE_STRING) {
      snprintf(msg, msglen, "must be a string");
      return -1;
    }
    return set_text(cfg, k, config_setting_get_string(s), msg, msglen);
  }
}

static char *read_text(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  char *text = malloc(FILE_SIZE_MAX + 1);
  size_t n = text != NULL ? fread(text, 1, FILE_SIZE_MAX + 1, f) : 0;
  int bad = text == NULL ? 1 : ferror(f) ? 2 : n > FILE_SIZE_MAX ? 3 : 0;
  fclose(f);
  if (bad != 0) {
    fail(err, errlen, "%s: %s", path,
         bad == 1   ? "out of memory"
         : bad == 2 ? "cannot read"
                    : "larger than 1 MiB");
    free(text);
    return NULL;
  }
  text[n] = '\0';
  if (strlen(text) != n) {
    fail(err, errlen, "%s: contains a NUL byte", path);
    free(text);
    return NULL;
  }
  return text;
}

static int apply_file(vx_config *cfg, const char *path, const char *text,
                      char *err, size_t errlen) {
  config_t lc;
  config_init(&lc);
  int rc = 0;
  if (config_read_string(&lc, text) != CONFIG_TRUE) {
    const char *file = config_error_file(&lc);
    fail(err, errlen, "%s:%d: %s", file != NULL ? file : path,
         config_error_line(&lc), config_error_text(&lc));
    config_destroy(&lc);
    return VX_EINVAL;
  }
  wide w;
  scan_wide_ints(text, &w);
  config_setting_t *root = config_root_setting(&lc);
  for (int i = 0; rc == 0 && i < config_setting_length(root); i++) {
    config_setting_t *s = config_setting_get_elem(root, i);
    const char *name = config_setting_name(s);
    const char *file = config_setting_source_file(s);
    int line = (int)config_setting_source_line(s);
    const key *k = NULL;
    for (size_t j = 0; j < N_KEYS && k == NULL; j++)
      if (strcmp(keys[j].name, name) == 0)
        k = &keys[j];
    char msg[256];
    if (k == NULL) {
      snprintf(msg, sizeof msg, "unknown setting");
      rc = VX_EINVAL;
    } else if (set_setting(cfg, k, s, file == NULL ? &w : NULL, &line, msg,
                           sizeof msg) != 0) {
      rc = VX_EINVAL;
    }
    if (rc != 0)
      fail(err, errlen, "%s:%d: %s: %s", file != NULL ? file : path, line, name,
           msg);
  }
  config_destroy(&lc);
  return rc;
}

int vx_config_load_file(vx_config *cfg, const char *path, char *err,
                        size_t errlen) {
  char *text = read_text(path, err, errlen);
  if (text == NULL)
    return VX_EIO;
  vx_config *next = malloc(sizeof *next);
  if (next == NULL) {
    free(text);
    fail(err, errlen, "%s: out of memory", path);
    return VX_ENOMEM;
  }
  *next = *cfg;
  int rc = apply_file(next, path, text, err, errlen);
  if (rc == 0)
    *cfg = *next;
  free(next);
  free(text);
  return rc;
}

/* ---- the environment */

int vx_config_load_env(vx_config *cfg, char *const *envp, char *err,
                       size_t errlen) {
  if (envp == NULL)
    return 0;
  vx_config *next = malloc(sizeof *next);
  if (next == NULL) {
    fail(err, errlen, "out of memory");
    return VX_ENOMEM;
  }
  *next = *cfg;
  int rc = 0;
  for (char *const *e = envp; rc == 0 && *e != NULL; e++) {
    const char *eq = strchr(*e, '=');
    if (strncmp(*e, "VEXIL_", 6) != 0 || eq == NULL)
      continue;
    size_t n = (size_t)(eq - *e);
    for (size_t j = 0; j < N_KEYS; j++) {
      char msg[256];
      if (strlen(keys[j].env) != n || strncmp(keys[j].env, *e, n) != 0)
        continue;
      if (set_text(next, &keys[j], eq + 1, msg, sizeof msg) != 0) {
        fail(err, errlen, "%s: %s", keys[j].env, msg);
        rc = VX_EINVAL;
      }
      break;
    }
  }
  if (rc == 0)
    *cfg = *next;
  free(next);
  return rc;
}

/* ---- the command line */

/* Values of long options: above any character, so that optopt tells a
 * short option (a character) from a long one. */
enum { OPT_CONFIG = 1000, OPT_CHECK, OPT_VERSION, OPT_HELP, OPT_KEY = 2000 };

/* What the command line said, applied after the file and the environment. */
typedef struct cli {
  const char *config;
  const char *value[N_KEYS];
  const char *dirs[VX_CONFIG_MAX_PLUGIN_DIRS];
  size_t n_dirs;
  bool dirs_given;
} cli;

/* Records one option that getopt_long returned; opt is its argv word. */
static int take_option(int ch, const char *opt, cli *c, vx_cli_action *action,
                       char *err, size_t errlen) {
  if (ch == '?' && optopt > 0 && optopt < OPT_CONFIG) {
    fail(err, errlen, "unknown option: -%c", optopt);
    return VX_EINVAL;
  }
  if (ch == '?' && optopt != 0) {
    fail(err, errlen, "%.*s: takes no value", (int)strcspn(opt, "="), opt);
    return VX_EINVAL;
  }
  if (ch == '?') {
    fail(err, errlen, "unknown or ambiguous option: %s", opt);
    return VX_EINVAL;
  }
  if (ch == ':' && optopt < OPT_CONFIG) {
    fail(err, errlen, "-%c: requires a value", optopt);
    return VX_EINVAL;
  }
  if (ch == ':') {
    fail(err, errlen, "%s: requires a value", opt);
    return VX_EINVAL;
  }
  if (ch == 'c' || ch == OPT_CONFIG) {
    c->config = optarg;
  } else if (ch == 'h' || ch == OPT_HELP) {
    *action = VX_CLI_HELP;
  } else if (ch == OPT_VERSION) {
    if (*action != VX_CLI_HELP)
      *action = VX_CLI_VERSION;
  } else if (ch == OPT_CHECK) {
    if (*action == VX_CLI_SERVE)
      *action = VX_CLI_CHECK_CONFIG;
  } else if (keys[ch - OPT_KEY].kind == K_DIRS) {
    if (c->n_dirs == VX_CONFIG_MAX_PLUGIN_DIRS) {
      fail(err, errlen, "--plugin-dir: at most %d folders",
           VX_CONFIG_MAX_PLUGIN_DIRS);
      return VX_EINVAL;
    }
    c->dirs[c->n_dirs++] = optarg;
    c->dirs_given = true;
  } else {
    /* A boolean switch without "=VALUE" means true. */
    c->value[ch - OPT_KEY] = optarg != NULL ? optarg : "true";
  }
  return 0;
}

static int parse_args(int argc, char **argv, cli *c, vx_cli_action *action,
                      char *err, size_t errlen) {
  struct option opts[N_KEYS + 5];
  for (size_t j = 0; j < N_KEYS; j++) {
    /* A boolean switch takes an optional "=VALUE": --demo, --demo=false. */
    int arg = keys[j].kind == K_BOOL ? optional_argument : required_argument;
    opts[j] = (struct option){keys[j].opt, arg, NULL, OPT_KEY + (int)j};
  }
  opts[N_KEYS] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
  opts[N_KEYS + 1] = (struct option){"check-config", 0, NULL, OPT_CHECK};
  opts[N_KEYS + 2] = (struct option){"version", 0, NULL, OPT_VERSION};
  opts[N_KEYS + 3] = (struct option){"help", 0, NULL, OPT_HELP};
  opts[N_KEYS + 4] = (struct option){NULL, 0, NULL, 0};

  optind = 0; /* GNU: start over, also when called again */
  int saved_opterr = opterr, ch, rc = 0;
  opterr = 0;
  while (rc == 0 && (ch = getopt_long(argc, argv, "+:c:h", opts, NULL)) != -1)
    rc = take_option(ch, argv[optind - 1], c, action, err, errlen);
  opterr = saved_opterr;
  if (rc == 0 && optind < argc) {
    fail(err, errlen, "unexpected argument: %s", argv[optind]);
    rc = VX_EINVAL;
  }
  return rc;
}

static const char *env_value(char *const *envp, const char *name) {
  size_t n = strlen(name);
  const char *found = NULL;
  for (char *const *e = envp; e != NULL && *e != NULL; e++)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
      found = *e + n + 1;
  return found;
}

static int apply_cli(vx_config *cfg, const cli *c, char *err, size_t errlen) {
  char msg[256];
  for (size_t j = 0; j < N_KEYS; j++) {
    if (c->value[j] != NULL &&
        set_text(cfg, &keys[j], c->value[j], msg, sizeof msg) != 0) {
      fail(err, errlen, "--%s: %s", keys[j].opt, msg);
      return VX_EINVAL;
    }
  }
  if (c->dirs_given) {
    cfg->n_plugin_dirs = 0;
    for (size_t i = 0; i < c->n_dirs; i++) {
      if (add_dir(cfg, c->dirs[i], strlen(c->dirs[i]), msg, sizeof msg) != 0) {
        fail(err, errlen, "--plugin-dir: %s", msg);
        return VX_EINVAL;
      }
    }
  }
  return 0;
}

int vx_config_from_args(int argc, char **argv, char *const *envp,
                        vx_config *cfg, vx_cli_action *action, char *err,
                        size_t errlen) {
  cli c = {0};
  *action = VX_CLI_SERVE;
  vx_config_defaults(cfg);
  int rc = parse_args(argc, argv, &c, action, err, errlen);
  if (rc != 0 || *action == VX_CLI_HELP || *action == VX_CLI_VERSION)
    return rc;
  const char *path =
      c.config != NULL ? c.config : env_value(envp, "VEXIL_CONFIG");
  if (c.config != NULL && c.config[0] == '\0') {
    fail(err, errlen, "--config: must not be empty");
    return VX_EINVAL;
  }
  if (path != NULL && path[0] != '\0' &&
      (rc = vx_config_load_file(cfg, path, err, errlen)) != 0)
    return rc == VX_ENOMEM ? rc : VX_EINVAL;
  if ((rc = vx_config_load_env(cfg, envp, err, errlen)) != 0)
    return rc;
  if ((rc = apply_cli(cfg, &c, err, errlen)) != 0)
    return rc;
  if (cfg->database[0] == '\0') {
    size_t n = strlen(cfg->data_dir);
    const char *sep = n > 0 && cfg->data_dir[n - 1] == '/' ? "" : "/";
    int len = snprintf(cfg->database, sizeof cfg->database, "%s%svexil.db",
                       cfg->data_dir, sep);
    if (len < 0 || (size_t)len >= sizeof cfg->database) {
      cfg->database[0] = '\0';
      fail(err, errlen, "database: %s/vexil.db is too long", cfg->data_dir);
      return VX_EINVAL;
    }
  }
  return 0;
}

/* ---- printing */

static void print_string(const char *s, FILE *out) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(out, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(out, "\\x%02x", *p);
    else
      fputc(*p, out);
  }
  fputc('"', out);
}

void vx_config_print(const vx_config *cfg, FILE *out) {
  for (size_t j = 0; j < N_KEYS; j++) {
    const key *k = &keys[j];
    const char *field = (const char *)cfg + k->off;
    fprintf(out, "%s = ", k->name);
    switch (k->kind) {
    case K_BOOL:
      fputs(*(const bool *)(const void *)field ? "true" : "false", out);
      break;
    case K_INT:
      fprintf(out, "%d", *(const int *)(const void *)field);
      break;
    case K_SIZE:
      fprintf(out, "%zu", *(const size_t *)(const void *)field);
      break;
    case K_LEVEL:
      fprintf(out, "\"%s\"",
              level_names[(unsigned)cfg->log_level < 4 ? cfg->log_level : 1]);
      break;
    case K_DIRS:
      fputs("(", out);
      for (size_t i = 0; i < cfg->n_plugin_dirs; i++) {
        fputs(i > 0 ? ", " : " ", out);
        print_string(cfg->plugin_dirs[i], out);
      }
      fputs(cfg->n_plugin_dirs > 0 ? " )" : ")", out);
      break;
    default:
      print_string(field, out);
      break;
    }
    fputs(";", out);
    if (k->kind == K_DIRS && cfg->n_plugin_dirs == 0)
      fputs(" # none: the built-in folder", out);
    fputs("\n", out);
  }
}
