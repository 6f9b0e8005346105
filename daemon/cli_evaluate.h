/*
 * cli_evaluate.h - `vexild evaluate`: offline decisions from an Unleash
 * state file, with no database and no HTTP.
 *
 *   vexild evaluate --unleash-state FILE.json --flag KEY
 *                   [--context JSON | --contexts FILE]
 *                   [--plugin-dir DIR]... [--environment NAME]
 *
 * Prints one decision (decision_json.h) per context, one JSON object per
 * line, in order; an unknown flag gives reason FLAG_NOT_FOUND. Exit 0 on
 * decisions, 2 with a message on stderr on bad input.
 */
#ifndef VX_CLI_EVALUATE_H
#define VX_CLI_EVALUATE_H

#include <stdio.h>

/* argv[0] is "evaluate". Writes decisions to out and messages to errs. */
int vx_cli_evaluate(int argc, char **argv, FILE *out, FILE *errs);

#endif
