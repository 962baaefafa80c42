/* The floor: glibc's daemon(3), which forks once, calls setsid, and returns
 * in the child at once; the parent exits without knowing anything more.
 * Usage: daemon3 LOG INTERVAL */
#define LOOP_NO_MAIN
#include "loop.c"

int main(int argc, char** argv) {
  if (argc != 3) return 64;
  if (daemon(0, 0) != 0) return 71;
  write_lines_forever(argv[1], atoi(argv[2]));
}
