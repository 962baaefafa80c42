#include "src/signal_routes.h"

namespace daemonkit::internal {
namespace {

bool IsFaultSignal(int signal) {
  switch (signal) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGSYS:
      return true;
    default:
      return false;
  }
}

}  // namespace

SignalRoute RouteSignal(int signal) {
  switch (signal) {
    case SIGTERM:
    case SIGINT:
      return SignalRoute::kStop;
    case SIGHUP:
      return SignalRoute::kReopen;
    case SIGCHLD:
      return SignalRoute::kReap;
    default:
      return SignalRoute::kForward;
  }
}

sigset_t SupervisedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal == SIGKILL || signal == SIGSTOP || signal == SIGPIPE ||
        IsFaultSignal(signal)) {
      continue;
    }
    // The C library keeps 32 and 33 for itself: sigaddset refuses them.
    sigaddset(&set, signal);
  }
  return set;
}

}  // namespace daemonkit::internal
