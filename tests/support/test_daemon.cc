#include "tests/support/test_daemon.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

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

pid_t StartServingDaemon(const DetachOptions& options) {
  absl::StatusOr<Daemon> daemon = Detach(options);
  if (daemon.ok() && !daemon->in_launcher()) ServeUntilTerminated(*daemon);
  EXPECT_TRUE(daemon.ok()) << daemon.status();
  return daemon.ok() ? daemon->pid() : -1;
}

int StopWithSigterm(pid_t pid) {
  kill(pid, SIGTERM);
  int status = -1;
  waitpid(pid, &status, 0);
  return status;
}

}  // namespace daemonkit::test
