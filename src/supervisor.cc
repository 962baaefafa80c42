// Supervise (supervisor.h): Detach with a worker plan, then the supervisor's
// own set-up and its loop (service_loop.h).
#include "daemonkit/supervisor.h"

#include <sys/prctl.h>
#include <sysexits.h>

#include <utility>

#include "daemonkit/exit_code.h"
#include "src/daemon_setup.h"
#include "src/detach_process.h"
#include "src/errno_status.h"
#include "src/service_loop.h"
#include "src/supervisor_signals.h"

namespace daemonkit {
namespace {

// The supervisor, from Detach's return to its exit: returns its exit status.
int RunSupervisor(Os& os, Daemon& daemon, const internal::DaemonPlan& worker,
                  const DetachOptions& detach,
                  const SupervisorOptions& options) {
  absl::Status failed;
  if (const SysCallIntResult subreaper = os.Prctl(PR_SET_CHILD_SUBREAPER, 1);
      !subreaper.ok()) {
    failed = internal::ErrnoStatus("becoming a child subreaper",
                                   subreaper.error, EX_OSERR);
  }
  absl::StatusOr<UniqueFd> signals =
      failed.ok() ? internal::TakeSupervisedSignals(os) : failed;
  if (!signals.ok()) {
    daemon.RemovePidFile().IgnoreError();
    daemon.Fail(signals.status(), ExitCodeOf(signals.status())).IgnoreError();
    return ExitCodeOf(signals.status());
  }
  internal::ServiceLoop loop(os, daemon, worker, options, signals->get(),
                             detach.stdout_path, detach.stderr_path);
  return loop.Run();
}

}  // namespace

absl::StatusOr<pid_t> Supervise(const DetachOptions& daemon,
                                const SupervisorOptions& supervision, Os& os) {
  return Supervise(daemon, supervision, os, *SystemUserDatabase(os));
}

absl::StatusOr<pid_t> Supervise(const DetachOptions& daemon,
                                const SupervisorOptions& supervision, Os& os,
                                UserDatabase& users) {
  if (supervision.command.empty() || supervision.command[0].empty()) {
    return absl::InvalidArgumentError("Supervise() needs a program to run");
  }
  internal::DaemonPlan worker;
  absl::StatusOr<Daemon> detached = internal::DetachProcess(
      daemon, os, users, &worker,
      supervision.stop_timeout + kStopKillWait + absl::Seconds(1));
  if (!detached.ok()) return detached.status();
  if (detached->in_launcher()) return detached->pid();
  os.Exit(RunSupervisor(os, *detached, worker, daemon, supervision));
  return absl::AbortedError("Exit returned");  // Only a mock Exit returns.
}

}  // namespace daemonkit
