/*
 * context.h - the evaluation context (Unleash's): userId, sessionId,
 * remoteAddress, environment, appName, currentTime and properties.
 *
 * A vx_context only points at strings it does not own; vx_context_json
 * builds one from JSON and owns what it points to.
 */
#ifndef VX_CONTEXT_H
#define VX_CONTEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vexil/strategy.h>

/* Well-known fields, in the order of vx_context.field[]. */
typedef enum vx_field {
  VX_FIELD_USER_ID = 0,
  VX_FIELD_SESSION_ID,
  VX_FIELD_REMOTE_ADDRESS,
  VX_FIELD_ENVIRONMENT,
  VX_FIELD_APP_NAME,
  VX_FIELD_CURRENT_TIME,
  VX_FIELD_COUNT,
  VX_FIELD_PROPERTY = -1 /* not a well-known field: look in properties */
} vx_field;

typedef struct vx_str {
  const char *ptr; /* NUL-terminated, or NULL when absent */
  size_t len;
} vx_str;

typedef struct vx_prop {
  const char *name;
  vx_str value;
} vx_prop;

struct vx_context {
  vx_str field[VX_FIELD_COUNT];
  /* Sorted by name (strcmp), each name once, every value present: set them
   * with vx_context_set_props, which makes them so. */
  const vx_prop *props;
  size_t n_props;
  /* Cache for currentTime, filled on first use by vx_context_time. The
   * context belongs to one request on one thread, so this is not shared. */
  int64_t time_ms;
  int time_state; /* 0 unknown, 1 valid, -1 unparseable */
};

/* The field id of a well-known name ("userId", ...), or VX_FIELD_PROPERTY. */
vx_field vx_field_from_name(const char *name);
/* The name of a well-known field. */
const char *vx_field_name(vx_field f);

/* "object", "array", "string", "number", "boolean" or "null", for
 * messages about a value of the wrong type. */
const char *vx_json_type_name(const json_t *v);

/* Resets ctx to the empty context. */
void vx_context_init(vx_context *ctx);

/* The most properties a context built from JSON may have: the setting
 * max_context_properties (1..65536). vexild sets it once at start, before
 * any request; reading it is safe from any thread. A larger context is
 * refused with VX_ETOOBIG, so that no request makes the daemon sort and
 * search an unbounded list. */
#define VX_CONTEXT_MAX_PROPS_DEFAULT 256
void vx_context_set_max_props(int n);
size_t vx_context_max_props(void);
/* The message for a context of n properties over that limit, into err. */
void vx_context_too_many(size_t n, char *err, size_t errlen);

/* The longest string value a context built from JSON may have, in bytes:
 * the setting max_context_value_bytes (64..1048576), set as the above.
 * Constraints, plugins and hashes read a value once per flag, so a bulk
 * evaluation costs flags x value length: a longer value is refused with
 * VX_ETOOBIG. Numbers and booleans are always shorter. */
#define VX_CONTEXT_MAX_VALUE_DEFAULT 4096
void vx_context_set_max_value(int bytes);
size_t vx_context_max_value(void);
/* The message for `what` (e.g. "context field properties.email") of len
 * bytes over that limit, into err. */
void vx_context_too_long(const char *what, size_t len, char *err,
                         size_t errlen);

/* Makes props[0..n) the properties of ctx, arranged for lookups by binary
 * search: those without a value (ptr NULL) are dropped, the rest sorted by
 * name, and of equal names only the first (in the given order) is kept.
 * Rearranges props in place (it must outlive ctx) and sets ctx->props and
 * ctx->n_props. Allocation-free for n <= VX_CONTEXT_SORT_INLINE; above, a
 * scratch array: returns 0, or VX_ENOMEM (ctx then has no properties). */
#define VX_CONTEXT_SORT_INLINE 32
int vx_context_set_props(vx_context *ctx, vx_prop *props, size_t n);

/* Field lookup as Unleash resolves a contextName: a well-known field when
 * present, else the property of that name, found by binary search. NULL
 * when absent. Lock- and allocation-free. `id` is vx_field_from_name(name),
 * precomputed. */
const char *vx_context_lookup(const vx_context *ctx, vx_field id,
                              const char *name, size_t *len);

/* The host API's context_get: vx_context_lookup by name. */
const char *vx_context_get(const vx_context *ctx, const char *name,
                           size_t *len);

/* The evaluation time in ms: the parsed currentTime when given (0 and
 * *ok = false when it does not parse), else now. Cached in ctx. */
int64_t vx_context_time(const vx_context *ctx, bool *ok);

/* A context built from a JSON object, owning its strings. */
typedef struct vx_context_json {
  vx_context ctx;
  vx_prop *props; /* heap array owned here */
  char *strings;  /* heap arena for converted numbers and booleans */
  json_t *root;   /* a reference to the source object */
} vx_context_json;

/* Builds a context from an Unleash context object: the well-known fields
 * at top level, anything else under "properties" (an object). Strings are
 * used as they are; numbers and booleans become their JSON text; null is
 * absent. Unknown top-level keys are ignored (OFREP callers map them to
 * properties before calling). Returns 0, or VX_ETYPE with a message in
 * err naming the field when a value is an object or array, or when
 * "properties" is not an object, or VX_ETOOBIG when there are more
 * properties than vx_context_max_props or a value is longer than
 * vx_context_max_value (the message names the limit and the setting).
 * Free with vx_context_json_dispose. */
int vx_context_from_json(const json_t *obj, vx_context_json *out, char *err,
                         size_t errlen);
void vx_context_json_dispose(vx_context_json *c);

/* The text the context stores for a JSON number or boolean: a number as
 * JavaScript's String(n) writes it (12.0 -> "12", 0.1 -> "0.1", 1e21 ->
 * "1e+21"), true/false as "true"/"false". Writes it NUL-terminated into
 * buf (cap >= VX_SCALAR_TEXT_MAX) and returns its length, or -1 when v is
 * not a number or boolean. Allocation-free. */
#define VX_SCALAR_TEXT_MAX 32
int vx_json_scalar_text(const json_t *v, char *buf, size_t cap);

#endif
