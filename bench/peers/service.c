/* The service every supervisor runs in bench/supervisors.py: an idle program
 * that says when it runs.
 *
 * It forks BENCH_CHILDREN children (default 0), which pause until a signal
 * ends them; then it appends one line to the file BENCH_BEACON: its own pid
 * followed by its children's, so that a watcher (inotify) learns the instant
 * an instance runs and every pid of its tree. With BENCH_NOTIFY_FD it then
 * writes a newline to that descriptor and closes it: s6's readiness protocol
 * (notification-fd). Then it pauses forever. SIGTERM keeps its default
 * action everywhere, so the tree obeys a stop.
 *
 * Taken from the environment, not argv, so that the same binary can be a
 * service directory's ./run (s6, runit, daemontools run it with no argument).
 * Linked statically, so that an instance's start costs no dynamic loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

int main(void) {
  const char* beacon = getenv("BENCH_BEACON");
  const char* children_text = getenv("BENCH_CHILDREN");
  const char* notify_text = getenv("BENCH_NOTIFY_FD");
  if (beacon == NULL) return 64;
  const int children = children_text ? atoi(children_text) : 0;
  if (children < 0 || children > 10000) return 64;

  char* line = malloc(16 * (size_t)(children + 1) + 2);
  if (line == NULL) return 71;
  size_t length = (size_t)sprintf(line, "%d", (int)getpid());
  for (int i = 0; i < children; ++i) {
    const pid_t child = fork();
    if (child < 0) return 71;
    if (child == 0) {
      for (;;) pause();
    }
    length += (size_t)sprintf(line + length, " %d", (int)child);
  }
  line[length++] = '\n';

  const int fd = open(beacon, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return 73;
  if (write(fd, line, length) != (ssize_t)length) return 74;
  close(fd);
  free(line);

  if (notify_text != NULL) {
    const int notify = atoi(notify_text);
    if (write(notify, "\n", 1) != 1) return 74;
    close(notify);
  }
  for (;;) pause();
}
