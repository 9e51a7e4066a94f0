/*
 * twin-app: PID 1 of twin's workload stand-in images. It runs the stand-in server as its child
 * (forwarding SIGTERM/SIGINT/SIGHUP/SIGQUIT, reaping orphans, exiting with the child's status) and
 * can be made to leak memory the way a faulty application does, for twin's memory-leak fault:
 *
 *   twin-app CMD [ARG...]          as the image's entrypoint; holds TWIN_APP_MEMORY bytes from the start
 *   twin-app leak BYTES_PER_SECOND run inside the container: PID 1 starts growing (0 stops it)
 *   twin-app serve                 the generic stand-in's server (run as CMD, i.e. PID 1's child), below
 *   twin-app check                 an exec probe of the generic stand-in: exit 0 while `serve` is ready
 *
 * `serve` stands in for any application twin has no image of (src/engines/k3d/stand-ins.ts sets
 * its environment from the manifest):
 *   TWIN_APP_PORTS=80,5000          TCP ports it listens on (containerPorts, probe and Service ports);
 *                                   every connection gets "HTTP/1.0 200" to whatever it asks
 *   TWIN_APP_DEPENDS_ON=ip:port,... hosts outside the cluster the readiness needs: one refusing (or not
 *                                   answering within 1 s) a TCP connection makes the readiness 503
 *   TWIN_APP_STARTUP=SECONDS        the readiness is 503 until then (the model's startup-time)
 *   TWIN_APP_RUN_SECONDS=S, TWIN_APP_EXIT_CODE=C
 *                                   a Job's container: exit with C after S seconds
 * The readiness answer is given to requests carrying the header `X-Twin-Probe: readiness` (twin adds
 * it to the readiness probe's httpGet), so a liveness or startup probe on the same path stays 200, as
 * an application whose liveness does not look at its database; `check` reads the same state.
 *
 * The memory grows in PID 1 itself, so when the container reaches its limit the kernel's OOM
 * killer picks PID 1 (the biggest process in the container's memory cgroup), the container
 * ends, and the runtime reports it OOMKilled, as for a real leaking application.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RATE_FILE "/tmp/.twin-leak"
#define TICKS_PER_SECOND 4

static volatile sig_atomic_t forward_signal = 0;
static volatile sig_atomic_t reread_rate = 0;

static void on_forward(int sig) { forward_signal = sig; }
static void on_usr1(int sig) { (void)sig; reread_rate = 1; }

static int request_leak(const char *rate_text) {
  char *end = NULL;
  long long rate = strtoll(rate_text, &end, 10);
  if (*rate_text == '\0' || *end != '\0' || rate < 0) {
    fprintf(stderr, "usage: twin-app leak BYTES_PER_SECOND\n");
    return 2;
  }
  char exe[256];
  ssize_t n = readlink("/proc/1/exe", exe, sizeof exe - 1);
  if (n < 0) {
    perror("twin-app: /proc/1/exe");
    return 3;
  }
  exe[n] = '\0';
  if (strstr(exe, "twin-app") == NULL) {
    fprintf(stderr, "twin-app: PID 1 is %s, not twin-app: this container cannot leak on request\n", exe);
    return 3;
  }
  FILE *f = fopen(RATE_FILE ".new", "w");
  if (!f || fprintf(f, "%lld\n", rate) < 0 || fclose(f) != 0 || rename(RATE_FILE ".new", RATE_FILE) != 0) {
    perror("twin-app: " RATE_FILE);
    return 3;
  }
  if (kill(1, SIGUSR1) != 0) {
    perror("twin-app: signal PID 1");
    return 3;
  }
  return 0;
}

static long long read_rate(void) {
  FILE *f = fopen(RATE_FILE, "r");
  long long rate = 0;
  if (f) {
    if (fscanf(f, "%lld", &rate) != 1) rate = 0;
    fclose(f);
  }
  return rate < 0 ? 0 : rate;
}

/* ---- the generic stand-in: `twin-app serve` and `twin-app check` ---- */

#define READY_FILE "/tmp/.twin-ready"
#define MAX_LISTEN 32
#define MAX_DEPS 16
#define MAX_CLIENTS 64

struct dep {
  struct sockaddr_in addr;
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Whether ip:port accepts a TCP connection within 1 s. */
static int reachable(const struct dep *d) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  int ok = 0;
  if (connect(fd, (const struct sockaddr *)&d->addr, sizeof d->addr) == 0) {
    ok = 1;
  } else if (errno == EINPROGRESS) {
    struct pollfd p = {fd, POLLOUT, 0};
    if (poll(&p, 1, 1000) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ok = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  close(fd);
  return ok;
}

static int parse_deps(const char *text, struct dep *deps) {
  int n = 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", text ? text : "");
  for (char *save = NULL, *item = strtok_r(buf, ", ", &save); item && n < MAX_DEPS; item = strtok_r(NULL, ", ", &save)) {
    char *colon = strrchr(item, ':');
    if (!colon) continue;
    *colon = '\0';
    int port = atoi(colon + 1);
    memset(&deps[n], 0, sizeof deps[n]);
    deps[n].addr.sin_family = AF_INET;
    deps[n].addr.sin_port = htons((unsigned short)port);
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, item, &deps[n].addr.sin_addr) != 1) {
      fprintf(stderr, "twin-app: TWIN_APP_DEPENDS_ON: %s:%s is not ip:port, ignored\n", item, colon + 1);
      continue;
    }
    n++;
  }
  return n;
}

static void write_ready(int ready) {
  FILE *f = fopen(READY_FILE ".new", "w");
  if (!f) return;
  fprintf(f, "%d\n", ready);
  if (fclose(f) == 0) rename(READY_FILE ".new", READY_FILE);
}

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v && *v ? v : fallback;
}

struct client {
  int fd;
  size_t len;
  double since;
  char buf[2048];
};

/* Answers once the request's headers are in (or the buffer is full): readiness requests by the shared state. */
static void answer(struct client *c, int ready) {
  c->buf[c->len < sizeof c->buf ? c->len : sizeof c->buf - 1] = '\0';
  int readiness = 0;
  for (char *line = strstr(c->buf, "\n"); line; line = strstr(line + 1, "\n")) {
    if (strncasecmp(line + 1, "x-twin-probe:", 13) == 0) {
      const char *v = line + 14;
      while (*v == ' ' || *v == '\t') v++;
      readiness = strncasecmp(v, "readiness", 9) == 0;
    }
  }
  const char *body = readiness && !ready ? "not ready\n" : "ok\n";
  char out[256];
  int n = snprintf(out, sizeof out, "HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                   readiness && !ready ? "503 Service Unavailable" : "200 OK", strlen(body), body);
  ssize_t ignored = write(c->fd, out, (size_t)n);
  (void)ignored;
}

static volatile sig_atomic_t serve_stop = 0;
static void on_serve_stop(int sig) { (void)sig; serve_stop = 1; }

static int serve(void) {
  signal(SIGPIPE, SIG_IGN);
  struct sigaction stop = {0};
  stop.sa_handler = on_serve_stop;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  unlink(READY_FILE);

  struct pollfd fds[MAX_LISTEN + MAX_CLIENTS];
  int listeners = 0;
  char ports[1024];
  snprintf(ports, sizeof ports, "%s", env_or("TWIN_APP_PORTS", ""));
  for (char *save = NULL, *item = strtok_r(ports, ", ", &save); item && listeners < MAX_LISTEN; item = strtok_r(NULL, ", ", &save)) {
    int port = atoi(item);
    if (port <= 0 || port > 65535) continue;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0) {
      fprintf(stderr, "twin-app: cannot listen on port %d: %s\n", port, strerror(errno));
      if (fd >= 0) close(fd);
      continue;
    }
    fds[listeners].fd = fd;
    fds[listeners].events = POLLIN;
    listeners++;
    printf("twin-app: stand-in listening on port %d\n", port);
  }

  struct dep deps[MAX_DEPS];
  int ndeps = parse_deps(getenv("TWIN_APP_DEPENDS_ON"), deps);
  /* The dependencies are checked by a child every 2 s; the answer is shared through one page. */
  volatile int *deps_up = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (deps_up == MAP_FAILED) return 1;
  *deps_up = ndeps == 0;
  if (ndeps > 0) {
    printf("twin-app: readiness needs %s\n", getenv("TWIN_APP_DEPENDS_ON"));
    pid_t checker = fork();
    if (checker == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      for (;;) {
        int up = 1;
        for (int i = 0; i < ndeps && up; i++) up = reachable(&deps[i]);
        *deps_up = up;
        sleep(2);
      }
    }
  }
  fflush(stdout);

  double start = now_seconds();
  double startup = atof(env_or("TWIN_APP_STARTUP", "0"));
  double run_for = atof(env_or("TWIN_APP_RUN_SECONDS", "-1"));
  int exit_code = atoi(env_or("TWIN_APP_EXIT_CODE", "0"));
  struct client clients[MAX_CLIENTS];
  int nclients = 0;
  int last_ready = -1;
  while (!serve_stop) {
    double now = now_seconds();
    if (run_for >= 0 && now - start >= run_for) {
      printf("twin-app: ran %.0f s, exiting with %d\n", run_for, exit_code);
      return exit_code;
    }
    int ready = *deps_up && now - start >= startup;
    if (ready != last_ready) {
      write_ready(ready);
      printf("twin-app: %s\n", ready ? "ready" : "not ready");
      fflush(stdout);
      last_ready = ready;
    }
    for (int i = 0; i < nclients; i++) {
      fds[listeners + i].fd = clients[i].fd;
      fds[listeners + i].events = POLLIN;
    }
    if (poll(fds, (nfds_t)(listeners + nclients), 250) < 0) continue;
    for (int i = 0; i < listeners; i++) {
      if (!(fds[i].revents & POLLIN)) continue;
      int fd;
      while (nclients < MAX_CLIENTS && (fd = accept4(fds[i].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        clients[nclients].fd = fd;
        clients[nclients].len = 0;
        clients[nclients].since = now;
        fds[listeners + nclients].revents = 0; /* polled from the next round on */
        nclients++;
      }
    }
    for (int i = 0; i < nclients;) {
      struct client *c = &clients[i];
      short revents = fds[listeners + i].revents;
      int done = 0;
      if (revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          /* nothing yet */
        } else if (n <= 0) {
          done = 1;
        } else {
          c->len += (size_t)n;
          c->buf[c->len] = '\0';
          if (strstr(c->buf, "\r\n\r\n") || strstr(c->buf, "\n\n") || c->len >= sizeof c->buf - 1) {
            answer(c, ready);
            done = 1;
          }
        }
      }
      if (!done && now - c->since > 5) done = 1;
      if (done) {
        close(c->fd);
        /* fds[] is rebuilt from clients[] on the next round; keep revents aligned for this one. */
        clients[i] = clients[nclients - 1];
        fds[listeners + i] = fds[listeners + nclients - 1];
        nclients--;
      } else {
        i++;
      }
    }
  }
  return 0;
}

/* An exec probe: 0 while `serve` is ready (its dependencies answer and its start-up time is over). */
static int check(void) {
  FILE *f = fopen(READY_FILE, "r");
  int ready = 0;
  if (f) {
    if (fscanf(f, "%d", &ready) != 1) ready = 0;
    fclose(f);
  }
  return ready == 1 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "serve") == 0) return serve();
  if (argc >= 2 && strcmp(argv[1], "check") == 0) return check();
  if (argc == 3 && strcmp(argv[1], "leak") == 0) return request_leak(argv[2]);
  if (argc < 2) {
    fprintf(stderr, "usage: twin-app CMD [ARG...] | twin-app leak BYTES_PER_SECOND\n");
    return 2;
  }
  unlink(RATE_FILE);
  struct sigaction forward = {0}, usr1 = {0};
  forward.sa_handler = on_forward;
  usr1.sa_handler = on_usr1;
  sigaction(SIGTERM, &forward, NULL);
  sigaction(SIGINT, &forward, NULL);
  sigaction(SIGHUP, &forward, NULL);
  sigaction(SIGQUIT, &forward, NULL);
  sigaction(SIGUSR1, &usr1, NULL);

  pid_t child = fork();
  if (child < 0) {
    perror("twin-app: fork");
    return 1;
  }
  if (child == 0) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "twin-app: %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }

  long long rate = 0, held = 0;
  /* The memory the application uses at rest, as twin's model gives it (TWIN_APP_MEMORY bytes). */
  const char *base = getenv("TWIN_APP_MEMORY");
  long long at_rest = base ? atoll(base) : 0;
  if (at_rest > 0) {
    char *p = malloc((size_t)at_rest);
    if (p) {
      memset(p, 0x5a, (size_t)at_rest);
      held = at_rest;
    }
  }
  const struct timespec tick = {0, 1000000000L / TICKS_PER_SECOND};
  for (;;) {
    if (forward_signal) {
      kill(child, forward_signal);
      forward_signal = 0;
    }
    if (reread_rate) {
      reread_rate = 0;
      rate = read_rate();
      printf("twin-app: leaking %lld bytes/s (holding %lld)\n", rate, held);
      fflush(stdout);
    }
    int status;
    pid_t done;
    while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
      if (done != child) continue;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (rate > 0) {
      size_t step = (size_t)(rate / TICKS_PER_SECOND);
      char *p = step ? malloc(step) : NULL;
      if (p) {
        memset(p, 0x5a, step);
        held += (long long)step;
      }
    }
    nanosleep(&tick, NULL);
  }
}
