/*
 * check_contexts.h - the contexts the pre-load check (plugin_check.h)
 * evaluates a plugin on: the empty context, several userIds and
 * sessionIds, IPv4 and IPv6 remoteAddresses (valid, mapped, scoped,
 * malformed), dates (leap day, epoch, year 9999, malformed), properties
 * with common names, numbers, booleans, null, an empty name, NUL bytes
 * inside values, and, last, every field as long as a context may be (64
 * KiB, or less when context values are capped).
 */
#ifndef VX_CHECK_CONTEXTS_H
#define VX_CHECK_CONTEXTS_H

#include <stddef.h>

#include "context.h"

/* The contexts, built from JSON (in the parent, before fork): *n of them,
 * each with a one-line description for messages (labels may be NULL).
 * Static storage, built on first use (control thread). NULL on
 * out-of-memory. */
const vx_context_json *vx_check_contexts(size_t *n, const char *const **labels);

#endif
