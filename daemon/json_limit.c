/*
 * json_limit.c - the bounded JSON reader and the non-recursive writer (see
 * json_limit.h).
 */
#include "json_limit.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int max_depth = VX_JSON_DEPTH_DEFAULT;

void vx_json_set_max_depth(int depth) {
  if (depth < VX_JSON_DEPTH_MIN)
    depth = VX_JSON_DEPTH_MIN;
  if (depth > VX_JSON_DEPTH_MAX)
    depth = VX_JSON_DEPTH_MAX;
  atomic_store_explicit(&max_depth, depth, memory_order_relaxed);
}

int vx_json_max_depth(void) {
  return atomic_load_explicit(&max_depth, memory_order_relaxed);
}

/* ---- the scan */

bool vx_json_depth_ok(const char *text, size_t len, int limit, size_t *at) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++; /* the escaped character cannot end the string */
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
    case '"':
      in_string = true;
      break;
    case '[':
    case '{':
      if (++depth > limit) {
        if (at != NULL)
          *at = i;
        return false;
      }
      break;
    case ']':
    case '}':
      depth--;
      break;
    default:
      break;
    }
  }
  return true;
}

/* Fills err as jansson would for a refusal at offset `at` of text. */
static void too_deep(const char *text, size_t at, int limit, const char *what,
                     json_error_t *err) {
  if (err == NULL)
    return;
  memset(err, 0, sizeof *err);
  int line = 1, column = 0;
  for (size_t i = 0; i <= at; i++) {
    if (text[i] == '\n') {
      line++;
      column = 0;
    } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
      column++; /* characters, not bytes, as jansson counts */
    }
  }
  err->line = line;
  err->column = column;
  err->position = (int)at + 1;
  snprintf(err->source, sizeof err->source, "<buffer>");
  snprintf(err->text, sizeof err->text - 1,
           "nesting deeper than %d levels (%s)", limit, what);
  err->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)json_error_stack_overflow;
}

static json_t *load_limited(const char *buf, size_t len, size_t flags,
                            int limit, const char *what, json_error_t *err) {
  size_t at;
  if (buf != NULL && !vx_json_depth_ok(buf, len, limit, &at)) {
    too_deep(buf, at, limit, what, err);
    return NULL;
  }
  return json_loadb(buf, len, flags, err);
}

json_t *vx_json_parse(const char *buf, size_t len, size_t flags,
                      json_error_t *err) {
  return load_limited(buf, len, flags, vx_json_max_depth(), "max_json_depth",
                      err);
}

json_t *vx_json_parse_str(const char *text, size_t flags, json_error_t *err) {
  return vx_json_parse(text, text != NULL ? strlen(text) : 0, flags, err);
}

json_t *vx_json_parse_stored(const char *buf, size_t len, size_t flags,
                             json_error_t *err) {
  return load_limited(buf, len, flags, VX_JSON_DEPTH_MAX,
                      "the most stored JSON may nest", err);
}

json_t *vx_json_parse_file(const char *path, size_t flags, json_error_t *err) {
  FILE *f = fopen(path, "rb");
  char *text = NULL;
  size_t len = 0, cap = 0;
  bool ok = f != NULL;
  while (ok) {
    if (cap - len < 65536) {
      cap = cap == 0 ? 65536 : cap * 2;
      char *grown = realloc(text, cap);
      ok = grown != NULL;
      if (!ok)
        break;
      text = grown;
    }
    size_t n = fread(text + len, 1, cap - len, f);
    len += n;
    if (n == 0) {
      ok = !ferror(f);
      break;
    }
  }
  int saved = errno;
  if (f != NULL)
    fclose(f);
  if (!ok) {
    free(text);
    if (err != NULL) {
      memset(err, 0, sizeof *err);
      err->line = -1;
      err->column = -1;
      snprintf(err->source, sizeof err->source, "%.79s", path);
      snprintf(err->text, sizeof err->text - 1, "unable to open %.100s: %s",
               path, strerror(saved));
      err->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)json_error_cannot_open_file;
    }
    return NULL;
  }
  json_t *j = vx_json_parse(text, len, flags, err);
  free(text);
  return j;
}

bool vx_json_too_deep(const json_error_t *err) {
  return err != NULL && json_error_code(err) == json_error_stack_overflow;
}

/* ---- the writer */

typedef struct out {
  char *p;
  size_t len, cap;
  bool oom;
} out;

static void put(out *o, const char *s, size_t n) {
  if (o->oom)
    return;
  if (o->cap - o->len <= n) {
    size_t cap = o->cap ? o->cap : 256;
    while (cap - o->len <= n)
      cap *= 2;
    char *p = realloc(o->p, cap);
    if (p == NULL) {
      o->oom = true;
      return;
    }
    o->p = p;
    o->cap = cap;
  }
  memcpy(o->p + o->len, s, n);
  o->len += n;
}

/* A string as jansson escapes it (JSON_COMPACT, no JSON_ENSURE_ASCII). */
static void put_string(out *o, const char *s, size_t n) {
  put(o, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    put(o, s + run, i - run);
    run = i + 1;
    char esc[8];
    switch (c) {
    case '"':
      put(o, "\\\"", 2);
      break;
    case '\\':
      put(o, "\\\\", 2);
      break;
    case '\b':
      put(o, "\\b", 2);
      break;
    case '\f':
      put(o, "\\f", 2);
      break;
    case '\n':
      put(o, "\\n", 2);
      break;
    case '\r':
      put(o, "\\r", 2);
      break;
    case '\t':
      put(o, "\\t", 2);
      break;
    default:
      snprintf(esc, sizeof esc, "\\u%04X", c);
      put(o, esc, 6);
    }
  }
  put(o, s + run, n - run);
  put(o, "\"", 1);
}

/* A number, true, false or null: jansson writes these without recursing. */
static void put_scalar(out *o, const json_t *v) {
  char buf[64];
  size_t n = json_dumpb(v, buf, sizeof buf, JSON_COMPACT | JSON_ENCODE_ANY);
  if (n == 0 || n > sizeof buf)
    o->oom = true;
  else
    put(o, buf, n);
}

/* One open array or object on the explicit stack. */
typedef struct frame {
  const json_t *v;
  void *iter;   /* objects: the next member */
  size_t index; /* arrays: the next item; objects: members written */
} frame;

/* Writes v when it is a scalar; returns true when it is a container, for
 * the caller to push. */
static bool put_value(out *o, const json_t *v) {
  if (json_is_object(v)) {
    put(o, "{", 1);
    return true;
  }
  if (json_is_array(v)) {
    put(o, "[", 1);
    return true;
  }
  if (json_is_string(v))
    put_string(o, json_string_value(v), json_string_length(v));
  else
    put_scalar(o, v);
  return false;
}

char *vx_json_dump_compact(const json_t *v, size_t *len) {
  if (v == NULL)
    return NULL;
  out o = {0};
  frame *stack = NULL;
  size_t depth = 0, cap = 0;
  if (put_value(&o, v)) {
    stack = malloc(16 * sizeof *stack);
    cap = 16;
    o.oom |= stack == NULL;
    if (!o.oom)
      stack[depth++] = (frame){v, json_object_iter((json_t *)v), 0};
  }
  while (depth > 0 && !o.oom) {
    frame *f = &stack[depth - 1];
    const json_t *child;
    if (json_is_object(f->v)) {
      if (f->iter == NULL) {
        put(&o, "}", 1);
        depth--;
        continue;
      }
      if (f->index++ > 0)
        put(&o, ",", 1);
      const char *key = json_object_iter_key(f->iter);
      put_string(&o, key, json_object_iter_key_len(f->iter));
      put(&o, ":", 1);
      child = json_object_iter_value(f->iter);
      f->iter = json_object_iter_next((json_t *)f->v, f->iter);
    } else {
      if (f->index == json_array_size(f->v)) {
        put(&o, "]", 1);
        depth--;
        continue;
      }
      if (f->index > 0)
        put(&o, ",", 1);
      child = json_array_get(f->v, f->index++);
    }
    if (!put_value(&o, child))
      continue;
    if (depth == cap) {
      frame *grown = realloc(stack, 2 * cap * sizeof *stack);
      if (grown == NULL) {
        o.oom = true;
        break;
      }
      stack = grown;
      cap *= 2;
    }
    stack[depth++] = (frame){child, json_object_iter((json_t *)child), 0};
  }
  free(stack);
  put(&o, "", 1); /* the NUL */
  if (o.oom) {
    free(o.p);
    return NULL;
  }
  if (len != NULL)
    *len = o.len - 1;
  return o.p;
}
