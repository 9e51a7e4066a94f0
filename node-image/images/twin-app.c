/*
 * twin-app: PID 1 of twin's workload stand-in images. It runs the stand-in server as its child
 * (forwarding SIGTERM/SIGINT/SIGHUP/SIGQUIT, reaping orphans, exiting with the child's status) and
 * can be made to leak memory the way a faulty application does, for twin's memory-leak fault:
 *
 *   twin-app CMD [ARG...]          as the image's entrypoint; holds TWIN_APP_MEMORY bytes from the start
 *   twin-app leak BYTES_PER_SECOND run inside the container: PID 1 starts growing (0 stops it)
 *
 * The memory grows in PID 1 itself, so when the container reaches its limit the kernel's OOM
 * killer picks PID 1 (the biggest process in the container's memory cgroup), the container
 * ends, and the runtime reports it OOMKilled, as for a real leaking application.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv) {
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
