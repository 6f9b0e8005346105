/*
 * country.c - the "country" strategy, an example of a plugin built outside
 * Vexil's tree from the installed SDK: on for the contexts whose country
 * (an ISO 3166-1 alpha-2 code in a context property) is listed, or, with
 * exclude, for everyone else.
 *
 *   countries  list, required: codes such as "FR, DE, be" (any case).
 *   field      string, optional: the property holding the code, default
 *              "country".
 *   exclude    boolean, optional: on for the countries NOT listed. A
 *              context without a country is off either way.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vexil/sdk.h>
#include <vexil/strategy.h>

typedef struct instance {
  const vx_host_api *host;
  vx_strset *codes; /* upper case */
  bool exclude;
  char field[64];
} instance;

static const vx_param_def params_table[] = {
    {"countries", VX_PARAM_LIST, 1,
     "ISO 3166-1 alpha-2 country codes, e.g. \"FR, DE, BE\"."},
    {"field", VX_PARAM_STRING, 0,
     "Context property that holds the country code; default country."},
    {"exclude", VX_PARAM_BOOLEAN, 0,
     "true: on for every country except those listed."},
};

static int c_init(const vx_host_api *host, void **state) {
  if (host == NULL || host->abi_major != VX_ABI_MAJOR ||
      !VX_HOST_HAS(host, alloc) || !VX_HOST_HAS(host, free) ||
      !VX_HOST_HAS(host, context_get))
    return VX_EABI;
  *state = (void *)host;
  return VX_OK;
}

/* Two ASCII letters -> upper case into out[3]; false otherwise. */
static bool country_code(const char *s, size_t len, char out[3]) {
  if (len != 2)
    return false;
  for (int i = 0; i < 2; i++) {
    char c = s[i];
    if (c >= 'a' && c <= 'z')
      c = (char)(c - 32);
    if (c < 'A' || c > 'Z')
      return false;
    out[i] = c;
  }
  out[2] = '\0';
  return true;
}

static int c_compile(void *state, const char *flag, const vx_param *params,
                     size_t n, void **out, char *errbuf, size_t errlen) {
  (void)flag;
  const vx_host_api *host = state;
  const char *list = vx_param_find(params, n, "countries");
  const char *field = vx_param_find(params, n, "field");
  const char *exclude = vx_param_find(params, n, "exclude");
  bool ex = false;
  if (list == NULL) {
    snprintf(errbuf, errlen, "missing parameter countries");
    return VX_EINVAL;
  }
  if (exclude != NULL && vx_parse_bool(exclude, &ex) != 0) {
    snprintf(errbuf, errlen, "exclude must be true or false");
    return VX_EINVAL;
  }
  if (field == NULL || field[0] == '\0')
    field = "country";
  if (strlen(field) >= sizeof((instance *)0)->field) {
    snprintf(errbuf, errlen, "field must be at most 63 bytes");
    return VX_EINVAL;
  }
  vx_strset *given;
  int rc = vx_strset_from_csv(list, &given);
  if (rc != 0) {
    snprintf(errbuf, errlen, "countries: %s", vx_strerror(rc));
    return rc;
  }
  size_t count = vx_strset_count(given);
  char codes[256][3];
  const char *items[256];
  if (count == 0 || count > 256) {
    snprintf(errbuf, errlen, "countries must list 1 to 256 codes, got %zu",
             count);
    vx_strset_free(given);
    return VX_EINVAL;
  }
  for (size_t i = 0; i < count; i++) {
    size_t len;
    const char *item = vx_strset_item(given, i, &len);
    if (!country_code(item, len, codes[i])) {
      snprintf(errbuf, errlen,
               "countries: \"%.*s\" is not a two-letter ISO 3166 code",
               (int)(len > 16 ? 16 : len), item);
      vx_strset_free(given);
      return VX_EINVAL;
    }
    items[i] = codes[i];
  }
  vx_strset_free(given);
  instance *in = host->alloc(sizeof *in);
  if (in == NULL) {
    snprintf(errbuf, errlen, "out of memory");
    return VX_ENOMEM;
  }
  in->host = host;
  in->exclude = ex;
  snprintf(in->field, sizeof in->field, "%s", field);
  rc = vx_strset_from_array(items, NULL, count, &in->codes);
  if (rc != 0) {
    host->free(in);
    snprintf(errbuf, errlen, "out of memory");
    return rc;
  }
  *out = in;
  return VX_OK;
}

static int c_evaluate(const void *inst, const vx_context *ctx) {
  const instance *in = inst;
  size_t len = 0;
  char code[3];
  const char *v = in->host->context_get(ctx, in->field, &len);
  if (v == NULL || !country_code(v, len, code))
    return 0;
  return vx_strset_contains(in->codes, code, 2) != in->exclude;
}

static void c_free(void *state, void *inst) {
  const vx_host_api *host = state;
  instance *in = inst;
  vx_strset_free(in->codes);
  host->free(in);
}

static const vx_strategy_descriptor descriptor = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = "country",
    .version = "1.0.0",
    .description = "On for contexts from the listed countries (or all but "
                   "them).",
    .kind = VX_KIND_TARGETING,
    .params = params_table,
    .n_params = sizeof params_table / sizeof params_table[0],
    .init = c_init,
    .fini = NULL,
    .compile = c_compile,
    .evaluate = c_evaluate,
    .free_instance = c_free,
};

VX_STRATEGY_EXPORT const vx_strategy_descriptor *vexil_strategy_entry(void) {
  return &descriptor;
}
