/* plugin_check.c - a plugin exercised in a forked child before it is
 * mapped (see plugin_check.h). */
#include "plugin_check.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_contexts.h"
#include "host_api.h"

/* ------------------------------------------------------------- uses */

int vx_check_uses_add(vx_check_uses *u, const char *strategy, const char *flag,
                      const char *env, int index, const json_t *params) {
  char err[256];
  vx_params ps;
  int rc = vx_params_from_json(params, &ps, err, sizeof err);
  if (rc != 0) {
    vx_params_dispose(&ps);
    return rc;
  }
  if (u->n == u->cap) {
    size_t cap = u->cap ? u->cap * 2 : 16;
    vx_check_use *items = realloc(u->items, cap * sizeof *items);
    if (items == NULL) {
      vx_params_dispose(&ps);
      return VX_ENOMEM;
    }
    u->items = items;
    u->cap = cap;
  }
  vx_check_use *e = &u->items[u->n];
  *e = (vx_check_use){.strategy = strdup(strategy),
                      .flag = strdup(flag),
                      .env = strdup(env),
                      .index = index,
                      .params = ps.list,
                      .n_params = ps.n};
  /* The names belong to the JSON object: own copies. */
  bool ok = e->strategy != NULL && e->flag != NULL && e->env != NULL;
  for (size_t i = 0; i < ps.n; i++)
    ok = (ps.list[i].name = strdup(ps.list[i].name)) != NULL && ok;
  u->n++; /* disposed with the others, even when incomplete */
  return ok ? 0 : VX_ENOMEM;
}

void vx_check_uses_dispose(vx_check_uses *u) {
  for (size_t i = 0; i < u->n; i++) {
    vx_check_use *e = &u->items[i];
    for (size_t j = 0; j < e->n_params; j++) {
      free((char *)e->params[j].name);
      free((char *)e->params[j].value);
    }
    free(e->params);
    free(e->strategy);
    free(e->flag);
    free(e->env);
  }
  free(u->items);
  *u = (vx_check_uses){0};
}

/* ------------------------------------------------------- the child */

/* The last context (the longest values, whose hashing costs tens of us)
 * is tried on the first HEAVY_USES uses of a strategy only: what it finds
 * depends on the plugin's code, not on one flag's parameters. */
#define HEAVY_USES 16

typedef enum step {
  STEP_START = 0,
  STEP_DLOPEN,
  STEP_ENTRY,
  STEP_DESCRIPTOR,
  STEP_INIT,
  STEP_COMPILE,
  STEP_EVALUATE,
  STEP_FREE,
  STEP_FINI,
  STEP_DONE
} step;

static const char *const step_names[] = {
    "start",
    "dlopen (the module's constructors)",
    "vexil_strategy_entry",
    "the descriptor checks",
    "init",
    "compile",
    "evaluate",
    "free_instance",
    "fini",
    "done",
};

/* Progress, written by the child, read by the parent: a page shared
 * across the fork. */
typedef struct progress {
  char name[128];   /* the strategy's, once known */
  atomic_uint beat; /* +1 at each call into the plugin */
  atomic_int step;
  atomic_long use;    /* index in the uses, -1 none (-2: the no-use compile) */
  atomic_int context; /* index in the contexts, -1 none */
} progress;

/* The child's outcome, written once to the pipe (one write of less than
 * PIPE_BUF bytes is atomic). */
typedef struct report {
  int rc; /* 0, or the refusal's code */
  char name[128];
  char message[900];
} report;

static void mark(progress *pg, step s, long use, int ctx) {
  atomic_store(&pg->use, use);
  atomic_store(&pg->context, ctx);
  atomic_store(&pg->step, (int)s);
  atomic_fetch_add(&pg->beat, 1);
}

__attribute__((noreturn)) static void finish(int fd, report *r) {
  ssize_t ignored = write(fd, r, sizeof *r);
  (void)ignored;
  _exit(0);
}

static void exit_at_once(int status, void *arg) {
  (void)arg;
  _exit(status);
}

static void quiet_log(vx_log_level level, const char *plugin, const char *fmt,
                      ...) {
  (void)level, (void)plugin, (void)fmt; /* vx_log takes a lock */
}

/* Compiles use u (NULL: no parameters), evaluates on every context (but
 * the last, heavy one when !heavy), frees. */
static void exercise(progress *pg, vx_plugin *p, const vx_check_use *u, long ui,
                     const vx_context_json *ctxs, size_t n_ctxs, bool heavy) {
  char err[512] = "";
  void *inst = NULL;
  mark(pg, STEP_COMPILE, ui, -1);
  int rc = vx_plugin_compile_params(p, u ? u->flag : "vexil-check",
                                    u ? u->params : NULL, u ? u->n_params : 0,
                                    0, &inst, err, sizeof err, NULL);
  if (rc != 0)
    return; /* refused parameters: the flag is off, no crash */
  for (size_t k = 0; k < n_ctxs - (heavy ? 0 : 1); k++) {
    vx_context c = ctxs[k].ctx; /* a fresh time cache each call */
    mark(pg, STEP_EVALUATE, ui, (int)k);
    p->desc->evaluate(inst, &c);
  }
  mark(pg, STEP_FREE, ui, -1);
  p->desc->free_instance(p->state, inst);
}

__attribute__((noreturn)) static void
child(const char *path, const vx_check_uses *uses, const vx_context_json *ctxs,
      size_t n_ctxs, progress *pg, int fd) {
  /* Crashes must end the child with their own signal: undo the mask the
   * daemon's threads run with and any handler (a sanitizer's). */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  static const int crash[] = {SIGSEGV, SIGBUS, SIGILL,  SIGFPE, SIGABRT,
                              SIGTRAP, SIGSYS, SIGTERM, SIGINT, SIGHUP};
  for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
    signal(crash[i], SIG_DFL);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* A plugin that calls exit() must not run the daemon's exit handlers
   * here (stdio buffers copied from the parent would be written twice; a
   * sanitizer's leak check would run): end at once, with its status. */
  on_exit(exit_at_once, NULL);
  report r = {.rc = 0};
  mark(pg, STEP_DLOPEN, -1, -1);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char *dl = dlerror();
    r.rc = VX_EIO;
    snprintf(r.message, sizeof r.message, "dlopen failed: %s",
             dl ? dl : "unknown error");
    finish(fd, &r);
  }
  mark(pg, STEP_ENTRY, -1, -1);
  void *sym = dlsym(h, VX_STRATEGY_ENTRY_SYMBOL);
  vx_strategy_entry_fn entry;
  memcpy(&entry, &sym, sizeof entry);
  const vx_strategy_descriptor *d = sym != NULL ? entry() : NULL;
  if (d == NULL) {
    r.rc = VX_EABI;
    snprintf(r.message, sizeof r.message,
             sym == NULL ? "%s is missing, host expects that symbol"
                         : "%s returned NULL, host expects a descriptor",
             VX_STRATEGY_ENTRY_SYMBOL);
    finish(fd, &r);
  }
  mark(pg, STEP_DESCRIPTOR, -1, -1);
  r.rc = vx_plugin_check_descriptor(d, r.message, sizeof r.message);
  if (r.rc != 0)
    finish(fd, &r);
  /* The name goes to the shared page at once: a crash below still
   * reports it. */
  snprintf(pg->name, sizeof pg->name, "%s", d->name);
  snprintf(r.name, sizeof r.name, "%s", d->name);
  vx_host_api host = *vx_host_api_get();
  host.log = quiet_log;
  vx_plugin p = {.name = r.name, .desc = d};
  atomic_init(&p.refs, 1u << 30); /* never finalised by an unref here */
  if (d->init != NULL) {
    mark(pg, STEP_INIT, -1, -1);
    int rc = d->init(&host, &p.state);
    if (rc != 0) {
      r.rc = VX_EPLUGIN;
      snprintf(r.message, sizeof r.message,
               "init returned %d (%s), host expects 0", rc, vx_strerror(rc));
      finish(fd, &r);
    }
  }
  size_t used = 0;
  for (size_t i = 0; i < uses->n; i++) {
    if (strcmp(uses->items[i].strategy, d->name) != 0)
      continue;
    exercise(pg, &p, &uses->items[i], (long)i, ctxs, n_ctxs,
             used++ < HEAVY_USES);
  }
  if (used == 0)
    exercise(pg, &p, NULL, -2, ctxs, n_ctxs, true);
  if (d->fini != NULL) {
    mark(pg, STEP_FINI, -1, -1);
    d->fini(p.state);
  }
  mark(pg, STEP_DONE, -1, -1);
  finish(fd, &r);
}

/* ------------------------------------------------------- the parent */

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Where the child was, for messages: "compile (flag f in env,
 * strategies[2])", "evaluate (...), on generated context 3: ...". */
static void where(const progress *pg, const vx_check_uses *uses,
                  const char *const *labels, char *out, size_t len) {
  int s = atomic_load(&pg->step);
  long u = atomic_load(&pg->use);
  int c = atomic_load(&pg->context);
  int n =
      snprintf(out, len, "%s", s >= 0 && s <= STEP_DONE ? step_names[s] : "?");
  if (n < 0 || (size_t)n >= len)
    return;
  if (u >= 0 && uses != NULL && (size_t)u < uses->n)
    n +=
        snprintf(out + n, len - (size_t)n, " (flag %s in %s, strategies[%d])",
                 uses->items[u].flag, uses->items[u].env, uses->items[u].index);
  else if (u == -2)
    n += snprintf(out + n, len - (size_t)n,
                  " (no flag uses it: without parameters)");
  if (c >= 0 && labels != NULL && n >= 0 && (size_t)n < len)
    snprintf(out + n, len - (size_t)n, ", on generated context %d: %s", c,
             labels[c]);
}

/* Runs the child and judges it. */
static int run(const char *path, int timeout_ms, const vx_check_uses *uses,
               report *r, char *name, size_t namelen, char *why,
               size_t whylen) {
  static const vx_check_uses no_uses = {0};
  size_t n_ctxs = 0;
  const char *const *labels = NULL;
  const vx_context_json *ctxs = vx_check_contexts(&n_ctxs, &labels);
  if (ctxs == NULL) {
    snprintf(why, whylen, "out of memory");
    return VX_ENOMEM;
  }
  progress *pg = mmap(NULL, sizeof *pg, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int fds[2] = {-1, -1};
  if (pg == MAP_FAILED || pipe2(fds, O_CLOEXEC) != 0) {
    snprintf(why, whylen, "cannot start the pre-load check: %s",
             strerror(errno));
    if (pg != MAP_FAILED)
      munmap(pg, sizeof *pg);
    return VX_EIO;
  }
  pg->name[0] = '\0';
  atomic_init(&pg->beat, 0);
  atomic_init(&pg->step, STEP_START);
  atomic_init(&pg->use, -1);
  atomic_init(&pg->context, -1);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    child(path, uses ? uses : &no_uses, ctxs, n_ctxs, pg, fds[1]);
  }
  close(fds[1]);
  if (pid < 0) {
    snprintf(why, whylen, "cannot start the pre-load check: fork: %s",
             strerror(errno));
    close(fds[0]);
    munmap(pg, sizeof *pg);
    return VX_EIO;
  }
  size_t got = 0;
  unsigned last_beat = atomic_load(&pg->beat);
  long last_change = now_ms();
  bool hung = false, gone = false, eof = false;
  int status = 0;
  while (!gone) {
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    if (!eof && poll(&pfd, 1, 20) > 0) {
      char extra[64]; /* anything past the report is dropped */
      ssize_t k = got < sizeof *r
                      ? read(fds[0], (char *)r + got, sizeof *r - got)
                      : read(fds[0], extra, sizeof extra);
      if (k > 0 && got < sizeof *r)
        got += (size_t)k;
      eof = k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN);
    } else if (eof) { /* the child is ending: reap it soon */
      struct timespec ts = {0, 200 * 1000L};
      nanosleep(&ts, NULL);
    }
    /* The pipe may outlive the child (a grandchild holding it). */
    gone = waitpid(pid, &status, WNOHANG) == pid;
    unsigned beat = atomic_load(&pg->beat);
    if (beat != last_beat) {
      last_beat = beat;
      last_change = now_ms();
    } else if (!gone && now_ms() - last_change >= timeout_ms) {
      hung = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      gone = true;
    }
  }
  /* What the child wrote before it ended is in the pipe still. */
  ssize_t k;
  while (got < sizeof *r &&
         (k = read(fds[0], (char *)r + got, sizeof *r - got)) > 0)
    got += (size_t)k;
  close(fds[0]);
  char at[768];
  where(pg, uses, labels, at, sizeof at);
  if (name != NULL)
    snprintf(name, namelen, "%.127s", pg->name);
  munmap(pg, sizeof *pg);
  if (hung) {
    snprintf(why, whylen,
             "%s did not return within %d ms during the pre-load check "
             "(killed)",
             at, timeout_ms);
    return VX_EPLUGIN;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char *abbrev = sigabbrev_np(sig);
    snprintf(why, whylen,
             "killed by SIG%s (%s) in %s during the pre-load check",
             abbrev ? abbrev : "?", sigdescr_np(sig) ?: "?", at);
    return VX_EPLUGIN;
  }
  if (got < sizeof *r || WEXITSTATUS(status) != 0) {
    snprintf(why, whylen,
             "exited with status %d in %s during the pre-load check (a "
             "plugin must never exit)",
             WIFEXITED(status) ? WEXITSTATUS(status) : -1, at);
    return VX_EPLUGIN;
  }
  r->name[sizeof r->name - 1] = '\0';
  r->message[sizeof r->message - 1] = '\0';
  if (r->rc != 0)
    snprintf(why, whylen, "%s", r->message);
  return r->rc;
}

int vx_plugin_check(const char *path, int timeout_ms, const vx_check_uses *uses,
                    char *name, size_t namelen, char *why, size_t whylen) {
  if (name != NULL && namelen > 0)
    name[0] = '\0';
  if (whylen > 0)
    why[0] = '\0';
  report r;
  return run(path, timeout_ms, uses, &r, name, namelen, why, whylen);
}
