/*
 * fuzz_ofrep_scan - the OFREP body scanner (daemon/ofrep_scan.c), which
 * reads the common single-evaluation body without a JSON tree.
 *
 * Besides crashes, it checks the scanner's promise (ofrep_scan.h): a body
 * it accepts is one jansson accepts too, and the context it gives is
 * exactly the one vx_ofrep_context_map gives; otherwise it aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ofrep.h"
#include "ofrep_scan.h"

static bool same_str(vx_str a, vx_str b) {
  if (a.ptr == NULL || b.ptr == NULL)
    return a.ptr == b.ptr;
  return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0 &&
         a.ptr[a.len] == '\0';
}

static bool same_context(const vx_ofrep_context *a, const vx_ofrep_context *b) {
  if (a->has_targeting_key != b->has_targeting_key ||
      a->ctx.n_props != b->ctx.n_props)
    return false;
  for (int f = 0; f < VX_FIELD_COUNT; f++) {
    if (!same_str(a->ctx.field[f], b->ctx.field[f]))
      return false;
  }
  for (size_t i = 0; i < a->ctx.n_props; i++) {
    if (strcmp(a->ctx.props[i].name, b->ctx.props[i].name) != 0 ||
        !same_str(a->ctx.props[i].value, b->ctx.props[i].value))
      return false;
  }
  return true;
}

static void disagree(const char *what, const uint8_t *data, size_t size) {
  fprintf(stderr, "fuzz_ofrep_scan: %s: %.*s\n", what, (int)size,
          (const char *)data);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char strings[VX_OFREP_SCAN_STRINGS(VX_OFREP_SCAN_MAX)];
  if (size > VX_OFREP_SCAN_MAX)
    return 0; /* the daemon does not scan those */
  vx_ofrep_context fast;
  if (!vx_ofrep_scan((const char *)data, size, strings, sizeof strings, &fast))
    return 0;
  json_t *tree =
      json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object(tree))
    disagree("scanned, but jansson refuses it", data, size);
  const json_t *ctx = json_object_get(tree, "context");
  if (json_object_size(tree) != (ctx != NULL ? 1u : 0u))
    disagree("scanned a body with other members", data, size);
  vx_ofrep_context slow;
  if (vx_ofrep_context_map(json_is_null(ctx) ? NULL : ctx, &slow, NULL, 0))
    disagree("scanned, but the general path refuses the context", data, size);
  if (!same_context(&fast, &slow))
    disagree("the scanned context differs from the mapped one", data, size);
  vx_ofrep_context_dispose(&slow);
  vx_ofrep_context_dispose(&fast);
  json_decref(tree);
  return 0;
}
