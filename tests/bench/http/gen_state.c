/*
 * gen_state.c - writes an Unleash state document (for POST
 * /api/v1/admin/import?format=unleash) with N flags of four kinds, in
 * turn, the shapes of tests/bench/bench_eval.c:
 *
 *   i % 4 == 0  bench-default-NNNNN      one `default` strategy
 *   i % 4 == 1  bench-rollout-NNNNN      flexibleRollout 50%, default
 *                                        stickiness, groupId = the key
 *   i % 4 == 2  bench-constraints-NNNNN  `default` behind five constraints:
 *                                        REGEX on email, SEMVER_GTE 2.0.0 on
 *                                        appVersion, IN over 100 countries,
 *                                        STR_ENDS_WITH .com, NUM_GT 17 on age
 *   i % 4 == 3  bench-variants-NNNNN     `default` + three weighted string
 *                                        variants
 *
 *   gen_state N [default|rollout|constraints|variants] > state.json
 *
 * With a kind, every flag is of that kind (the names keep their numbers),
 * which tells what each shape costs in memory.
 *
 * The contexts of run.sh's wrk script (ofrep.lua) carry targetingKey,
 * email, appVersion, country and age, so that every constraint is
 * evaluated and most contexts pass them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
  static const char *const kinds[] = {"default", "rollout", "constraints",
                                      "variants"};
  int only = -1;
  for (int k = 0; argc > 2 && k < 4; k++)
    if (strcmp(argv[2], kinds[k]) == 0)
      only = k;
  if (n <= 0 || argc > 3 || (argc > 2 && only < 0)) {
    fprintf(stderr, "usage: gen_state N [default|rollout|constraints|"
                    "variants] > state.json\n");
    return 2;
  }
  char countries[100 * 6 + 1];
  size_t o = 0;
  for (int c = 0; c < 100; c++)
    o += (size_t)snprintf(countries + o, sizeof countries - o, "%s\"C%02d\"",
                          c ? "," : "", c);
  printf("{\"version\":1,\"features\":[\n");
  for (long i = 0; i < n; i++) {
    const char *sep = i + 1 < n ? ",\n" : "\n";
    switch (only >= 0 ? only : i % 4) {
    case 0:
      printf("{\"name\":\"bench-default-%05ld\",\"enabled\":true,"
             "\"strategies\":[{\"name\":\"default\",\"parameters\":{}}]}%s",
             i, sep);
      break;
    case 1:
      printf("{\"name\":\"bench-rollout-%05ld\",\"enabled\":true,"
             "\"strategies\":[{\"name\":\"flexibleRollout\",\"parameters\":"
             "{\"rollout\":\"50\",\"stickiness\":\"default\","
             "\"groupId\":\"bench-rollout-%05ld\"}}]}%s",
             i, i, sep);
      break;
    case 2:
      printf("{\"name\":\"bench-constraints-%05ld\",\"enabled\":true,"
             "\"strategies\":[{\"name\":\"default\",\"parameters\":{},"
             "\"constraints\":["
             "{\"contextName\":\"email\",\"operator\":\"REGEX\","
             "\"value\":\"^[a-z0-9.]+@(example|test)\\\\.com$\"},"
             "{\"contextName\":\"appVersion\",\"operator\":\"SEMVER_GTE\","
             "\"value\":\"2.0.0\"},"
             "{\"contextName\":\"country\",\"operator\":\"IN\","
             "\"values\":[%s]},"
             "{\"contextName\":\"email\",\"operator\":\"STR_ENDS_WITH\","
             "\"values\":[\".com\"]},"
             "{\"contextName\":\"age\",\"operator\":\"NUM_GT\","
             "\"value\":\"17\"}]}]}%s",
             i, countries, sep);
      break;
    default:
      printf("{\"name\":\"bench-variants-%05ld\",\"enabled\":true,"
             "\"strategies\":[{\"name\":\"default\",\"parameters\":{}}],"
             "\"variants\":["
             "{\"name\":\"red\",\"weight\":34,\"weightType\":\"variable\","
             "\"stickiness\":\"default\","
             "\"payload\":{\"type\":\"string\",\"value\":\"#f00\"}},"
             "{\"name\":\"green\",\"weight\":33,\"weightType\":\"variable\","
             "\"stickiness\":\"default\","
             "\"payload\":{\"type\":\"string\",\"value\":\"#0f0\"}},"
             "{\"name\":\"blue\",\"weight\":33,\"weightType\":\"variable\","
             "\"stickiness\":\"default\","
             "\"payload\":{\"type\":\"string\",\"value\":\"#00f\"}}]}%s",
             i, sep);
      break;
    }
  }
  printf("]}\n");
  return ferror(stdout) ? 1 : 0;
}
