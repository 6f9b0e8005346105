/*
 * vexil/error.h - the one error enum of Vexil, shared by the daemon, the SDK
 * and plugins. Functions return 0 on success or one of these negative codes.
 */
#ifndef VEXIL_ERROR_H
#define VEXIL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vx_error {
  VX_OK = 0,
  VX_EINVAL = -1,        /* invalid argument or parameter */
  VX_ENOMEM = -2,        /* out of memory */
  VX_ENOENT = -3,        /* no such flag, file, plugin or field */
  VX_EEXIST = -4,        /* already exists (duplicate plugin name, flag key) */
  VX_EPARSE = -5,        /* malformed input (JSON, date, version, address) */
  VX_EABI = -6,          /* plugin ABI mismatch */
  VX_EIO = -7,           /* I/O error */
  VX_ERANGE = -8,        /* value out of range */
  VX_ETYPE = -9,         /* wrong type */
  VX_ECONFLICT = -10,    /* concurrent modification */
  VX_ECYCLE = -11,       /* dependency cycle */
  VX_EUNSUPPORTED = -12, /* syntax or feature not supported */
  VX_EPLUGIN = -13,      /* a plugin failed (init, compile) */
  VX_ETOOBIG = -14,      /* input over a size limit */
  VX_EINTERNAL = -15     /* a bug: please report */
} vx_error;

/* A static, human-readable description of an error code ("unknown error"
 * for codes outside the enum). Never NULL; the caller does not free it. */
const char *vx_strerror(int err);

/* A static, stable machine name of an error code ("EINVAL", ...). */
const char *vx_errname(int err);

#ifdef __cplusplus
}
#endif

#endif /* VEXIL_ERROR_H */
