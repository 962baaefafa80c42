// What a daemon does to itself once it is the daemon: after the last fork, or
// in place in foreground mode. daemon(7)'s order, plus the options.
#ifndef DAEMONKIT_SRC_DAEMON_SETUP_H_
#define DAEMONKIT_SRC_DAEMON_SETUP_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemonkit/os.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/unique_fd.h"
#include "src/after_fork_failure.h"
#include "src/credentials.h"

namespace daemonkit::internal {

// Everything the launcher decided and opened for the daemon, before any fork.
struct DaemonPlan {
  int umask = 0;
  std::string chroot_directory;   // Empty: none.
  std::string working_directory;  // Absolute when in a chroot.
  UniqueFd stdio[3];            // Moved onto 0, 1 and 2; none leaves a stream.
  std::vector<int> keep;        // Sorted descriptors that survive.
  PidFile* pid_file = nullptr;  // Receives the daemon's pid.
  bool disable_core_dumps = false;
  bool clear_environment = false;
  std::vector<std::pair<std::string, std::string>> environment;  // To set.
  std::optional<Credentials> credentials;
  // The daemon supervises workers that take the identity above themselves
  // (SetUpSupervisor): its pid file stays the caller's.
  bool supervisor = false;
};

// Umask, chroot (the pid file then lets go of its directory, which would
// lead out of the jail), chdir, default signal dispositions and an empty
// mask, stdio, every other descriptor closed, the pid file written, core
// dumps off, the environment, and last the user and groups. Stops at the
// first step that fails and says which. Allocates only for the environment.
// Once the inherited descriptors are closed, `plan.stdio` no longer owns any.
AfterForkFailure SetUpDaemon(Os& os, DaemonPlan& plan, pid_t pid);

// A supervisor's part (supervisor.h) of SetUpDaemon: umask 022, chdir to "/",
// signals, stdio (moved out of `plan`), descriptors and the pid file. It stays
// the caller's user, in the caller's root, environment and limits, so that
// its worker can neither signal nor trace it, and it can reach its pid file
// whatever the worker's chroot.
AfterForkFailure SetUpSupervisor(Os& os, DaemonPlan& plan, pid_t pid);

// The worker's part, in the supervisor's child: SetUpDaemon without the pid
// file. Its standard streams are the supervisor's, unless `plan` has others.
AfterForkFailure SetUpWorker(Os& os, DaemonPlan& plan);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_DAEMON_SETUP_H_
