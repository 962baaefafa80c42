// A supervisor's stop (supervisor.h): every process under it ends, and is
// reaped. As a child subreaper, the supervisor inherits whatever its worker
// left, even after setsid and a double fork, so "under it" is everything the
// service started.
#ifndef DAEMONKIT_SRC_TREE_STOP_H_
#define DAEMONKIT_SRC_TREE_STOP_H_

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

// Reaps every child that has ended, without waiting. Returns whether a child
// is left (waitpid(2) found one that has not ended).
bool ReapEndedChildren(Os& os, const ReapedChild& reaped);

// Sends SIGTERM, then SIGCONT (a stopped process acts on nothing else), to
// process group `group` (unless 0) and to every descendant of this process;
// waits up to `timeout` for them to be gone, reaping as `signal_fd` (a
// signalfd taking SIGCHLD) says, and passing what it reads to `taken`; then
// SIGKILL to whatever is left, and waits up to kStopKillWait (supervisor.h).
// None is left once a scan of /proc finds no descendant and waitpid(2) no
// child: a scan misses a process whose stat it cannot read. Returns the
// processes still there. `group` must be the worker's, which is
// still unreaped, so that the group cannot be anyone else's.
std::vector<ProcessId> StopDescendants(Os& os, int signal_fd, pid_t group,
                                       absl::Duration timeout,
                                       const TakenSignal& taken,
                                       const ReapedChild& reaped);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_TREE_STOP_H_
