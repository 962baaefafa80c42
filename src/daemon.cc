// daemonkit::Daemon, the handle Detach returns (declared in detach.h).
#include <errno.h>
#include <fcntl.h>
#include <sysexits.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/sd_notify.h"
#include "src/errno_status.h"
#include "src/exec_search_path.h"
#include "src/launch_report.h"

namespace daemonkit {

using internal::ErrnoStatus;
using internal::LaunchReport;

Daemon Daemon::InLauncher(Os& os, pid_t pid) {
  return Daemon(os, pid, /*in_daemon=*/false);
}

Daemon Daemon::InDaemon(Os& os, pid_t pid, UniqueFd report,
                        std::optional<PidFile> pid_file,
                        std::string notify_socket, bool supervisor) {
  Daemon daemon(os, pid, /*in_daemon=*/true);
  daemon.supervisor_ = supervisor;
  daemon.report_ = std::move(report);
  daemon.pid_file_ = std::move(pid_file);
  daemon.notify_socket_ = std::move(notify_socket);
  return daemon;
}

absl::Status Daemon::Ready() {
  if (!in_daemon_ || ready_) {
    return absl::FailedPreconditionError(
        "Ready() is for the daemon, once, before any Fail()");
  }
  ready_ = true;
  if (!report_.valid()) {
    // Foreground: the service manager alone hears of this start. When it
    // cannot, no one will: give the pid file back, as for EPIPE below.
    absl::Status notified = Notify("READY=1");
    if (!notified.ok() && !supervisor_) RemovePidFile().IgnoreError();
    return notified;
  }
  LaunchReport ready = {};
  ready.kind = LaunchReport::kReady;
  ready.pid = pid_;
  const SysCallSizeResult sent =
      internal::WriteReport(*os_, report_.get(), ready);
  report_.reset();
  if (!sent.ok()) {
    // EPIPE: the launcher is gone (killed before the daemon was ready), so
    // no one will hear of this start: give the pid file back.
    if (sent.error == EPIPE && !supervisor_) RemovePidFile().IgnoreError();
    return ErrnoStatus("reporting readiness", sent.error, EX_OSERR);
  }
  return Notify(absl::StrCat("READY=1\nMAINPID=", pid_));
}

absl::Status Daemon::Fail(const absl::Status& why, int exit_code) {
  if (!in_daemon_ || ready_) {
    return absl::FailedPreconditionError(
        "Fail() is for the daemon, once, before any Ready()");
  }
  ready_ = true;  // No Ready() after a Fail().
  if (!report_.valid()) {
    return Notify(absl::StrCat("STATUS=", why.message()));
  }
  const SysCallSizeResult sent = internal::WriteReport(
      *os_, report_.get(), internal::StatusReport(pid_, why, exit_code));
  report_.reset();
  if (!sent.ok()) {
    return ErrnoStatus("reporting the failure", sent.error, EX_OSERR);
  }
  return absl::OkStatus();
}

absl::Status Daemon::Exec(const std::vector<std::string>& argv) {
  if (!in_daemon_ || ready_) {
    return absl::FailedPreconditionError(
        "Exec() is for the daemon, before any Ready() or Fail()");
  }
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError("Exec() needs a program to run");
  }
  if (report_.valid()) {
    LaunchReport exec_next = {};
    exec_next.kind = LaunchReport::kExec;
    exec_next.pid = pid_;
    internal::WriteReport(*os_, report_.get(), exec_next);
  }
  // The lock belongs to the descriptor: keep it open in the program.
  if (pid_file_.has_value()) os_->Fcntl(pid_file_->fd(), F_SETFD, 0);
  const int error = internal::ExecSearchingPath(*os_, argv);
  if (pid_file_.has_value()) os_->Fcntl(pid_file_->fd(), F_SETFD, FD_CLOEXEC);
  const absl::Status failed = WithExitCode(
      absl::ErrnoToStatus(error, absl::StrCat("cannot run ", argv[0])),
      error == ENOENT ? 127 : 126);
  Fail(failed, ExitCodeOf(failed)).IgnoreError();  // The launcher hears it.
  return failed;
}

absl::Status Daemon::RemovePidFile() {
  if (!pid_file_.has_value()) return absl::OkStatus();
  absl::Status removed = pid_file_->Remove();
  pid_file_.reset();
  return removed;
}

absl::Status Daemon::Notify(absl::string_view state) {
  if (notify_socket_.empty()) return absl::OkStatus();
  return SdNotify(notify_socket_, state, *os_);
}

}  // namespace daemonkit
