#include "daemonkit/detach.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/pid_file.h"
#include "src/close_fds.h"
#include "src/launch_report.h"
#include "src/os_helpers.h"
#include "src/step_failed.h"

namespace daemonkit {
namespace {

using internal::LaunchReport;
using internal::MoveAboveStdio;
using internal::RetryOnEintr;

// How long the launcher waits for a daemon that stopped talking to exit.
constexpr int kExitWaitMs = 1000;

// Everything the launcher opens before the first fork. All of it is
// close-on-exec and numbered 3 or above, so that the daemon's dup2 onto 0, 1
// and 2 never lands on one of them.
struct Prepared {
  std::optional<PidFile> pid_file;
  int stdio[3] = {-1, -1, -1};
  int report_read = -1;
  int report_write = -1;
  // Sorted: the daemon's keep list, the pid file and report_write.
  std::vector<int> keep;

  // Closes the descriptors only the launcher and the middle process need.
  void CloseStreams(Os& os) {
    for (int* fd :
         {&stdio[0], &stdio[1], &stdio[2], &report_read, &report_write}) {
      if (*fd >= 0) os.Close(*fd);
      *fd = -1;
    }
  }

  // Undoes everything: the start failed.
  void Abandon(Os& os) {
    CloseStreams(os);
    if (pid_file.has_value()) pid_file->Remove().IgnoreError();
  }
};

absl::Status ValidateOptions(Os& os, const DetachOptions& options) {
  if (options.umask < 0 || options.umask > 0777) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "umask %#o is out of range (0 to 0777)", options.umask));
  }
  for (const std::string* path :
       {&options.working_directory, &options.stdin_path, &options.stdout_path,
        &options.stderr_path}) {
    if (path->empty()) {
      return absl::InvalidArgumentError(
          "the working directory and stdio paths must not be empty");
    }
  }
  for (int fd : options.keep_fds) {
    if (fd <= STDERR_FILENO) {
      return absl::InvalidArgumentError(absl::StrCat(
          "keep_fds: ", fd,
          " is a standard stream; choose its file with stdin_path, "
          "stdout_path or stderr_path"));
    }
    if (const SysCallIntResult flags = os.Fcntl(fd, F_GETFD, 0); !flags.ok()) {
      return internal::StepFailed(absl::StrCat("checking kept descriptor ", fd),
                                  flags.error, EX_USAGE);
    }
  }
  const SysCallIntResult directory = RetryOnEintr([&] {
    return os.Open(options.working_directory.c_str(),
                   O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (!directory.ok()) {
    return internal::StepFailed(
        absl::StrCat("opening working directory ", options.working_directory),
        directory.error, EX_NOINPUT);
  }
  os.Close(directory.value);
  return absl::OkStatus();
}

// After fork only the calling thread exists, and locks other threads held stay
// held forever; so Detach refuses to run beside other threads.
absl::Status CheckSingleThreaded(Os& os) {
  const SysCallIntResult stat = RetryOnEintr(
      [&] { return os.Open("/proc/self/stat", O_RDONLY | O_CLOEXEC, 0); });
  if (!stat.ok()) {
    return internal::StepFailed("counting threads in /proc/self/stat",
                                stat.error, EX_OSERR);
  }
  char buffer[1024];
  const SysCallSizeResult got = RetryOnEintr(
      [&] { return os.Read(stat.value, buffer, sizeof buffer - 1); });
  os.Close(stat.value);
  if (!got.ok()) {
    return internal::StepFailed("counting threads in /proc/self/stat",
                                got.error, EX_OSERR);
  }
  // The fields after the command name, which may itself hold spaces and ')'.
  const absl::string_view text(buffer, static_cast<size_t>(got.value));
  const size_t name_end = text.rfind(')');
  std::vector<absl::string_view> fields;
  if (name_end != absl::string_view::npos) {
    fields = absl::StrSplit(text.substr(name_end + 1), ' ', absl::SkipEmpty());
  }
  int threads = 0;
  // num_threads is field 20 of stat(5); fields[0] is field 3.
  if (fields.size() < 18 || !absl::SimpleAtoi(fields[17], &threads)) {
    return absl::InternalError(
        "counting threads: cannot parse /proc/self/stat");
  }
  if (threads > 1) {
    return WithExitCode(
        absl::FailedPreconditionError(absl::StrCat(
            "detaching needs a single-threaded process; this one has ", threads,
            " threads (detach before starting any)")),
        EX_SOFTWARE);
  }
  return absl::OkStatus();
}

absl::Status OpenStdio(Os& os, const DetachOptions& options,
                       Prepared& prepared) {
  struct Stream {
    const std::string& path;
    int flags;
    const char* name;
  };
  const Stream streams[3] = {
      {options.stdin_path, O_RDONLY, "stdin"},
      {options.stdout_path, O_WRONLY | O_APPEND | O_CREAT, "stdout"},
      {options.stderr_path, O_WRONLY | O_APPEND | O_CREAT, "stderr"},
  };
  for (int i = 0; i < 3; ++i) {
    const Stream& stream = streams[i];
    SysCallIntResult opened = RetryOnEintr([&] {
      return os.Open(stream.path.c_str(), stream.flags | O_NOCTTY | O_CLOEXEC,
                     0644);
    });
    if (opened.ok()) opened = MoveAboveStdio(os, opened.value);
    if (!opened.ok()) {
      const int exit_code = stream.path == "/dev/null" ? EX_OSFILE
                            : i == STDIN_FILENO        ? EX_NOINPUT
                                                       : EX_CANTCREAT;
      return internal::StepFailed(
          absl::StrCat("opening ", stream.name, " file ", stream.path),
          opened.error, exit_code);
    }
    prepared.stdio[i] = opened.value;
  }
  return absl::OkStatus();
}

absl::Status OpenReportPipe(Os& os, Prepared& prepared) {
  int fds[2];
  SysCallIntResult made = os.Pipe(fds, O_CLOEXEC);
  if (made.ok()) {
    const SysCallIntResult read_end = MoveAboveStdio(os, fds[0]);
    const SysCallIntResult write_end = MoveAboveStdio(os, fds[1]);
    prepared.report_read = read_end.value;
    prepared.report_write = write_end.value;
    made = read_end.ok() ? write_end : read_end;
  }
  if (!made.ok()) {
    return internal::StepFailed("creating the readiness pipe", made.error,
                                EX_OSERR);
  }
  return absl::OkStatus();
}

// What Detach returns in the middle process and the daemon after Exit, which
// only a mock Exit returns from.
absl::Status ReturnedFromExit() { return absl::AbortedError("Exit returned"); }

// Tells the launcher that `step` failed and ends this process.
void FailAndExit(Os& os, int report_fd, pid_t pid, const char* step,
                 const char* subject, int error) {
  internal::WriteReport(os, report_fd,
                        internal::StepFailedReport(pid, step, subject, error));
  os.Exit(EX_OSERR);
}

// The daemon's own set-up after the second fork. Returns false (after
// reporting and calling Exit) when a step failed.
bool SetUpDaemon(Os& os, const DetachOptions& options, Prepared& prepared,
                 pid_t pid) {
  const int report = prepared.report_write;
  os.Umask(static_cast<mode_t>(options.umask));
  const SysCallIntResult chdir = os.Chdir(options.working_directory.c_str());
  if (!chdir.ok()) {
    FailAndExit(os, report, pid, "chdir to", options.working_directory.c_str(),
                chdir.error);
    return false;
  }
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal == SIGKILL || signal == SIGSTOP) continue;
    const SysCallIntResult reset =
        os.SigAction(signal, &default_action, nullptr);
    // EINVAL: a signal the C library reserves for itself (32 and 33).
    if (!reset.ok() && reset.error != EINVAL) {
      FailAndExit(os, report, pid, "resetting signal dispositions", nullptr,
                  reset.error);
      return false;
    }
  }
  sigset_t empty;
  sigemptyset(&empty);
  const SysCallIntResult unmasked =
      os.SigProcMask(SIG_SETMASK, &empty, nullptr);
  if (!unmasked.ok()) {
    FailAndExit(os, report, pid, "emptying the signal mask", nullptr,
                unmasked.error);
    return false;
  }
  static const char* const kStreamNames[3] = {"stdin", "stdout", "stderr"};
  for (int fd = 0; fd < 3; ++fd) {
    const SysCallIntResult duplicated =
        RetryOnEintr([&] { return os.Dup2(prepared.stdio[fd], fd); });
    if (!duplicated.ok()) {
      FailAndExit(os, report, pid, "redirecting", kStreamNames[fd],
                  duplicated.error);
      return false;
    }
  }
  const SysCallIntResult closed =
      internal::CloseInheritedFds(os, prepared.keep);
  if (!closed.ok()) {
    FailAndExit(os, report, pid, "closing inherited descriptors", nullptr,
                closed.error);
    return false;
  }
  if (prepared.pid_file.has_value()) {
    const SysCallIntResult written = prepared.pid_file->Write(pid);
    if (!written.ok()) {
      FailAndExit(os, report, pid, "writing pid file",
                  prepared.pid_file->path().c_str(), written.error);
      return false;
    }
  }
  return true;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status))
    return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status), " (",
                        sigdescr_np(WTERMSIG(status)), ")");
  }
  return absl::StrCat("wait status ", status);
}

// What became of a daemon that will not be ready.
struct DaemonEnd {
  std::optional<int> wait_status;  // Known when it was this process's child.
  bool was_running = false;        // It had to be stopped.
};

// Waits briefly for `pid` to exit and stops it (SIGKILL) when it does not, so
// that a failed start leaves no daemon behind. Reaps it when it is this
// process's child, which it is when the launcher is a child subreaper.
DaemonEnd EndDaemon(Os& os, pid_t pid) {
  DaemonEnd end;
  const SysCallIntResult pidfd = os.PidFdOpen(pid, 0);
  if (pidfd.ok()) {
    struct pollfd exited = {pidfd.value, POLLIN, 0};
    SysCallIntResult polled =
        RetryOnEintr([&] { return os.Poll(&exited, 1, kExitWaitMs); });
    if (polled.ok() && polled.value == 0) {
      end.was_running = true;
      os.Kill(pid, SIGKILL);  // The pidfd pins the pid: no reuse meanwhile.
      polled = RetryOnEintr([&] { return os.Poll(&exited, 1, kExitWaitMs); });
    }
    os.Close(pidfd.value);
  }
  int status;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os.WaitPid(pid, &status, WNOHANG); });
  if (reaped.ok() && reaped.value == pid) end.wait_status = status;
  return end;
}

// The launcher's side: reads the reports until the daemon is ready, failed,
// or went silent, and reaps the middle process. Returns the ready daemon's pid.
absl::StatusOr<pid_t> AwaitDaemon(Os& os, pid_t middle, int report_read) {
  pid_t daemon_pid = 0;
  std::optional<LaunchReport> last_word;
  int read_error = 0;
  for (;;) {
    LaunchReport report;
    const SysCallSizeResult got =
        internal::ReadReport(os, report_read, &report);
    if (!got.ok()) read_error = got.error;
    if (!got.ok() || got.value == 0) break;
    if (report.kind == LaunchReport::kDaemonPid) {
      daemon_pid = report.pid;
      continue;
    }
    last_word = report;
    break;
  }
  int middle_status = 0;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os.WaitPid(middle, &middle_status, 0); });
  os.Close(report_read);
  if (read_error != 0) {
    // The daemon's fate can no longer be learned: stop its process group. The
    // middle process made it and is gone, so the group is complete; while the
    // daemon lives, its group id (the middle's pid) cannot be reused.
    if (os.Kill(-middle, SIGKILL).ok()) {
      RetryOnEintr([&] { return os.WaitPid(-middle, nullptr, 0); });
    }
  }

  if (last_word.has_value() && last_word->kind == LaunchReport::kReady) {
    return last_word->pid;
  }
  const pid_t abandoned = last_word.has_value() ? last_word->pid : daemon_pid;
  const DaemonEnd end = abandoned > 0 ? EndDaemon(os, abandoned) : DaemonEnd();
  if (last_word.has_value()) return internal::StatusFromReport(*last_word);
  if (read_error != 0) {
    return internal::StepFailed("reading the readiness pipe", read_error,
                                EX_OSERR);
  }
  std::string what;
  if (daemon_pid == 0) {
    what = absl::StrCat(
        "the intermediate process ended before the daemon was born: ",
        reaped.ok() ? DescribeWaitStatus(middle_status) : "status unknown");
  } else if (end.was_running) {
    what = absl::StrCat("daemon (pid ", daemon_pid,
                        ") closed its readiness pipe without calling Ready(); "
                        "it was stopped");
  } else {
    what = absl::StrCat("daemon exited before it was ready",
                        end.wait_status.has_value()
                            ? ": " + DescribeWaitStatus(*end.wait_status)
                            : "");
  }
  return WithExitCode(absl::AbortedError(what), EX_SOFTWARE);
}

}  // namespace

Daemon::Daemon(Os& os, pid_t pid, bool in_daemon, int report_fd,
               std::optional<PidFile> pid_file)
    : os_(&os),
      pid_(pid),
      in_daemon_(in_daemon),
      report_fd_(report_fd),
      pid_file_(std::move(pid_file)) {}

Daemon::Daemon(Daemon&& other) noexcept
    : os_(other.os_),
      pid_(other.pid_),
      in_daemon_(other.in_daemon_),
      report_fd_(std::exchange(other.report_fd_, -1)),
      pid_file_(std::exchange(other.pid_file_, std::nullopt)) {}

Daemon& Daemon::operator=(Daemon&& other) noexcept {
  if (this != &other) {
    if (report_fd_ >= 0) os_->Close(report_fd_);
    os_ = other.os_;
    pid_ = other.pid_;
    in_daemon_ = other.in_daemon_;
    report_fd_ = std::exchange(other.report_fd_, -1);
    pid_file_ = std::exchange(other.pid_file_, std::nullopt);
  }
  return *this;
}

Daemon::~Daemon() {
  if (report_fd_ >= 0) os_->Close(report_fd_);
}

absl::Status Daemon::Ready() {
  if (report_fd_ < 0) {
    return absl::FailedPreconditionError(
        "Ready() is for the daemon, once, before any Fail()");
  }
  LaunchReport report = {};
  report.kind = LaunchReport::kReady;
  report.pid = pid_;
  const SysCallSizeResult sent =
      internal::WriteReport(*os_, report_fd_, report);
  os_->Close(std::exchange(report_fd_, -1));
  if (!sent.ok()) {
    return internal::StepFailed("reporting readiness", sent.error, EX_OSERR);
  }
  return absl::OkStatus();
}

absl::Status Daemon::Fail(const absl::Status& why, int exit_code) {
  if (report_fd_ < 0) {
    return absl::FailedPreconditionError(
        "Fail() is for the daemon, once, before any Ready()");
  }
  const SysCallSizeResult sent = internal::WriteReport(
      *os_, report_fd_, internal::StatusReport(pid_, why, exit_code));
  os_->Close(std::exchange(report_fd_, -1));
  if (!sent.ok()) {
    return internal::StepFailed("reporting the failure", sent.error, EX_OSERR);
  }
  return absl::OkStatus();
}

absl::Status Daemon::RemovePidFile() {
  if (!pid_file_.has_value()) return absl::OkStatus();
  absl::Status removed = pid_file_->Remove();
  pid_file_.reset();
  return removed;
}

absl::StatusOr<Daemon> Detach(const DetachOptions& options, Os& os) {
  if (absl::Status valid = ValidateOptions(os, options); !valid.ok()) {
    return valid;
  }
  if (absl::Status single = CheckSingleThreaded(os); !single.ok()) {
    return single;
  }
  Prepared prepared;
  if (!options.pid_file.empty()) {
    absl::StatusOr<PidFile> pid_file = PidFile::Acquire(options.pid_file, os);
    if (!pid_file.ok()) return pid_file.status();
    prepared.pid_file = *std::move(pid_file);
  }
  absl::Status opened = OpenStdio(os, options, prepared);
  if (opened.ok()) opened = OpenReportPipe(os, prepared);
  if (!opened.ok()) {
    prepared.Abandon(os);
    return opened;
  }
  prepared.keep = options.keep_fds;
  prepared.keep.push_back(prepared.report_write);
  if (prepared.pid_file.has_value()) {
    prepared.keep.push_back(prepared.pid_file->fd());
    prepared.keep.push_back(prepared.pid_file->dir_fd());
  }
  std::sort(prepared.keep.begin(), prepared.keep.end());

  const SysCallIntResult first_fork = os.Fork();
  if (!first_fork.ok()) {
    prepared.Abandon(os);
    return internal::StepFailed("first fork", first_fork.error, EX_OSERR);
  }
  if (first_fork.value > 0) {  // The launcher.
    const int report_read = std::exchange(prepared.report_read, -1);
    prepared.CloseStreams(os);
    absl::StatusOr<pid_t> ready =
        AwaitDaemon(os, first_fork.value, report_read);
    if (!ready.ok()) {
      prepared.Abandon(os);
      return ready.status();
    }
    return Daemon(os, *ready, /*in_daemon=*/false, /*report_fd=*/-1);
  }

  // The middle process: a new session, then the daemon outside its leader.
  const int report = prepared.report_write;
  const SysCallIntResult session = os.SetSid();
  if (!session.ok()) {
    FailAndExit(os, report, 0, "setsid", nullptr, session.error);
    return ReturnedFromExit();
  }
  const SysCallIntResult second_fork = os.Fork();
  if (!second_fork.ok()) {
    FailAndExit(os, report, 0, "second fork", nullptr, second_fork.error);
    return ReturnedFromExit();
  }
  if (second_fork.value > 0) {
    LaunchReport born = {};
    born.kind = LaunchReport::kDaemonPid;
    born.pid = second_fork.value;
    internal::WriteReport(os, report, born);
    os.Exit(0);
    return ReturnedFromExit();
  }

  // The daemon.
  const pid_t pid = os.GetPid();
  if (!SetUpDaemon(os, options, prepared, pid)) {
    return ReturnedFromExit();
  }
  return Daemon(os, pid, /*in_daemon=*/true, report,
                std::move(prepared.pid_file));
}

Daemon DetachOrExit(const DetachOptions& options, Os& os) {
  // The daemon becomes this process's child when the middle process exits, so
  // a daemon that dies before it is ready can be reaped and described. This
  // process exits next, so nothing is left for it to reap later.
  os.Prctl(PR_SET_CHILD_SUBREAPER, 1);
  absl::StatusOr<Daemon> daemon = Detach(options, os);
  if (daemon.ok() && !daemon->in_launcher()) return *std::move(daemon);
  if (!daemon.ok()) {
    const std::string line =
        absl::StrCat("daemonkit: ", daemon.status().message(), "\n");
    os.Write(STDERR_FILENO, line.data(), line.size());
  }
  os.Exit(ExitCodeOf(daemon.status()));
  // Only a mock Exit returns.
  return daemon.ok() ? *std::move(daemon) : Daemon(os, 0, false, -1);
}

}  // namespace daemonkit
