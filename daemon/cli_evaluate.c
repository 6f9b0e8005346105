/* cli_evaluate.c - `vexild evaluate`. */
#include "cli_evaluate.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "decision_json.h"
#include "engine.h"
#include "eval.h"
#include "json_limit.h"
#include "log.h"
#include "plugin_host.h"
#include "state.h"

#define MAX_PLUGIN_DIRS 16

typedef struct options {
  const char *state_file;
  const char *flag;
  const char *context;
  const char *contexts_file;
  const char *environment;
  const char *plugin_dirs[MAX_PLUGIN_DIRS];
  int n_plugin_dirs;
} options;

static const char usage[] =
    "usage: vexild evaluate --unleash-state FILE.json --flag KEY\n"
    "                       [--context JSON | --contexts FILE]\n"
    "                       [--plugin-dir DIR]... [--environment NAME]\n";

static int parse_options(int argc, char **argv, options *o, FILE *errs) {
  static const struct option longopts[] = {
      {"unleash-state", required_argument, NULL, 's'},
      {"flag", required_argument, NULL, 'f'},
      {"context", required_argument, NULL, 'c'},
      {"contexts", required_argument, NULL, 'C'},
      {"plugin-dir", required_argument, NULL, 'p'},
      {"environment", required_argument, NULL, 'e'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  memset(o, 0, sizeof *o);
  o->environment = "production";
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 's':
      o->state_file = optarg;
      break;
    case 'f':
      o->flag = optarg;
      break;
    case 'c':
      o->context = optarg;
      break;
    case 'C':
      o->contexts_file = optarg;
      break;
    case 'e':
      o->environment = optarg;
      break;
    case 'p':
      if (o->n_plugin_dirs == MAX_PLUGIN_DIRS) {
        fprintf(errs, "vexild evaluate: at most %d --plugin-dir\n",
                MAX_PLUGIN_DIRS);
        return 2;
      }
      o->plugin_dirs[o->n_plugin_dirs++] = optarg;
      break;
    case 'h':
      fputs(usage, errs);
      return 1;
    default:
      fprintf(errs, "vexild evaluate: unknown or incomplete option %s\n%s",
              argv[optind - 1], usage);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(errs, "vexild evaluate: unexpected argument %s\n%s", argv[optind],
            usage);
    return 2;
  }
  if (o->state_file == NULL || o->flag == NULL) {
    fprintf(errs,
            "vexild evaluate: --unleash-state and --flag are "
            "required\n%s",
            usage);
    return 2;
  }
  if (o->context != NULL && o->contexts_file != NULL) {
    fprintf(errs, "vexild evaluate: give --context or --contexts, not "
                  "both\n");
    return 2;
  }
  return 0;
}

/* Decides one context given as JSON text and prints the line. */
static int evaluate_one(const vx_env *env, const char *flag, const char *text,
                        const char *where, FILE *out, FILE *errs) {
  json_error_t jerr;
  json_t *obj = vx_json_parse_str(text, JSON_REJECT_DUPLICATES, &jerr);
  if (obj == NULL) {
    fprintf(errs, "vexild evaluate: %s: invalid JSON at column %d: %s\n", where,
            jerr.column, jerr.text);
    return 2;
  }
  if (!json_is_object(obj)) {
    fprintf(errs, "vexild evaluate: %s: a context must be a JSON object\n",
            where);
    json_decref(obj);
    return 2;
  }
  vx_context_json ctx;
  char err[512];
  int rc = vx_context_from_json(obj, &ctx, err, sizeof err);
  json_decref(obj);
  if (rc != 0) {
    fprintf(errs, "vexild evaluate: %s: %s\n", where, err);
    return 2;
  }
  vx_decision d;
  vx_evaluate(env, flag, strlen(flag), &ctx.ctx, &d);
  json_t *j = vx_decision_json(flag, &d);
  vx_context_json_dispose(&ctx);
  if (j == NULL) {
    fprintf(errs, "vexild evaluate: out of memory\n");
    return 2;
  }
  char *line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(j);
  if (line == NULL) {
    fprintf(errs, "vexild evaluate: out of memory\n");
    return 2;
  }
  fprintf(out, "%s\n", line);
  free(line);
  return 0;
}

static int evaluate_file(const vx_env *env, const char *flag, const char *path,
                         FILE *out, FILE *errs) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(errs, "vexild evaluate: %s: cannot open: %m\n", path);
    return 2;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int lineno = 0, rc = 0;
  while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (strspn(line, " \t") == (size_t)n)
      continue; /* blank lines carry no context */
    char where[512];
    snprintf(where, sizeof where, "%s:%d", path, lineno);
    rc = evaluate_one(env, flag, line, where, out, errs);
  }
  free(line);
  fclose(f);
  return rc;
}

int vx_cli_evaluate(int argc, char **argv, FILE *out, FILE *errs) {
  options o;
  int rc = parse_options(argc, argv, &o, errs);
  if (rc != 0)
    return rc == 1 ? 0 : rc;
  /* Problems in the state (a missing plugin, refused parameters) are
   * warnings, as in Unleash's clients; only errors reach stderr here. */
  if (getenv("VEXIL_LOG_LEVEL") == NULL)
    vx_log_set_level(VX_LOG_ERROR);
  vx_plugin_host *plugins = vx_plugin_host_new();
  vx_state st;
  vx_engine *engine = vx_engine_new();
  if (plugins == NULL || engine == NULL || vx_state_init(&st) != 0) {
    fprintf(errs, "vexild evaluate: out of memory\n");
    vx_plugin_host_free(plugins);
    vx_engine_free(engine);
    return 2;
  }
  if (o.n_plugin_dirs == 0)
    o.plugin_dirs[o.n_plugin_dirs++] = vx_plugin_default_dir();
  for (int i = 0; i < o.n_plugin_dirs; i++) {
    if (vx_plugin_host_load_dir(plugins, o.plugin_dirs[i]) < 0) {
      fprintf(errs, "vexild evaluate: cannot read plugin folder %s\n",
              o.plugin_dirs[i]);
      rc = 2;
      goto done;
    }
  }
  char err[1024];
  if (vx_state_import_unleash_file(&st, o.state_file, o.environment,
                                   VX_IMPORT_REPLACE, err, sizeof err) != 0) {
    fprintf(errs, "vexild evaluate: %s\n", err);
    rc = 2;
    goto done;
  }
  vx_snapshot *snap;
  if (vx_snapshot_build(&st, NULL, plugins, 0, &snap, err, sizeof err) != 0) {
    fprintf(errs, "vexild evaluate: %s\n", err);
    rc = 2;
    goto done;
  }
  vx_engine_publish(engine, snap);
  const vx_snapshot *s = vx_engine_acquire(engine);
  const vx_env *env = vx_snapshot_env(s, o.environment);
  if (o.contexts_file != NULL)
    rc = evaluate_file(env, o.flag, o.contexts_file, out, errs);
  else
    rc = evaluate_one(env, o.flag, o.context ? o.context : "{}", "--context",
                      out, errs);
  vx_engine_release(engine);
done:
  vx_engine_free(engine);
  vx_state_dispose(&st);
  vx_plugin_host_free(plugins);
  fflush(out);
  return rc;
}
