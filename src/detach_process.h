// Detach's body, shared with Supervise (supervisor.h): with a worker plan to
// fill, the daemon process becomes a supervisor that keeps the caller's user
// and root, and its workers do the rest of the set-up themselves.
#ifndef DAEMONKIT_SRC_DETACH_PROCESS_H_
#define DAEMONKIT_SRC_DETACH_PROCESS_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/os.h"
#include "daemonkit/user_database.h"
#include "src/daemon_setup.h"

namespace daemonkit::internal {

// Detach(options, os, users) when `worker` is null. Otherwise the daemon
// process sets up only a supervisor's part (SetUpSupervisor), and, in it,
// `worker` receives the rest: what each worker does to itself after fork
// (SetUpWorker), with the caller's keep_fds as the descriptors it keeps. A
// launcher interrupted then asks the supervisor to stop (SIGTERM) and gives
// it `stop_wait` to do so.
absl::StatusOr<Daemon> DetachProcess(const DetachOptions& options, Os& os,
                                     UserDatabase& users, DaemonPlan* worker,
                                     absl::Duration stop_wait = {});

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_DETACH_PROCESS_H_
