/*
 * http_admin_field.c - the "field" of a refused flag write, narrowed from
 * the compile's message to the member that is wrong (see
 * vx_admin_refine_field in http_admin_internal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_admin_internal.h"

/* Appends ".PATH" to field (of fl bytes) when text starts with a path
 * into variants ("variants[2].weight: ..." or "variants: ...") or a
 * constraint's own member ("constraint on X: inverted must be ...",
 * "constraint values[3] must be ..."). */
static void append_member(char *field, size_t cap, int fl, const char *text) {
  static const char *const members[] = {"inverted", "caseInsensitive"};
  char path[128] = "";
  if (strncmp(text, "variants", 8) == 0) {
    snprintf(path, sizeof path, "%.*s", (int)strcspn(text, " :"), text);
  } else if (strncmp(text, "constraint values[", 18) == 0) {
    snprintf(path, sizeof path, "%.*s", (int)strcspn(text + 11, " :"),
             text + 11);
  } else if (strncmp(text, "constraint on ", 14) == 0 &&
             (text = strstr(text, ": ")) != NULL) {
    for (size_t i = 0; i < 2; i++) {
      size_t w = strlen(members[i]);
      if (strncmp(text + 2, members[i], w) == 0 && text[2 + w] == ' ')
        snprintf(path, sizeof path, "%s", members[i]);
    }
  }
  if (path[0] != '\0' && fl > 0 && (size_t)fl < cap)
    snprintf(field + fl, cap - (size_t)fl, ".%s", path);
}

void vx_admin_refine_field(vx_werr *e, const json_t *doc) {
  if (strcmp(e->code, "VALIDATION_FAILED") != 0 ||
      strncmp(e->field, "environments.", 13) != 0)
    return;
  const char *env = e->field + 13;
  size_t n = strlen(env);
  if (strchr(env, '.') != NULL || strncmp(e->message, env, n) != 0 ||
      strncmp(e->message + n, ": ", 2) != 0)
    return;
  if (strncmp(e->message + n + 2, "variants", 8) == 0) {
    char field[256];
    int fl = snprintf(field, sizeof field, "environments.%s", env);
    append_member(field, sizeof field, fl, e->message + n + 2);
    snprintf(e->field, sizeof e->field, "%s", field);
    return;
  }
  if (strncmp(e->message + n, ": strategies[", 13) != 0)
    return;
  const char *m = e->message + n + 2;
  const char *close = strchr(m, ']');
  if (close == NULL)
    return;
  char *endp;
  unsigned long idx = strtoul(m + 11, &endp, 10);
  if (endp != close)
    return;
  char field[256];
  int fl = snprintf(field, sizeof field, "environments.%s.strategies[%lu]", env,
                    idx);
  /* "strategies[N] (name): rollout must be ..." */
  const char *rest = close + 1;
  /* "strategies[N]: constraints[M]: ..." */
  unsigned long ci;
  int used = 0;
  if (sscanf(rest, ": constraints[%lu]%n", &ci, &used) == 1 && used > 0 &&
      fl > 0 && (size_t)fl < sizeof field) {
    fl += snprintf(field + fl, sizeof field - (size_t)fl, ".constraints[%lu]",
                   ci);
    if (strncmp(rest + used, ": ", 2) == 0)
      append_member(field, sizeof field, fl, rest + used + 2);
  }
  if (strncmp(rest, " (", 2) == 0 && (rest = strstr(rest, "): ")) != NULL) {
    rest += 3;
    append_member(field, sizeof field, fl, rest);
    if (strncmp(rest, "missing parameter ", 18) == 0)
      rest += 18;
    const json_t *params = json_object_get(
        json_array_get(
            json_object_get(
                json_object_get(json_object_get(doc, "environments"), env),
                "strategies"),
            idx),
        "parameters");
    size_t w = strcspn(rest, " :");
    const char *pname;
    json_t *pv;
    json_object_foreach((json_t *)params, pname, pv) {
      if (strlen(pname) == w && strncmp(pname, rest, w) == 0 && fl > 0 &&
          (size_t)fl < sizeof field)
        snprintf(field + fl, sizeof field - (size_t)fl, ".parameters.%s",
                 pname);
    }
  }
  snprintf(e->field, sizeof e->field, "%s", field);
}
