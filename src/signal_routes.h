// What a supervisor (supervisor.h) or the lean init (lean_init.h) does with
// each signal it gets, and which signals it takes. Nothing here allocates or
// needs more than the C library, for the lean init's sake.
#ifndef DAEMONKIT_SRC_SIGNAL_ROUTES_H_
#define DAEMONKIT_SRC_SIGNAL_ROUTES_H_

#include <signal.h>

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

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SIGNAL_ROUTES_H_
