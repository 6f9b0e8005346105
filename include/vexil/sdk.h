/*
 * vexil/sdk.h - helpers for strategy plugins (libvexil-sdk).
 *
 * The built-in strategies and the daemon's constraint engine use these same
 * functions, so there is one implementation of each rule. Every function
 * here is thread-safe and, unless its comment says it allocates, allocation-
 * free, so it may be called from evaluate().
 *
 * Strings are UTF-8 and passed with an explicit length unless stated; a
 * function that returns int returns 0 (or a boolean 0/1 where it says so)
 * or a negative VX_E* code.
 */
#ifndef VEXIL_SDK_H
#define VEXIL_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vexil/error.h>
#include <vexil/strategy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ host table */

/* True when the host table `host` is long enough to hold `field` and fills
 * it. A plugin checks every host function it calls, once, in init:
 *
 *     if (host == NULL || host->abi_major != VX_ABI_MAJOR ||
 *         !VX_HOST_HAS(host, alloc) || !VX_HOST_HAS(host, context_get))
 *       return VX_EABI;
 *
 * so that it refuses an older host (whose table ends before a function
 * appended by a later minor) instead of calling past its end. */
#define VX_HOST_HAS(host, field)                                               \
  ((host)->size >= offsetof(vx_host_api, field) + sizeof((host)->field) &&     \
   (host)->field != NULL)

/* ------------------------------------------------------------------ hash */

/* MurmurHash3 x86_32 of len bytes, as Unleash's SDKs compute it. Strings
 * are hashed as their UTF-8 bytes (as the Go and Java SDKs do; the Node
 * client hashes the low byte of each UTF-16 unit, which is the same for
 * ASCII only). */
uint32_t vx_murmur3_32(const void *data, size_t len, uint32_t seed);

/* Seeds of Unleash's normalised hash: rollouts and variants. */
#define VX_SEED_ROLLOUT 0u
#define VX_SEED_VARIANT 86028157u

/* murmur3_x86_32(group + ":" + id, seed) % n + 1. n must be >= 1 (n == 0
 * returns 0). */
uint32_t vx_normalized_hash(const char *id, size_t id_len, const char *group,
                            size_t group_len, uint32_t n, uint32_t seed);

/* The murmur3 state after hashing `group + ":"`, computed once at compile
 * time so that evaluate only hashes the id. Plain data: copy it freely. */
typedef struct vx_hash_prefix {
  uint32_t h1;       /* state after the prefix's whole 4-byte blocks */
  uint32_t tail;     /* the prefix's trailing bytes, little-endian */
  uint32_t tail_len; /* 0..3 */
  uint32_t len;      /* bytes of prefix hashed so far */
} vx_hash_prefix;

/* Prepares p for group + ":" with the given seed. */
void vx_hash_prefix_init(vx_hash_prefix *p, const char *group, size_t group_len,
                         uint32_t seed);

/* Same result as vx_normalized_hash(id, group, n, seed) for the group and
 * seed given to vx_hash_prefix_init. */
uint32_t vx_hash_prefix_normalized(const vx_hash_prefix *p, const char *id,
                                   size_t id_len, uint32_t n);

/* ------------------------------------------------------------ parameters */

/* The value of parameter `name` (the first one of that name), or NULL. */
const char *vx_param_find(const vx_param *params, size_t n, const char *name);

/* s[0..len) without the white space JavaScript's trim() and \s remove:
 * TAB, LF, VT, FF, CR, SPACE, U+00A0, U+1680, U+2000..U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000 and U+FEFF. Returns the first byte kept
 * and sets *out_len (if not NULL) to the length kept. */
const char *vx_trim_space(const char *s, size_t len, size_t *out_len);

/* Parses a number with JavaScript's Number() rules (what Unleash's
 * reference client uses): surrounding white space ignored, "" is 0, decimal
 * with optional fraction and exponent (".5", "5." too), unsigned 0x/0o/0b
 * integers, [+-]Infinity, correctly rounded. Returns 0 and sets *out, or
 * VX_EPARSE for anything Number() would make NaN ("abc", "1e", "1,5",
 * "0x", "-0x1", "1_000", "inf"). */
int vx_parse_number(const char *s, size_t len, double *out);

/* A percentage: s (NUL-terminated) read by vx_parse_number, in 0..100
 * (fractions are truncated, as comparing an integer bucket against them
 * would; "" is 0, as Number("") is). On error writes a message using `what`
 * as the name (errbuf may be NULL) and returns VX_EPARSE for "rollout must
 * be a number, got \"abc\"", VX_ERANGE for "rollout must be 0..100, got
 * 140", VX_EINVAL when s is NULL ("rollout is missing") or out is NULL. */
int vx_parse_percentage(const char *s, const char *what, int *out, char *errbuf,
                        size_t errlen);

/* "true" or "false" (ASCII case-insensitive, white space trimmed as by
 * vx_trim_space). VX_EPARSE otherwise, VX_EINVAL for NULL. */
int vx_parse_bool(const char *s, bool *out);

/* ----------------------------------------------------------- string sets */

/* An immutable set of strings, built at compile time from a comma-separated
 * list (items trimmed of white space, empty items dropped, as Unleash's
 * split(/\s*,\s*\/)) or from an array, with O(1) average lookup. */
typedef struct vx_strset vx_strset;

/* Allocates. Returns 0 and a new set in *out (free with vx_strset_free),
 * VX_EINVAL for a NULL argument, VX_ENOMEM. Array items are taken as they
 * are (not trimmed, "" kept); lens may be NULL for NUL-terminated items. */
int vx_strset_from_csv(const char *csv, vx_strset **out);
int vx_strset_from_array(const char *const *items, const size_t *lens, size_t n,
                         vx_strset **out);
void vx_strset_free(vx_strset *set);
size_t vx_strset_count(const vx_strset *set);
/* The i-th item in insertion order (duplicates removed), NUL-terminated. */
const char *vx_strset_item(const vx_strset *set, size_t i, size_t *len);
/* 1 when s is in the set, else 0. Allocation-free. */
int vx_strset_contains(const vx_strset *set, const char *s, size_t len);

/* -------------------------------------------------------- IP addresses */

typedef struct vx_ip {
  uint8_t family;   /* 4 or 6 */
  uint8_t addr[16]; /* IPv4 in the first 4 bytes */
} vx_ip;

typedef struct vx_cidr {
  vx_ip net;      /* host bits cleared */
  uint8_t prefix; /* 0..32 or 0..128 */
} vx_cidr;

/* Parses an IPv4 dotted quad or an IPv6 address (RFC 4291 text forms,
 * embedded IPv4 allowed, no zone). An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, in any spelling) is returned as IPv4, so both spellings
 * match. IPv4 parts with leading zeros ("01.2.3.4") are refused, as
 * octal-reading parsers would disagree. VX_EPARSE when malformed. */
int vx_ip_parse(const char *s, size_t len, vx_ip *out);

/* Parses "addr/prefix" or a bare address (a single-host range). Host bits
 * set in addr are allowed and cleared. The prefix is decimal without
 * leading zeros; VX_ERANGE past 32 (IPv4) or 128 (IPv6). An IPv4-mapped
 * range ::ffff:a.b.c.d/p with p >= 96 becomes the IPv4 range a.b.c.d/(p-96);
 * with p < 96 it stays IPv6. */
int vx_cidr_parse(const char *s, size_t len, vx_cidr *out);

/* 1 when ip lies in the range, else 0 (different families never match). */
int vx_cidr_contains(const vx_cidr *range, const vx_ip *ip);

/* ---------------------------------------------------------------- semver */

/* A parsed Semantic Version 2.0.0. `pre` points into the parsed text (the
 * caller keeps it alive); build metadata is ignored, as in comparison. */
typedef struct vx_semver {
  uint64_t major, minor, patch;
  const char *pre; /* prerelease without the '-', or NULL */
  size_t pre_len;
} vx_semver;

/* Strict SemVer 2.0.0 as node-semver parses it (non-loose): surrounding
 * white space and one leading 'v' allowed ('=' is not: node-semver accepts
 * it only in loose mode); no leading zeros in numeric identifiers; each
 * number <= 2^53-1; at most 256 UTF-16 units before trimming. */
int vx_semver_parse(const char *s, size_t len, vx_semver *out);

/* <0, 0, >0 by SemVer 2.0.0 precedence (-1, 0 or 1). Numeric prerelease
 * identifiers compare as JavaScript numbers, as in node-semver. */
int vx_semver_cmp(const vx_semver *a, const vx_semver *b);

/* ------------------------------------------------------------------ time */

/* Parses an ISO 8601 / RFC 3339 date or date-time as JavaScript's Date
 * does for those forms: YYYY, YYYY-MM, YYYY-MM-DD, and
 * YYYY-MM-DDTHH:mm[:ss[.fff...]][Z|+HH:mm|-HH:mm] (a space may stand for
 * T; fractions beyond milliseconds are truncated). Unlike JavaScript, a
 * date-time without an offset is read as UTC, so that a decision never
 * depends on the server's time zone. Sets milliseconds since the epoch.
 * As in ECMAScript the time may also follow YYYY or YYYY-MM ("2020T10:00").
 * Offsets may also be +HHmm; 'T' and 'Z' may be lower case (RFC 3339);
 * 24:00 means the end of the day. Unlike V8, a day past the end of its
 * month ("2021-02-29") is refused rather than rolled over. VX_EPARSE. */
int vx_time_parse(const char *s, size_t len, int64_t *ms_out);

/* Milliseconds since the epoch, wall clock. */
int64_t vx_time_now_ms(void);

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (m 1..12, d 1..31; not checked). */
int64_t vx_days_from_civil(int64_t y, int m, int d);

/* A calendar date and time of day. */
typedef struct vx_civil {
  int year, month, day;     /* month 1..12, day 1..31 */
  int hour, minute, second; /* 0..23, 0..59, 0..59 */
  int millisecond;          /* 0..999 */
  int weekday;              /* 0 Sunday, 1 Monday, ... 6 Saturday */
} vx_civil;

/* The calendar time of ms (since the epoch) at offset_s seconds east of
 * UTC (vx_tz_offset gives it for a named zone). Allocation-free. */
void vx_civil_from_ms(int64_t ms, int32_t offset_s, vx_civil *out);

/* ------------------------------------------------------------ time zones */

/* A named time zone, read from the system's tz database (Debian: the
 * tzdata package), immutable once loaded: share it between threads. */
typedef struct vx_tz vx_tz;

/* Loads zone `name` ("Europe/Paris", "America/New_York", "UTC") from
 * $TZDIR, else /usr/share/zoneinfo: its TZif transitions and, for times
 * after the last one, the POSIX TZ rule in the file's footer. Does not
 * touch the TZ variable, tzset or the C library's time zone state.
 * Allocates: call it from compile, not evaluate. Returns 0 and a zone in
 * *out (free with vx_tz_free); VX_EINVAL for a name that is not an IANA
 * name (only letters, digits, "_+-./", no "." or ".." component, not
 * absolute), VX_ENOENT for an unknown zone, VX_EPARSE for a malformed
 * file, VX_ENOMEM; with a message in errbuf (may be NULL). */
int vx_tz_load(const char *name, vx_tz **out, char *errbuf, size_t errlen);
void vx_tz_free(vx_tz *tz);
/* The name the zone was loaded by. */
const char *vx_tz_name(const vx_tz *tz);

/* The zone's offset east of UTC, in seconds, at ms since the epoch (a
 * binary search, or the rule's arithmetic). Allocation- and lock-free:
 * safe in evaluate. NULL gives 0 (UTC). */
int32_t vx_tz_offset(const vx_tz *tz, int64_t ms);

/* ------------------------------------------------------------ text case */

/* Lower-cases UTF-8 text as JavaScript's toLowerCase does for the
 * characters of the Unicode simple case mapping. Writes at most cap bytes
 * (no NUL) into out and returns the length needed: out then holds the
 * first min(result, cap) bytes of the result, which may end inside a
 * character when cap is too small. Invalid UTF-8 bytes are copied
 * unchanged. The result may be longer than len (U+023A: 2 bytes -> 3).
 * Allocation-free, except that the first call in a process sets up the
 * C.UTF-8 locale (once, thread-safely): make a first call such as
 * vx_utf8_lower(NULL, 0, NULL, 0) from compile() or at start-up. */
size_t vx_utf8_lower(const char *s, size_t len, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* VEXIL_SDK_H */
