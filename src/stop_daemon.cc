#include "daemonkit/stop_daemon.h"

#include <errno.h>
#include <poll.h>
#include <sysexits.h>

#include <climits>

#include "absl/strings/str_cat.h"
#include "daemonkit/pid_file.h"
#include "src/os_helpers.h"
#include "src/step_failed.h"

namespace daemonkit {

absl::StatusOr<pid_t> StopDaemon(const std::string& pid_file,
                                 absl::Duration timeout, int signal, Os& os) {
  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file, os);
  if (!state.ok()) return state.status();
  if (state->kind != PidFileState::kRunning) {
    return absl::NotFoundError(
        state->kind == PidFileState::kStale
            ? absl::StrCat("not running (pid file ", pid_file, " is stale)")
            : "not running");
  }
  const pid_t pid = state->pid;
  if (pid <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("pid file ", pid_file, " is locked but names no pid"));
  }
  const SysCallIntResult pidfd = os.PidFdOpen(pid, 0);
  if (pidfd.error == ESRCH) return pid;  // It exited meanwhile.
  if (!pidfd.ok()) {
    return internal::StepFailed(absl::StrCat("opening a pidfd for ", pid),
                                pidfd.error, EX_OSERR);
  }
  // Between reading the pid and opening the pidfd the daemon may have
  // exited and its pid been reused: only while the pid file is still locked
  // and names the same pid is the pidfd the daemon's.
  state = ReadPidFile(pid_file, os);
  absl::StatusOr<pid_t> stopped = pid;
  if (!state.ok()) {
    stopped = state.status();
  } else if (state->kind == PidFileState::kRunning && state->pid == pid) {
    const SysCallIntResult sent = os.PidFdSendSignal(pidfd.value, signal);
    if (!sent.ok() && sent.error != ESRCH) {
      stopped = internal::StepFailed(absl::StrCat("signalling pid ", pid),
                                     sent.error, EX_OSERR);
    } else if (sent.ok()) {
      struct pollfd exited = {pidfd.value, POLLIN, 0};
      const int64_t ms = absl::ToInt64Milliseconds(timeout);
      const SysCallIntResult polled = internal::RetryOnEintr([&] {
        return os.Poll(&exited, 1,
                       ms > INT_MAX ? INT_MAX : static_cast<int>(ms));
      });
      if (!polled.ok()) {
        stopped = internal::StepFailed("waiting for the daemon to exit",
                                       polled.error, EX_OSERR);
      } else if (polled.value == 0) {
        stopped = absl::DeadlineExceededError(
            absl::StrCat("pid ", pid, " did not stop within ",
                         absl::FormatDuration(timeout)));
      }
    }
  }
  os.Close(pidfd.value);
  return stopped;
}

}  // namespace daemonkit
