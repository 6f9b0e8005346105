/*
 * replay.c - the main of a fuzz harness in the gcc builds: runs
 * LLVMFuzzerTestOneInput once on every file named on the command line or
 * found in a folder named there (not recursively; dot files skipped), each
 * in a buffer of exactly its size so that the sanitizers see an overread.
 * Exits 0 when every input ran, 1 when an argument cannot be read or no
 * input was found (a harness that runs nothing proves nothing); a crash
 * ends the process as it would under libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (f == NULL || fstat(fileno(f), &st) != 0) {
    perror(path);
    if (f != NULL)
      fclose(f);
    return -1;
  }
  size_t len = (size_t)st.st_size;
  uint8_t *buf = malloc(len ? len : 1); /* no slack after the input */
  if (buf == NULL || fread(buf, 1, len, f) != len) {
    fprintf(stderr, "%s: cannot read it\n", path);
    fclose(f);
    free(buf);
    return -1;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

static int run_dir(const char *dir, size_t *count) {
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  if (n < 0) {
    perror(dir);
    return -1;
  }
  int rc = 0;
  for (int i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
    struct stat st;
    if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
        S_ISREG(st.st_mode)) {
      rc |= run_file(path);
      ++*count;
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize(&argc, &argv);
  size_t count = 0;
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      rc = -1;
    } else if (S_ISDIR(st.st_mode)) {
      rc |= run_dir(argv[i], &count);
    } else {
      rc |= run_file(argv[i]);
      count++;
    }
  }
  printf("%s: %zu inputs\n", argv[0], count);
  if (count == 0)
    fprintf(stderr, "%s: no input found\n", argv[0]);
  return rc == 0 && count > 0 ? 0 : 1;
}
