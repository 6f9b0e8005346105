/*
 * json_limit.h - the daemon's one bounded JSON reader, and a writer that
 * never recurses.
 *
 * jansson parses and writes recursively: about 85 bytes of stack per level
 * to parse and 330 to write, up to its own limit of 2,048 levels. civetweb
 * runs each request on a 100 KiB stack, so a small body nested a few
 * hundred levels deep would end the process. Every text that comes from
 * outside (request bodies, imports, state files, --context) or from the
 * store is therefore read here: an iterative scan first refuses nesting
 * deeper than a limit, and only then does jansson parse it. No other
 * module calls json_load*.
 *
 * Depth counts arrays and objects: "1" is 0 deep, "[]" and "{}" are 1,
 * {"a": [1]} is 2.
 *
 * Two limits:
 *  - the setting max_json_depth (vx_json_max_depth: default 64, 16 to
 *    VX_JSON_DEPTH_MAX) for text from outside;
 *  - VX_JSON_DEPTH_MAX for what the daemon itself wrote (its store, its
 *    documents in memory), which was accepted under some setting of at most
 *    that: lowering the setting never makes stored data unreadable.
 * VX_JSON_DEPTH_MAX keeps the deepest tree the daemon ever holds (a stored
 * document, wrapped in an answer a few levels deeper) writable by jansson
 * on a worker stack with room to spare: 140 levels * 330 bytes = 46 KiB.
 */
#ifndef VX_JSON_LIMIT_H
#define VX_JSON_LIMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define VX_JSON_DEPTH_DEFAULT 64
#define VX_JSON_DEPTH_MIN 16
#define VX_JSON_DEPTH_MAX 128

/* Sets the limit for text from outside (max_json_depth), clamped to
 * [VX_JSON_DEPTH_MIN, VX_JSON_DEPTH_MAX]. vexild sets it once at start,
 * before any request; reading it is safe from any thread. */
void vx_json_set_max_depth(int depth);
int vx_json_max_depth(void);

/* The iterative scan alone: true when text[0..len) nests at most `limit`
 * arrays and objects (it need not be valid JSON: brackets inside strings
 * do not count). Otherwise false, with *at (may be NULL) the offset of
 * the bracket that went one level too deep. No allocation, no recursion. */
bool vx_json_depth_ok(const char *text, size_t len, int limit, size_t *at);

/* json_loadb / json_loads with the depth scan first, against the setting.
 * Too deep: NULL, with err (may be NULL) as jansson would fill it: the
 * line, column and position of the offending bracket,
 * json_error_code(err) == json_error_stack_overflow, and a text that
 * names the limit and the setting. Otherwise exactly jansson's result. */
json_t *vx_json_parse(const char *buf, size_t len, size_t flags,
                      json_error_t *err);
json_t *vx_json_parse_str(const char *text, size_t flags, json_error_t *err);

/* The same against VX_JSON_DEPTH_MAX, for text the daemon wrote itself
 * (a store column, a document kept in memory). */
json_t *vx_json_parse_stored(const char *buf, size_t len, size_t flags,
                             json_error_t *err);

/* A file read whole, then vx_json_parse. A file that cannot be read gives
 * json_error_cannot_open_file, as json_load_file does. */
json_t *vx_json_parse_file(const char *path, size_t flags, json_error_t *err);

/* Whether a failed load was refused for its depth. */
bool vx_json_too_deep(const json_error_t *err);

/* The compact JSON text of v, as json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY) writes it, but with an explicit stack instead of
 * recursion, so any depth is safe on any thread. Returns a malloc'ed,
 * NUL-terminated string (its length in *len when len is not NULL), or
 * NULL when v is NULL or memory runs out. */
char *vx_json_dump_compact(const json_t *v, size_t *len);

#endif
