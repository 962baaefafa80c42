#include "daemonkit/stop_daemon.h"

#include <errno.h>
#include <poll.h>
#include <sysexits.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/supervisor.h"
#include "daemonkit/unique_fd.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"
#include "src/process_tree.h"

namespace daemonkit {
namespace {

// Sends `signal` (with `info`, if not null) through `pidfd` (the daemon
// `pid`'s) and waits up to `timeout` for it to exit.
absl::StatusOr<pid_t> SignalAndWait(Os& os, int pidfd, pid_t pid, int signal,
                                    siginfo_t* info, absl::Duration timeout) {
  const SysCallIntResult sent = os.PidFdSendSignal(pidfd, signal, info);
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
// caller learns what was found, after `refusal` ("not stopping").
absl::Status NotProven(const PidFileState& state, absl::string_view refusal) {
  return WithExitCode(
      absl::FailedPreconditionError(absl::StrCat(refusal, ": ", state.problem)),
      EX_UNAVAILABLE);
}

// The proven daemon of a pid file, and a pidfd of its pid, or of its
// supervisor's when it has one and `supervisor` asks for it; no pidfd when
// it exited meanwhile.
struct Proven {
  PidFileState state;
  UniqueFd pidfd;
};

// The pid file's state when it names a proven running daemon; else
// kNotFound (not running, or a stale file) or NotProven.
absl::StatusOr<PidFileState> ReadRunning(Os& os, const std::string& pid_file,
                                         absl::string_view refusal) {
  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file, os);
  if (!state.ok()) return state.status();
  if (state->kind == PidFileState::kUnproven) {
    return NotProven(*state, refusal);
  }
  if (state->kind != PidFileState::kRunning) {
    return absl::NotFoundError(
        state->kind == PidFileState::kStale
            ? absl::StrCat("not running (pid file ", pid_file, " is stale)")
            : "not running");
  }
  return state;
}

// Whom a proven `state` has signalled: its program, or its supervisor when
// it has one and `supervisor` asks for it.
pid_t TargetOf(const PidFileState& state, bool supervisor) {
  return supervisor && state.supervisor != 0 ? state.supervisor : state.pid;
}

absl::StatusOr<Proven> OpenProven(Os& os, const std::string& pid_file,
                                  bool supervisor, absl::string_view refusal) {
  absl::StatusOr<PidFileState> state = ReadRunning(os, pid_file, refusal);
  if (!state.ok()) return state.status();
  Proven proven = {*state, UniqueFd()};
  const pid_t target = TargetOf(*state, supervisor);
  const SysCallIntResult opened = os.PidFdOpen(target, 0);
  if (opened.error == ESRCH) return proven;
  if (!opened.ok()) {
    return internal::ErrnoStatus(absl::StrCat("opening a pidfd for ", target),
                                 opened.error, EX_OSERR);
  }
  UniqueFd pidfd(os, opened.value);
  // Between the proof and opening the pidfd the daemon may have exited and
  // its pid been reused: proven again now, the pidfd is the daemon's, or a
  // dead process's that no signal reaches.
  state = ReadRunning(os, pid_file, refusal);
  if (absl::IsNotFound(state.status())) return proven;
  if (!state.ok()) return state.status();
  // The same target proven twice: a supervisor that named its restarted
  // program (or itself, between two) meanwhile is still the one to signal,
  // as the latest look says.
  if (TargetOf(*state, supervisor) == target) {
    proven.state = *std::move(state);
    proven.pidfd = std::move(pidfd);
  }
  return proven;
}

// `signal` as sigqueue(3) sends it, carrying `timeout` in milliseconds: the
// supervisor's stop timeout for this stop (supervisor.h).
siginfo_t CarryingTimeout(Os& os, int signal, absl::Duration timeout) {
  siginfo_t info = {};
  info.si_signo = signal;
  info.si_code = SI_QUEUE;
  info.si_pid = os.GetPid();
  info.si_uid = os.GetUid();
  info.si_value.sival_int = static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(timeout), 1, INT_MAX));
  return info;
}

// The service `proven` names, whose supervisor's pidfd is `pidfd`: the
// supervisor gets `signal` and the timeout, and has until the timeout and
// its wait after SIGKILL to exit; whatever was under it and still runs then
// is named.
absl::StatusOr<pid_t> StopSupervised(Os& os, int pidfd,
                                     const PidFileState& proven, int signal,
                                     absl::Duration timeout) {
  absl::StatusOr<std::vector<internal::ProcessId>> tree =
      internal::Descendants(os, proven.supervisor);
  siginfo_t info = CarryingTimeout(os, signal, timeout);
  absl::StatusOr<pid_t> stopped =
      SignalAndWait(os, pidfd, proven.supervisor, signal, &info,
                    timeout + kStopKillWait + absl::Seconds(1));
  if (!stopped.ok()) return stopped.status();
  std::vector<pid_t> left;
  if (tree.ok()) {
    for (const internal::ProcessId& process : *tree) {
      if (internal::StillRunning(os, process)) left.push_back(process.pid);
    }
  }
  if (left.empty()) return proven.pid;
  return WithExitCode(
      absl::AbortedError(absl::StrCat("the supervisor left, but pid ",
                                      absl::StrJoin(left, ", "),
                                      " of its service still run")),
      EX_SOFTWARE);
}

}  // namespace

absl::StatusOr<pid_t> StopDaemon(const std::string& pid_file,
                                 absl::Duration timeout, int signal, Os& os) {
  absl::StatusOr<Proven> proven =
      OpenProven(os, pid_file, /*supervisor=*/true, "not stopping");
  if (!proven.ok()) return proven.status();
  const PidFileState& state = proven->state;
  if (!proven->pidfd.valid()) return state.pid;  // It exited meanwhile.
  if (state.supervisor == 0) {
    return SignalAndWait(os, proven->pidfd.get(), state.pid, signal, nullptr,
                         timeout);
  }
  return StopSupervised(os, proven->pidfd.get(), state, signal, timeout);
}

namespace {

// Sends `signal` to the program `pid_file` names or to its supervisor, as
// `supervisor` says, proven.
absl::StatusOr<pid_t> SignalProven(const std::string& pid_file, int signal,
                                   bool supervisor, Os& os) {
  absl::StatusOr<Proven> proven =
      OpenProven(os, pid_file, supervisor, "not signalling");
  if (!proven.ok()) return proven.status();
  const pid_t pid = TargetOf(proven->state, supervisor);
  if (!proven->pidfd.valid()) {
    return absl::NotFoundError(absl::StrCat("pid ", pid, " exited"));
  }
  const SysCallIntResult sent =
      os.PidFdSendSignal(proven->pidfd.get(), signal, nullptr);
  if (sent.error == ESRCH) {
    return absl::NotFoundError(absl::StrCat("pid ", pid, " exited"));
  }
  if (!sent.ok()) {
    return internal::ErrnoStatus(absl::StrCat("signalling pid ", pid),
                                 sent.error, EX_OSERR);
  }
  return pid;
}

}  // namespace

absl::StatusOr<pid_t> SignalDaemon(const std::string& pid_file, int signal,
                                   Os& os) {
  return SignalProven(pid_file, signal, /*supervisor=*/false, os);
}

absl::StatusOr<pid_t> SignalSupervisor(const std::string& pid_file, int signal,
                                       Os& os) {
  return SignalProven(pid_file, signal, /*supervisor=*/true, os);
}

}  // namespace daemonkit
