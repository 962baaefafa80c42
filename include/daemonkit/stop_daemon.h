// daemonkit::StopDaemon: stop the daemon a pid file names, and wait until it
// is gone, as `start-stop-daemon --stop --retry` and init scripts do.
//
// The pid is signalled only when proven: it holds the pid file's write lock
// (see pid_file.h), before and after its pidfd is opened, and the signal goes
// through that pidfd, so neither a pid written by someone else nor a
// recycled pid is ever signalled.
#ifndef DAEMONKIT_STOP_DAEMON_H_
#define DAEMONKIT_STOP_DAEMON_H_

#include <signal.h>
#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"

namespace daemonkit {

// Sends `signal` to the daemon `pid_file` names and waits up to `timeout`
// for it to exit (a negative timeout: not at all). Returns the pid it
// stopped; kNotFound when no daemon holds the pid file; kFailedPrecondition,
// naming what was found, when the file is locked but its pid is not proven
// (PidFileState::kUnproven); kDeadlineExceeded when the daemon is still
// running after `timeout`.
//
// A supervised program (supervisor.h) is stopped by its supervisor: the
// signal, carrying `timeout` as its stop timeout, goes to the supervisor,
// which is waited for up to `timeout` and kStopKillWait more; processes of
// the service still running then fail the stop (kAborted, EX_SOFTWARE),
// named.
absl::StatusOr<pid_t> StopDaemon(const std::string& pid_file,
                                 absl::Duration timeout, int signal = SIGTERM,
                                 Os& os = PosixOs::Default());

// Sends `signal` to the program `pid_file` names, proven as above (never to
// its supervisor), without waiting: a reload. Returns its pid; kNotFound
// when it is not running, kFailedPrecondition when it is not proven.
absl::StatusOr<pid_t> SignalDaemon(const std::string& pid_file, int signal,
                                   Os& os = PosixOs::Default());

// As SignalDaemon, but to the supervisor of a supervised program (SIGHUP:
// reopen the output files), or to the daemon itself when it has none (it
// holds the lock: a Detach daemon, or a supervisor between two instances).
absl::StatusOr<pid_t> SignalSupervisor(const std::string& pid_file, int signal,
                                       Os& os = PosixOs::Default());

}  // namespace daemonkit

#endif  // DAEMONKIT_STOP_DAEMON_H_
