#include "src/await_daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "src/launch_report.h"
#include "src/os_helpers.h"
#include "src/step_failed.h"
#include "src/wait_status.h"

namespace daemonkit::internal {
namespace {

// How long the launcher waits for a daemon that stopped talking to exit.
constexpr int kExitWaitMs = 1000;

// What became of a daemon that will not be ready.
struct DaemonEnd {
  std::optional<int> wait_status;  // Known when it was this process's child.
  bool was_running = false;        // It had to be stopped.
};

// Waits briefly for `pid` to exit and stops it (SIGKILL) when it does not, so
// that a failed start leaves no daemon behind. Reaps it when it is this
// process's child, which it is when the launcher is a child subreaper.
DaemonEnd EndDaemon(Os& os, pid_t pid) {
  DaemonEnd end;
  const SysCallIntResult pidfd = os.PidFdOpen(pid, 0);
  if (pidfd.ok()) {
    struct pollfd exited = {pidfd.value, POLLIN, 0};
    SysCallIntResult polled =
        RetryOnEintr([&] { return os.Poll(&exited, 1, kExitWaitMs); });
    if (polled.ok() && polled.value == 0) {
      end.was_running = true;
      os.Kill(pid, SIGKILL);  // The pidfd pins the pid: no reuse meanwhile.
      polled = RetryOnEintr([&] { return os.Poll(&exited, 1, kExitWaitMs); });
    }
    os.Close(pidfd.value);
  }
  int status;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os.WaitPid(pid, &status, WNOHANG); });
  if (reaped.ok() && reaped.value == pid) end.wait_status = status;
  return end;
}

// The launcher's side: reads the reports until the daemon is ready, failed,
// or went silent, and reaps the middle process. Returns the ready daemon's pid.
}  // namespace

absl::StatusOr<pid_t> AwaitDaemon(Os& os, pid_t middle, int report_read) {
  pid_t daemon_pid = 0;
  bool exec_pending = false;
  std::optional<LaunchReport> last_word;
  int read_error = 0;
  for (;;) {
    LaunchReport report;
    const SysCallSizeResult got = ReadReport(os, report_read, &report);
    if (!got.ok()) read_error = got.error;
    if (!got.ok() || got.value == 0) break;
    if (report.kind == LaunchReport::kDaemonPid ||
        report.kind == LaunchReport::kExec) {
      daemon_pid = report.pid;
      exec_pending = exec_pending || report.kind == LaunchReport::kExec;
      continue;
    }
    last_word = report;
    break;
  }
  int middle_status = 0;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os.WaitPid(middle, &middle_status, 0); });
  os.Close(report_read);
  if (read_error != 0) {
    // The daemon's fate can no longer be learned: stop its process group. The
    // middle process made it and is gone, so the group is complete; while the
    // daemon lives, its group id (the middle's pid) cannot be reused.
    if (os.Kill(-middle, SIGKILL).ok()) {
      RetryOnEintr([&] { return os.WaitPid(-middle, nullptr, 0); });
    }
  }

  if (last_word.has_value() && last_word->kind == LaunchReport::kReady) {
    return last_word->pid;
  }
  // The close-on-exec pipe closed without a failure after "exec next": the
  // program runs.
  if (!last_word.has_value() && read_error == 0 && exec_pending) {
    return daemon_pid;
  }
  const pid_t abandoned = last_word.has_value() ? last_word->pid : daemon_pid;
  const DaemonEnd end = abandoned > 0 ? EndDaemon(os, abandoned) : DaemonEnd();
  if (last_word.has_value()) return StatusFromReport(*last_word);
  if (read_error != 0) {
    return StepFailed("reading the readiness pipe", read_error, EX_OSERR);
  }
  std::string what;
  if (daemon_pid == 0) {
    what = absl::StrCat(
        "the intermediate process ended before the daemon was born: ",
        reaped.ok() ? DescribeWaitStatus(middle_status) : "status unknown");
  } else if (end.was_running) {
    what = absl::StrCat("daemon (pid ", daemon_pid,
                        ") closed its readiness pipe without calling Ready(); "
                        "it was stopped");
  } else {
    what = absl::StrCat("daemon exited before it was ready",
                        end.wait_status.has_value()
                            ? ": " + DescribeWaitStatus(*end.wait_status)
                            : "");
  }
  return WithExitCode(absl::AbortedError(what), EX_SOFTWARE);
}

}  // namespace daemonkit::internal
