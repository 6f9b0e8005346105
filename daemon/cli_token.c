/* cli_token.c - `vexild token create` and `vexild token list`: the
 * break-glass path, on the database file (cli_token.h). */
#include "cli_token.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "service.h"
#include "store.h"

static const char usage[] =
    "usage:\n"
    "  vexild token create --admin --name NAME [--config FILE] [--database "
    "PATH]\n"
    "                      [--data-dir DIR]\n"
    "      Add an admin token to the database directly (also while vexild\n"
    "      runs: it takes the token in within a second). Print its secret\n"
    "      once on stdout. Audited as \"break-glass (uid N on HOST)\".\n"
    "  vexild token list [--config FILE] [--database PATH] [--data-dir DIR]\n"
    "      List the tokens: id, role, environment, state, created, last "
    "used,\n"
    "      name (never a secret).\n"
    "The database is found as `vexild` finds it: the command line, then\n"
    "VEXIL_DATABASE / VEXIL_DATA_DIR, then the --config file (VEXIL_CONFIG).\n";

typedef struct args {
  const char *command; /* "create" or "list" */
  const char *name;
  bool admin;
  bool help;
} args;

/* Takes this command's own options out of argv; the rest (serve's
 * settings) go to rest[] (rest[0] is a program name). Returns 0, or 2
 * after a message. */
static int split_args(int argc, char **argv, args *a, char **rest, int *nrest,
                      FILE *errs) {
  *nrest = 0;
  rest[(*nrest)++] = "vexild token";
  a->command = argc >= 2 && argv[1][0] != '-' ? argv[1] : NULL;
  for (int i = a->command != NULL ? 2 : 1; i < argc; i++) {
    if (strcmp(argv[i], "--admin") == 0) {
      a->admin = true;
    } else if (strcmp(argv[i], "--name") == 0) {
      if (i + 1 == argc) {
        fprintf(errs, "vexild token: --name needs a value\n");
        return 2;
      }
      a->name = argv[++i];
    } else if (strncmp(argv[i], "--name=", 7) == 0) {
      a->name = argv[i] + 7;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      a->help = true;
    } else {
      rest[(*nrest)++] = argv[i];
    }
  }
  rest[*nrest] = NULL;
  return 0;
}

/* Opens the database at path, which must exist and not be empty: this
 * command never creates one. */
static int open_existing(const char *path, vx_store **st, FILE *errs) {
  struct stat sb;
  if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
    fprintf(errs,
            "vexild token: no database at %s: start vexild once to create "
            "it, or name it as vexild does (--database, --data-dir, "
            "--config, VEXIL_DATABASE, VEXIL_DATA_DIR)\n",
            path);
    return 1;
  }
  char err[1024] = "";
  if (vx_store_open(path, st, err, sizeof err) != 0) {
    fprintf(errs, "vexild token: cannot open %s\n", err);
    return 1;
  }
  return 0;
}

/* "break-glass (uid N on HOST)": who wrote, for the audit log. */
static void actor_name(char *buf, size_t len) {
  char host[256] = "";
  if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
    snprintf(host, sizeof host, "unknown host");
  host[sizeof host - 1] = '\0';
  snprintf(buf, len, "break-glass (uid %u on %s)", (unsigned)getuid(), host);
}

static int create(const args *a, vx_store *st, const char *path, FILE *out,
                  FILE *errs) {
  if (!a->admin) {
    fprintf(errs,
            "vexild token create: only --admin tokens are made here "
            "(client tokens through the admin API)\n%s",
            usage);
    return 2;
  }
  if (a->name == NULL || a->name[0] == '\0' || strlen(a->name) > 100) {
    fprintf(errs, "vexild token create: --name NAME (1 to 100 bytes) is "
                  "required\n");
    return 2;
  }
  uint64_t revision = 0;
  if (vx_store_revision(st, &revision) != 0 || revision == 0) {
    fprintf(errs,
            "vexild token create: %s has not been initialised: start "
            "vexild once\n",
            path);
    return 1;
  }
  char actor[400];
  actor_name(actor, sizeof actor);
  char *secret = vx_service_new_secret();
  if (secret == NULL) {
    fprintf(errs, "vexild token create: no randomness for a secret\n");
    return 1;
  }
  json_t *doc = NULL;
  char err[1024] = "";
  int rc = vx_store_begin(st);
  if (rc == 0)
    rc = vx_store_bump_revision(st, &revision);
  if (rc == 0)
    rc = vx_token_add(st, revision, actor, a->name, VX_ROLE_ADMIN, NULL, secret,
                      vx_service_now_ms(), &doc);
  if (rc == 0)
    rc = vx_store_commit(st, err, sizeof err);
  else
    vx_store_rollback(st);
  if (rc != 0) {
    fprintf(errs, "vexild token create: %s: %s\n", path,
            err[0] ? err : vx_store_errmsg(st));
  } else {
    fprintf(out, "%s\n", secret);
    fflush(out);
    fprintf(errs,
            "created admin token %lld (%s) in %s at revision %llu, audited as "
            "\"%s\". Its secret, above, is shown only this once. A running "
            "vexild accepts it within a second.\n",
            (long long)json_integer_value(json_object_get(doc, "id")), a->name,
            path, (unsigned long long)revision, actor);
  }
  json_decref(doc);
  explicit_bzero(secret, strlen(secret));
  free(secret);
  return rc == 0 ? 0 : 1;
}

/* A time in ms as "2024-05-01T12:00:00Z", or "-" for none. */
static const char *utc(const json_t *ms, char *buf, size_t len) {
  if (!json_is_integer(ms))
    return "-";
  time_t t = (time_t)(json_integer_value(ms) / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

static int list(vx_store *st, FILE *out, FILE *errs) {
  json_t *tokens = NULL;
  if (vx_store_list_tokens(st, &tokens) != 0) {
    fprintf(errs, "vexild token list: %s\n", vx_store_errmsg(st));
    return 1;
  }
  fprintf(out, "%-5s %-6s %-16s %-8s %-20s %-20s %s\n", "id", "role",
          "environment", "state", "created", "last used", "name");
  size_t i;
  json_t *t;
  json_array_foreach(tokens, i, t) {
    char c[32], u[32];
    const char *env = json_string_value(json_object_get(t, "environment"));
    bool revoked = json_is_integer(json_object_get(t, "revoked_at"));
    fprintf(out, "%-5lld %-6s %-16s %-8s %-20s %-20s %s\n",
            (long long)json_integer_value(json_object_get(t, "id")),
            json_string_value(json_object_get(t, "role")), env ? env : "-",
            revoked ? "revoked" : "active",
            utc(json_object_get(t, "created_at"), c, sizeof c),
            utc(json_object_get(t, "last_used"), u, sizeof u),
            json_string_value(json_object_get(t, "name")));
  }
  json_decref(tokens);
  return 0;
}

int vx_cli_token(int argc, char **argv, char *const *envp, FILE *out,
                 FILE *errs) {
  args a = {0};
  char **rest = calloc((size_t)argc + 2, sizeof *rest);
  if (rest == NULL)
    return 1;
  int nrest, rc = split_args(argc, argv, &a, rest, &nrest, errs);
  if (rc == 0 && (a.help || a.command == NULL ||
                  (strcmp(a.command, "create") && strcmp(a.command, "list")))) {
    if (a.help) {
      fputs(usage, out);
    } else {
      fprintf(errs, "vexild token: %s%s\n%s",
              a.command ? "unknown command: " : "a command is needed",
              a.command ? a.command : "", usage);
      rc = 2;
    }
    free(rest);
    return rc;
  }
  vx_config cfg;
  vx_cli_action action;
  char err[1024];
  if (rc == 0 && vx_config_from_args(nrest, rest, envp, &cfg, &action, err,
                                     sizeof err) != 0) {
    fprintf(errs, "vexild token: %s\n", err);
    rc = 2;
  }
  free(rest);
  vx_store *st = NULL;
  if (rc == 0)
    rc = open_existing(cfg.database, &st, errs);
  if (rc == 0)
    rc = strcmp(a.command, "create") == 0
             ? create(&a, st, cfg.database, out, errs)
             : list(st, out, errs);
  vx_store_close(st);
  return rc;
}
