// A supervisor's stop (supervisor.h): every process under it ends, and is
// reaped. As a child subreaper, the supervisor inherits whatever its worker
// left, even after setsid and a double fork, so "under it" is everything the
// service started.
#ifndef DAEMONKIT_SRC_TREE_STOP_H_
#define DAEMONKIT_SRC_TREE_STOP_H_

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include <functional>
#include <vector>

#include "absl/time/time.h"
#include "daemonkit/os.h"
#include "daemonkit/supervisor.h"
#include "src/process_tree.h"

namespace daemonkit::internal {

// Told of each child reaped: its pid and wait status.
using ReapedChild = std::function<void(pid_t, int)>;
// Given each signal read from the signalfd during a stop, SIGCHLD too
// (StopDescendants reaps by itself).
using TakenSignal = std::function<void(const struct signalfd_siginfo&)>;

// What else a stop watches while it waits, besides its signals: the
// captured output's pipes, which must be read on, or a process asked to end
// could block writing to a full pipe until SIGKILL. `add` appends
// descriptors before each wait; `woke` gets them back with their revents.
struct StopWatch {
  std::function<void(std::vector<struct pollfd>&)> add;
  std::function<void(const std::vector<struct pollfd>&)> woke;
};

// Reaps every child that has ended, without waiting. Returns whether a
// child is left (or cannot be told): none means nothing at all is under
// this process, when it is a child subreaper, since every descendant whose
// parent died became its child.
bool ReapEndedChildren(Os& os, const ReapedChild& reaped);

// Sends SIGTERM, then SIGCONT (a stopped process acts on nothing else), to
// process group `group` (unless 0) and to every descendant of this process;
// waits up to `timeout` for them to be gone, reaping as `signal_fd` (a
// signalfd taking SIGCHLD) says, and passing what it reads to `taken`; then
// SIGKILL to whatever is left, and waits up to kStopKillWait (supervisor.h),
// serving `watch` (if any) meanwhile. Returns the processes still there.
// `group` must be the worker's, which is still unreaped, so that the group
// cannot be anyone else's.
std::vector<ProcessId> StopDescendants(Os& os, int signal_fd, pid_t group,
                                       absl::Duration timeout,
                                       const TakenSignal& taken,
                                       const ReapedChild& reaped,
                                       const StopWatch* watch = nullptr);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_TREE_STOP_H_
