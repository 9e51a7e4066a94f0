/*
 * The pod sandbox process: holds the pod's namespaces open until told to stop, and reaps
 * orphaned children (it is PID 1 of the pod when the PID namespace is shared). Written for
 * twin's node image, which cannot pull registry.k8s.io/pause.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  fprintf(stderr, "pause: signal %d, exiting\n", sig);
  exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'v') {
    printf("pause (twin) 3.10\n");
    return 0;
  }
  if (getpid() != 1) fprintf(stderr, "pause: not PID 1, still waiting\n");
  struct sigaction stop = {.sa_handler = on_stop};
  struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP};
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
}
