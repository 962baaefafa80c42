/* The loop every peer runs: one timestamp line to LOG every INTERVAL seconds.
 * For the launchers that wrap a command (bmc's daemonize, libslack's daemon,
 * start-stop-daemon, daemonkit's daemonize). Usage: loop LOG INTERVAL */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void write_lines_forever(const char* log, int interval) {
  const int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) exit(73);
  for (;;) {
    char line[64];
    const time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    const size_t length =
        strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S%z\n", &local);
    if (write(fd, line, length) < 0) exit(74);
    sleep((unsigned)interval);
  }
}

#ifndef LOOP_NO_MAIN
int main(int argc, char** argv) {
  if (argc != 3) return 64;
  write_lines_forever(argv[1], atoi(argv[2]));
}
#endif
