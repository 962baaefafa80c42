#include "src/supervisor_signals.h"

#include <sys/signalfd.h>
#include <sysexits.h>

#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {

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
