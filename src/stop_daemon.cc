#include "daemonkit/stop_daemon.h"

#include <errno.h>
#include <poll.h>
#include <sysexits.h>

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/unique_fd.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit {
namespace {

// Sends `signal` through `pidfd` (the daemon `pid`'s) and waits up to
// `timeout` for it to exit.
absl::StatusOr<pid_t> SignalAndWait(Os& os, int pidfd, pid_t pid, int signal,
                                    absl::Duration timeout) {
  const SysCallIntResult sent = os.PidFdSendSignal(pidfd, signal);
  if (sent.error == ESRCH) return pid;  // It exited meanwhile.
  if (!sent.ok()) {
    return internal::ErrnoStatus(absl::StrCat("signalling pid ", pid),
                                 sent.error, EX_OSERR);
  }
  struct pollfd exited = {pidfd, POLLIN, 0};
  // poll(2) waits forever for a negative time: "up to" a negative time is
  // not waiting at all.
  const int64_t ms =
      std::clamp<int64_t>(absl::ToInt64Milliseconds(timeout), 0, INT_MAX);
  const SysCallIntResult polled = internal::RetryOnEintr(
      [&] { return os.Poll(&exited, 1, static_cast<int>(ms)); });
  if (!polled.ok()) {
    return internal::ErrnoStatus("waiting for the daemon to exit", polled.error,
                                 EX_OSERR);
  }
  if (polled.value == 0) {
    return absl::DeadlineExceededError(absl::StrCat(
        "pid ", pid, " did not stop within ", absl::FormatDuration(timeout)));
  }
  return pid;
}

// A locked pid file whose pid is not proven: nothing is signalled, and the
// caller learns what was found.
absl::Status NotProven(const PidFileState& state) {
  return WithExitCode(absl::FailedPreconditionError(
                          absl::StrCat("not stopping: ", state.problem)),
                      EX_UNAVAILABLE);
}

}  // namespace

absl::StatusOr<pid_t> StopDaemon(const std::string& pid_file,
                                 absl::Duration timeout, int signal, Os& os) {
  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file, os);
  if (!state.ok()) return state.status();
  if (state->kind == PidFileState::kUnproven) return NotProven(*state);
  if (state->kind != PidFileState::kRunning) {
    return absl::NotFoundError(
        state->kind == PidFileState::kStale
            ? absl::StrCat("not running (pid file ", pid_file, " is stale)")
            : "not running");
  }
  const pid_t pid = state->pid;
  const SysCallIntResult opened = os.PidFdOpen(pid, 0);
  if (opened.error == ESRCH) return pid;  // It exited meanwhile.
  if (!opened.ok()) {
    return internal::ErrnoStatus(absl::StrCat("opening a pidfd for ", pid),
                                 opened.error, EX_OSERR);
  }
  const UniqueFd pidfd(os, opened.value);
  // Between the proof and opening the pidfd the daemon may have exited and
  // its pid been reused: proven again now, the pidfd is the daemon's, or a
  // dead process's that no signal reaches.
  state = ReadPidFile(pid_file, os);
  if (!state.ok()) return state.status();
  if (state->kind == PidFileState::kUnproven) return NotProven(*state);
  if (state->kind != PidFileState::kRunning || state->pid != pid) return pid;
  return SignalAndWait(os, pidfd.get(), pid, signal, timeout);
}

}  // namespace daemonkit
