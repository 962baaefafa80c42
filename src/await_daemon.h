// The launcher's side of the readiness handshake: reads what the middle
// process and the daemon report, reaps the middle process, and when the start
// failed makes sure no daemon is left.
#ifndef DAEMONKIT_SRC_AWAIT_DAEMON_H_
#define DAEMONKIT_SRC_AWAIT_DAEMON_H_

#include <sys/types.h>

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit::internal {

// Returns the ready daemon's pid, or why it did not start. `middle` is the
// first fork's child; `report_read` the readiness pipe's read end, closed
// here; `signal_fd` the signalfd of launcher_signals.h (-1: none), whose
// signal stops the start: the daemon is killed; or, for a supervisor
// (supervisor.h) that takes up to `supervisor_stop` to stop all it started,
// asked to stop (SIGTERM), and killed only when it has not by then. A
// supervisor whose report cannot be read (it may have been "ready") is asked
// to stop too.
absl::StatusOr<pid_t> AwaitDaemon(
    Os& os, pid_t middle, UniqueFd report_read, int signal_fd,
    std::optional<absl::Duration> supervisor_stop = std::nullopt);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_AWAIT_DAEMON_H_
