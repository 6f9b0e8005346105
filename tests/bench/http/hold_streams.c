/*
 * hold_streams.c - opens N event streams (GET /api/v1/stream) and holds
 * them open, reading whatever comes (keep-alive comments, events), until
 * SIGINT or SIGTERM.
 *
 *   hold_streams HOST PORT TOKEN N
 *
 * Prints "STREAMS open=N" once every stream has answered 200 (or
 * "STREAMS open=K failed=F" after 10 s), then, when stopped,
 * "STREAMS still_open=K bytes=B" (a stream the daemon closed is not
 * reopened). One thread, poll(2), plain sockets: it costs the machine
 * next to nothing while wrk runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: hold_streams HOST PORT TOKEN N\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  const char *token = argv[3];
  int n = atoi(argv[4]);
  if (n < 1 || port < 1) {
    fprintf(stderr, "hold_streams: bad PORT or N\n");
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct sockaddr_in addr = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "hold_streams: %s: not an IPv4 address\n", host);
    return 2;
  }
  char req[1024];
  int rl = snprintf(req, sizeof req,
                    "GET /api/v1/stream HTTP/1.1\r\nHost: %s:%d\r\n"
                    "Authorization: Bearer %s\r\n"
                    "Accept: text/event-stream\r\n\r\n",
                    host, port, token);
  struct pollfd *fds = calloc((size_t)n, sizeof *fds);
  int *ok = calloc((size_t)n, sizeof *ok); /* 0 waiting, 1 200, -1 failed */
  if (fds == NULL || ok == NULL)
    return 1;
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        write(fd, req, (size_t)rl) != rl) {
      fprintf(stderr, "hold_streams: stream %d: %s\n", i, strerror(errno));
      if (fd >= 0)
        close(fd);
      fds[i].fd = -1;
      ok[i] = -1;
      continue;
    }
    fds[i].fd = fd;
    fds[i].events = POLLIN;
  }
  int open = 0, failed = 0;
  for (int i = 0; i < n; i++)
    failed += ok[i] < 0;
  unsigned long long bytes = 0;
  int reported = 0;
  double t0 = now_s();
  char buf[8192];
  while (!stop) {
    if (!reported && (open + failed == n || now_s() - t0 > 10.0)) {
      if (failed == 0 && open == n)
        printf("STREAMS open=%d\n", open);
      else
        printf("STREAMS open=%d failed=%d\n", open, n - open);
      fflush(stdout);
      reported = 1;
    }
    int r = poll(fds, (nfds_t)n, 200);
    if (r < 0 && errno != EINTR)
      break;
    for (int i = 0; r > 0 && i < n; i++) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf - 1);
      if (got <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        if (ok[i] == 0) {
          ok[i] = -1;
          failed++;
        } else if (ok[i] == 1) {
          ok[i] = -1;
          open--;
        }
        continue;
      }
      bytes += (unsigned long long)got;
      if (ok[i] == 0) {
        buf[got] = '\0';
        if (strncmp(buf, "HTTP/1.1 200", 12) == 0) {
          ok[i] = 1;
          open++;
        } else {
          fprintf(stderr, "hold_streams: stream %d: %.*s\n", i,
                  (int)strcspn(buf, "\r\n"), buf);
          ok[i] = -1;
          failed++;
          close(fds[i].fd);
          fds[i].fd = -1;
        }
      }
    }
  }
  printf("STREAMS still_open=%d bytes=%llu\n", open, bytes);
  for (int i = 0; i < n; i++)
    if (fds[i].fd >= 0)
      close(fds[i].fd);
  free(fds);
  free(ok);
  return 0;
}
