// What the launcher prepares before the first fork: every option checked,
// users looked up, the pid file acquired, the daemon's streams and the
// readiness pipe opened. Everything that can fail for a reason the user can
// fix fails here, while the launcher still owns its terminal.
#ifndef DAEMONKIT_SRC_LAUNCH_PLAN_H_
#define DAEMONKIT_SRC_LAUNCH_PLAN_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/os.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/unique_fd.h"
#include "daemonkit/user_database.h"
#include "src/daemon_setup.h"
#include "src/launcher_signals.h"

namespace daemonkit::internal {

// Every descriptor in it is close-on-exec and numbered 3 or above, so that
// the daemon's dup2 onto 0, 1 and 2 never lands on one of them.
struct LaunchPlan {
  DaemonPlan daemon;  // What the daemon does to itself (daemon_setup.h).
  std::optional<PidFile> pid_file;
  // The readiness pipe (none in foreground mode): the launcher reads what the
  // middle process and the daemon write.
  UniqueFd report_read;
  UniqueFd report_write;
  std::string notify_socket;  // NOTIFY_SOCKET as the launcher had it.
  // The signals that interrupt the launcher's wait (none in foreground mode).
  LauncherSignals signals;
  // With daemon.supervisor: how long the supervisor may take to stop.
  absl::Duration supervisor_stop_wait;

  // The launcher, once the first fork made the middle process: closes what
  // only the daemon needs.
  void CloseDaemonsDescriptors();
  // The start failed: closes everything and removes the pid file.
  void Abandon();
};

// Fills `plan` for `options`, looking users up in `users`. On failure `plan`
// may hold part of what it needs; Abandon() it.
absl::Status PrepareLaunch(Os& os, UserDatabase& users,
                           const DetachOptions& options, LaunchPlan& plan);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_LAUNCH_PLAN_H_
