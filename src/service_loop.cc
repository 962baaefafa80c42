#include "src/service_loop.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemonkit/exit_code.h"
#include "src/errno_status.h"
#include "src/monotonic_clock.h"
#include "src/os_helpers.h"
#include "src/path_parts.h"
#include "src/process_tree.h"
#include "src/supervisor_signals.h"
#include "src/tree_stop.h"
#include "src/wait_status.h"

namespace daemonkit::internal {
namespace {

// How many notify datagrams one wake-up takes at most.
constexpr int kMessagesPerWake = 64;

// Whether `deadline` (InfiniteFuture: none) has come at `now`.
bool Due(absl::Time deadline, absl::Time now) {
  return deadline != absl::InfiniteFuture() && now >= deadline;
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

}  // namespace

ServiceLoop::ServiceLoop(Os& os, Daemon& daemon, const DaemonPlan& worker,
                         const SupervisorOptions& options, int signal_fd,
                         const std::string& stdout_path,
                         const std::string& stderr_path)
    : os_(os),
      daemon_(daemon),
      plan_(worker),
      options_(options),
      signal_fd_(signal_fd),
      stop_timeout_(options.stop_timeout),
      job_control_(os),
      output_(os, options, stdout_path, stderr_path, worker.credentials) {
  if (options.respawn.has_value()) respawn_.emplace(*options.respawn);
  if (options.watchdog > absl::ZeroDuration()) {
    environment_.variables.push_back(
        {"WATCHDOG_USEC",
         absl::StrCat(absl::ToInt64Microseconds(options.watchdog))});
    environment_.watchdog_pid = true;
  }
}

int ServiceLoop::Run() {
  // Deadlines count from here (see Now()).
  const absl::StatusOr<absl::Time> start = MonotonicNow(os_);
  if (!start.ok()) {
    FailStart(start.status());
    return *exit_;
  }
  last_now_ = *start;
  if (options_.notify || options_.watchdog > absl::ZeroDuration()) {
    const std::optional<Credentials>& user = plan_.credentials;
    absl::StatusOr<NotifySocket> opened =
        NotifySocket::Open(os_, plan_.chroot_directory,
                           user.has_value() ? user->uid : std::nullopt);
    if (!opened.ok()) {
      FailStart(opened.status());
      return *exit_;
    }
    notify_.emplace(*std::move(opened));
    environment_.variables.push_back({"NOTIFY_SOCKET", notify_->address()});
  }
  if (!options_.ready_file.empty()) {
    absl::StatusOr<ReadyFile> opened =
        ReadyFile::Open(os_, options_.ready_file);
    if (!opened.ok()) {
      FailStart(opened.status());
      return *exit_;
    }
    ready_file_.emplace(*std::move(opened));
  }
  if (options_.init) job_control_.Start();
  absl::Status launched = output_.Start();
  if (launched.ok()) launched = Launch();
  if (!launched.ok()) FailStart(launched);
  while (!exit_.has_value()) {
    if (stop_asked_) {
      if (!reported_) {
        FailStart(WithExitCode(absl::CancelledError(absl::StrCat(
                                   "stopped by a signal before ",
                                   options_.command[0], " was ready")),
                               EX_UNAVAILABLE));
      } else {
        const int stopped = StopAll();  // Reaps the program, if it runs.
        exit_ = ExitAfterStop(stopped, ended_status_);
      }
    } else if (ended_status_.has_value()) {
      const int status = *ended_status_;
      ended_status_.reset();
      WorkerEnded(status);
    } else if (Due(NextDeadline(), Now())) {
      OnDeadlines();
    } else {
      Wait();
    }
  }
  RemoveNotifySocket();
  // The lines that still wait for a busy syslog go before the supervisor
  // exits, within the stop's time: a stop that had to wait for processes
  // to end leaves less of it.
  output_.Drain(stop_began_ + stop_timeout_);
  return *exit_;
}

absl::Time ServiceLoop::Now() {
  absl::StatusOr<absl::Time> now = MonotonicNow(os_);
  // Should a reading fail, the last one stands in: a deadline set then is
  // not lost (now + delay would be never), and one checked then comes at
  // the next wake-up rather than all of them at once.
  if (now.ok()) last_now_ = *now;
  return last_now_;
}

absl::Status ServiceLoop::Launch() {
  if (respawn_.has_value()) respawn_->Started(Now());
  ++record_.starts;
  record_.started = WallNow(os_);
  record_.pid = 0;
  instance_ready_ = false;
  refused_.clear();
  imposed_end_.reset();
  WorkerStreams streams;
  streams.take_terminal = job_control_.has_terminal();
  if (absl::Status piped = output_.MakePipes(streams); !piped.ok()) {
    output_.Detach(Now());
    return piped;
  }
  absl::StatusOr<StartedWorker> started = StartWorker(
      os_, plan_, options_.command, environment_, std::move(streams));
  if (!started.ok()) {
    output_.Detach(Now());  // What it said before it failed.
    return started.status();
  }
  worker_ = *std::move(started);
  output_.Started(worker_->pid);
  record_.pid = worker_->pid;
  if (!options_.notify) {
    InstanceReady();  // Exec is readiness: the program runs.
    return absl::OkStatus();
  }
  ready_allowed_ = options_.ready_timeout;
  ready_deadline_ = Now() + ready_allowed_;
  Record();
  return absl::OkStatus();
}

void ServiceLoop::Restart() {
  next_start_ = absl::InfiniteFuture();
  const absl::Status launched = Launch();
  if (launched.ok()) return;
  // Never ran: a failed instance all the same, for the back-off and limit.
  imposed_end_ = std::string(launched.message());
  ended_status_ = W_EXITCODE(ExitCodeOf(launched), 0);
}

void ServiceLoop::InstanceReady() {
  instance_ready_ = true;
  ready_deadline_ = absl::InfiniteFuture();
  if (respawn_.has_value()) respawn_->Ready(Now());
  if (options_.watchdog > absl::ZeroDuration()) {
    watchdog_deadline_ = Now() + options_.watchdog;
  }
  absl::Status named = Name(worker_->pid);
  Record();
  if (reported_) {
    if (!named.ok()) {
      Say(named.message());
      // Not left empty or naming the last instance: a stop finds the
      // supervisor, which holds the lock.
      Name(os_.GetPid()).IgnoreError();
    }
    ShowReady(true);
    return;
  }
  if (named.ok()) named = daemon_.Ready();
  if (!named.ok()) {
    FailStart(named);
    return;
  }
  reported_ = true;
  ShowReady(true);
}

void ServiceLoop::FailStart(const absl::Status& why) {
  // Said here too: in foreground mode no launcher hears it.
  Say(why.message());
  StopAll();
  RemoveNotifySocket();
  daemon_.Fail(why, ExitCodeOf(why)).IgnoreError();
  exit_ = ExitCodeOf(why);
}

void ServiceLoop::EndInstance(const std::string& why, int signal) {
  if (!worker_.has_value()) return;
  Say(absl::StrCat("ending pid ", worker_->pid, ": ", why));
  imposed_end_ = why;
  watchdog_deadline_ = ready_deadline_ = absl::InfiniteFuture();
  ShowReady(false);
  os_.PidFdSendSignal(worker_->pidfd.get(), signal, nullptr);
  // Should it not end, the stop comes after stop_timeout.
  end_deadline_ = Now() + stop_timeout_;
}

absl::Time ServiceLoop::NextDeadline() const {
  return std::min({next_start_, ready_deadline_, watchdog_deadline_,
                   end_deadline_, output_.NextRetry()});
}

void ServiceLoop::OnDeadlines() {
  const absl::Time now = Now();
  output_.RetryDue(now);
  if (Due(next_start_, now)) Restart();
  if (Due(ready_deadline_, now)) {
    ready_deadline_ = absl::InfiniteFuture();
    const std::string why =
        absl::StrCat(options_.command[0], " did not report READY=1 within ",
                     absl::FormatDuration(ready_allowed_), refused_);
    if (!reported_) {
      FailStart(WithExitCode(absl::DeadlineExceededError(why), EX_UNAVAILABLE));
      return;
    }
    EndInstance(why, SIGTERM);
  }
  if (Due(watchdog_deadline_, now)) {
    EndInstance(absl::StrCat("no WATCHDOG=1 within ",
                             absl::FormatDuration(options_.watchdog)),
                SIGABRT);
  }
  if (Due(end_deadline_, now)) {
    end_deadline_ = absl::InfiniteFuture();
    StopAll(/*keep_pid_file=*/true);
  }
}

void ServiceLoop::Wait() {
  // The worker's pidfd too: readable from its end until it is reaped, so an
  // end whose SIGCHLD did not lead to its reaping is not missed.
  std::vector<struct pollfd> ready = {
      {signal_fd_, POLLIN, 0},
      {notify_.has_value() ? notify_->fd() : -1, POLLIN, 0},
      {worker_.has_value() ? worker_->pidfd.get() : -1, POLLIN, 0}};
  output_.AddPollFds(ready);
  const SysCallIntResult polled = RetryOnEintr([&] {
    return os_.Poll(ready.data(), ready.size(),
                    PollTimeout(Now(), NextDeadline()));
  });
  if (!polled.ok()) {
    const absl::Status failed =
        ErrnoStatus("waiting for signals", polled.error, EX_OSERR);
    if (!reported_) {  // The launcher hears why, not of a stop.
      FailStart(failed);
      return;
    }
    Say(absl::StrCat(failed.message(), "; stopping"));
    stop_asked_ = true;
    return;
  }
  // Messages first: a READY=1 sent just before an exit counts, though the
  // SIGCHLD that follows it is already waiting too.
  if (notify_.has_value()) TakeMessages();
  struct signalfd_siginfo info;
  while (RetryOnEintr([&] {
           return os_.Read(signal_fd_, &info, sizeof info);
         }).value == sizeof info) {
    Route(info);
  }
  // The worker's end, should its SIGCHLD have been missed (a reap failed).
  if ((ready[2].revents & POLLIN) != 0 && worker_.has_value()) {
    ReapEndedChildren(os_, [&](pid_t pid, int status) { Reaped(pid, status); });
  }
  output_.OnPoll(absl::MakeConstSpan(ready).subspan(3), Now());
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
      output_.Reopen(Now());
      if (options_.init) Forward(signal);
      break;
    case SignalRoute::kReap:
      if (job_control_.has_terminal()) NoticeProgramStop();
      ReapEndedChildren(os_,
                        [&](pid_t pid, int status) { Reaped(pid, status); });
      break;
    case SignalRoute::kForward:
      Forward(signal);
      break;
  }
}

void ServiceLoop::NoticeProgramStop() {
  if (!worker_.has_value()) return;
  // Asked at every SIGCHLD: one for the stop may have merged with another's.
  int status = 0;
  const SysCallIntResult got =
      os_.WaitPid(worker_->pid, &status, WUNTRACED | WNOHANG);
  if (!got.ok() || got.value != worker_->pid) return;
  if (WIFSTOPPED(status)) {
    job_control_.ProgramStopped(worker_->pid);
  } else {
    Reaped(got.value, status);
  }
}

void ServiceLoop::Forward(int signal) {
  if (!worker_.has_value()) return;
  if (!options_.init) {
    os_.PidFdSendSignal(worker_->pidfd.get(), signal, nullptr);
    return;
  }
  if (signal == SIGCONT) job_control_.Continuing(worker_->pid);
  // The group is the worker's pid, which names no other while the worker is
  // unreaped.
  os_.Kill(-worker_->pid, signal);
}

bool ServiceLoop::MayNotify(pid_t sender,
                            std::optional<std::vector<ProcessId>>& tree) {
  if (sender <= 0) return false;
  if (worker_.has_value() && sender == worker_->pid) return true;
  if (options_.notify_access != SupervisorOptions::NotifyAccess::kAll) {
    return false;
  }
  // One scan of /proc for all the datagrams of a wake-up.
  if (!tree.has_value()) {
    absl::StatusOr<std::vector<ProcessId>> found =
        Descendants(os_, os_.GetPid());
    tree = found.ok() ? *std::move(found) : std::vector<ProcessId>();
  }
  return std::any_of(tree->begin(), tree->end(),
                     [&](const ProcessId& p) { return p.pid == sender; });
}

void ServiceLoop::TakeMessages() {
  std::optional<std::vector<ProcessId>> tree;
  const std::string status_before = record_.status_text;
  // A bounded batch: a program that floods its socket must not keep the
  // supervisor from its signals (a stop) for as long as it sends.
  for (int taken = 0; taken < kMessagesPerWake && !exit_.has_value(); ++taken) {
    std::optional<NotifySocket::Received> received = notify_->Receive();
    if (!received.has_value()) break;
    if (MayNotify(received->sender, tree)) {
      Obey(received->message);
    } else if (received->message.ready && refused_.empty()) {
      refused_ = absl::StrCat(
          "; READY=1 came from pid ", received->sender, ", which ",
          options_.notify_access == SupervisorOptions::NotifyAccess::kAll
              ? "is no process of the service"
              : "is not the main process (see --notify-access=all)");
    }
  }
  // The record once, however many STATUS= came.
  if (record_.status_text != status_before) Record();
}

void ServiceLoop::Obey(const NotifyMessage& message) {
  if (message.status.has_value()) record_.status_text = *message.status;
  if (message.extend_timeout.has_value() && !instance_ready_) {
    const absl::Time extended = Now() + *message.extend_timeout;
    if (extended > ready_deadline_) {
      ready_allowed_ += extended - ready_deadline_;
      ready_deadline_ = extended;
    }
  }
  if (message.ready && worker_.has_value() && !instance_ready_) {
    InstanceReady();
    if (exit_.has_value()) return;
  }
  if (message.watchdog && instance_ready_ &&
      options_.watchdog > absl::ZeroDuration()) {
    watchdog_deadline_ = Now() + options_.watchdog;
  }
  if (message.watchdog_trigger) EndInstance("WATCHDOG=trigger", SIGABRT);
}

void ServiceLoop::Reaped(pid_t pid, int status) {
  if (!worker_.has_value() || pid != worker_->pid) return;
  worker_.reset();
  ended_status_ = status;
  ShowReady(false);
  // The pid file names no dead process while the rest is stopped: a stop
  // or a status meanwhile finds the supervisor.
  if (instance_ready_) Name(os_.GetPid()).IgnoreError();
}

void ServiceLoop::WorkerEnded(int status) {
  ready_deadline_ = watchdog_deadline_ = end_deadline_ = absl::InfiniteFuture();
  const std::string how = imposed_end_.value_or(DescribeWaitStatus(status));
  if (!reported_) {
    FailStart(WithExitCode(
        absl::AbortedError(absl::StrCat(options_.command[0],
                                        " exited before it was ready: ", how)),
        EX_SOFTWARE));
    return;
  }
  // What the instance left is stopped before the next one starts.
  const int stopped = StopAll(/*keep_pid_file=*/true);
  if (stopped != 0 || stop_asked_) {  // Asked meanwhile: the stop is done.
    RemovePidFileAndRecord();
    exit_ = ExitAfterStop(stopped, status);
    return;
  }
  record_.pid = 0;
  record_.last_exit = how;
  Say(absl::StrCat(options_.command[0], " ended: ", how));
  const bool failed = imposed_end_.has_value() || EndedInFailure(status);
  if (respawn_.has_value() && failed) {
    if (const std::optional<absl::Duration> delay = respawn_->NextDelay(Now());
        delay.has_value()) {
      next_start_ = Now() + *delay;
      // While none runs, the pid file names the supervisor, which a stop
      // finds.
      if (const absl::Status named = Name(os_.GetPid()); !named.ok()) {
        Say(named.message());
      }
      Record();
      return;
    }
    Say(absl::StrCat("giving up after ", respawn_->starts(),
                     " starts: the start limit is reached"));
    record_.gave_up = true;
    Record();  // The pid file stays, unlocked: the service died.
  } else {
    RemovePidFileAndRecord();
  }
  exit_ = ShellExitStatus(status);
}

int ServiceLoop::StopAll(bool keep_pid_file) {
  stop_began_ = Now();
  ShowReady(false);
  const pid_t group = worker_.has_value() ? worker_->pid : 0;
  // The pipes are read on while the processes end.
  const StopWatch watch = {
      [&](std::vector<struct pollfd>& fds) { output_.AddPollFds(fds); },
      [&](const std::vector<struct pollfd>& ready) {
        output_.OnPoll(ready, Now());
      }};
  const std::vector<ProcessId> left = StopDescendants(
      os_, signal_fd_, group, stop_timeout_,
      [&](const struct signalfd_siginfo& info) {
        if (RouteSignal(static_cast<int>(info.ssi_signo)) !=
            SignalRoute::kReap) {
          Route(info);
        }
      },
      [&](pid_t pid, int status) { Reaped(pid, status); }, &watch);
  // Whatever still holds the pipes (a process that outlived SIGKILL, or
  // one outside the service given them), the service's output ends here.
  output_.Detach(Now());
  if (!keep_pid_file) {
    RemovePidFileAndRecord();
  }
  if (left.empty()) return 0;
  std::vector<pid_t> pids;
  for (const ProcessId& process : left) pids.push_back(process.pid);
  Say(absl::StrCat("still running after SIGKILL: ", absl::StrJoin(pids, " ")));
  return EX_SOFTWARE;
}

int ServiceLoop::ExitAfterStop(int stopped, std::optional<int> program) const {
  // An init's container ends with its program, however it ended.
  if (!options_.init || stopped != 0 || !program.has_value()) return stopped;
  return ShellExitStatus(*program);
}

void ServiceLoop::ShowReady(bool ready) {
  if (!ready_file_.has_value()) return;
  const absl::Status shown =
      ready ? ready_file_->Set(worker_->pid) : ready_file_->Clear();
  if (!shown.ok()) Say(shown.message());
}

absl::Status ServiceLoop::Name(pid_t pid) {
  PidFile* pid_file = daemon_.pid_file();
  if (pid_file == nullptr) return absl::OkStatus();
  const SysCallIntResult written = pid_file->Write(pid);
  if (written.ok()) return absl::OkStatus();
  return ErrnoStatus(absl::StrCat("writing pid file ", pid_file->path()),
                     written.error, EX_IOERR);
}

void ServiceLoop::Record() {
  PidFile* pid_file = daemon_.pid_file();
  if (pid_file == nullptr) return;
  const absl::Status written = WriteServiceRecord(
      os_, pid_file->dir_fd(), RecordName(*pid_file), record_);
  if (!written.ok()) Say(written.message());
}

void ServiceLoop::RemovePidFileAndRecord() {
  PidFile* pid_file = daemon_.pid_file();
  if (pid_file == nullptr) return;
  // What cannot be removed stays: it is said. An unlocked pid file is
  // stale, and a start takes it over.
  const absl::Status record =
      RemoveServiceRecord(os_, pid_file->dir_fd(), RecordName(*pid_file));
  if (!record.ok()) Say(record.message());
  if (const absl::Status removed = daemon_.RemovePidFile(); !removed.ok()) {
    Say(removed.message());
  }
}

void ServiceLoop::Say(absl::string_view what) { output_.Say(what, Now()); }

void ServiceLoop::RemoveNotifySocket() {
  if (!notify_.has_value()) return;
  if (const absl::Status removed = notify_->Remove(); !removed.ok()) {
    Say(removed.message());
  }
  notify_.reset();
}

}  // namespace daemonkit::internal
