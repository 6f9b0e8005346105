/*
 * toggle_latency.c - how long a toggle takes to reach evaluations.
 *
 *   toggle_latency BASE_URL TOKEN N_FLAGS N_TOGGLES
 *
 * Expects the flags of gen_state.c (N_FLAGS of them, all enabled) in the
 * production environment. For each toggle it picks another
 * bench-default-NNNNN flag (spread over the whole set), and:
 *
 *   - a poller thread evaluates that flag in a tight loop
 *     (POST /ofrep/v1/evaluate/flags/{key}, one keep-alive connection),
 *     and is seen answering the current value first;
 *   - the main thread then takes t0 and sends the toggle
 *     (POST /api/v1/admin/flags/{key}/environments/production/off, or on,
 *     its own keep-alive connection); t1 when the toggle's answer is in;
 *   - visibility is the time from t0 to the arrival of the first
 *     evaluation answer that carries the new value.
 *
 * Prints one line per toggle with -v, and a summary line run.sh parses:
 *   TOGGLE n=... visible_median_us=... visible_p99_us=... visible_max_us=...
 *          answer_median_us=... answer_p99_us=... seen_before_answer=...
 * p99 is the nearest-rank one (the 99th of 100 sorted samples).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

static const char *base, *token;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

typedef struct buf {
  char data[4096];
  size_t len;
} buf;

static size_t collect(char *p, size_t size, size_t n, void *arg) {
  buf *b = arg;
  size_t len = size * n;
  size_t room = sizeof b->data - 1 - b->len;
  size_t take = len < room ? len : room;
  memcpy(b->data + b->len, p, take);
  b->len += take;
  b->data[b->len] = '\0';
  return len;
}

static CURL *handle(struct curl_slist *headers, buf *b) {
  CURL *c = curl_easy_init();
  if (c == NULL)
    return NULL;
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  return c;
}

/* Shared between the main thread and the poller. */
static char target[64];        /* the flag being watched */
static atomic_uint generation; /* bumped when target changes */
/* The poller's last answer, written by the poller only: generation << 32
 * | answers for that generation << 2 | value + 1 (value: -1 not a
 * boolean, 0 false, 1 true). One word, so that the main thread never pairs
 * a count with another flag's value. */
static atomic_uint_least64_t last;
static atomic_bool armed;             /* a toggle has been sent */
static atomic_int want;               /* the value the toggle sets */
static atomic_uint_least64_t seen_ns; /* first answer carrying it, or 0 */
static atomic_bool done_polling;
static atomic_uint poll_errors;

static void *poller(void *arg) {
  (void)arg;
  struct curl_slist *h = NULL;
  char auth[512];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
  h = curl_slist_append(h, auth);
  h = curl_slist_append(h, "Content-Type: application/json");
  buf b;
  CURL *c = handle(h, &b);
  static const char body[] = "{\"context\":{\"targetingKey\":\"user-1\"}}";
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  char url[512];
  unsigned gen_url = UINT32_MAX;
  while (!atomic_load(&done_polling)) {
    unsigned gen = atomic_load(&generation);
    if (gen != gen_url) {
      snprintf(url, sizeof url, "%s/ofrep/v1/evaluate/flags/%s", base, target);
      curl_easy_setopt(c, CURLOPT_URL, url);
      gen_url = gen;
    }
    b.len = 0;
    b.data[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    uint64_t t = now_ns();
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
      atomic_fetch_add(&poll_errors, 1);
      sleep_us(1000);
      continue;
    }
    int v = strstr(b.data, "\"value\":true") != NULL    ? 1
            : strstr(b.data, "\"value\":false") != NULL ? 0
                                                        : -1;
    if (atomic_load(&generation) != gen)
      continue; /* an answer for the previous flag */
    uint64_t l = atomic_load(&last);
    uint64_t count = (l >> 32) == gen ? ((l >> 2) & 0x3fffffffu) + 1 : 1;
    if (count > 0x3fffffffu)
      count = 0x3fffffffu;
    atomic_store(&last, (uint64_t)gen << 32 | count << 2 | (uint64_t)(v + 1));
    if (atomic_load(&armed) && v == atomic_load(&want) &&
        atomic_load(&seen_ns) == 0)
      atomic_store(&seen_ns, t);
  }
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  return NULL;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p% of them at or below
 * it. */
static uint64_t pct(const uint64_t *sorted, int n, double p) {
  int rank = (int)((p / 100.0) * n + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return sorted[rank - 1];
}

int main(int argc, char **argv) {
  bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
  if (verbose) {
    argc--;
    argv++;
  }
  if (argc != 5) {
    fprintf(stderr,
            "usage: toggle_latency [-v] BASE_URL TOKEN N_FLAGS N_TOGGLES\n");
    return 2;
  }
  base = argv[1];
  token = argv[2];
  int nflags = atoi(argv[3]), n = atoi(argv[4]);
  if (nflags < 4 || n < 1) {
    fprintf(stderr, "toggle_latency: N_FLAGS >= 4, N_TOGGLES >= 1\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  uint64_t *visible = calloc((size_t)n, sizeof *visible);
  uint64_t *answer = calloc((size_t)n, sizeof *answer);
  int before_answer = 0, failures = 0;

  struct curl_slist *h = NULL;
  char auth[512];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
  h = curl_slist_append(h, auth);
  buf b;
  CURL *c = handle(h, &b);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");

  snprintf(target, sizeof target, "bench-default-%05d", 0);
  pthread_t tid;
  if (pthread_create(&tid, NULL, poller, NULL) != 0) {
    fprintf(stderr, "toggle_latency: cannot start the poller\n");
    return 1;
  }
  int ndefault = (nflags + 3) / 4; /* indices 0, 4, 8, ... */
  for (int i = 0; i < n; i++) {
    int idx = (int)(((long)i * 7919) % ndefault) * 4;
    /* Point the poller at the flag and wait for two answers on it. */
    atomic_store(&armed, false);
    atomic_store(&seen_ns, 0);
    snprintf(target, sizeof target, "bench-default-%05d", idx);
    unsigned gen = atomic_fetch_add(&generation, 1) + 1;
    uint64_t wait0 = now_ns(), l = 0;
    for (;;) {
      l = atomic_load(&last);
      if (((l >> 32) == gen && ((l >> 2) & 0x3fffffffu) >= 2) ||
          now_ns() - wait0 > 2000000000u)
        break;
      sleep_us(50);
    }
    int cur = (l >> 32) == gen ? (int)(l & 3u) - 1 : -1;
    if (cur < 0) {
      fprintf(stderr, "toggle_latency: %s: no boolean answer\n", target);
      failures++;
      continue;
    }
    int newv = !cur;
    char url[512];
    snprintf(url, sizeof url,
             "%s/api/v1/admin/flags/%s/environments/production/%s", base,
             target, newv ? "on" : "off");
    curl_easy_setopt(c, CURLOPT_URL, url);
    atomic_store(&want, newv);
    b.len = 0;
    uint64_t t0 = now_ns();
    atomic_store(&armed, true);
    CURLcode rc = curl_easy_perform(c);
    uint64_t t1 = now_ns();
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
      fprintf(stderr, "toggle_latency: %s: toggle failed (%s, status %ld)\n",
              target, curl_easy_strerror(rc), status);
      failures++;
      continue;
    }
    while (atomic_load(&seen_ns) == 0 && now_ns() - t0 < 2000000000u)
      sleep_us(20);
    uint64_t seen = atomic_load(&seen_ns);
    if (seen == 0) {
      fprintf(stderr, "toggle_latency: %s: not visible after 2 s\n", target);
      failures++;
      continue;
    }
    answer[i - failures] = (t1 - t0) / 1000;
    visible[i - failures] = seen > t0 ? (seen - t0) / 1000 : 0;
    if (seen < t1)
      before_answer++;
    if (verbose)
      printf("%s -> %s: answer %.3f ms, visible %.3f ms\n", target,
             newv ? "on" : "off", (double)(t1 - t0) / 1e6,
             (double)(seen - t0) / 1e6);
    sleep_us(5000); /* let the writer settle between toggles */
  }
  atomic_store(&done_polling, true);
  pthread_join(tid, NULL);
  int ok = n - failures;
  if (ok > 0) {
    qsort(visible, (size_t)ok, sizeof *visible, cmp_u64);
    qsort(answer, (size_t)ok, sizeof *answer, cmp_u64);
    printf("TOGGLE n=%d visible_median_us=%llu visible_p99_us=%llu "
           "visible_max_us=%llu answer_median_us=%llu answer_p99_us=%llu "
           "seen_before_answer=%d failures=%d poll_errors=%u\n",
           ok, (unsigned long long)pct(visible, ok, 50),
           (unsigned long long)pct(visible, ok, 99),
           (unsigned long long)visible[ok - 1],
           (unsigned long long)pct(answer, ok, 50),
           (unsigned long long)pct(answer, ok, 99), before_answer, failures,
           atomic_load(&poll_errors));
  }
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  curl_global_cleanup();
  free(visible);
  free(answer);
  return failures == 0 && ok > 0 ? 0 : 1;
}
