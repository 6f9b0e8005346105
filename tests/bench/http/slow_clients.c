/*
 * slow_clients.c - holds N slow connections to a server and measures how
 * long a normal request takes meanwhile (issue 9: "1,000 slow connections
 * do not stop a normal request for more than a few seconds").
 *
 *   slow_clients HOST PORT MODE N SECONDS PATH [TOKEN]
 *
 * MODE says what each of the N slow connections does:
 *   headers     sends a request's head one byte at a time (never ends it);
 *   body        sends a complete head (Content-Length: 100000, no token),
 *               then the body one byte at a time;
 *   body-token  the same with "Authorization: Bearer TOKEN";
 *   idle        connects and sends nothing.
 * A slow connection sends its next byte every second (the N connections
 * are spread over that second). When the server answers or closes one,
 * it is opened again at once, so that N are always in flight: an attacker
 * just reconnects.
 *
 * Meanwhile a normal client sends, every 100 ms, a POST PATH with an OFREP
 * body and TOKEN on a new connection, and takes the time from connect() to
 * the last byte of the answer (a request that gets no answer in 60 s
 * counts as failed, with 60 s). It starts after the N connections are
 * open. At the end it prints one line:
 *
 *   SLOW mode=M n=N seconds=S requests=R ok=K failed=F p50_ms=.. p99_ms=..
 *   max_ms=.. slow_reopened=O answers_408=.. answers_401=.. answers_other=..
 *
 * (ok: answers with a status below 400; p99 nearest-rank.) One thread
 * polls the slow connections, one runs the normal client. IPv4 only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEND_EVERY_MS 1000
#define NORMAL_EVERY_MS 100
#define NORMAL_TIMEOUT_MS 60000
#define MAX_NORMAL 100000

static struct sockaddr_in addr;
static const char *path, *token;
static atomic_bool done;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* ---- the slow connections */

typedef struct slow {
  int fd;
  size_t sent;         /* bytes of the head (and body) sent */
  long long next_send; /* ms */
  bool answered;       /* the server sent something */
  char status[4];      /* of the answer, when it came */
} slow;

static char slow_head[1024];
static size_t slow_head_len;
static int slow_mode; /* 0 headers, 1 body, 2 body-token, 3 idle */
static unsigned long long reopened, answers_408, answers_401, answers_other;

static int open_nonblocking(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

static void slow_open(slow *s, long long now, int i, int n) {
  s->fd = open_nonblocking();
  s->sent = 0;
  s->answered = false;
  s->status[0] = '\0';
  /* Spread the sends of the N connections over a second. */
  s->next_send = now + (long long)i * SEND_EVERY_MS / (n > 0 ? n : 1);
}

static void slow_count(const slow *s) {
  if (!s->answered)
    return;
  if (strcmp(s->status, "408") == 0)
    answers_408++;
  else if (strcmp(s->status, "401") == 0)
    answers_401++;
  else
    answers_other++;
}

/* The next byte(s) a slow connection sends: in "body" modes the whole
 * head at once, then one body byte at a time. */
static void slow_send(slow *s) {
  if (slow_mode == 3)
    return;
  const char *data;
  size_t len;
  if (s->sent < slow_head_len) {
    data = slow_head + s->sent;
    len = slow_mode == 0 ? 1 : slow_head_len - s->sent;
  } else {
    data = "x";
    len = 1;
  }
  ssize_t w = send(s->fd, data, len, MSG_NOSIGNAL);
  if (w > 0)
    s->sent += (size_t)w;
}

static void *run_slow(void *arg) {
  int n = *(int *)arg;
  slow *conns = calloc((size_t)n, sizeof *conns);
  struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
  if (conns == NULL || pfd == NULL)
    exit(1);
  long long now = now_ms();
  for (int i = 0; i < n; i++)
    slow_open(&conns[i], now, i, n);
  char buf[4096];
  while (!atomic_load(&done)) {
    now = now_ms();
    long long wake = now + 100;
    for (int i = 0; i < n; i++) {
      slow *s = &conns[i];
      if (s->fd < 0) {
        slow_open(s, now, 0, 1);
        reopened++;
      }
      if (s->fd >= 0 && now >= s->next_send) {
        slow_send(s);
        s->next_send = now + SEND_EVERY_MS;
      }
      if (s->next_send < wake)
        wake = s->next_send;
      pfd[i].fd = s->fd;
      pfd[i].events = POLLIN;
      pfd[i].revents = 0;
    }
    int wait = (int)(wake - now);
    int r = poll(pfd, (nfds_t)n, wait > 0 ? wait : 0);
    for (int i = 0; r > 0 && i < n; i++) {
      slow *s = &conns[i];
      if (pfd[i].fd < 0 || pfd[i].revents == 0)
        continue;
      ssize_t got = recv(s->fd, buf, sizeof buf - 1, 0);
      if (got > 0) {
        if (!s->answered && got >= 12 && memcmp(buf, "HTTP/1.", 7) == 0) {
          memcpy(s->status, buf + 9, 3);
          s->status[3] = '\0';
        }
        s->answered = true;
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      /* Closed by the server (or refused): open it again. */
      slow_count(s);
      close(s->fd);
      s->fd = -1;
    }
  }
  for (int i = 0; i < n; i++)
    if (conns[i].fd >= 0)
      close(conns[i].fd);
  free(conns);
  free(pfd);
  return NULL;
}

/* ---- the normal client */

static long long lat[MAX_NORMAL];
static int n_lat, n_ok, n_failed;

/* One request on a new connection: the time to the end of its answer in
 * ms, or -1 when none came within NORMAL_TIMEOUT_MS. *ok: status < 400. */
static long long normal_request(const char *req, size_t len, bool *ok) {
  *ok = false;
  long long t0 = now_ms();
  int fd = open_nonblocking();
  if (fd < 0)
    return -1;
  size_t sent = 0, got = 0, need = 0;
  char buf[8192];
  long long end = -1;
  while (now_ms() - t0 < NORMAL_TIMEOUT_MS) {
    struct pollfd p = {fd, (short)(sent < len ? POLLOUT : POLLIN), 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    if (sent < len) {
      ssize_t w = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN)
        break;
      sent += w > 0 ? (size_t)w : 0;
      continue;
    }
    ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
    if (r <= 0) {
      if (r < 0 && errno == EAGAIN)
        continue;
      break;
    }
    got += (size_t)r;
    buf[got] = '\0';
    char *eoh = strstr(buf, "\r\n\r\n");
    if (eoh != NULL && need == 0) {
      const char *cl = strcasestr(buf, "\r\nContent-Length:");
      need = (size_t)(eoh + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
      *ok = got >= 12 && buf[9] < '4';
    }
    if (need > 0 && got >= need) {
      end = now_ms();
      break;
    }
    if (got == sizeof buf - 1)
      break;
  }
  close(fd);
  return end < 0 ? -1 : end - t0;
}

static void *run_normal(void *arg) {
  (void)arg;
  char req[1024];
  int len = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\n%s%s%s"
                     "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
                     path, token ? "Authorization: Bearer " : "",
                     token ? token : "", token ? "\r\n" : "",
                     strlen("{\"context\":{\"targetingKey\":\"user-1\"}}"),
                     "{\"context\":{\"targetingKey\":\"user-1\"}}");
  while (!atomic_load(&done) && n_lat < MAX_NORMAL) {
    long long t0 = now_ms();
    bool ok;
    long long ms = normal_request(req, (size_t)len, &ok);
    if (ms < 0) {
      n_failed++;
      ms = NORMAL_TIMEOUT_MS;
    } else if (ok) {
      n_ok++;
    } else {
      n_failed++;
    }
    lat[n_lat++] = ms;
    long long rest = NORMAL_EVERY_MS - (now_ms() - t0);
    if (rest > 0)
      sleep_ms((long)rest);
  }
  return NULL;
}

static int cmp_ll(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 7 || argc > 8) {
    fprintf(stderr, "usage: slow_clients HOST PORT headers|body|body-token|"
                    "idle N SECONDS PATH [TOKEN]\n");
    return 2;
  }
  const char *mode = argv[3];
  int n = atoi(argv[4]);
  int seconds = atoi(argv[5]);
  path = argv[6];
  token = argc == 8 ? argv[7] : NULL;
  static const char *const modes[] = {"headers", "body", "body-token", "idle"};
  slow_mode = -1;
  for (int i = 0; i < 4; i++)
    if (strcmp(mode, modes[i]) == 0)
      slow_mode = i;
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(argv[2]));
  if (slow_mode < 0 || n < 0 || seconds < 1 ||
      inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
      (slow_mode == 2 && token == NULL)) {
    fprintf(stderr, "slow_clients: bad arguments\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (slow_mode == 0) {
    /* A head that takes minutes at a byte a second. */
    int l = snprintf(slow_head, sizeof slow_head,
                     "POST %s HTTP/1.1\r\nHost: x\r\nX-Slow: ", path);
    memset(slow_head + l, 'a', 600);
    memcpy(slow_head + l + 600, "\r\n\r\n", 5);
  } else {
    snprintf(slow_head, sizeof slow_head,
             "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: "
             "application/json\r\n%s%s%sContent-Length: 100000\r\n\r\n",
             path, slow_mode == 2 ? "Authorization: Bearer " : "",
             slow_mode == 2 ? token : "", slow_mode == 2 ? "\r\n" : "");
  }
  slow_head_len = strlen(slow_head);

  pthread_t st, nt;
  if (n > 0 && pthread_create(&st, NULL, run_slow, &n) != 0)
    return 1;
  /* Let the N connections open and reach the server first. */
  sleep_ms(n > 0 ? 2000 : 0);
  if (pthread_create(&nt, NULL, run_normal, NULL) != 0)
    return 1;
  sleep_ms((long)seconds * 1000);
  atomic_store(&done, true);
  pthread_join(nt, NULL);
  if (n > 0)
    pthread_join(st, NULL);

  qsort(lat, (size_t)n_lat, sizeof *lat, cmp_ll);
  long long p50 = n_lat ? lat[(n_lat - 1) / 2] : -1;
  long long p99 = n_lat ? lat[(n_lat * 99 + 99) / 100 - 1] : -1;
  long long max = n_lat ? lat[n_lat - 1] : -1;
  printf("SLOW mode=%s n=%d seconds=%d requests=%d ok=%d failed=%d "
         "p50_ms=%lld p99_ms=%lld max_ms=%lld slow_reopened=%llu "
         "answers_408=%llu answers_401=%llu answers_other=%llu\n",
         mode, n, seconds, n_lat, n_ok, n_failed, p50, p99, max, reopened,
         answers_408, answers_401, answers_other);
  return 0;
}
