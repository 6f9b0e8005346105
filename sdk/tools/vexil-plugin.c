/*
 * vexil-plugin - the plugin author's tool.
 *
 *   vexil-plugin check FILE.so
 *       Loads FILE.so exactly as vexild does (the daemon's plugin host:
 *       the pre-load check in a forked child, then dlopen
 *       RTLD_NOW|RTLD_LOCAL, the entry symbol, the descriptor checks in
 *       their order, init) and prints the descriptor and its parameter
 *       table, or why the daemon would refuse it (a crash, an exit or a
 *       hang in the check included).
 *   vexil-plugin test FILE.so CASES.json
 *       Loads FILE.so the same way (the pre-load check compiles the
 *       cases' parameters) and runs it alone against the cases:
 *       each case's parameters are compiled as an admin write compiles
 *       them (the host's type checks, then the plugin's compile, strictly)
 *       and evaluated on its context. Prints one line per case, and each
 *       failure with what was expected.
 *
 * CASES.json (sdk/README.md documents it):
 *   {"plugin": "myStrategy",             optional: the expected name
 *    "flag": "my-flag",                   optional: the flag key compile
 *                                         gets (default "test-flag")
 *    "cases": [{"name": "...", "parameters": {...}, "context": {...},
 *               "flag": "...", "expect": true | false}],
 *    "refused": [{"name": "...", "parameters": {...},
 *                 "error_contains": "..."}]}
 * Contexts are Unleash's: userId, sessionId, remoteAddress, environment,
 * appName, currentTime and properties {...}.
 *
 * Exit status: 0 all good, 1 the plugin was refused or a case failed,
 * 2 usage or an unreadable cases file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_contexts.h"
#include "context.h"
#include "log.h"
#include "plugin_check.h"
#include "plugin_compile.h"
#include "plugin_host.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

static const char usage[] =
    "usage:\n"
    "  vexil-plugin check FILE.so\n"
    "      load FILE.so as vexild does; print its descriptor and parameters\n"
    "  vexil-plugin test FILE.so CASES.json\n"
    "      run FILE.so alone against the cases (see sdk/README.md)\n"
    "  vexil-plugin --version | --help\n";

static const char *kind_name(vx_strategy_kind k) {
  const char *name = vx_strategy_kind_name(k);
  return name != NULL ? name : "unknown";
}

/* As vexild: each call into the plugin in the pre-load check must return
 * within this (its default plugin_check_timeout_ms). */
#define CHECK_TIMEOUT_MS 3000

/* Loads path into a new host, after the pre-load check with uses (may be
 * NULL); prints the refusal and returns NULL. */
static vx_plugin *load(vx_plugin_host **host, const char *path,
                       const vx_check_uses *uses) {
  char err[2048] = "";
  *host = vx_plugin_host_new();
  if (*host == NULL) {
    fprintf(stderr, "vexil-plugin: out of memory\n");
    return NULL;
  }
  vx_plugin_host_set_check(*host, CHECK_TIMEOUT_MS, uses);
  if (vx_plugin_host_load_file(*host, path, err, sizeof err) != 0) {
    printf("REFUSED %s\n", err);
    return NULL;
  }
  return vx_plugin_host_at(*host, 0);
}

static int cmd_check(const char *path) {
  vx_plugin_host *host;
  vx_plugin *p = load(&host, path, NULL);
  if (p == NULL) {
    vx_plugin_host_free(host);
    return 1;
  }
  const vx_strategy_descriptor *d = p->desc;
  int warnings = 0;
  printf("OK %s\n", path);
  printf("  name:        %s\n", d->name);
  printf("  version:     %s\n", d->version ? d->version : "(none)");
  printf("  description: %s\n", d->description ? d->description : "(none)");
  printf("  kind:        %s\n", kind_name(d->kind));
  printf("  abi:         %u.%u (host %u.%u), descriptor size %u\n",
         (unsigned)d->abi_major, (unsigned)d->abi_minor, VX_ABI_MAJOR,
         VX_ABI_MINOR, (unsigned)d->size);
  printf("  callbacks:   init %s, fini %s\n", d->init ? "yes" : "no",
         d->fini ? "yes" : "no");
  size_t n_contexts;
  vx_check_contexts(&n_contexts, NULL);
  printf("  pre-load check: passed (in a forked child: init, compile "
         "without parameters, evaluate on %zu generated contexts, fini)\n",
         n_contexts);
  printf("  parameters:  %u\n", (unsigned)d->n_params);
  for (uint32_t i = 0; i < d->n_params; i++) {
    const vx_param_def *pd = &d->params[i];
    printf("    %-20s %-10s %-8s %s\n", pd->name, vx_param_type_name(pd->type),
           pd->required ? "required" : "optional", pd->help ? pd->help : "");
    if (pd->help == NULL || pd->help[0] == '\0') {
      printf("  warning: parameter %s has no help text (the UI shows it)\n",
             pd->name);
      warnings++;
    }
  }
  if (d->version == NULL || d->version[0] == '\0') {
    printf("  warning: no version (the admin API and reload logs show it)\n");
    warnings++;
  }
  if (d->description == NULL || d->description[0] == '\0') {
    printf("  warning: no description (the UI lists it)\n");
    warnings++;
  }
  if (warnings == 0)
    printf("  no problem found\n");
  vx_plugin_host_free(host);
  return 0;
}

static json_t *load_cases(const char *path) {
  json_error_t jerr;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL) {
    fprintf(stderr, "vexil-plugin: %s:%d:%d: %s\n", path, jerr.line,
            jerr.column, jerr.text);
    return NULL;
  }
  const char *why = NULL;
  json_t *cases = json_object_get(doc, "cases");
  json_t *refused = json_object_get(doc, "refused");
  if (!json_is_object(doc))
    why = "the document must be an object";
  else if (cases != NULL && !json_is_array(cases))
    why = "\"cases\" must be an array";
  else if (refused != NULL && !json_is_array(refused))
    why = "\"refused\" must be an array";
  else if (json_array_size(cases) + json_array_size(refused) == 0)
    why = "there are no \"cases\" and no \"refused\" cases";
  if (why != NULL) {
    fprintf(stderr, "vexil-plugin: %s: %s\n", path, why);
    json_decref(doc);
    return NULL;
  }
  return doc;
}

/* A case's label for messages: its name, else its place. */
static const char *label(const json_t *c, const char *list, size_t i, char *buf,
                         size_t len) {
  const char *name = json_string_value(json_object_get(c, "name"));
  if (name != NULL)
    return name;
  snprintf(buf, len, "%s[%zu]", list, i);
  return buf;
}

static int run_case(vx_plugin *p, const char *flag, const json_t *c,
                    const char *name) {
  const json_t *expect = json_object_get(c, "expect");
  const json_t *cjson = json_object_get(c, "context");
  if (!json_is_boolean(expect)) {
    printf("FAIL %s: \"expect\" must be true or false\n", name);
    return 1;
  }
  if (cjson != NULL && !json_is_object(cjson)) {
    printf("FAIL %s: \"context\" must be an object\n", name);
    return 1;
  }
  const char *f = json_string_value(json_object_get(c, "flag"));
  char err[1024] = "";
  void *inst = NULL;
  int rc = vx_plugin_compile(p, f ? f : flag, json_object_get(c, "parameters"),
                             VX_COMPILE_STRICT, &inst, err, sizeof err);
  if (rc != 0) {
    printf("FAIL %s: the parameters were refused: %s\n", name, err);
    return 1;
  }
  json_t *empty = json_object();
  vx_context_json ctx;
  rc = vx_context_from_json(cjson ? cjson : empty, &ctx, err, sizeof err);
  json_decref(empty);
  if (rc != 0) {
    printf("FAIL %s: bad context: %s\n", name, err);
    vx_plugin_free_instance(p, inst);
    return 1;
  }
  rc = p->desc->evaluate(inst, &ctx.ctx);
  vx_context_json_dispose(&ctx);
  vx_plugin_free_instance(p, inst);
  if (rc != 0 && rc != 1) {
    printf("FAIL %s: evaluate returned %d (%s), neither 1 nor 0: the daemon "
           "serves that as off and counts it as an error\n",
           name, rc, rc < 0 ? vx_errname(rc) : "not a VX_E* code");
    return 1;
  }
  int got = rc == 1;
  if (got != json_is_true(expect)) {
    char *ctext = cjson ? json_dumps(cjson, JSON_COMPACT) : NULL;
    printf("FAIL %s: expected %s, got %s (context %s)\n", name,
           json_is_true(expect) ? "on" : "off", got ? "on" : "off",
           ctext ? ctext : "{}");
    free(ctext);
    return 1;
  }
  printf("ok   %s\n", name);
  return 0;
}

static int run_refused(vx_plugin *p, const char *flag, const json_t *c,
                       const char *name) {
  const char *want = json_string_value(json_object_get(c, "error_contains"));
  const char *f = json_string_value(json_object_get(c, "flag"));
  char err[1024] = "";
  void *inst = NULL;
  int rc = vx_plugin_compile(p, f ? f : flag, json_object_get(c, "parameters"),
                             VX_COMPILE_STRICT, &inst, err, sizeof err);
  if (rc == 0) {
    vx_plugin_free_instance(p, inst);
    printf("FAIL %s: the parameters were accepted, expected a refusal\n", name);
    return 1;
  }
  if (want != NULL && strstr(err, want) == NULL) {
    printf("FAIL %s: refused with \"%s\", expected a message containing "
           "\"%s\"\n",
           name, err, want);
    return 1;
  }
  printf("ok   %s (refused: %s)\n", name, err);
  return 0;
}

static int cmd_test(const char *path, const char *cases_path) {
  json_t *doc = load_cases(cases_path);
  if (doc == NULL)
    return 2;
  const char *want = json_string_value(json_object_get(doc, "plugin"));
  const char *flag = json_string_value(json_object_get(doc, "flag"));
  if (flag == NULL)
    flag = "test-flag";
  /* The pre-load check compiles every case's parameters, as vexild
   * compiles every flag's, when the file names the plugin ("plugin"). */
  vx_check_uses uses = {0};
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(doc, "cases"), i, c) {
    const char *f = json_string_value(json_object_get(c, "flag"));
    char where[32];
    snprintf(where, sizeof where, "cases[%zu]", i);
    vx_check_uses_add(&uses, want ? want : "", f ? f : flag, where, 0,
                      json_object_get(c, "parameters"));
  }
  vx_plugin_host *host;
  vx_plugin *p = load(&host, path, want != NULL ? &uses : NULL);
  vx_check_uses_dispose(&uses);
  if (p == NULL) {
    vx_plugin_host_free(host);
    json_decref(doc);
    return 1;
  }
  int failed = 0, passed = 0;
  if (want != NULL && strcmp(want, p->name) != 0) {
    printf("FAIL the cases are for \"%s\", the plugin is \"%s\"\n", want,
           p->name);
    failed++;
  }
  char buf[64];
  json_array_foreach(json_object_get(doc, "cases"), i, c) {
    int f = json_is_object(c)
                ? run_case(p, flag, c, label(c, "cases", i, buf, sizeof buf))
                : (printf("FAIL cases[%zu]: must be an object\n", i), 1);
    failed += f;
    passed += !f;
  }
  json_array_foreach(json_object_get(doc, "refused"), i, c) {
    int f =
        json_is_object(c)
            ? run_refused(p, flag, c, label(c, "refused", i, buf, sizeof buf))
            : (printf("FAIL refused[%zu]: must be an object\n", i), 1);
    failed += f;
    passed += !f;
  }
  printf("%s: %d passed, %d failed\n", p->name, passed, failed);
  vx_plugin_host_free(host);
  json_decref(doc);
  return failed ? 1 : 0;
}

int main(int argc, char **argv) {
  vx_log_set_level(VX_LOG_WARN);
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("vexil-plugin %s (plugin ABI %d.%d)\n", VX_VERSION, VX_ABI_MAJOR,
           VX_ABI_MINOR);
    return 0;
  }
  if (argc == 2 &&
      (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage, stdout);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "check") == 0)
    return cmd_check(argv[2]);
  if (argc == 4 && strcmp(argv[1], "test") == 0)
    return cmd_test(argv[2], argv[3]);
  fputs(usage, stderr);
  return 2;
}
