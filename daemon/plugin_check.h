/*
 * plugin_check.h - a plugin exercised in a forked child before the daemon
 * maps it, so that one that crashes, aborts, exits or hangs is refused
 * instead of taking the service down.
 *
 * The check runs one child on the file the daemon would map (the
 * content-addressed copy, plugin_host.h): dlopen (the module's
 * constructors run), the entry symbol, the descriptor checks (the
 * strategy's name is then known), init, then for each use of that name
 * (the strategies of the flags that use it, with their real parameters,
 * every flag, every environment, listed by the caller beforehand for all
 * strategies at once): compile (as snapshots compile: lenient), evaluate
 * on every generated context (check_contexts.h: empty, several userIds,
 * sessionIds, IPv4 and IPv6 remoteAddresses, dates, properties, long and
 * odd values; the longest one on the first 16 uses only), free_instance;
 * without any use, one compile without
 * parameters (and evaluate when it is accepted); then fini.
 * Each call into the plugin (dlopen with its constructors, the entry, init,
 * each compile, each evaluate, free_instance, fini) must return within
 * timeout_ms, or the child is killed and the plugin refused as hung.
 *
 * The child runs after fork in a multithreaded process: it takes no lock
 * another thread may hold. It does not log, does not use jansson, hands
 * the plugin a host table whose log does nothing, reports its progress in
 * a shared page and its outcome through a pipe, and ends with _exit. (It
 * does use malloc, which glibc makes safe after fork, and which plugins
 * call anyway through host->alloc.) Everything it reads (the uses, the
 * contexts) is prepared by the parent before fork.
 *
 * What this does not prove: that the plugin never crashes. It runs the
 * plugin on the parameters in use and the generated contexts only; a
 * context or a later admin write it has not seen may still crash it, and
 * once loaded a plugin runs in the daemon's address space.
 */
#ifndef VX_PLUGIN_CHECK_H
#define VX_PLUGIN_CHECK_H

#include <jansson.h>
#include <stddef.h>

#include "context.h"
#include "plugin_compile.h"

/* One strategy of one flag, its parameters as text. Everything owned. */
typedef struct vx_check_use {
  char *strategy; /* the strategy's name */
  char *flag;     /* the flag's key: compile's `flag` */
  char *env;      /* the environment, for messages */
  int index;      /* its place in the definition's "strategies" */
  vx_param *params;
  size_t n_params;
} vx_check_use;

/* The uses of every strategy: the check picks those of the plugin's. */
typedef struct vx_check_uses {
  vx_check_use *items;
  size_t n, cap;
} vx_check_uses;

/* Appends a use (copies everything; params is a JSON object or NULL).
 * Returns 0, VX_ETYPE when a parameter cannot be given to a plugin (the
 * use is then left out: compiling it would fail before the plugin runs),
 * or VX_ENOMEM. */
int vx_check_uses_add(vx_check_uses *u, const char *strategy, const char *flag,
                      const char *env, int index, const json_t *params);
void vx_check_uses_dispose(vx_check_uses *u);

/* Checks the module at path with the uses of its strategy among uses
 * (may be NULL: none). Returns 0 when it passed; otherwise a negative
 * VX_E* and why says what happened ("killed by SIGSEGV (Segmentation
 * fault) in evaluate (flag checkout in production, strategies[0]), on
 * generated context 3: ... during the pre-load check"; "init did not
 * return within 3000 ms ..."; or the descriptor's refusal, "abi_major is
 * 2, host supports 1"): VX_EPLUGIN for a crash, an exit, a hang or a
 * failed init, VX_EABI / VX_EINVAL / VX_EIO for what loading refuses
 * anyway, VX_EIO when the child could not be started. name (may be NULL)
 * receives the strategy's name once known, else "". */
int vx_plugin_check(const char *path, int timeout_ms, const vx_check_uses *uses,
                    char *name, size_t namelen, char *why, size_t whylen);

#endif
