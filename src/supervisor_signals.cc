#include "src/supervisor_signals.h"

#include <sys/signalfd.h>
#include <sysexits.h>

#include "src/errno_status.h"
#include "src/os_helpers.h"

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

absl::StatusOr<UniqueFd> TakeSupervisedSignals(Os& os) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  if (const SysCallIntResult ignored = os.SigAction(SIGPIPE, &ignore, nullptr);
      !ignored.ok()) {
    return ErrnoStatus("ignoring SIGPIPE", ignored.error, EX_OSERR);
  }
  const sigset_t taken = SupervisedSignals();
  if (const SysCallIntResult masked =
          os.SigProcMask(SIG_BLOCK, &taken, nullptr);
      !masked.ok()) {
    return ErrnoStatus("blocking signals", masked.error, EX_OSERR);
  }
  SysCallIntResult opened = os.SignalFd(-1, &taken, SFD_CLOEXEC | SFD_NONBLOCK);
  if (opened.ok()) opened = MoveAboveStdio(os, opened.value);
  if (!opened.ok()) {
    return ErrnoStatus("opening a signalfd", opened.error, EX_OSERR);
  }
  return UniqueFd(os, opened.value);
}

}  // namespace daemonkit::internal
