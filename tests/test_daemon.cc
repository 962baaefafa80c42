#include "tests/test_daemon.h"

#include <signal.h>
#include <unistd.h>

namespace daemonkit::test {

void ServeUntilTerminated(Daemon& daemon) {
  sigset_t terminate;
  sigemptyset(&terminate);
  sigaddset(&terminate, SIGTERM);
  sigprocmask(SIG_BLOCK, &terminate, nullptr);
  if (!daemon.Ready().ok()) _exit(1);
  int signal;
  sigwait(&terminate, &signal);
  _exit(daemon.RemovePidFile().ok() ? 0 : 2);
}

}  // namespace daemonkit::test
