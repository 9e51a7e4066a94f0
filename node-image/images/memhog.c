/*
 * A memory hog for OOM-pressure faults: allocates and touches memory at a steady rate up to a
 * target, then holds it. memhog TARGET_MIB [MIB_PER_SECOND] (default 10 MiB/s). The kernel's
 * OOM killer, or the container's limit, decides what happens next, as on a real node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long target = argc > 1 ? atol(argv[1]) : 64;
  long rate = argc > 2 ? atol(argv[2]) : 10;
  if (target <= 0 || rate <= 0) {
    fprintf(stderr, "usage: memhog TARGET_MIB [MIB_PER_SECOND]\n");
    return 2;
  }
  const size_t mib = 1024 * 1024;
  long held = 0;
  while (held < target) {
    for (long i = 0; i < rate && held < target; i++, held++) {
      char *p = malloc(mib);
      if (!p) {
        fprintf(stderr, "memhog: malloc failed at %ld MiB\n", held);
        break;
      }
      memset(p, 0xa5, mib);
    }
    printf("memhog: holding %ld MiB\n", held);
    fflush(stdout);
    sleep(1);
  }
  for (;;) pause();
}
