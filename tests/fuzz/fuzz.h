/*
 * fuzz.h - what the fuzz harnesses of tests/fuzz/ share.
 *
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput for one parser of
 * outside input. It is linked either with libFuzzer (the clang build with
 * -Dfuzzing=true: coverage-guided runs) or with replay.c (the gcc builds:
 * every file of the committed corpus and regressions, once). A harness
 * aborts (or lets a sanitizer abort) on a crash or a broken invariant and
 * otherwise returns 0; it keeps no state between inputs except what
 * vx_fuzz_init sets up once.
 */
#ifndef VX_FUZZ_H
#define VX_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "plugin_host.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: logs go nowhere (but are still formatted), and the
 * built-in plugins are loaded from $VX_PLUGIN_DIR, else from this build's
 * plugins/ folder (VX_FUZZ_PLUGIN_DIR), and the sample environment is
 * built. Aborts when that fails: a harness without its plugins would fuzz
 * nothing. */
void vx_fuzz_init(void);

/* The plugins vx_fuzz_init loaded. */
vx_plugin_host *vx_fuzz_plugins(void);

/* data as the daemon parses a body (JSON_REJECT_DUPLICATES, any value at
 * top level); NULL when it is not JSON. A new reference. */
json_t *vx_fuzz_json(const uint8_t *data, size_t size);

/* An environment of flags that use every operator, every built-in
 * strategy, segments, variants with every payload type and dependencies:
 * corpus/unleash_import/every_operator_and_strategy.json, compiled
 * strictly by vx_fuzz_init. */
const vx_env *vx_fuzz_sample_env(void);

/* Decides every flag of env for ctx and writes each decision as OFREP's
 * answer does; aborts when an answer is not a JSON object. */
void vx_fuzz_decide_for(const vx_env *env, const vx_context *ctx);

/* Decides every flag of env for a few fixed contexts (ids, an IPv4 and an
 * IPv6 address, a time, properties of every kind, and the empty context)
 * as vx_fuzz_decide_for does. */
void vx_fuzz_decide_env(const vx_env *env);

/* Compiles the feature object def (with segments, may be NULL) strictly
 * and leniently; each flag that compiles is put in an environment and
 * decided by vx_fuzz_decide_env. Aborts when the strict compile accepts
 * what the lenient one refuses. */
void vx_fuzz_compile_and_decide(const json_t *def, const json_t *segments);

#endif
