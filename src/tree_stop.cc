#include "src/tree_stop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "daemonkit/unique_fd.h"
#include "src/monotonic_clock.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

// Sends `signal` to `process` only if its pid still names it: through a
// pidfd opened, then checked against the process's start time, so that a
// pid reused meanwhile is never signalled.
void SignalProven(Os& os, const ProcessId& process, int signal) {
  const SysCallIntResult opened = os.PidFdOpen(process.pid, 0);
  if (!opened.ok()) return;  // Gone.
  const UniqueFd pidfd(os, opened.value);
  if (!StillRunning(os, process)) return;
  os.PidFdSendSignal(pidfd.get(), signal, nullptr);
}

// Sends each signal of `signals` to the group and to every descendant: the
// group first, at once, which is most of the tree; then the rest, as one
// scan of /proc finds it.
void SignalTree(Os& os, pid_t group, std::initializer_list<int> signals) {
  if (group > 0) os.Kill(-group, *signals.begin());
  absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, os.GetPid());
  for (int signal : signals) {
    if (group > 0 && signal != *signals.begin()) os.Kill(-group, signal);
    if (!found.ok()) continue;
    for (const ProcessId& process : *found) SignalProven(os, process, signal);
  }
}

// Takes whatever signals wait on `signal_fd`, passing each to `taken`.
void TakeSignals(Os& os, int signal_fd, const TakenSignal& taken) {
  struct signalfd_siginfo info;
  while (RetryOnEintr([&] {
           return os.Read(signal_fd, &info, sizeof info);
         }).value == sizeof info) {
    taken(info);
  }
}

// Reaps until no descendant is left, or `deadline` passes; returns whether
// none is left.
bool AwaitNoDescendants(Os& os, int signal_fd, absl::Time deadline,
                        const TakenSignal& taken, const ReapedChild& reaped,
                        const StopWatch* watch) {
  for (;;) {
    // waitpid(2) and /proc must agree: one failing read is not an end.
    if (!ReapEndedChildren(os, reaped)) {
      absl::StatusOr<std::vector<ProcessId>> left =
          Descendants(os, os.GetPid());
      if (left.ok() && left->empty()) return true;
    }
    absl::StatusOr<absl::Time> now = MonotonicNow(os);
    if (!now.ok() || *now >= deadline) return false;
    std::vector<struct pollfd> ready = {{signal_fd, POLLIN, 0}};
    if (watch != nullptr) watch->add(ready);
    RetryOnEintr([&] {
      return os.Poll(ready.data(), ready.size(), PollTimeout(*now, deadline));
    });
    TakeSignals(os, signal_fd, taken);
    if (watch != nullptr) {
      watch->woke(std::vector<struct pollfd>(ready.begin() + 1, ready.end()));
    }
  }
}

}  // namespace

bool ReapEndedChildren(Os& os, const ReapedChild& reaped) {
  for (;;) {
    int status = 0;
    const SysCallIntResult got =
        RetryOnEintr([&] { return os.WaitPid(-1, &status, WNOHANG); });
    if (got.error == ECHILD) return false;
    if (!got.ok() || got.value == 0) return true;
    reaped(got.value, status);
  }
}

std::vector<ProcessId> StopDescendants(Os& os, int signal_fd, pid_t group,
                                       absl::Duration timeout,
                                       const TakenSignal& taken,
                                       const ReapedChild& reaped,
                                       const StopWatch* watch) {
  // Once its leader is reaped, a group that emptied may give its id to a new
  // process's group: signal it only while the leader is unreaped.
  auto reap = [&](pid_t pid, int status) {
    if (pid == group) group = 0;
    reaped(pid, status);
  };
  // Nothing under it: the common end of an instance that left nothing (and
  // was reaped: its group is no one's then), with no scan of /proc.
  if (group == 0 && !ReapEndedChildren(os, reap)) return {};
  absl::StatusOr<absl::Time> now = MonotonicNow(os);
  const absl::Time start = now.ok() ? *now : absl::InfinitePast();
  SignalTree(os, group, {SIGTERM, SIGCONT});
  if (AwaitNoDescendants(os, signal_fd, start + timeout, taken, reap, watch)) {
    return {};
  }
  SignalTree(os, group, {SIGKILL});
  now = MonotonicNow(os);
  const absl::Time kill_deadline = (now.ok() ? *now : start) + kStopKillWait;
  if (AwaitNoDescendants(os, signal_fd, kill_deadline, taken, reap, watch)) {
    return {};
  }
  absl::StatusOr<std::vector<ProcessId>> left = Descendants(os, os.GetPid());
  return left.ok() ? *std::move(left) : std::vector<ProcessId>();
}

}  // namespace daemonkit::internal
