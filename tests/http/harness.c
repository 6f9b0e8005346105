/*
 * harness.c - start a real vexild on an ephemeral loopback port with a fresh
 * data folder, talk to it through libcurl (see harness.h).
 */
#include "harness.h"

#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void curl_init_once(void) {
  static int done;
  if (!done) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    done = 1;
  }
}

/* A free loopback port: bind port 0, read it, close. */
static int pick_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static int port_free(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static void print_log(const vxh_daemon *d) {
  FILE *f = fopen(d->log_path, "r");
  fprintf(stderr, "---- %s ----\n", d->log_path);
  if (f != NULL) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
      fwrite(buf, 1, n, stderr);
    fclose(f);
  }
  fprintf(stderr, "---- end of log ----\n");
}

static pid_t spawn(const vxh_daemon *d, const char *const *extra) {
  const char *bin = getenv("VX_VEXILD");
  const char *plugins = getenv("VX_PLUGIN_DIR");
  if (bin == NULL || plugins == NULL) {
    fprintf(stderr, "harness: VX_VEXILD and VX_PLUGIN_DIR must be set\n");
    return -1;
  }
  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", d->port);
  const char *argv[64];
  int n = 0;
  argv[n++] = bin;
  argv[n++] = "--listen";
  argv[n++] = listen;
  argv[n++] = "--data-dir";
  argv[n++] = d->dir;
  argv[n++] = "--plugin-dir";
  argv[n++] = plugins;
  argv[n++] = "--log-level";
  argv[n++] = "debug";
  for (int i = 0; extra != NULL && extra[i] != NULL && n < 63; i++)
    argv[n++] = extra[i];
  argv[n] = NULL;

  fflush(stdout);
  fflush(stderr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  /* A test that aborts (a fatal assertion, a crash) must not leave its
   * daemon running: it dies with the test process. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(1);
  int fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);
    close(fd);
  }
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) {
    dup2(devnull, STDIN_FILENO);
    close(devnull);
  }
  setenv("VEXIL_ADMIN_TOKEN",
         d->admin_token != NULL ? d->admin_token : VXH_ADMIN_TOKEN, 1);
  execv(bin, (char *const *)argv);
  fprintf(stderr, "harness: exec %s: %s\n", bin, strerror(errno));
  _exit(127);
}

/* Polls /readyz until 200 (10 s at most) or the child exits. */
static int wait_ready(vxh_daemon *d) {
  long deadline = now_ms() + 10000;
  while (now_ms() < deadline) {
    int st;
    if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
      fprintf(stderr, "harness: vexild exited early (status %d)\n",
              WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
      d->pid = -1;
      print_log(d);
      return -1;
    }
    vxh_resp r;
    if (vxh_request(d, "GET", "/readyz", NULL, NULL, NULL, &r) == 0) {
      long s = r.status;
      vxh_resp_free(&r);
      if (s == 200)
        return 0;
    }
    sleep_ms(20);
  }
  fprintf(stderr, "harness: vexild not ready after 10 s\n");
  print_log(d);
  vxh_kill(d);
  return -1;
}

static int launch(vxh_daemon *d, const char *const *extra_args) {
  snprintf(d->base, sizeof d->base, "http://127.0.0.1:%d", d->port);
  d->pid = spawn(d, extra_args);
  if (d->pid < 0) {
    perror("harness: fork");
    return -1;
  }
  return wait_ready(d);
}

int vxh_start(vxh_daemon *d, const char *const *extra_args) {
  curl_init_once();
  memset(d, 0, sizeof *d);
  d->pid = -1;
  const char *tmp = getenv("TMPDIR");
  snprintf(d->dir, sizeof d->dir, "%s/vexil-http-XXXXXX",
           tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
  if (mkdtemp(d->dir) == NULL) {
    perror("harness: mkdtemp");
    return -1;
  }
  snprintf(d->log_path, sizeof d->log_path, "%s/vexild.log", d->dir);
  d->port = pick_port();
  if (d->port <= 0) {
    perror("harness: pick a port");
    return -1;
  }
  return launch(d, extra_args);
}

int vxh_restart(vxh_daemon *d, const char *const *extra_args) {
  curl_init_once();
  if (!port_free(d->port))
    d->port = pick_port();
  return launch(d, extra_args);
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void remove_dir(const char *dir) {
  if (dir[0] != '\0')
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int vxh_stop(vxh_daemon *d, bool keep_dir) {
  int rc = -1;
  if (d->pid > 0) {
    kill(d->pid, SIGTERM);
    int st = 0;
    long deadline = now_ms() + 20000;
    pid_t w = 0;
    while ((w = waitpid(d->pid, &st, WNOHANG)) == 0 && now_ms() < deadline)
      sleep_ms(10);
    if (w == 0) {
      fprintf(stderr, "harness: vexild ignored SIGTERM for 20 s\n");
      kill(d->pid, SIGKILL);
      waitpid(d->pid, &st, 0);
      rc = -1;
    } else if (WIFEXITED(st)) {
      rc = WEXITSTATUS(st);
    } else {
      rc = 128 + WTERMSIG(st);
    }
    if (rc != 0)
      print_log(d);
    d->pid = -1;
  }
  if (!keep_dir)
    remove_dir(d->dir);
  return rc;
}

void vxh_kill(vxh_daemon *d) {
  if (d->pid > 0) {
    kill(d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    d->pid = -1;
  }
}

int vxh_log_count(const vxh_daemon *d, const char *needle) {
  FILE *f = fopen(d->log_path, "r");
  if (f == NULL)
    return 0;
  char line[8192];
  int n = 0;
  while (fgets(line, sizeof line, f) != NULL)
    n += strstr(line, needle) != NULL;
  fclose(f);
  return n;
}

int vxh_copy_file(const char *src, const char *dst, bool by_rename) {
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s%s", dst, by_rename ? ".new" : "");
  int in = open(src, O_RDONLY);
  int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int rc = in >= 0 && out >= 0 ? 0 : -1;
  char buf[65536];
  ssize_t n;
  while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, (size_t)n) != n)
      rc = -1;
  if (in >= 0)
    close(in);
  if (out >= 0 && close(out) != 0)
    rc = -1;
  if (rc == 0 && by_rename && rename(tmp, dst) != 0)
    rc = -1;
  return rc;
}

/* ---- requests */

typedef struct buf {
  char *p;
  size_t len, cap;
} buf;

static size_t buf_write(char *data, size_t size, size_t n, void *arg) {
  buf *b = arg;
  size_t add = size * n;
  if (b->len + add + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + add + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
      return 0;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, add);
  b->len += add;
  b->p[b->len] = '\0';
  return add;
}

int vxh_request(const vxh_daemon *d, const char *method, const char *path,
                const char *token, const char *body,
                const char *const *extra_headers, vxh_resp *out) {
  curl_init_once();
  memset(out, 0, sizeof *out);
  CURL *c = curl_easy_init();
  if (c == NULL)
    return -1;
  char url[2048];
  snprintf(url, sizeof url, "%s%s", d->base, path);
  buf b = {0}, h = {0};
  struct curl_slist *hdrs = NULL;
  char tok[512];
  if (token != NULL) {
    snprintf(tok, sizeof tok, "X-API-Key: %s", token);
    hdrs = curl_slist_append(hdrs, tok);
  }
  if (body != NULL)
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
  /* No "Expect: 100-continue" round trip for larger bodies. */
  hdrs = curl_slist_append(hdrs, "Expect:");
  for (int i = 0; extra_headers != NULL && extra_headers[i] != NULL; i++)
    hdrs = curl_slist_append(hdrs, extra_headers[i]);

  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (body != NULL) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, buf_write);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) {
    free(b.p);
    free(h.p);
    return -1;
  }
  out->body = b.p != NULL ? b.p : strdup("");
  out->len = b.len;
  out->headers = h.p != NULL ? h.p : strdup("");
  if (out->len > 0)
    out->json = json_loadb(out->body, out->len, 0, NULL);
  return 0;
}

void vxh_resp_free(vxh_resp *r) {
  free(r->body);
  free(r->headers);
  json_decref(r->json);
  memset(r, 0, sizeof *r);
}

const char *vxh_header(const vxh_resp *r, const char *name, char *out,
                       size_t len) {
  if (r->headers == NULL || len == 0)
    return NULL;
  size_t nlen = strlen(name);
  const char *found = NULL;
  /* The last occurrence wins (after redirects or 100 Continue, the final
   * answer's headers come last). */
  for (const char *line = r->headers; *line != '\0';) {
    const char *eol = strchr(line, '\n');
    size_t l = eol != NULL ? (size_t)(eol - line) : strlen(line);
    if (l > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':')
      found = line;
    line += l + (eol != NULL);
  }
  if (found == NULL)
    return NULL;
  const char *v = found + nlen + 1;
  while (*v == ' ' || *v == '\t')
    v++;
  size_t vl = strcspn(v, "\r\n");
  if (vl >= len)
    vl = len - 1;
  memcpy(out, v, vl);
  out[vl] = '\0';
  return out;
}

json_t *vxh_admin(const vxh_daemon *d, const char *method, const char *path,
                  const char *body, long expect_status) {
  vxh_resp r;
  if (vxh_request(d, method, path, VXH_ADMIN_TOKEN, body, NULL, &r) != 0) {
    fprintf(stderr, "harness: %s %s: no answer\n", method, path);
    CU_FAIL("no answer from vexild");
    return NULL;
  }
  if (r.status != expect_status)
    fprintf(stderr, "harness: %s %s: status %ld, expected %ld: %s\n", method,
            path, r.status, expect_status, r.body);
  CU_ASSERT_EQUAL(r.status, expect_status);
  json_t *j = r.json;
  r.json = NULL;
  vxh_resp_free(&r);
  return j;
}

char *vxh_big_unleash_state(const char *prefix, int n) {
  size_t cap = (size_t)n * (4100 + strlen(prefix)) + 64, o = 0;
  char *s = malloc(cap), desc[4001];
  if (s == NULL)
    return NULL;
  memset(desc, 'd', 4000);
  desc[4000] = '\0';
  o += (size_t)snprintf(s + o, cap - o, "{\"version\":1,\"features\":[");
  for (int i = 0; i < n; i++)
    o += (size_t)snprintf(s + o, cap - o,
                          "%s{\"name\":\"%s-%04d\",\"description\":\"%s\","
                          "\"enabled\":true,\"strategies\":[]}",
                          i ? "," : "", prefix, i, desc);
  snprintf(s + o, cap - o, "]}");
  return s;
}

/* ---- raw connections */

int vxh_raw_open(const vxh_daemon *d, vxh_raw *r) {
  memset(r, 0, sizeof *r);
  r->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (r->fd < 0)
    return -1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)d->port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(r->fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(r->fd);
    r->fd = -1;
    return -1;
  }
  return 0;
}

int vxh_raw_send(vxh_raw *r, const char *s, size_t len) {
  while (len > 0) {
    ssize_t w = send(r->fd, s, len, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    s += w;
    len -= (size_t)w;
  }
  return 0;
}

/* One read within timeout_ms: 1 data, 0 timeout, -1 closed or error. */
static int raw_read(vxh_raw *r, int timeout_ms) {
  struct pollfd p = {.fd = r->fd, .events = POLLIN};
  int n = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
  if (n < 0 && errno == EINTR)
    return 0;
  if (n <= 0)
    return n;
  if (r->cap - r->len < 4097) {
    size_t cap = r->cap ? r->cap * 2 : 8192;
    char *b = realloc(r->buf, cap);
    if (b == NULL)
      return -1;
    r->buf = b;
    r->cap = cap;
  }
  ssize_t got = recv(r->fd, r->buf + r->len, r->cap - r->len - 1, 0);
  if (got <= 0)
    return -1;
  r->len += (size_t)got;
  r->buf[r->len] = '\0';
  return 1;
}

const char *vxh_raw_wait(vxh_raw *r, const char *needle, int timeout_ms) {
  long deadline = now_ms() + timeout_ms;
  for (;;) {
    if (r->buf != NULL) {
      const char *m = strstr(r->buf + r->pos, needle);
      if (m != NULL) {
        r->pos = (size_t)(m - r->buf) + strlen(needle);
        return m;
      }
    }
    long left = deadline - now_ms();
    if (left <= 0 || raw_read(r, (int)left) < 0)
      return NULL;
  }
}

int vxh_raw_wait_closed(vxh_raw *r, int timeout_ms) {
  long deadline = now_ms() + timeout_ms;
  for (;;) {
    long left = deadline - now_ms();
    if (left <= 0)
      return 0;
    if (raw_read(r, (int)left) < 0)
      return 1;
  }
}

void vxh_raw_close(vxh_raw *r) {
  if (r->fd >= 0)
    close(r->fd);
  free(r->buf);
  memset(r, 0, sizeof *r);
  r->fd = -1;
}
