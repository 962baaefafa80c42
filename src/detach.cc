// Detach and DetachOrExit: the timeline of detach.h's diagram, top to bottom.
// Each process's part lives in a file of its own: the launcher's preparation
// (launch_plan.h) and wait (await_daemon.h), the middle process
// (middle_process.h), the daemon's set-up (daemon_setup.h).
#include "daemonkit/detach.h"

#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/message_escape.h"
#include "src/after_fork_failure.h"
#include "src/await_daemon.h"
#include "src/daemon_setup.h"
#include "src/detach_process.h"
#include "src/errno_status.h"
#include "src/launch_plan.h"
#include "src/launch_report.h"
#include "src/launcher_signals.h"
#include "src/middle_process.h"

namespace daemonkit {
namespace {

using internal::AfterForkFailure;
using internal::LaunchPlan;

// What Detach returns in the middle process and the daemon after Exit, which
// only a mock Exit returns from.
absl::Status ReturnedFromExit() { return absl::AbortedError("Exit returned"); }

// The launcher, once the first fork made `middle`: waits for the daemon's
// first word, or for a signal that interrupts the wait; returns the daemon's
// pid once it is ready. Gives the caller its signal mask back either way.
absl::StatusOr<pid_t> AwaitReady(Os& os, pid_t middle, LaunchPlan& plan) {
  UniqueFd report_read = std::move(plan.report_read);
  plan.CloseDaemonsDescriptors();
  absl::StatusOr<pid_t> ready = internal::AwaitDaemon(
      os, middle, std::move(report_read), plan.signals.fd.get(),
      plan.daemon.supervisor
          ? std::optional<absl::Duration>(plan.supervisor_stop_wait)
          : std::nullopt);
  if (!ready.ok()) plan.Abandon();
  plan.signals.fd.reset();
  internal::RestoreSignalMask(os, plan.signals);
  return ready;
}

// A start that failed before the first fork.
absl::Status AbandonUnforked(Os& os, LaunchPlan& plan, absl::Status failed) {
  plan.Abandon();
  internal::RestoreSignalMask(os, plan.signals);
  return failed;
}

// The daemon's own set-up: all of it, or a supervisor's part when `worker`
// is given, which then receives the rest, for the supervisor's children.
AfterForkFailure SetUpDaemonProcess(Os& os, LaunchPlan& plan, pid_t pid,
                                    const DetachOptions& options,
                                    internal::DaemonPlan* worker) {
  if (worker == nullptr) return internal::SetUpDaemon(os, plan.daemon, pid);
  const AfterForkFailure failed =
      internal::SetUpSupervisor(os, plan.daemon, pid);
  *worker = std::move(plan.daemon);
  worker->pid_file = nullptr;
  worker->keep = options.keep_fds;
  std::sort(worker->keep.begin(), worker->keep.end());
  return failed;
}

// Foreground mode: the calling process, `pid`, sets itself up as the daemon.
absl::Status SetUpInPlace(Os& os, LaunchPlan& plan, pid_t pid,
                          const DetachOptions& options,
                          internal::DaemonPlan* worker) {
  const AfterForkFailure failed =
      SetUpDaemonProcess(os, plan, pid, options, worker);
  if (!failed.failed()) return absl::OkStatus();
  plan.Abandon();
  return internal::StatusFromReport(
      internal::AfterForkFailureReport(pid, failed));
}

}  // namespace

absl::StatusOr<Daemon> Detach(const DetachOptions& options, Os& os) {
  return Detach(options, os, *SystemUserDatabase(os));
}

absl::StatusOr<Daemon> Detach(const DetachOptions& options, Os& os,
                              UserDatabase& users) {
  return internal::DetachProcess(options, os, users, nullptr,
                                 absl::ZeroDuration());
}

absl::StatusOr<Daemon> internal::DetachProcess(const DetachOptions& options,
                                               Os& os, UserDatabase& users,
                                               DaemonPlan* worker,
                                               absl::Duration stop_wait) {
  LaunchPlan plan;
  plan.daemon.supervisor = worker != nullptr;
  plan.supervisor_stop_wait = stop_wait;
  if (!options.foreground) {
    // From the start: a signal while the pid file is being made is noticed
    // as well as one while the daemon gets ready.
    if (absl::Status watched = internal::WatchLauncherSignals(os, plan.signals);
        !watched.ok()) {
      return watched;
    }
  }
  if (absl::Status prepared = internal::PrepareLaunch(os, users, options, plan);
      !prepared.ok()) {
    return AbandonUnforked(os, plan, prepared);
  }
  if (options.foreground) {
    const pid_t pid = os.GetPid();
    if (absl::Status set_up = SetUpInPlace(os, plan, pid, options, worker);
        !set_up.ok()) {
      return set_up;
    }
    return Daemon::InDaemon(os, pid, UniqueFd(), std::move(plan.pid_file),
                            std::move(plan.notify_socket),
                            /*supervisor=*/worker != nullptr);
  }

  const SysCallIntResult first_fork = os.Fork();
  if (!first_fork.ok()) {
    return AbandonUnforked(
        os, plan,
        internal::ErrnoStatus("first fork", first_fork.error, EX_OSERR));
  }
  if (first_fork.value > 0) {  // The launcher.
    absl::StatusOr<pid_t> ready = AwaitReady(os, first_fork.value, plan);
    if (!ready.ok()) return ready.status();
    return Daemon::InLauncher(os, *ready);
  }

  // The middle process, and the daemon after it, hold no copy of what only
  // the launcher reads: once the launcher is gone, the daemon's report meets
  // no reader (EPIPE at Ready()) at once, not when the middle process exits.
  plan.report_read.reset();
  plan.signals.fd.reset();
  if (!internal::RunMiddleProcess(os, plan.report_write.get())) {
    return ReturnedFromExit();
  }

  // The daemon; its signal mask is emptied at set-up.
  const pid_t pid = os.GetPid();
  const AfterForkFailure failed =
      SetUpDaemonProcess(os, plan, pid, options, worker);
  if (failed.failed()) {
    internal::ReportFailureAndExit(os, plan.report_write.get(), pid, failed);
    return ReturnedFromExit();
  }
  return Daemon::InDaemon(os, pid, std::move(plan.report_write),
                          std::move(plan.pid_file),
                          std::move(plan.notify_socket),
                          /*supervisor=*/worker != nullptr);
}

Daemon DetachOrExit(const DetachOptions& options, Os& os) {
  // The daemon becomes this process's child when the middle process exits, so
  // a daemon that dies before it is ready can be reaped and described. This
  // process exits next, so nothing is left for it to reap later.
  if (!options.foreground) os.Prctl(PR_SET_CHILD_SUBREAPER, 1);
  absl::StatusOr<Daemon> daemon = Detach(options, os);
  if (daemon.ok() && !daemon->in_launcher()) return *std::move(daemon);
  if (!daemon.ok()) {
    const std::string line = absl::StrCat(
        "daemonkit: ", EscapeForMessage(daemon.status().message()), "\n");
    os.Write(STDERR_FILENO, line.data(), line.size());
  }
  os.Exit(ExitCodeOf(daemon.status()));
  // Only a mock Exit returns.
  return daemon.ok() ? *std::move(daemon) : Daemon::InLauncher(os, 0);
}

}  // namespace daemonkit
