/*
 * error.c - names and descriptions of the vx_error codes.
 */
#include <vexil/error.h>

#include <stddef.h>

typedef struct error_info {
  const char *name;
  const char *text;
} error_info;

/* Indexed by -code; VX_OK included so that every code 0..-15 has an entry. */
static const error_info errors[] = {
    {"OK", "success"},
    {"EINVAL", "invalid argument"},
    {"ENOMEM", "out of memory"},
    {"ENOENT", "not found"},
    {"EEXIST", "already exists"},
    {"EPARSE", "malformed input"},
    {"EABI", "plugin ABI mismatch"},
    {"EIO", "input/output error"},
    {"ERANGE", "value out of range"},
    {"ETYPE", "wrong type"},
    {"ECONFLICT", "concurrent modification"},
    {"ECYCLE", "dependency cycle"},
    {"EUNSUPPORTED", "not supported"},
    {"EPLUGIN", "plugin failed"},
    {"ETOOBIG", "input too large"},
    {"EINTERNAL", "internal error (a bug: please report it)"},
};

_Static_assert(sizeof errors / sizeof errors[0] == 1 - VX_EINTERNAL,
               "one entry per vx_error code");

static const error_info *lookup(int err) {
  if (err > 0 || err < VX_EINTERNAL)
    return NULL;
  return &errors[-err];
}

const char *vx_strerror(int err) {
  const error_info *e = lookup(err);
  return e != NULL ? e->text : "unknown error";
}

const char *vx_errname(int err) {
  const error_info *e = lookup(err);
  return e != NULL ? e->name : "EUNKNOWN";
}
