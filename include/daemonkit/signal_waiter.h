// daemonkit::SignalWaiter: a daemon's main loop sleeps until its next tick or
// until a signal it handles arrives, whichever comes first.
//
// The signals are blocked, so they are never delivered in the middle of the
// loop's work: no handler runs, no write is torn, nothing fails with EINTR.
// The loop takes them between two pieces of work. For single-threaded
// processes, as a daemon is right after Detach.
//
//   absl::StatusOr<SignalWaiter> waiter =
//       SignalWaiter::Block({SIGTERM, SIGINT, SIGHUP});
//   for (;;) {
//     DoWork();
//     absl::StatusOr<int> signal = waiter->Wait(absl::Seconds(10));
//     if (signal.ok() && *signal == SIGTERM) break;
//   }
#ifndef DAEMONKIT_SIGNAL_WAITER_H_
#define DAEMONKIT_SIGNAL_WAITER_H_

#include <signal.h>

#include <initializer_list>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"

namespace daemonkit {

class SignalWaiter {
 public:
  // Blocks `signals` in this process and returns a waiter for them.
  static absl::StatusOr<SignalWaiter> Block(std::initializer_list<int> signals,
                                            Os& os = PosixOs::Default());

  // Waits until one of the signals arrives or `timeout` passes. Returns the
  // signal, or 0 when the time ran out first. A signal already pending is
  // returned at once, whatever the timeout.
  absl::StatusOr<int> Wait(absl::Duration timeout);

 private:
  SignalWaiter(Os& os, const sigset_t& signals);

  Os* os_;
  sigset_t signals_;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_SIGNAL_WAITER_H_
