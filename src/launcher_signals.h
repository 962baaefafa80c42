// The signals that interrupt a launcher waiting for its daemon: SIGINT (^C),
// SIGTERM and SIGHUP (its terminal closed), except those the caller ignores
// (nohup ignores SIGHUP). Blocked and read through a signalfd, they are
// noticed while the launcher waits: it stops what it started, removes the pid
// file and reports the signal, instead of dying and leaving a half-started
// daemon behind. Detach watches them from its start until its wait ends
// (a supervisor's too, which waits for READY=1 in Supervise's daemon).
#ifndef DAEMONKIT_SRC_LAUNCHER_SIGNALS_H_
#define DAEMONKIT_SRC_LAUNCHER_SIGNALS_H_

#include <signal.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit::internal {

struct LauncherSignals {
  UniqueFd fd;        // The signalfd; invalid when no signal is watched.
  sigset_t previous;  // The caller's mask, while `blocked`.
  bool blocked = false;
};

// Blocks the signals that interrupt a launcher and opens `signals.fd` on
// them.
absl::Status WatchLauncherSignals(Os& os, LauncherSignals& signals);

// Gives the caller its signal mask back. Allocates nothing, so that the
// middle process and the daemon can call it after fork.
void RestoreSignalMask(Os& os, LauncherSignals& signals);

// The number of a signal that arrived on `fd`, taking it; 0 when none did.
int TakeLauncherSignal(Os& os, int fd);

// "interrupted by signal 2 (Interrupt) while waiting for <awaited>;
// <what_was_done>": what an interrupted launcher returns, exit code
// 128+signal as a shell reports a process killed by it.
absl::Status InterruptedStatus(int signal, absl::string_view awaited,
                               absl::string_view what_was_done);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_LAUNCHER_SIGNALS_H_
