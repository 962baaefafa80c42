// A daemon that beats once a second into /tmp/heartbeat.log until SIGTERM.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/signal_waiter.h"
#include "heartbeat.h"

int main() {
  daemonkit::Daemon daemon = daemonkit::DetachOrExit({});
  absl::StatusOr<daemonkit::SignalWaiter> waiter =
      daemonkit::SignalWaiter::Block({SIGTERM});
  const int log = open("/tmp/heartbeat.log",
                       O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (!waiter.ok() || log < 0) {
    daemon.Fail(absl::InternalError("cannot start"), 1).IgnoreError();
    return 1;
  }
  daemon.Ready().IgnoreError();
  for (int n = 0;; ++n) {
    if (!consumer::Beat(daemonkit::PosixOs::Default(), log, n).ok()) return 1;
    absl::StatusOr<int> signal = waiter->Wait(absl::Seconds(1));
    if (!signal.ok() || *signal == SIGTERM) return 0;
  }
}
