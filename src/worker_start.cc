#include "src/worker_start.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "src/errno_status.h"
#include "src/exec_search_path.h"
#include "src/launch_report.h"
#include "src/os_helpers.h"
#include "src/process_tree.h"
#include "src/wait_status.h"

namespace daemonkit::internal {
namespace {

// How often a supervisor that waits for its worker's exec looks whether the
// worker is stopped: a start takes a millisecond, so this costs nothing.
constexpr int kStoppedWorkerCheckMs = 100;

// The worker's plan, keeping the report pipe's write end open until exec
// closes it. Made before fork: the worker then allocates nothing to set up.
DaemonPlan PlanWithReport(const DaemonPlan& plan, int report_fd,
                          const WorkerEnvironment& extra,
                          WorkerStreams& streams) {
  DaemonPlan worker;
  worker.stdio[STDOUT_FILENO] = std::move(streams.out);
  worker.stdio[STDERR_FILENO] = std::move(streams.err);
  worker.umask = plan.umask;
  worker.chroot_directory = plan.chroot_directory;
  worker.working_directory = plan.working_directory;
  worker.keep = plan.keep;
  worker.keep.push_back(report_fd);
  std::sort(worker.keep.begin(), worker.keep.end());
  worker.disable_core_dumps = plan.disable_core_dumps;
  worker.clear_environment = plan.clear_environment;
  worker.environment = plan.environment;
  worker.environment.insert(worker.environment.end(), extra.variables.begin(),
                            extra.variables.end());
  worker.credentials = plan.credentials;
  return worker;
}

// The worker's side; never returns (but from a mock Exit).
void RunWorker(Os& os, DaemonPlan& plan, const std::vector<std::string>& argv,
               bool watchdog_pid, bool take_terminal, pid_t supervisor,
               int report_fd) {
  const pid_t pid = os.GetPid();
  if (const SysCallIntResult grouped = os.SetPgid(0, 0); !grouped.ok()) {
    ReportFailureAndExit(os, report_fd, pid,
                         {"making a process group", nullptr, grouped.error});
    return;
  }
  // From a background group: allowed, as SIGTTOU is still blocked here.
  if (const SysCallIntResult taken =
          take_terminal ? os.TcSetPgrp(STDIN_FILENO, pid) : SysCallIntResult{};
      !taken.ok()) {
    ReportFailureAndExit(os, report_fd, pid,
                         {"taking the terminal", nullptr, taken.error});
    return;
  }
  // What the supervisor's own service manager told it is not the worker's:
  // its notify socket and watchdog are the supervisor's (the worker gets
  // the supervisor's own, if any, from `plan`).
  for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) {
    if (const SysCallIntResult unset = os.UnsetEnv(name); !unset.ok()) {
      ReportFailureAndExit(os, report_fd, pid,
                           {"unsetting", name, unset.error});
      return;
    }
  }
  if (const AfterForkFailure failed = SetUpWorker(os, plan); failed.failed()) {
    ReportFailureAndExit(os, report_fd, pid, failed);
    return;
  }
  if (watchdog_pid) {
    char number[16];
    snprintf(number, sizeof number, "%d", pid);
    if (const SysCallIntResult set = os.SetEnv("WATCHDOG_PID", number);
        !set.ok()) {
      ReportFailureAndExit(os, report_fd, pid,
                           {"setting", "WATCHDOG_PID", set.error});
      return;
    }
  }
  // After the switch of user, which clears it; then the supervisor may
  // already be gone, and no signal would come.
  const SysCallIntResult asked = os.Prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (!asked.ok() || os.GetPPid() != supervisor) {
    ReportFailureAndExit(os, report_fd, pid,
                         {"asking for a signal at the supervisor's death",
                          nullptr, asked.ok() ? ESRCH : asked.error});
    return;
  }
  // From now on, end-of-file means the exec succeeded; before this, that
  // the worker was killed.
  LaunchReport exec_next = {};
  exec_next.kind = LaunchReport::kExec;
  exec_next.pid = pid;
  if (const SysCallSizeResult told = WriteReport(os, report_fd, exec_next);
      !told.ok()) {
    // The supervisor could not tell this exec from a death: no exec, and
    // why, should the pipe take it after all.
    ReportFailureAndExit(os, report_fd, pid,
                         {"reporting its exec", nullptr, told.error});
    return;
  }
  const int error = ExecSearchingPath(os, argv);
  const absl::Status failed = WithExitCode(
      absl::ErrnoToStatus(error, absl::StrCat("cannot run ", argv[0])),
      error == ENOENT ? 127 : 126);
  WriteReport(os, report_fd, StatusReport(pid, failed, ExitCodeOf(failed)));
  os.Exit(ExitCodeOf(failed));
}

// Waits until the worker's report pipe can be read. A worker stopped before
// its exec (^Z on a terminal it took, SIGSTOP from its own user once it has
// that user's ids) would hold the supervisor here for as long: it is
// continued, as nothing it runs yet wants a stop. Should poll(2) fail, the
// read that follows waits on its own.
void AwaitReport(Os& os, pid_t pid, int report_fd) {
  struct pollfd readable = {report_fd, POLLIN, 0};
  while (RetryOnEintr([&] {
           return os.Poll(&readable, 1, kStoppedWorkerCheckMs);
         }).value == 0) {
    const std::optional<ProcessStat> stat = ReadProcessStat(os, pid);
    if (stat.has_value() && stat->state == 'T') os.Kill(pid, SIGCONT);
  }
}

// The supervisor's side: "exec next", then end-of-file once the exec
// succeeded; or the failure the worker reports. A failed worker is reaped.
absl::Status AwaitExec(Os& os, pid_t pid, int report_fd) {
  LaunchReport report = {};
  AwaitReport(os, pid, report_fd);
  SysCallSizeResult got = ReadReport(os, report_fd, &report);
  const bool exec_next =
      got.ok() && got.value > 0 && report.kind == LaunchReport::kExec;
  if (exec_next) {
    AwaitReport(os, pid, report_fd);
    got = ReadReport(os, report_fd, &report);
  }
  if (got.ok() && got.value == 0 && exec_next) return absl::OkStatus();
  if (!got.ok()) os.Kill(pid, SIGKILL);
  int status = 0;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os.WaitPid(pid, &status, 0); });
  if (!got.ok()) {
    return ErrnoStatus("reading the worker's report", got.error, EX_OSERR);
  }
  if (got.value > 0) return StatusFromReport(report);
  // Silent: it died before its exec (killed; its set-up reports failures).
  return WithExitCode(
      absl::AbortedError(
          absl::StrCat("the worker (pid ", pid, ") ended before its exec",
                       reaped.ok() ? ": " + DescribeWaitStatus(status) : "")),
      EX_SOFTWARE);
}

}  // namespace

absl::StatusOr<StartedWorker> StartWorker(Os& os, const DaemonPlan& plan,
                                          const std::vector<std::string>& argv,
                                          const WorkerEnvironment& extra,
                                          WorkerStreams streams) {
  int report[2];
  if (const SysCallIntResult piped = os.Pipe(report, O_CLOEXEC); !piped.ok()) {
    return ErrnoStatus("making the worker's report pipe", piped.error,
                       EX_OSERR);
  }
  UniqueFd report_read(os, report[0]);
  UniqueFd report_write(os, report[1]);
  DaemonPlan worker = PlanWithReport(plan, report_write.get(), extra, streams);
  const pid_t supervisor = os.GetPid();
  const SysCallIntResult forked = os.Fork();
  if (!forked.ok()) {
    return ErrnoStatus("forking the worker", forked.error, EX_OSERR);
  }
  if (forked.value == 0) {
    report_read.reset();
    RunWorker(os, worker, argv, extra.watchdog_pid, streams.take_terminal,
              supervisor, report_write.get());
    return absl::AbortedError("Exit returned");  // Only a mock Exit returns.
  }
  StartedWorker started;
  started.pid = forked.value;
  report_write.reset();
  // The program's now: the pipes' ends once it is gone.
  for (UniqueFd& stream : worker.stdio) stream.reset();
  // The worker is this process's child, unreaped: its pid names it.
  const SysCallIntResult opened = os.PidFdOpen(started.pid, 0);
  absl::Status exec = AwaitExec(os, started.pid, report_read.get());
  if (!exec.ok()) {
    if (opened.ok()) os.Close(opened.value);
    return exec;
  }
  if (!opened.ok()) {
    os.Kill(started.pid, SIGKILL);
    RetryOnEintr([&] { return os.WaitPid(started.pid, nullptr, 0); });
    return ErrnoStatus(absl::StrCat("opening a pidfd for worker ", started.pid),
                       opened.error, EX_OSERR);
  }
  started.pidfd = UniqueFd(os, opened.value);
  return started;
}

}  // namespace daemonkit::internal
