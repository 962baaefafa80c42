#include "src/launcher_signals.h"

#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

constexpr int kInterruptingSignals[] = {SIGINT, SIGTERM, SIGHUP};

// The interrupting signals the caller does not ignore. A blocked signal is
// queued even when ignored, so an ignored one must stay out of the mask.
sigset_t WatchedSignals(Os& os) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : kInterruptingSignals) {
    struct sigaction current = {};
    if (os.SigAction(signal, nullptr, &current).ok() &&
        current.sa_handler == SIG_IGN) {
      continue;
    }
    sigaddset(&set, signal);
  }
  return set;
}

}  // namespace

absl::Status WatchLauncherSignals(Os& os, LauncherSignals& signals) {
  const sigset_t watched = WatchedSignals(os);
  if (sigisemptyset(&watched)) return absl::OkStatus();
  sigemptyset(&signals.previous);
  if (const SysCallIntResult masked =
          os.SigProcMask(SIG_BLOCK, &watched, &signals.previous);
      !masked.ok()) {
    return ErrnoStatus("blocking SIGINT, SIGTERM and SIGHUP", masked.error,
                       EX_OSERR);
  }
  signals.blocked = true;
  SysCallIntResult opened =
      os.SignalFd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
  if (opened.ok()) opened = MoveAboveStdio(os, opened.value);
  if (!opened.ok()) {
    RestoreSignalMask(os, signals);
    return ErrnoStatus("opening a signalfd", opened.error, EX_OSERR);
  }
  signals.fd = UniqueFd(os, opened.value);
  return absl::OkStatus();
}

void RestoreSignalMask(Os& os, LauncherSignals& signals) {
  if (!signals.blocked) return;
  os.SigProcMask(SIG_SETMASK, &signals.previous, nullptr);
  signals.blocked = false;
}

int TakeLauncherSignal(Os& os, int fd) {
  struct signalfd_siginfo info;
  const SysCallSizeResult got =
      RetryOnEintr([&] { return os.Read(fd, &info, sizeof info); });
  if (!got.ok() || static_cast<size_t>(got.value) != sizeof info) return 0;
  return static_cast<int>(info.ssi_signo);
}

absl::Status InterruptedStatus(int signal, absl::string_view awaited,
                               absl::string_view what_was_done) {
  return WithExitCode(
      absl::CancelledError(absl::StrCat(
          "interrupted by signal ", signal, " (", sigdescr_np(signal),
          ") while waiting for ", awaited, "; ", what_was_done)),
      128 + signal);
}

}  // namespace daemonkit::internal
