/*
 * application_hostname.c - the "applicationHostname" strategy: on for the
 * listed host names.
 *
 * Unleash's ApplicationHostnameStrategy compares the list with the host
 * name of the machine running the SDK. Vexil evaluates for its callers, so
 * the host name comes from the context property "hostname". hostNames is a
 * comma-separated list, items trimmed of white space; the comparison is
 * case-insensitive, with both sides lower-cased as JavaScript's
 * toLowerCase does (vx_utf8_lower). An empty list is valid and never on; a
 * missing or empty "hostname" is never on.
 *
 * The lower-cased list becomes a vx_strset at compile time. evaluate
 * lower-cases the context value into a stack buffer and looks it up; a
 * value too long for the buffer (no real host name is) is compared
 * piecewise against the list items of the same length, so the answer never
 * depends on the buffer's size. Instances come from host->alloc.
 */
#include <stddef.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#define STRATEGY_NAME "applicationHostname"
#define HOSTNAME_PROPERTY "hostname"

/* Room for any DNS name (253 bytes) lower-cased. */
#define LOWER_BUF 512
/* Bytes of input lower-cased at a time on the slow path: at most 3/2 as
 * many bytes come out, so a chunk always fits in LOWER_BUF. */
#define LOWER_CHUNK 256

typedef struct instance {
  const vx_host_api *host;
  vx_strset *names; /* lower-cased */
  size_t max_len;   /* length of the longest name */
} instance;

static const vx_param_def params_table[] = {
    {"hostNames", VX_PARAM_LIST, 1,
     "Comma-separated host names, matched case-insensitively against the "
     "context property \"hostname\"."},
};

static int ah_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state, BUILTIN_NEEDS_CONTEXT);
}

static int ah_compile(void *module_state, const char *flag,
                      const vx_param *params, size_t n_params, void **out,
                      char *errbuf, size_t errlen) {
  (void)flag;
  const builtin_module *m = module_state;
  if (m == NULL)
    return builtin_fail(errbuf, errlen, VX_EINTERNAL,
                        STRATEGY_NAME " was not initialised");
  const char *names = vx_param_find(params, n_params, "hostNames");
  if (names == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL,
                        "missing parameter hostNames");

  /* Lower-case the whole list, then split it (as Unleash does). */
  size_t len = strlen(names);
  char probe;
  size_t lower_len = vx_utf8_lower(names, len, &probe, 0);
  char *lower = m->host->alloc(lower_len + 1);
  if (lower == NULL)
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  vx_utf8_lower(names, len, lower, lower_len);
  lower[lower_len] = '\0';

  instance *in = m->host->alloc(sizeof *in);
  if (in == NULL) {
    m->host->free(lower);
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  }
  in->host = m->host;
  in->max_len = 0;
  int rc = vx_strset_from_csv(lower, &in->names);
  m->host->free(lower);
  if (rc != 0) {
    m->host->free(in);
    return builtin_fail(errbuf, errlen, rc < 0 ? rc : VX_EINTERNAL,
                        "hostNames: %s", vx_strerror(rc));
  }
  for (size_t i = 0, n = vx_strset_count(in->names); i < n; i++) {
    size_t item_len;
    vx_strset_item(in->names, i, &item_len);
    if (item_len > in->max_len)
      in->max_len = item_len;
  }
  *out = in;
  return VX_OK;
}

/* 1 when s lower-cased is exactly item (already lower-case, item_len bytes),
 * lower-casing s in chunks cut at UTF-8 character boundaries. */
static int lower_equals(const char *s, size_t len, const char *item,
                        size_t item_len) {
  char buf[LOWER_BUF];
  size_t pos = 0, off = 0;
  while (pos < len) {
    size_t chunk = len - pos;
    if (chunk > LOWER_CHUNK) {
      chunk = LOWER_CHUNK;
      /* Back off continuation bytes (10xxxxxx), at most a character's. */
      while (chunk > LOWER_CHUNK - 3 &&
             ((unsigned char)s[pos + chunk] & 0xC0) == 0x80)
        chunk--;
    }
    size_t n = vx_utf8_lower(s + pos, chunk, buf, sizeof buf);
    if (n > sizeof buf || n > item_len - off || memcmp(buf, item + off, n) != 0)
      return 0;
    off += n;
    pos += chunk;
  }
  return off == item_len;
}

static int ah_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  size_t len;
  const char *name =
      builtin_context_value(in->host, ctx, HOSTNAME_PROPERTY, &len);
  if (name == NULL)
    return 0;
  char buf[LOWER_BUF];
  size_t lower_len = vx_utf8_lower(name, len, buf, sizeof buf);
  if (lower_len <= sizeof buf)
    return vx_strset_contains(in->names, buf, lower_len);
  if (lower_len > in->max_len)
    return 0;
  /* Slow path: longer than any host name, but the list has such items. */
  for (size_t i = 0, n = vx_strset_count(in->names); i < n; i++) {
    size_t item_len;
    const char *item = vx_strset_item(in->names, i, &item_len);
    if (item_len == lower_len && lower_equals(name, len, item, item_len))
      return 1;
  }
  return 0;
}

static void ah_free_instance(void *module_state, void *inst) {
  (void)module_state;
  instance *in = inst;
  if (in == NULL)
    return;
  vx_strset_free(in->names);
  in->host->free(in);
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "On when the context property \"hostname\" is one of a "
                   "list of host names (case-insensitive).",
    .kind = VX_KIND_TARGETING,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = ah_init,
    .fini = builtin_fini,
    .compile = ah_compile,
    .evaluate = ah_evaluate,
    .free_instance = ah_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
