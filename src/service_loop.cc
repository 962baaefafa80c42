#include "src/service_loop.h"

#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemonkit/exit_code.h"
#include "src/monotonic_clock.h"
#include "src/os_helpers.h"
#include "src/path_parts.h"
#include "src/supervisor_signals.h"
#include "src/tree_stop.h"
#include "src/wait_status.h"

namespace daemonkit::internal {
namespace {

// A shell's exit status for a process that ended with wait status `status`.
int ShellExitStatus(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

// The wall clock, for the record's start time that others read; the epoch
// when it cannot be read, which --status shows as no time at all.
absl::Time WallNow(Os& os) {
  struct timespec now;
  if (!os.ClockGetTime(CLOCK_REALTIME, &now).ok()) return absl::UnixEpoch();
  return absl::TimeFromTimespec(now);
}

// The record's name in the pid file's directory.
std::string RecordName(const PidFile& pid_file) {
  return SplitPath(ServiceRecordPath(pid_file.path())).name;
}

// One line on the supervisor's stderr (the daemon's, as --stderr says).
void Say(Os& os, const std::string& what) {
  const std::string line = absl::StrCat("supervisor: ", what, "\n");
  os.Write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace

ServiceLoop::ServiceLoop(Os& os, Daemon& daemon, const DaemonPlan& worker,
                         const SupervisorOptions& options, int signal_fd)
    : os_(os),
      daemon_(daemon),
      plan_(worker),
      options_(options),
      signal_fd_(signal_fd),
      stop_timeout_(options.stop_timeout) {
  if (options.respawn.has_value()) respawn_.emplace(*options.respawn);
}

int ServiceLoop::Run() {
  if (!StartFirst()) return EX_UNAVAILABLE;
  for (;;) {
    if (stop_asked_) return StopAll();
    int exit_status;
    if (ended_status_.has_value() && WorkerEnded(&exit_status)) {
      return exit_status;
    }
    if (next_start_ != absl::InfiniteFuture() && Now() >= next_start_) {
      Restart();
    }
    Wait();
  }
}

absl::Time ServiceLoop::Now() {
  absl::StatusOr<absl::Time> now = MonotonicNow(os_);
  // Without a clock, a restart is due at once rather than never.
  return now.ok() ? *now : absl::InfiniteFuture();
}

absl::Status ServiceLoop::Name(pid_t pid) {
  PidFile* pid_file = daemon_.pid_file();
  if (pid_file == nullptr) return absl::OkStatus();
  const SysCallIntResult written = pid_file->Write(pid);
  if (written.ok()) return absl::OkStatus();
  return WithExitCode(
      absl::ErrnoToStatus(written.error,
                          absl::StrCat("writing pid file ", pid_file->path())),
      EX_IOERR);
}

absl::Status ServiceLoop::StartWorkerNamed() {
  if (respawn_.has_value()) respawn_->Started(Now());
  ++record_.starts;
  record_.started = WallNow(os_);
  absl::StatusOr<StartedWorker> started =
      StartWorker(os_, plan_, options_.command);
  if (!started.ok()) return started.status();
  worker_ = *std::move(started);
  // Exec is readiness: the program runs.
  if (respawn_.has_value()) respawn_->Ready(Now());
  record_.pid = worker_->pid;
  absl::Status named = Name(worker_->pid);
  Record();
  return named;
}

void ServiceLoop::Record() {
  PidFile* pid_file = daemon_.pid_file();
  if (pid_file == nullptr) return;
  const absl::Status written = WriteServiceRecord(
      os_, pid_file->dir_fd(), RecordName(*pid_file), record_);
  if (!written.ok()) Say(os_, std::string(written.message()));
}

void ServiceLoop::RemoveRecord() {
  PidFile* pid_file = daemon_.pid_file();
  if (pid_file == nullptr) return;
  RemoveServiceRecord(os_, pid_file->dir_fd(), RecordName(*pid_file))
      .IgnoreError();
}

bool ServiceLoop::StartFirst() {
  absl::Status failed = StartWorkerNamed();
  if (failed.ok()) {
    failed = daemon_.Ready();
    if (failed.ok()) return true;
  }
  StopAll();
  daemon_.Fail(failed, ExitCodeOf(failed)).IgnoreError();
  return false;
}

void ServiceLoop::Restart() {
  next_start_ = absl::InfiniteFuture();
  const absl::Status started = StartWorkerNamed();
  if (started.ok()) return;
  Say(os_, std::string(started.message()));
  if (!worker_.has_value()) {
    // Never ran: a failed instance all the same, for the back-off and limit.
    ended_status_ = W_EXITCODE(ExitCodeOf(started), 0);
  }
}

void ServiceLoop::Wait() {
  struct pollfd ready = {signal_fd_, POLLIN, 0};
  const SysCallIntResult polled = RetryOnEintr(
      [&] { return os_.Poll(&ready, 1, PollTimeout(Now(), next_start_)); });
  if (!polled.ok()) {
    Say(os_, absl::StrCat("waiting for signals failed: ",
                          strerror(polled.error), "; stopping"));
    stop_asked_ = true;
    return;
  }
  struct signalfd_siginfo info;
  while (RetryOnEintr([&] {
           return os_.Read(signal_fd_, &info, sizeof info);
         }).value == sizeof info) {
    Route(info);
  }
}

void ServiceLoop::Route(const struct signalfd_siginfo& info) {
  const int signal = static_cast<int>(info.ssi_signo);
  switch (RouteSignal(signal)) {
    case SignalRoute::kStop:
      stop_asked_ = true;
      // From StopDaemon (sigqueue): that stop's own timeout.
      if (info.ssi_code == SI_QUEUE && info.ssi_int > 0) {
        stop_timeout_ = absl::Milliseconds(info.ssi_int);
      }
      break;
    case SignalRoute::kReopen:
      break;  // The supervisor writes no output of its own yet.
    case SignalRoute::kReap:
      ReapEndedChildren(os_,
                        [&](pid_t pid, int status) { Reaped(pid, status); });
      break;
    case SignalRoute::kForward:
      if (worker_.has_value()) {
        os_.PidFdSendSignal(worker_->pidfd.get(), signal, nullptr);
      }
      break;
  }
}

void ServiceLoop::Reaped(pid_t pid, int status) {
  if (!worker_.has_value() || pid != worker_->pid) return;
  worker_.reset();
  ended_status_ = status;
}

bool ServiceLoop::WorkerEnded(int* exit_status) {
  const int status = *ended_status_;
  ended_status_.reset();
  // What the instance left is stopped before the next one starts.
  const int stopped = StopAll(/*keep_pid_file=*/true);
  if (stopped != 0 || stop_asked_) {  // Asked meanwhile: the stop is done.
    RemoveRecord();
    daemon_.RemovePidFile().IgnoreError();
    *exit_status = stopped;
    return true;
  }
  const bool failed = EndedInFailure(status);
  record_.pid = 0;
  record_.last_exit = DescribeWaitStatus(status);
  Say(os_, absl::StrCat(options_.command[0], " ended: ", record_.last_exit));
  std::optional<absl::Duration> delay;
  if (respawn_.has_value() && failed) {
    delay = respawn_->NextDelay(Now());
    if (!delay.has_value()) {
      Say(os_, absl::StrCat("giving up after ", respawn_->starts(),
                            " starts: the start limit is reached"));
      record_.gave_up = true;
      Record();
      *exit_status = ShellExitStatus(status);
      return true;  // The pid file stays, unlocked: the service died.
    }
  }
  if (!delay.has_value()) {
    RemoveRecord();
    daemon_.RemovePidFile().IgnoreError();
    *exit_status = ShellExitStatus(status);
    return true;
  }
  Record();
  next_start_ = Now() + *delay;
  // While none runs, the pid file names the supervisor, which a stop finds.
  if (const absl::Status named = Name(os_.GetPid()); !named.ok()) {
    Say(os_, std::string(named.message()));
  }
  return false;
}

int ServiceLoop::StopAll(bool keep_pid_file) {
  const pid_t group = worker_.has_value() ? worker_->pid : 0;
  const std::vector<ProcessId> left = StopDescendants(
      os_, signal_fd_, group, stop_timeout_,
      [&](const struct signalfd_siginfo& info) {
        if (RouteSignal(static_cast<int>(info.ssi_signo)) !=
            SignalRoute::kReap) {
          Route(info);
        }
      },
      [&](pid_t pid, int status) { Reaped(pid, status); });
  if (!keep_pid_file) {
    RemoveRecord();
    daemon_.RemovePidFile().IgnoreError();
  }
  if (left.empty()) return 0;
  std::vector<pid_t> pids;
  for (const ProcessId& process : left) pids.push_back(process.pid);
  Say(os_,
      absl::StrCat("still running after SIGKILL: ", absl::StrJoin(pids, " ")));
  return EX_SOFTWARE;
}

}  // namespace daemonkit::internal
