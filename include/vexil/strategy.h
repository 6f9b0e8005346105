/*
 * vexil/strategy.h - the strategy plugin ABI of Vexil.
 *
 * A strategy plugin is a shared object that exports exactly one symbol,
 *
 *     const vx_strategy_descriptor *vexil_strategy_entry(void);
 *
 * which returns a pointer to a static, constant descriptor. The plugin links
 * against nothing of the daemon: everything it needs from the host comes
 * through the vx_host_api table handed to init(). Build plugins with
 * -fvisibility=hidden and -Wl,-z,defs (see VX_STRATEGY_EXPORT).
 *
 * VERSIONING RULE
 *   VX_ABI_MAJOR changes when anything already published changes meaning,
 *   layout or signature. The host refuses a plugin whose major differs.
 *   VX_ABI_MINOR grows when fields are appended to the end of
 *   vx_strategy_descriptor or vx_host_api. A host accepts any plugin whose
 *   minor is <= its own, and whose descriptor `size` covers at least the
 *   fields that minor defines (VX_DESCRIPTOR_SIZE_V1_0 for 1.0, a frozen
 *   figure, not the sizeof of the struct as this header declares it). A
 *   plugin must check host->size before it reads a host function appended
 *   after the minor it was built against: VX_HOST_HAS(host, field) in
 *   vexil/sdk.h does. Fields are never removed or reordered within a
 *   major.
 *
 *   The host checks, in this order, before it calls anything: magic,
 *   abi_major, abi_minor, size, name, required callbacks, parameter table,
 *   unique name. A refusal names the file, the field and both values.
 *
 * THREAD CONTRACT
 *   init, fini, compile and free_instance are called from the host's
 *   control thread only, never concurrently with one another.
 *   evaluate is called from any number of threads at once, on an instance
 *   that is immutable once compile returned. It must not block, must not
 *   allocate, must not write to the instance or the module state, and must
 *   keep no pointer into the context after it returns. A plugin never
 *   aborts or exits the process.
 *
 * MEMORY CONTRACT
 *   Whoever allocates frees. An instance made by compile is freed by the
 *   host calling free_instance, exactly once, after the last evaluation that
 *   could use it. Parameter strings passed to compile belong to the host and
 *   live only during the call: copy what you keep. Strings returned by
 *   host->context_get belong to the context and live only during evaluate.
 *
 * ERRORS
 *   Callbacks return 0 on success or a negative VX_E* code (vexil/error.h).
 *   Human text for a release manager goes into the caller's errbuf
 *   ("rollout must be 0..100, got 140"); never print it yourself.
 */
#ifndef VEXIL_STRATEGY_H
#define VEXIL_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include <vexil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VX_STRATEGY_MAGIC 0x5658534cu /* "VXSL" */
#define VX_ABI_MAJOR 1
#define VX_ABI_MINOR 0

/* Name of the single exported symbol. */
#define VX_STRATEGY_ENTRY_SYMBOL "vexil_strategy_entry"

#if defined(__GNUC__)
#define VX_STRATEGY_EXPORT __attribute__((visibility("default")))
#else
#define VX_STRATEGY_EXPORT
#endif

/* The types of Unleash custom-strategy parameters. Values always reach
 * compile() as strings, as Unleash sends them; the host checks the type
 * before compile() (a percentage is an integer 0..100, a number parses, a
 * boolean is "true" or "false", a list is comma-separated). */
typedef enum vx_param_type {
  VX_PARAM_STRING = 0,
  VX_PARAM_PERCENTAGE = 1,
  VX_PARAM_LIST = 2,
  VX_PARAM_NUMBER = 3,
  VX_PARAM_BOOLEAN = 4
} vx_param_type;

/* One entry of a plugin's parameter table. The UI renders its form from it. */
typedef struct vx_param_def {
  const char *name; /* e.g. "rollout" */
  vx_param_type type;
  int required;     /* non-zero: compile is not called without it */
  const char *help; /* one sentence for a release manager */
} vx_param_def;

/* One parameter as given to compile(). Both strings are NUL-terminated and
 * owned by the host for the duration of the call. */
typedef struct vx_param {
  const char *name;
  const char *value;
} vx_param;

/* What an "on" from this strategy means, for the decision's reason. */
typedef enum vx_strategy_kind {
  VX_KIND_STATIC = 0,    /* on for everyone (default) */
  VX_KIND_TARGETING = 1, /* on for a listed set (user ids, IPs, hosts) */
  VX_KIND_SPLIT = 2      /* on for a pseudo-random share (rollouts) */
} vx_strategy_kind;

/* Log levels for host->log. */
typedef enum vx_log_level {
  VX_LOG_DEBUG = 0,
  VX_LOG_INFO = 1,
  VX_LOG_WARN = 2,
  VX_LOG_ERROR = 3
} vx_log_level;

/* The evaluation context, opaque to plugins: read it with host->context_get. */
typedef struct vx_context vx_context;

/* The table of host functions, handed to init(). Append-only: new functions
 * go at the end and bump VX_ABI_MINOR; check `size` before using them. */
typedef struct vx_host_api {
  uint32_t size;      /* sizeof(vx_host_api) as the host was built */
  uint16_t abi_major; /* the host's VX_ABI_MAJOR */
  uint16_t abi_minor; /* the host's VX_ABI_MINOR */

  /* Writes one line to the daemon's log, prefixed with the plugin's name.
   * Any thread; may take a lock, so never call it from evaluate. */
  void (*log)(vx_log_level level, const char *plugin, const char *fmt, ...)
      __attribute__((format(printf, 3, 4)));

  /* Memory for instances and module state. Never call from evaluate. */
  void *(*alloc)(size_t size);
  void (*free)(void *ptr);

  /* The value of a context field by name: "userId", "sessionId",
   * "remoteAddress", "environment", "appName", "currentTime", or any
   * property name (top-level fields win, as in Unleash). NULL when absent.
   * The string is NUL-terminated; *len (if len != NULL) receives its length.
   * Allocation-free and lock-free: safe in evaluate. */
  const char *(*context_get)(const vx_context *ctx, const char *field,
                             size_t *len);

  /* Unleash's normalised hash, frozen forever:
   *   murmur3_x86_32(group + ":" + id, seed) % n + 1   (n >= 1)
   * Rollouts use seed 0 and n 100. Allocation-free: safe in evaluate. */
  uint32_t (*normalized_hash)(const char *id, size_t id_len, const char *group,
                              size_t group_len, uint32_t n, uint32_t seed);

  /* Milliseconds since the Unix epoch, wall clock. Safe in evaluate. */
  int64_t (*now_ms)(void);

  /* A uniformly distributed random number from a per-thread generator, for
   * "random" stickiness. Lock-free: safe in evaluate. */
  uint32_t (*random_u32)(void);
} vx_host_api;

/* The descriptor. Its first four fields never move. */
typedef struct vx_strategy_descriptor {
  uint32_t magic;     /* VX_STRATEGY_MAGIC */
  uint16_t abi_major; /* VX_ABI_MAJOR the plugin was built with */
  uint16_t abi_minor; /* VX_ABI_MINOR the plugin was built with */
  uint32_t size;      /* sizeof(vx_strategy_descriptor) as built */

  const char *name;        /* strategy name, unique, e.g. "flexibleRollout" */
  const char *version;     /* plugin version, e.g. "1.0.0" */
  const char *description; /* one line for the UI */
  vx_strategy_kind kind;   /* what an "on" means, for reasons */

  const vx_param_def *params; /* parameter table, may be NULL if n_params 0 */
  uint32_t n_params;

  /* Optional (may be NULL). Called once after the checks, before any
   * compile. *module_state receives whatever the plugin wants back in
   * compile; keep `host`, it stays valid until fini. */
  int (*init)(const vx_host_api *host, void **module_state);

  /* Optional. Called once before unload; no instance is alive then. */
  void (*fini)(void *module_state);

  /* Required. Parse and precompute everything for one strategy of one flag.
   * `flag` is the flag's key (the default group for sticky rollouts).
   * params[0..n_params) are the strategy's parameters as given. The host
   * refuses a name the parameter table does not declare on an admin
   * write; an import keeps it with a warning, and it is passed through
   * ("groupId" and "stickiness", read by the core for strategy variants,
   * are always accepted). On success store a new instance in
   * *instance and return 0; on failure write a message a release manager
   * can act on into errbuf (always NUL-terminated, errlen > 0) and return
   * VX_EINVAL (or another negative VX_E*).
   * A plugin may also return 0 *and* write a message: the parameters are
   * usable but partly wrong (Unleash ignores an unparseable IP in a list,
   * say). The host then refuses them on an admin write, where a release
   * manager can fix them, and accepts them with a logged warning when it
   * imports state from elsewhere. errbuf is empty on entry. */
  int (*compile)(void *module_state, const char *flag, const vx_param *params,
                 size_t n_params, void **instance, char *errbuf, size_t errlen);

  /* Required. 1 when the strategy is on for ctx, 0 when off, or a
   * negative VX_E* code when it cannot decide. The host fails closed:
   * only exactly 1 is on; an error (or any other value) is off, counted
   * in vexil_strategy_errors_total{strategy} and logged at most once a
   * minute. See the thread contract above: concurrent, no allocation, no
   * blocking. */
  int (*evaluate)(const void *instance, const vx_context *ctx);

  /* Required. Frees one instance made by compile. */
  void (*free_instance)(void *module_state, void *instance);
} vx_strategy_descriptor;

/* The size a descriptor must have at least for a given minor: the end of
 * the last field that minor defines. Frozen once published: a later minor
 * appends fields, which grows sizeof(vx_strategy_descriptor) but not this,
 * so that its host still loads 1.0 plugins (whose `size` is this). */
#define VX_DESCRIPTOR_SIZE_V1_0                                                \
  (offsetof(vx_strategy_descriptor, free_instance) +                           \
   sizeof(void (*)(void *, void *)))

/* The same for the host table: what a 1.0 host hands to init. */
#define VX_HOST_API_SIZE_V1_0                                                  \
  (offsetof(vx_host_api, random_u32) + sizeof(uint32_t(*)(void)))

/* The 1.0 layouts, pinned: 104 and 64 bytes with 8-byte pointers, 56 and
 * 36 with 4-byte ones. A change here breaks every plugin already built. */
#ifdef __cplusplus
#define VX_STATIC_ASSERT_ static_assert
#else
#define VX_STATIC_ASSERT_ _Static_assert
#endif
VX_STATIC_ASSERT_(VX_DESCRIPTOR_SIZE_V1_0 == (sizeof(void *) == 8 ? 104 : 56),
                  "the 1.0 descriptor layout is frozen");
VX_STATIC_ASSERT_(VX_HOST_API_SIZE_V1_0 == (sizeof(void *) == 8 ? 64 : 36),
                  "the 1.0 host table layout is frozen");
#undef VX_STATIC_ASSERT_

/* The entry point every plugin exports. */
typedef const vx_strategy_descriptor *(*vx_strategy_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* VEXIL_STRATEGY_H */
