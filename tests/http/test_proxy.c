/*
 * test_proxy.c - vexild behind Debian's real nginx with the recommended
 * configuration, examples/nginx-vexil.conf (only its two addresses are
 * changed): requests, imports over 1 MiB and event streams pass through;
 * slow clients stay in nginx, so a vexild with three workers keeps
 * answering; nginx refuses ambiguous framing too.
 *
 * Environment: VX_NGINX (the binary; the test is skipped, exit 77, when it
 * is empty) and VX_NGINX_EXAMPLE (the configuration), besides the
 * harness's.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "vx_test.h"

static vxh_daemon d;   /* vexild itself */
static vxh_daemon via; /* the same, seen through nginx */
static char dir[] = "/tmp/vexil-nginx-XXXXXX";
static pid_t nginx = -1;
static int up;

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = -1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}

/* The example with vexild's and nginx's addresses changed, wrapped in
 * the few main-level lines Debian's nginx.conf would give it. */
static int write_config(int nginx_port) {
  FILE *in = fopen(getenv("VX_NGINX_EXAMPLE"), "r");
  char path[300];
  snprintf(path, sizeof path, "%s/nginx.conf", dir);
  FILE *out = fopen(path, "w");
  if (in == NULL || out == NULL)
    return -1;
  fprintf(out,
          "daemon off;\nworker_processes 1;\npid %s/nginx.pid;\n"
          "error_log %s/error.log;\n%s"
          "events { worker_connections 1024; }\n"
          "http {\naccess_log off;\n"
          "client_body_temp_path %s/body;\nproxy_temp_path %s/proxy;\n"
          "fastcgi_temp_path %s/f;\nuwsgi_temp_path %s/u;\n"
          "scgi_temp_path %s/s;\n",
          dir, dir, geteuid() == 0 ? "user root;\n" : "", dir, dir, dir, dir,
          dir);
  char line[1024];
  int changed = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    char *p;
    if ((p = strstr(line, "server 127.0.0.1:8080;")) != NULL) {
      fprintf(out, "    server 127.0.0.1:%d;\n", d.port);
      changed++;
    } else if ((p = strstr(line, "listen 8443;")) != NULL) {
      fprintf(out, "    listen 127.0.0.1:%d;\n", nginx_port);
      changed++;
    } else {
      fputs(line, out);
    }
  }
  fputs("}\n", out);
  fclose(in);
  fclose(out);
  return changed == 2 ? 0 : -1;
}

static int suite_init(void) {
  /* Three workers: without nginx, three slow clients would stop it. */
  const char *args[] = {"--threads", "2", "--max-streams", "1", NULL};
  if (vxh_start(&d, args) != 0 || mkdtemp(dir) == NULL)
    return 1;
  up = 1;
  int port = free_port();
  if (port < 0 || write_config(port) != 0)
    return 1;
  char conf[300];
  snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
  pid_t parent = getpid();
  nginx = fork();
  if (nginx == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(1);
    execl(getenv("VX_NGINX"), "nginx", "-p", dir, "-c", conf, (char *)NULL);
    _exit(127);
  }
  via = d;
  via.port = port;
  snprintf(via.base, sizeof via.base, "http://127.0.0.1:%d", port);
  for (int i = 0; i < 100; i++) {
    vxh_resp r;
    int ok = vxh_request(&via, "GET", "/readyz", NULL, NULL, NULL, &r) == 0 &&
             r.status == 200;
    vxh_resp_free(&r);
    if (ok)
      return 0;
    usleep(50000);
  }
  fprintf(stderr, "nginx did not answer; see %s/error.log\n", dir);
  return 1;
}

static int suite_cleanup(void) {
  if (nginx > 0) {
    kill(nginx, SIGTERM);
    waitpid(nginx, NULL, 0);
  }
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  int rc = system(cmd);
  (void)rc;
  return up && vxh_stop(&d, false) != 0;
}

static void test_requests_pass_through_nginx(void) {
  json_decref(vxh_admin(&via, "POST", "/api/v1/admin/flags",
                        "{\"key\":\"through\",\"environments\":{"
                        "\"production\":{\"enabled\":true}}}",
                        201));
  vxh_resp r;
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&via, "POST", "/ofrep/v1/evaluate/flags/through",
                  VXH_ADMIN_TOKEN, "{\"context\":{\"targetingKey\":\"u\"}}",
                  NULL, &r),
      0);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_EQUAL(json_is_true(json_object_get(r.json, "value")), 1);
  vxh_resp_free(&r);
  /* vexild's own errors come through unchanged. */
  CU_ASSERT_EQUAL_FATAL(
      vxh_request(&via, "GET", "/api/v1/admin/flags", NULL, NULL, NULL, &r), 0);
  CU_ASSERT_EQUAL(r.status, 401);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.json, "code")),
                         "UNAUTHORIZED");
  vxh_resp_free(&r);
}

/* 30 slow clients through nginx: vexild's three workers never see them,
 * so requests through nginx and straight to vexild are answered at once. */
static void test_slow_clients_stay_in_nginx(void) {
  enum { N = 10 };
  vxh_raw slow[3 * N];
  const char *body_head =
      "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
      "X-API-Key: " VXH_ADMIN_TOKEN "\r\nContent-Length: 1000\r\n\r\n{\"k";
  for (int i = 0; i < 3 * N; i++) {
    CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&via, &slow[i]), 0);
    if (i < N)
      vxh_raw_send(&slow[i], "GET /readyz HTTP/1.1\r\nHo", 24);
    else if (i < 2 * N)
      vxh_raw_send(&slow[i], body_head, strlen(body_head));
  }
  usleep(300000);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 2 * N; i++)
      vxh_raw_send(&slow[i], "x", 1);
    long t0 = now_ms();
    vxh_resp r;
    CU_ASSERT_EQUAL(vxh_request(&via, "GET", "/readyz", NULL, NULL, NULL, &r),
                    0);
    CU_ASSERT_EQUAL(r.status, 200);
    vxh_resp_free(&r);
    CU_ASSERT_EQUAL(vxh_request(&d, "GET", "/readyz", NULL, NULL, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    vxh_resp_free(&r);
    CU_ASSERT_TRUE(now_ms() - t0 < 1000);
    usleep(300000);
  }
  for (int i = 0; i < 3 * N; i++)
    vxh_raw_close(&slow[i]);
}

static void test_nginx_refuses_ambiguous_framing(void) {
  const char *req = "POST /api/v1/admin/flags HTTP/1.1\r\nHost: x\r\n"
                    "X-API-Key: " VXH_ADMIN_TOKEN "\r\n"
                    "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "15\r\n{\"key\":\"smuggled-n\"}\r\n0\r\n\r\n";
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&via, &raw), 0);
  vxh_raw_send(&raw, req, strlen(req));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "HTTP/1.1 400", 3000));
  vxh_raw_close(&raw);
  json_decref(
      vxh_admin(&d, "GET", "/api/v1/admin/flags/smuggled-n", NULL, 404));
}

static void test_an_import_over_1_mib_passes_through(void) {
  char *s = vxh_big_unleash_state("imp", 400);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_TRUE(strlen(s) > 1048576);
  json_decref(
      vxh_admin(&via, "POST", "/api/v1/admin/import?format=unleash", s, 200));
  free(s);
  json_decref(vxh_admin(&d, "GET", "/api/v1/admin/flags/imp-0399", NULL, 200));
}

static void test_a_stream_passes_through_as_it_comes(void) {
  vxh_raw raw;
  CU_ASSERT_EQUAL_FATAL(vxh_raw_open(&via, &raw), 0);
  const char *req = "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n"
                    "X-API-Key: " VXH_ADMIN_TOKEN "\r\n\r\n";
  vxh_raw_send(&raw, req, strlen(req));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, ": connected at revision", 3000));
  json_decref(vxh_admin(&via, "POST", "/api/v1/admin/flags",
                        "{\"key\":\"streamed\"}", 201));
  CU_ASSERT_PTR_NOT_NULL(vxh_raw_wait(&raw, "\"streamed\"", 3000));
  vxh_raw_close(&raw);
}

int main(void) {
  const char *bin = getenv("VX_NGINX");
  if (bin == NULL || bin[0] == '\0') {
    fprintf(stderr, "test_proxy: no nginx (apt-get install nginx): skipped\n");
    return 77;
  }
  static const vx_test tests[] = {
      VX_TEST(test_requests_pass_through_nginx),
      VX_TEST(test_slow_clients_stay_in_nginx),
      VX_TEST(test_nginx_refuses_ambiguous_framing),
      VX_TEST(test_an_import_over_1_mib_passes_through),
      VX_TEST(test_a_stream_passes_through_as_it_comes),
      {NULL, NULL},
  };
  return vx_test_main("http/proxy", tests, suite_init, suite_cleanup);
}
