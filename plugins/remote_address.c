/*
 * remote_address.c - the "remoteAddress" strategy: on for listed client
 * addresses and address ranges.
 *
 * As Unleash's RemoteAddressStrategy, with two deliberate differences:
 *   - IPv6 is supported, both single addresses and CIDR ranges (Node only
 *     matches IPv6 by exact text), and an IPv4-mapped IPv6 address
 *     (::ffff:a.b.c.d) matches its IPv4 spelling either way round;
 *   - an entry that is neither an address nor a CIDR range is ignored, as
 *     Node ignores it, but compile names it as a warning (strategy.h), so
 *     that an admin write refuses it while an Unleash import keeps the
 *     valid entries.
 * IPs is a comma-separated list, items trimmed of white space; an empty
 * list is valid and never on. A missing or unparseable remoteAddress in
 * the context is never on.
 *
 * Every entry is parsed into a vx_cidr at compile time (a bare address is
 * a single-host range), so evaluate parses the context's address once and
 * scans the ranges. Instances come from host->alloc.
 */
#include <stddef.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

#include "builtin.h"

#define STRATEGY_NAME "remoteAddress"

typedef struct instance {
  const vx_host_api *host;
  size_t n_ranges;
  vx_cidr ranges[];
} instance;

static const vx_param_def params_table[] = {
    {"IPs", VX_PARAM_LIST, 1,
     "Comma-separated IPv4/IPv6 addresses and CIDR ranges, e.g. "
     "\"10.0.0.1, 192.168.0.0/16, 2001:db8::/32\"."},
};

static int ra_init(const vx_host_api *host, void **module_state) {
  return builtin_init(host, module_state, BUILTIN_NEEDS_CONTEXT);
}

static int ra_compile(void *module_state, const char *flag,
                      const vx_param *params, size_t n_params, void **out,
                      char *errbuf, size_t errlen) {
  (void)flag;
  const builtin_module *m = module_state;
  if (m == NULL)
    return builtin_fail(errbuf, errlen, VX_EINTERNAL,
                        STRATEGY_NAME " was not initialised");
  const char *ips = vx_param_find(params, n_params, "IPs");
  if (ips == NULL)
    return builtin_fail(errbuf, errlen, VX_EINVAL, "missing parameter IPs");

  /* The SDK splits and trims the list; the set lives only here. */
  vx_strset *entries;
  int rc = vx_strset_from_csv(ips, &entries);
  if (rc != 0)
    return builtin_fail(errbuf, errlen, rc < 0 ? rc : VX_EINTERNAL, "IPs: %s",
                        vx_strerror(rc));
  size_t n = vx_strset_count(entries);
  instance *in = m->host->alloc(sizeof *in + n * sizeof in->ranges[0]);
  if (in == NULL) {
    vx_strset_free(entries);
    return builtin_fail(errbuf, errlen, VX_ENOMEM, "out of memory");
  }
  in->host = m->host;
  in->n_ranges = 0;
  size_t ignored = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *entry = vx_strset_item(entries, i, &len);
    if (vx_cidr_parse(entry, len, &in->ranges[in->n_ranges]) == 0) {
      in->n_ranges++;
    } else if (ignored++ == 0) {
      builtin_fail(errbuf, errlen, VX_EINVAL,
                   "IPs: \"%.*s\" is not an IP address or CIDR range", (int)len,
                   entry);
    }
  }
  vx_strset_free(entries);
  *out = in;
  return VX_OK;
}

static int ra_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  size_t len;
  const char *text =
      builtin_context_value(in->host, ctx, "remoteAddress", &len);
  vx_ip addr;
  if (text == NULL || vx_ip_parse(text, len, &addr) != 0)
    return 0;
  for (size_t i = 0; i < in->n_ranges; i++)
    if (vx_cidr_contains(&in->ranges[i], &addr))
      return 1;
  return 0;
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = STRATEGY_NAME,
    .version = "1.0.0",
    .description = "On for clients whose remoteAddress is one of a list of "
                   "IP addresses or CIDR ranges.",
    .kind = VX_KIND_TARGETING,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = ra_init,
    .fini = builtin_fini,
    .compile = ra_compile,
    .evaluate = ra_evaluate,
    .free_instance = builtin_free_instance,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
