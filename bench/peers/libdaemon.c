/* libdaemon with its readiness handshake: the parent waits (daemon_retval_wait)
 * until the daemon sends its status (daemon_retval_send) after opening its
 * log. The only C peer that waits. Usage: libdaemon LOG INTERVAL */
#include <fcntl.h>
#include <libdaemon/dfork.h>
#include <stdlib.h>
#include <unistd.h>

#define LOOP_NO_MAIN
#include "loop.c"

int main(int argc, char** argv) {
  if (argc != 3) return 64;
  if (daemon_retval_init() < 0) return 71;
  const pid_t pid = daemon_fork();
  if (pid < 0) return 71;
  if (pid > 0) return daemon_retval_wait(20) == 0 ? 0 : 1;
  daemon_close_all(-1);
  const int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  daemon_retval_send(fd < 0 ? 1 : 0);
  if (fd < 0) return 73;
  close(fd);
  write_lines_forever(argv[1], atoi(argv[2]));
}
