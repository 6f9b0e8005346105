/* main.c - the vexild command line. */
#include <stdio.h>
#include <string.h>

#include "cli_evaluate.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

static const char help[] =
    "vexild " VX_VERSION " - the Vexil feature-flag daemon\n"
    "\n"
    "usage:\n"
    "  vexild evaluate --unleash-state FILE.json --flag KEY\n"
    "                  [--context JSON | --contexts FILE]\n"
    "                  [--plugin-dir DIR]... [--environment NAME]\n"
    "      Decide a flag offline from an Unleash state file and print one\n"
    "      JSON decision per context.\n"
    "  vexild --version\n"
    "  vexild --help\n";

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "evaluate") == 0)
    return vx_cli_evaluate(argc - 1, argv + 1, stdout, stderr);
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("vexild %s\n", VX_VERSION);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
    fputs(help, stdout);
    return 0;
  }
  fputs(help, stderr);
  return 2;
}
