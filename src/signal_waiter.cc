#include "daemonkit/signal_waiter.h"

#include <errno.h>
#include <sysexits.h>
#include <time.h>

#include "absl/strings/str_cat.h"
#include "src/errno_status.h"
#include "src/monotonic_clock.h"

namespace daemonkit {
using internal::MonotonicNow;

SignalWaiter::SignalWaiter(Os& os, const sigset_t& signals)
    : os_(&os), signals_(signals) {}

absl::StatusOr<SignalWaiter> SignalWaiter::Block(
    std::initializer_list<int> signals, Os& os) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals) {
    if (sigaddset(&set, signal) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a signal that can be waited for: ", signal));
    }
  }
  const SysCallIntResult blocked = os.SigProcMask(SIG_BLOCK, &set, nullptr);
  if (!blocked.ok()) {
    return internal::ErrnoStatus("blocking signals", blocked.error, EX_OSERR);
  }
  return SignalWaiter(os, set);
}

absl::StatusOr<int> SignalWaiter::Wait(absl::Duration timeout) {
  absl::StatusOr<absl::Time> now = MonotonicNow(*os_);
  if (!now.ok()) return now.status();
  const absl::Time deadline = *now + timeout;
  for (;;) {
    const struct timespec left =
        absl::ToTimespec(std::max(deadline - *now, absl::ZeroDuration()));
    const SysCallIntResult taken = os_->SigTimedWait(&signals_, nullptr, &left);
    if (taken.ok()) return taken.value;
    if (taken.error == EAGAIN) return 0;  // The time ran out.
    if (taken.error != EINTR) {
      return internal::ErrnoStatus("waiting for signals", taken.error,
                                   EX_OSERR);
    }
    // Interrupted by a signal this waiter does not take: wait for the rest.
    now = MonotonicNow(*os_);
    if (!now.ok()) return now.status();
  }
}

}  // namespace daemonkit
