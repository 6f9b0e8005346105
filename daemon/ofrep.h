/*
 * ofrep.h - the OpenFeature Remote Evaluation Protocol (OFREP 0.3.0)
 * mapping, without HTTP: the OFREP context as a Vexil (Unleash) context, a
 * decision as an OFREP evaluation object, the bulk answer's ETag. The HTTP
 * routes are in http_eval.c; everything here is pure, so it is unit-tested
 * on its own (tests/daemon/test_ofrep.c).
 *
 * Context (design.md §4): userId = context.userId when present, else
 * targetingKey; sessionId, remoteAddress, environment, appName and
 * currentTime from the top-level keys of those names; every other top-level
 * key (but targetingKey) is a property, and the members of a "properties"
 * object are properties too (a top-level key wins over a "properties"
 * member of the same name). Strings are used as they are, numbers and
 * booleans as their JSON text (vx_json_scalar_text), null is absent; an
 * object or an array is INVALID_CONTEXT naming the key.
 *
 * Value (design.md §5). The flag's declared "type" (boolean | string |
 * number | object, in its definition) says what OFREP's value is; a flag
 * without a declared type is a boolean flag when it has no variants at all,
 * else a variant flag whose value is the payload as it is typed.
 *   boolean flag: value = the decision's enabled (true, or false when
 *     DISABLED or DEFAULT); "variant" names the served variant, if any.
 *   string flag: value = the served variant's payload text (any payload
 *     type), else the variant's name.
 *   number, object flag and undeclared variant flag: value = the payload
 *     as typed (string, number, parsed JSON; csv stays a string); an
 *     undeclared flag serves the variant's name when it has no payload.
 *   A variant flag that serves no variant (DISABLED, DEFAULT, or on but
 *     without a variant that can be chosen) has no "value" key at all:
 *     OFREP's codeDefaultFlag, so the caller's code default applies.
 * Reasons are vx_reason_name's: STATIC, TARGETING_MATCH, SPLIT, DISABLED,
 * DEFAULT. "metadata" is {"revision": N} plus "strategy": the index of the
 * deciding strategy when one decided (numbers only, as OFREP asks).
 *
 * TARGETING_KEY_MISSING: OFREP's answer must not carry a value chosen at
 * random. Unleash picks a variant at random when the variant set hashes on
 * a stickiness the context lacks (default stickiness: no userId, sessionId
 * or remoteAddress; a named field: that field absent or empty). When the
 * served variant was picked that way, the evaluation fails instead:
 * TARGETING_KEY_MISSING for default and userId stickiness (a targetingKey
 * would fix it), INVALID_CONTEXT naming the field otherwise. A variant
 * chosen by an override or as the only weighted one, and every boolean
 * rollout, keep Unleash's semantics: a strategy is an opaque plugin, so the
 * core cannot tell which field it hashes, and Unleash's answers for a
 * missing id (off for userId stickiness, random for default) are the
 * proven ones. The native API never fails this way.
 */
#ifndef VX_OFREP_H
#define VX_OFREP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "eval.h"

/* ------------------------------------------------------- JSON buffer */

/* A growable output buffer for JSON text. Starts on caller memory (e.g. a
 * stack array) and moves to the heap when that is full. A failed growth
 * sets oom and drops further output; check it before sending. */
typedef struct vx_jbuf {
  char *ptr;
  size_t len;
  size_t cap;
  bool heap; /* ptr is malloc'ed: vx_jbuf_dispose frees it */
  bool oom;
} vx_jbuf;

void vx_jbuf_init(vx_jbuf *b, char *initial, size_t cap);
void vx_jbuf_dispose(vx_jbuf *b);
void vx_jbuf_put(vx_jbuf *b, const char *s, size_t n);
static inline void vx_jbuf_putc(vx_jbuf *b, char c) {
  if (b->len < b->cap)
    b->ptr[b->len++] = c;
  else
    vx_jbuf_put(b, &c, 1);
}
/* Appends s as a JSON string: quoted, '"', '\\' and control characters
 * escaped, and every byte that is not part of valid UTF-8 (a key taken
 * from a URL may be anything) replaced by U+FFFD. */
void vx_jbuf_str(vx_jbuf *b, const char *s, size_t n);
void vx_jbuf_u64(vx_jbuf *b, uint64_t v);
/* Whether s[0..n) is valid UTF-8 (RFC 3629). */
bool vx_utf8_valid(const char *s, size_t n);
/* Copies the NUL-terminated s into out[cap] as valid UTF-8 for messages:
 * invalid bytes become '?', and it stops before a character that would
 * not fit whole. Returns the length written. */
size_t vx_utf8_copy(char *out, size_t cap, const char *s);

/* ----------------------------------------------------------- context */

#define VX_OFREP_INLINE_PROPS 16

/* An OFREP context mapped to a vx_context. Points into the JSON object it
 * was built from (keep that alive) and owns nothing else but, for large
 * contexts, a heap array and arena. */
typedef struct vx_ofrep_context {
  vx_context ctx;
  bool has_targeting_key; /* a non-null targetingKey was given */
  vx_prop *props;
  char *arena; /* text of converted numbers and booleans */
  bool heap;   /* props and arena are malloc'ed */
  vx_prop inline_props[VX_OFREP_INLINE_PROPS];
  char inline_arena[VX_OFREP_INLINE_PROPS * VX_SCALAR_TEXT_MAX];
} vx_ofrep_context;

/* Maps an OFREP context object (see above); NULL is the empty context.
 * Returns 0, VX_ETYPE with a message naming the key in err ("context.plan
 * must be a string, number or boolean, got object"; also when context is
 * not an object), VX_ETOOBIG when it has more properties than
 * vx_context_max_props or a value longer than vx_context_max_value
 * (INVALID_CONTEXT on the wire), or VX_ENOMEM. Always
 * leaves *out safe to dispose. */
int vx_ofrep_context_map(const json_t *context, vx_ofrep_context *out,
                         char *err, size_t errlen);
void vx_ofrep_context_dispose(vx_ofrep_context *c);

/* ------------------------------------------------------------ values */

typedef enum vx_ofrep_kind {
  VX_OFREP_BOOLEAN = 0,
  VX_OFREP_STRING,
  VX_OFREP_NUMBER,
  VX_OFREP_OBJECT,
  VX_OFREP_VARIANT /* no declared type, has variants: the payload's type */
} vx_ofrep_kind;

/* What OFREP's value is for this flag (see above). */
vx_ofrep_kind vx_ofrep_flag_kind(const vx_flag *flag);

/* OFREP's error codes. */
typedef enum vx_ofrep_error {
  VX_OFREP_OK = 0,
  VX_OFREP_PARSE_ERROR,
  VX_OFREP_TARGETING_KEY_MISSING,
  VX_OFREP_INVALID_CONTEXT,
  VX_OFREP_FLAG_NOT_FOUND,
  VX_OFREP_GENERAL
} vx_ofrep_error;

/* "PARSE_ERROR", ... ("" for VX_OFREP_OK). */
const char *vx_ofrep_error_name(vx_ofrep_error e);

/* The TARGETING_KEY_MISSING rule above for a decision made for ctx:
 * VX_OFREP_OK, or the error with a message in err. Allocation-free. */
vx_ofrep_error vx_ofrep_check(const vx_decision *d, const vx_context *ctx,
                              char *err, size_t errlen);

/* Appends one OFREP evaluation success object for a found flag:
 * {"key", "value"?, "reason", "variant"?, "metadata": {"revision",
 * "strategy"?}}. */
void vx_ofrep_write_success(vx_jbuf *b, const char *key, size_t key_len,
                            const vx_decision *d, uint64_t revision);

/* Appends an evaluation failure {"key", "errorCode", "errorDetails"}. */
void vx_ofrep_write_failure(vx_jbuf *b, const char *key, size_t key_len,
                            vx_ofrep_error code, const char *details);

/* Appends the evaluation object for d: a failure when vx_ofrep_check
 * refuses it (or the flag was not found), else a success. Returns the
 * error (VX_OFREP_OK for a success). */
vx_ofrep_error vx_ofrep_write_decision(vx_jbuf *b, const char *key,
                                       size_t key_len, const vx_decision *d,
                                       const vx_context *ctx,
                                       uint64_t revision);

/* -------------------------------------------------------------- ETag */

/* Room for an ETag with its quotes and NUL. */
#define VX_OFREP_ETAG_MAX 48

/* The bulk answer's ETag, quoted as HTTP wants it: "\"<revision>-<16 hex
 * digits>\"", the digits a 64-bit hash of the environment name and the
 * canonical JSON of the context (sorted keys, compact). It changes when
 * the revision, the environment or the context changes. context may be
 * NULL (hashed as {}). Returns 0, or VX_ENOMEM. */
int vx_ofrep_etag(uint64_t revision, const char *environment,
                  const json_t *context, char out[VX_OFREP_ETAG_MAX]);

/* Whether an If-None-Match header value matches etag: "*", or one of its
 * comma-separated entity tags equal to etag (weak "W/" prefixes ignored,
 * as RFC 9110 asks for If-None-Match; quotes optional for lenient
 * clients). header may be NULL. */
bool vx_ofrep_etag_match(const char *header, const char *etag);

#endif
