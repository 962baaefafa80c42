/* The reference for launchers that wait: the double fork with a readiness
 * pipe in plain C and nothing more (no pid file, no descriptor closing, no
 * signal reset, no checks). The daemon reports once its log is open; the
 * launcher exits 0 when it did. What waiting costs on this machine, without
 * any library. Usage: handshake LOG INTERVAL */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOOP_NO_MAIN
#include "loop.c"

int main(int argc, char** argv) {
  if (argc != 3) return 64;
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return 71;
  const pid_t middle = fork();
  if (middle < 0) return 71;
  if (middle == 0) {
    if (setsid() < 0) _exit(71);
    const pid_t daemon = fork();
    if (daemon != 0) _exit(daemon < 0 ? 71 : 0);
    umask(0);
    if (chdir("/") != 0) _exit(71);
    const int null = open("/dev/null", O_RDWR);
    if (null < 0) _exit(71);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    const int log =
        open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    const char status = log < 0;
    if (write(ready[1], &status, 1) != 1 || log < 0) _exit(73);
    close(ready[1]);
    close(log);
    write_lines_forever(argv[1], atoi(argv[2]));
  }
  close(ready[1]);
  char status = 1;
  const ssize_t got = read(ready[0], &status, 1);
  waitpid(middle, NULL, 0);
  return got == 1 && status == 0 ? 0 : 1;
}
