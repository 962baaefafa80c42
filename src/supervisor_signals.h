// What a supervisor (supervisor.h) does with each signal it gets. It takes
// them through a signalfd, so that none interrupts it in the middle of a step
// and none is lost while it sleeps in poll(2).
#ifndef DAEMONKIT_SRC_SUPERVISOR_SIGNALS_H_
#define DAEMONKIT_SRC_SUPERVISOR_SIGNALS_H_

#include <signal.h>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit::internal {

enum class SignalRoute {
  kStop,     // SIGTERM, SIGINT: stop the service.
  kReopen,   // SIGHUP: reopen the outputs the supervisor writes.
  kReap,     // SIGCHLD: a child (or an orphan of the tree) changed state.
  kForward,  // Any other: the worker's.
};

SignalRoute RouteSignal(int signal);

// Every signal a supervisor takes: all that a process can catch but those the
// kernel raises for a fault of its own (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
// SIGTRAP, SIGSYS), which must end it as they would any program, and
// SIGPIPE, which it ignores (a write to a reader that left fails instead).
sigset_t SupervisedSignals();

// Ignores SIGPIPE, blocks SupervisedSignals() and returns a signalfd
// (close-on-exec, non-blocking) that reads them.
absl::StatusOr<UniqueFd> TakeSupervisedSignals(Os& os);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SUPERVISOR_SIGNALS_H_
