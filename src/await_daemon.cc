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
#include "src/errno_status.h"
#include "src/launch_report.h"
#include "src/launcher_signals.h"
#include "src/os_helpers.h"
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
// A supervisor is asked first (SIGTERM) and given `wait_ms` to stop.
DaemonEnd EndDaemon(Os& os, pid_t pid, bool ask_first = false,
                    int wait_ms = kExitWaitMs) {
  DaemonEnd end;
  const SysCallIntResult opened = os.PidFdOpen(pid, 0);
  if (opened.ok()) {
    const UniqueFd pidfd(os, opened.value);
    if (ask_first) os.PidFdSendSignal(pidfd.get(), SIGTERM, nullptr);
    struct pollfd exited = {pidfd.get(), POLLIN, 0};
    SysCallIntResult polled =
        RetryOnEintr([&] { return os.Poll(&exited, 1, wait_ms); });
    if (polled.ok() && polled.value == 0) {
      end.was_running = true;
      // Through the pidfd: once the daemon is reaped (by init, when this
      // process is not its subreaper), its pid may name another process.
      os.PidFdSendSignal(pidfd.get(), SIGKILL, nullptr);
      polled = RetryOnEintr([&] { return os.Poll(&exited, 1, kExitWaitMs); });
    }
  }
  int status;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os.WaitPid(pid, &status, WNOHANG); });
  if (reaped.ok() && reaped.value == pid) end.wait_status = status;
  return end;
}

// What the reports on the readiness pipe said, up to its end or to an
// interrupting signal.
struct Reports {
  pid_t daemon_pid = 0;       // From kDaemonPid or kExec.
  bool exec_pending = false;  // kExec came: end-of-file means it succeeded.
  std::optional<LaunchReport> last_word;  // kReady or kFailed.
  int read_error = 0;
  int interrupted_by = 0;  // The signal that interrupted the wait.
};

// Waits until the pipe can be read or an interrupting signal came on
// `signal_fd` (-1: none is watched): that signal's number, else 0. A failed
// poll is left to the read to report.
int AwaitReportOrSignal(Os& os, int report_read, int signal_fd) {
  if (signal_fd < 0) return 0;
  struct pollfd ready[2] = {{report_read, POLLIN, 0}, {signal_fd, POLLIN, 0}};
  const SysCallIntResult polled =
      RetryOnEintr([&] { return os.Poll(ready, 2, -1); });
  if (!polled.ok() || (ready[1].revents & POLLIN) == 0) return 0;
  return TakeLauncherSignal(os, signal_fd);
}

Reports ReadReports(Os& os, int report_read, int signal_fd) {
  Reports reports;
  for (;;) {
    reports.interrupted_by = AwaitReportOrSignal(os, report_read, signal_fd);
    if (reports.interrupted_by != 0) return reports;
    LaunchReport report;
    const SysCallSizeResult got = ReadReport(os, report_read, &report);
    if (!got.ok()) reports.read_error = got.error;
    if (!got.ok() || got.value == 0) return reports;
    if (report.kind != LaunchReport::kDaemonPid &&
        report.kind != LaunchReport::kExec) {
      reports.last_word = report;
      return reports;
    }
    reports.daemon_pid = report.pid;
    reports.exec_pending |= report.kind == LaunchReport::kExec;
  }
}

// Why a daemon that said nothing is not ready.
absl::Status DescribeSilence(const Reports& reports, const DaemonEnd& end,
                             std::optional<int> middle_status) {
  std::string what;
  if (reports.daemon_pid == 0) {
    what = absl::StrCat(
        "the intermediate process ended before the daemon was born: ",
        middle_status.has_value() ? DescribeWaitStatus(*middle_status)
                                  : "status unknown");
  } else if (end.was_running) {
    what = absl::StrCat("daemon (pid ", reports.daemon_pid,
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

// The wait was interrupted: stops the middle process (not reaped yet, its
// pid is still its own), then its process group, where the daemon is if it
// was born, and reaps what is this process's to reap. A supervisor is asked
// to stop instead, which stops what it started.
absl::Status StopInterruptedStart(
    Os& os, pid_t middle, const Reports& reports,
    std::optional<absl::Duration> supervisor_stop) {
  os.Kill(middle, SIGKILL);
  RetryOnEintr([&] { return os.WaitPid(middle, nullptr, 0); });
  if (supervisor_stop.has_value() && reports.daemon_pid > 0) {
    EndDaemon(os, reports.daemon_pid, /*ask_first=*/true,
              static_cast<int>(absl::ToInt64Milliseconds(*supervisor_stop)));
  } else {
    if (os.Kill(-middle, SIGKILL).ok()) {
      RetryOnEintr([&] { return os.WaitPid(-middle, nullptr, 0); });
    }
    if (reports.daemon_pid > 0) EndDaemon(os, reports.daemon_pid);
  }
  return InterruptedStatus(reports.interrupted_by, "the daemon to be ready",
                           "the half-started daemon was stopped");
}

}  // namespace

absl::StatusOr<pid_t> AwaitDaemon(
    Os& os, pid_t middle, UniqueFd report_read, int signal_fd,
    std::optional<absl::Duration> supervisor_stop) {
  const Reports reports = ReadReports(os, report_read.get(), signal_fd);
  if (reports.interrupted_by != 0) {
    return StopInterruptedStart(os, middle, reports, supervisor_stop);
  }
  int status = 0;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os.WaitPid(middle, &status, 0); });
  report_read.reset();
  // A supervisor whose pid is known is asked to stop (below): it stops its
  // worker, in a process group of its own, and removes what it made.
  const bool ask_supervisor =
      supervisor_stop.has_value() && reports.daemon_pid > 0;
  if (reports.read_error != 0 && !ask_supervisor) {
    // The daemon's fate can no longer be learned: stop its process group. The
    // middle process made it and is gone, so the group is complete; while the
    // daemon lives, its group id (the middle's pid) cannot be reused. A
    // supervisor there is asked, as it may have started a worker already:
    // one not in that group yet would outlive SIGKILL.
    if (os.Kill(-middle, supervisor_stop.has_value() ? SIGTERM : SIGKILL)
            .ok()) {
      RetryOnEintr([&] { return os.WaitPid(-middle, nullptr, 0); });
    }
  }
  const std::optional<LaunchReport>& last_word = reports.last_word;
  if (last_word.has_value() && last_word->kind == LaunchReport::kReady) {
    return last_word->pid;
  }
  // The close-on-exec pipe closed without a failure after "exec next": the
  // program runs.
  if (!last_word.has_value() && reports.read_error == 0 &&
      reports.exec_pending) {
    return reports.daemon_pid;
  }
  const pid_t abandoned =
      last_word.has_value() ? last_word->pid : reports.daemon_pid;
  DaemonEnd end;
  if (reports.read_error != 0 && ask_supervisor) {
    // Whatever it said, it may have said it was ready: it must stop.
    end = EndDaemon(
        os, abandoned, /*ask_first=*/true,
        static_cast<int>(absl::ToInt64Milliseconds(*supervisor_stop)));
  } else if (abandoned > 0) {
    end = EndDaemon(os, abandoned);
  }
  if (last_word.has_value()) return StatusFromReport(*last_word);
  if (reports.read_error != 0) {
    return ErrnoStatus("reading the readiness pipe", reports.read_error,
                       EX_OSERR);
  }
  return DescribeSilence(
      reports, end, reaped.ok() ? std::optional<int>(status) : std::nullopt);
}

}  // namespace daemonkit::internal
