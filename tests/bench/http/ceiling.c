/*
 * ceiling.c - the ceiling of vexild's HTTP stack: civetweb with the same
 * options as daemon/http.c (num_threads, tcp_nodelay=1, keep-alive,
 * timeouts) and a handler that does nothing but read the request body and
 * answer a fixed body, given as a file (run.sh saves one real answer of
 * vexild there, so that both send the same number of bytes).
 *
 *   ceiling --listen 127.0.0.1:PORT --threads N --body FILE
 *
 * (PORT 0 picks a free one; the first line on stdout names it.)
 *
 * Like vexild, it answers from civetweb's begin_request callback (no
 * handler lookup) and writes status line, the same headers (Date,
 * Content-Type, Content-Length) and the body in one mg_write, so that with
 * TCP_NODELAY an answer is one segment. Runs until SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

static char *body;
static size_t body_len;
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

/* "Date: ..." of this second, cached per thread (as daemon/http_req.c). */
static const char *date_header(void) {
  static __thread time_t cached = -1;
  static __thread char buf[64];
  time_t now = time(NULL);
  if (now != cached) {
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    cached = now;
  }
  return buf;
}

static int answer(struct mg_connection *conn) {
  char sink[4096];
  while (mg_read(conn, sink, sizeof sink) > 0)
    ;
  char out[65536];
  int hl = snprintf(out, sizeof out,
                    "HTTP/1.1 200 OK\r\n%sContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\n\r\n",
                    date_header(), body_len);
  if (hl < 0)
    return 500;
  if ((size_t)hl + body_len <= sizeof out) {
    memcpy(out + hl, body, body_len);
    mg_write(conn, out, (size_t)hl + body_len);
  } else {
    mg_write(conn, out, (size_t)hl);
    mg_write(conn, body, body_len);
  }
  return 200;
}

static int on_log(const struct mg_connection *conn, const char *message) {
  (void)conn;
  fprintf(stderr, "ceiling: civetweb: %s\n", message);
  return 1;
}

static int usage(void) {
  fprintf(stderr,
          "usage: ceiling --listen ADDR:PORT --threads N --body FILE\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *listen = NULL, *threads = NULL, *file = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--listen") == 0)
      listen = argv[i + 1];
    else if (strcmp(argv[i], "--threads") == 0)
      threads = argv[i + 1];
    else if (strcmp(argv[i], "--body") == 0)
      file = argv[i + 1];
    else
      return usage();
  }
  if (listen == NULL || threads == NULL || file == NULL || argc % 2 == 0)
    return usage();
  FILE *f = fopen(file, "rb");
  if (f == NULL) {
    perror(file);
    return 1;
  }
  body = malloc(1 << 20);
  body_len = body != NULL ? fread(body, 1, 1 << 20, f) : 0;
  fclose(f);
  if (body_len == 0) {
    fprintf(stderr, "ceiling: %s is empty\n", file);
    return 1;
  }

  /* The options of daemon/http.c, in the same order. */
  const char *options[] = {"listening_ports",
                           listen,
                           "num_threads",
                           threads,
                           "tcp_nodelay",
                           "1",
                           "request_timeout_ms",
                           "5000",
                           "enable_keep_alive",
                           "yes",
                           "keep_alive_timeout_ms",
                           "1000",
                           "decode_url",
                           "no",
                           "listen_backlog",
                           "4096",
                           NULL};
  struct mg_callbacks cb;
  memset(&cb, 0, sizeof cb);
  cb.begin_request = answer;
  cb.log_message = on_log;
  mg_init_library(0);
  struct mg_context *ctx = mg_start(&cb, NULL, options);
  if (ctx == NULL) {
    fprintf(stderr, "ceiling: civetweb did not start on %s\n", listen);
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  struct mg_server_port ports[2];
  int nports = mg_get_server_ports(ctx, 2, ports);
  printf("ceiling listening on http://127.0.0.1:%d, %s threads, %zu-byte "
         "body\n",
         nports > 0 ? ports[0].port : 0, threads, body_len);
  fflush(stdout);
  while (!stop)
    pause();
  mg_stop(ctx);
  mg_exit_library();
  free(body);
  return 0;
}
