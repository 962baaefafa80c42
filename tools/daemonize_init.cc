// daemonize-init: what `daemonize --init` becomes as process 1 of a PID
// namespace when nothing of the supervisor is asked for but an init's duties
// (src/lean_init.h). daemonize runs it as
//
//   daemonize-init --stop-timeout-ms=N -- PROGRAM [ARGS...]
//
// where PROGRAM is daemonize itself, which sets COMMAND up as asked and
// becomes it. Linked to the shared C library, with nothing of Abseil or of
// the supervisor: its memory is an idle init's.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemonkit/posix_os.h"
#include "src/lean_init.h"

namespace {

constexpr char kStopTimeout[] = "--stop-timeout-ms=";

// The milliseconds of `text`, a decimal count; false when it is not one.
bool ParseMilliseconds(const char* text, int64_t* milliseconds) {
  char* end = nullptr;
  errno = 0;
  const long long value = strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) return false;
  *milliseconds = value;
  return true;
}

int Refuse(const char* why) {
  const char* parts[] = {"daemonize-init: ", why, "\n"};
  for (const char* part : parts) {
    if (write(STDERR_FILENO, part, strlen(part)) < 0) break;
  }
  return EX_USAGE;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t stop_timeout_ms = 0;
  if (argc < 4 || strncmp(argv[1], kStopTimeout, sizeof kStopTimeout - 1) ||
      !ParseMilliseconds(argv[1] + sizeof kStopTimeout - 1, &stop_timeout_ms) ||
      strcmp(argv[2], "--") != 0) {
    return Refuse(
        "usage: daemonize-init --stop-timeout-ms=N -- PROGRAM [ARGS...] "
        "(run by daemonize --init)");
  }
  // kill(-1) would reach every process of the user, not a container's.
  if (getpid() != 1) {
    return Refuse("not process 1 of a PID namespace: use daemonize --init");
  }
  daemonkit::PosixOs os;
  return daemonkit::internal::LeanInit(os, stop_timeout_ms)
      .Run(argv + 3, environ);
}
