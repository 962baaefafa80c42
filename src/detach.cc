#include "daemonkit/detach.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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
#include "daemonkit/sd_notify.h"
#include "src/await_daemon.h"
#include "src/credentials.h"
#include "src/daemon_setup.h"
#include "src/launch_report.h"
#include "src/os_helpers.h"
#include "src/step_failed.h"

namespace daemonkit {
namespace {

using internal::LaunchReport;
using internal::MoveAboveStdio;
using internal::RetryOnEintr;
using internal::StepFailed;

// Everything the launcher prepares before the first fork. Every descriptor is
// close-on-exec and numbered 3 or above, so that the daemon's dup2 onto 0, 1
// and 2 never lands on one of them.
struct Prepared {
  internal::DaemonPlan plan;
  std::optional<PidFile> pid_file;
  int report_read = -1;
  int report_write = -1;
  std::string notify_socket;

  // Closes the descriptors only the launcher and the middle process need.
  void CloseStreams(Os& os) {
    for (int* fd : {&plan.stdio[0], &plan.stdio[1], &plan.stdio[2],
                    &report_read, &report_write}) {
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

absl::Status OpenDirectory(Os& os, const std::string& path,
                           const std::string& what) {
  const SysCallIntResult directory = RetryOnEintr([&] {
    return os.Open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (!directory.ok()) {
    return StepFailed(absl::StrCat("opening ", what, " ", path),
                      directory.error, EX_NOINPUT);
  }
  os.Close(directory.value);
  return absl::OkStatus();
}

absl::Status ValidateOptions(Os& os, const DetachOptions& options) {
  if (options.umask < 0 || options.umask > 0777) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "umask %#o is out of range (0 to 0777)", options.umask));
  }
  if (options.working_directory.empty()) {
    return absl::InvalidArgumentError("the working directory is empty");
  }
  for (int fd : options.keep_fds) {
    if (fd <= STDERR_FILENO) {
      return absl::InvalidArgumentError(absl::StrCat(
          "keep_fds: ", fd,
          " is a standard stream; choose its file with stdin_path, "
          "stdout_path or stderr_path"));
    }
    if (const SysCallIntResult flags = os.Fcntl(fd, F_GETFD, 0); !flags.ok()) {
      return StepFailed(absl::StrCat("checking kept descriptor ", fd),
                        flags.error, EX_USAGE);
    }
  }
  for (const std::string& name : options.keep_environment) {
    if (name.empty() || name.find('=') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "keep_environment: '", name, "' is not a variable name"));
    }
  }
  for (const std::string& assignment : options.set_environment) {
    const size_t equals = assignment.find('=');
    if (equals == 0 || equals == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "set_environment: '", assignment, "' is not NAME=VALUE"));
    }
  }
  if (options.chroot_directory.empty()) {
    return OpenDirectory(os, options.working_directory, "working directory");
  }
  if (os.GetUid() != 0) {
    return WithExitCode(absl::PermissionDeniedError("chroot needs root"),
                        EX_NOPERM);
  }
  if (absl::Status root =
          OpenDirectory(os, options.chroot_directory, "chroot directory");
      !root.ok()) {
    return root;
  }
  return OpenDirectory(
      os,
      absl::StrCat(options.chroot_directory, "/", options.working_directory),
      "working directory");
}

// After fork only the calling thread exists, and locks other threads held stay
// held forever; so Detach refuses to run beside other threads.
absl::Status CheckSingleThreaded(Os& os) {
  const SysCallIntResult stat = RetryOnEintr(
      [&] { return os.Open("/proc/self/stat", O_RDONLY | O_CLOEXEC, 0); });
  if (!stat.ok()) {
    return StepFailed("counting threads in /proc/self/stat", stat.error,
                      EX_OSERR);
  }
  char buffer[1024];
  const SysCallSizeResult got = RetryOnEintr(
      [&] { return os.Read(stat.value, buffer, sizeof buffer - 1); });
  os.Close(stat.value);
  if (!got.ok()) {
    return StepFailed("counting threads in /proc/self/stat", got.error,
                      EX_OSERR);
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

// Acquires the pid file; with a user to switch to, hands it to that user and
// makes sure the daemon will be able to remove it.
absl::Status AcquirePidFile(Os& os, const DetachOptions& options,
                            Prepared& prepared) {
  const std::optional<internal::Credentials>& credentials =
      prepared.plan.credentials;
  if (credentials.has_value()) {
    const size_t slash = options.pid_file.rfind('/');
    const std::string directory = slash == std::string::npos ? "."
                                  : slash == 0
                                      ? "/"
                                      : options.pid_file.substr(0, slash);
    const SysCallIntResult opened = RetryOnEintr([&] {
      return os.Open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    });
    struct stat info;
    const bool writable = opened.ok() && os.FStat(opened.value, &info).ok() &&
                          internal::CanWriteDirectory(*credentials, info);
    if (opened.ok()) os.Close(opened.value);
    if (opened.ok() && !writable) {
      return WithExitCode(
          absl::FailedPreconditionError(absl::StrCat(
              "pid file directory ", directory, " is not writable by user ",
              credentials->name,
              ", so the daemon could not remove its pid file at a clean stop; "
              "use a directory that user owns (such as systemd's "
              "RuntimeDirectory=)")),
          EX_CANTCREAT);
    }
  }
  absl::StatusOr<PidFile> pid_file = PidFile::Acquire(options.pid_file, os);
  if (!pid_file.ok()) return pid_file.status();
  prepared.pid_file = *std::move(pid_file);
  if (credentials.has_value()) {
    const SysCallIntResult handed =
        os.FChown(prepared.pid_file->fd(),
                  credentials->uid.value_or(os.GetUid()), credentials->gid);
    if (!handed.ok()) {
      return StepFailed(absl::StrCat("handing pid file ", options.pid_file,
                                     " to user ", credentials->name),
                        handed.error, EX_CANTCREAT);
    }
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
    if (stream.path.empty() && options.foreground) continue;
    const std::string path = stream.path.empty() ? "/dev/null" : stream.path;
    SysCallIntResult opened = RetryOnEintr([&] {
      return os.Open(path.c_str(), stream.flags | O_NOCTTY | O_CLOEXEC, 0644);
    });
    if (opened.ok()) opened = MoveAboveStdio(os, opened.value);
    if (!opened.ok()) {
      const int exit_code = path == "/dev/null" ? EX_OSFILE
                            : i == STDIN_FILENO ? EX_NOINPUT
                                                : EX_CANTCREAT;
      return StepFailed(absl::StrCat("opening ", stream.name, " file ", path),
                        opened.error, exit_code);
    }
    prepared.plan.stdio[i] = opened.value;
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
    return StepFailed("creating the readiness pipe", made.error, EX_OSERR);
  }
  return absl::OkStatus();
}

// The variables the daemon sets after the fork (after clearing its
// environment, when asked to): the kept ones, read now, then the set ones.
std::vector<std::pair<std::string, std::string>> EnvironmentToSet(
    Os& os, const DetachOptions& options) {
  std::vector<std::pair<std::string, std::string>> variables;
  if (options.clear_environment) {
    for (const std::string& name : options.keep_environment) {
      if (const char* value = os.GetEnv(name.c_str()); value != nullptr) {
        variables.emplace_back(name, value);
      }
    }
  }
  for (const std::string& assignment : options.set_environment) {
    const size_t equals = assignment.find('=');
    variables.emplace_back(assignment.substr(0, equals),
                           assignment.substr(equals + 1));
  }
  return variables;
}

// Checks the options and prepares everything the daemon will need, before
// any fork.
absl::Status Prepare(Os& os, UserDatabase& users, const DetachOptions& options,
                     Prepared& prepared) {
  if (absl::Status valid = ValidateOptions(os, options); !valid.ok()) {
    return valid;
  }
  absl::StatusOr<std::optional<internal::Credentials>> credentials =
      internal::ResolveCredentials(os, users, options.user, options.group);
  if (!credentials.ok()) return credentials.status();
  internal::DaemonPlan& plan = prepared.plan;
  plan.credentials = *std::move(credentials);
  plan.umask = options.umask;
  plan.chroot_directory = options.chroot_directory;
  plan.working_directory = options.working_directory;
  plan.disable_core_dumps = options.disable_core_dumps;
  plan.clear_environment = options.clear_environment;
  plan.environment = EnvironmentToSet(os, options);
  if (const char* address = os.GetEnv("NOTIFY_SOCKET"); address != nullptr) {
    prepared.notify_socket = address;
  }
  if (absl::Status single = CheckSingleThreaded(os); !single.ok()) {
    return single;
  }
  if (!options.pid_file.empty()) {
    if (absl::Status acquired = AcquirePidFile(os, options, prepared);
        !acquired.ok()) {
      return acquired;
    }
    plan.pid_file = &*prepared.pid_file;
  }
  absl::Status opened = OpenStdio(os, options, prepared);
  if (opened.ok() && !options.foreground) {
    opened = OpenReportPipe(os, prepared);
  }
  if (!opened.ok()) return opened;
  plan.keep = options.keep_fds;
  for (int fd :
       {prepared.report_write, prepared.pid_file ? prepared.pid_file->fd() : -1,
        prepared.pid_file ? prepared.pid_file->dir_fd() : -1}) {
    if (fd >= 0) plan.keep.push_back(fd);
  }
  std::sort(plan.keep.begin(), plan.keep.end());
  return absl::OkStatus();
}

// What Detach returns in the middle process and the daemon after Exit, which
// only a mock Exit returns from.
absl::Status ReturnedFromExit() { return absl::AbortedError("Exit returned"); }

// Tells the launcher that a step failed and ends this process.
void FailAndExit(Os& os, int report_fd, pid_t pid,
                 const internal::FailedStep& failed) {
  internal::WriteReport(os, report_fd, internal::FailedStepReport(pid, failed));
  os.Exit(EX_OSERR);
}

// Foreground mode: the calling process becomes the daemon in place.
absl::StatusOr<Daemon> BecomeDaemonInPlace(Os& os, Prepared& prepared,
                                           Daemon (*make)(Os&, pid_t,
                                                          Prepared&)) {
  const pid_t pid = os.GetPid();
  const internal::FailedStep failed =
      internal::SetUpDaemon(os, prepared.plan, pid);
  if (failed.failed()) {
    prepared.Abandon(os);
    return internal::StatusFromReport(internal::FailedStepReport(pid, failed));
  }
  // Set-up moved the streams onto 0, 1 and 2 and closed the originals.
  std::fill(std::begin(prepared.plan.stdio), std::end(prepared.plan.stdio), -1);
  return make(os, pid, prepared);
}

// execve(2) of `argv`, with `argv[0]` searched in PATH when it holds no
// '/', as execvp(3) does. Returns the errno of the failure that decides.
int ExecSearchingPath(Os& os, const std::vector<std::string>& argv) {
  std::vector<char*> arguments;
  for (const std::string& argument : argv) {
    arguments.push_back(const_cast<char*>(argument.c_str()));
  }
  arguments.push_back(nullptr);
  const std::string& program = argv[0];
  if (program.find('/') != std::string::npos) {
    return os.ExecVe(program.c_str(), arguments.data(), environ).error;
  }
  const char* path = os.GetEnv("PATH");
  bool denied = false;
  for (absl::string_view directory : absl::StrSplit(
           path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    const std::string candidate =
        absl::StrCat(directory.empty() ? "." : directory, "/", program);
    const int error =
        os.ExecVe(candidate.c_str(), arguments.data(), environ).error;
    // As execvp: look further on these; remember a file found but refused.
    if (error == EACCES) {
      denied = true;
    } else if (error != ENOENT && error != ENOTDIR && error != ESTALE) {
      return error;
    }
  }
  return denied ? EACCES : ENOENT;
}

}  // namespace

Daemon::Daemon(Os& os, pid_t pid, bool in_daemon, int report_fd,
               std::optional<PidFile> pid_file, std::string notify_socket)
    : os_(&os),
      pid_(pid),
      in_daemon_(in_daemon),
      report_fd_(report_fd),
      pid_file_(std::move(pid_file)),
      notify_socket_(std::move(notify_socket)) {}

Daemon::Daemon(Daemon&& other) noexcept
    : os_(other.os_),
      pid_(other.pid_),
      in_daemon_(other.in_daemon_),
      report_fd_(std::exchange(other.report_fd_, -1)),
      pid_file_(std::exchange(other.pid_file_, std::nullopt)),
      notify_socket_(std::move(other.notify_socket_)) {}

Daemon& Daemon::operator=(Daemon&& other) noexcept {
  if (this != &other) {
    if (report_fd_ >= 0) os_->Close(report_fd_);
    os_ = other.os_;
    pid_ = other.pid_;
    in_daemon_ = other.in_daemon_;
    report_fd_ = std::exchange(other.report_fd_, -1);
    pid_file_ = std::exchange(other.pid_file_, std::nullopt);
    notify_socket_ = std::move(other.notify_socket_);
  }
  return *this;
}

Daemon::~Daemon() {
  if (report_fd_ >= 0) os_->Close(report_fd_);
}

absl::Status Daemon::Ready() {
  if (!in_daemon_ || ready_) {
    return absl::FailedPreconditionError(
        "Ready() is for the daemon, once, before any Fail()");
  }
  ready_ = true;
  if (report_fd_ >= 0) {
    LaunchReport report = {};
    report.kind = LaunchReport::kReady;
    report.pid = pid_;
    const SysCallSizeResult sent =
        internal::WriteReport(*os_, report_fd_, report);
    os_->Close(std::exchange(report_fd_, -1));
    if (!sent.ok()) {
      return StepFailed("reporting readiness", sent.error, EX_OSERR);
    }
    return Notify(absl::StrCat("READY=1\nMAINPID=", pid_));
  }
  return Notify("READY=1");
}

absl::Status Daemon::Fail(const absl::Status& why, int exit_code) {
  if (!in_daemon_ || ready_) {
    return absl::FailedPreconditionError(
        "Fail() is for the daemon, once, before any Ready()");
  }
  ready_ = true;  // No Ready() after a Fail().
  if (report_fd_ < 0) {
    return Notify(absl::StrCat("STATUS=", why.message()));
  }
  const SysCallSizeResult sent = internal::WriteReport(
      *os_, report_fd_, internal::StatusReport(pid_, why, exit_code));
  os_->Close(std::exchange(report_fd_, -1));
  if (!sent.ok()) {
    return StepFailed("reporting the failure", sent.error, EX_OSERR);
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
  if (report_fd_ >= 0) {
    LaunchReport exec_next = {};
    exec_next.kind = LaunchReport::kExec;
    exec_next.pid = pid_;
    internal::WriteReport(*os_, report_fd_, exec_next);
  }
  // The lock belongs to the descriptor: keep it open in the program.
  if (pid_file_.has_value()) os_->Fcntl(pid_file_->fd(), F_SETFD, 0);
  const int error = ExecSearchingPath(*os_, argv);
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

absl::StatusOr<Daemon> Detach(const DetachOptions& options, Os& os) {
  return Detach(options, os, *SystemUserDatabase(os));
}

absl::StatusOr<Daemon> Detach(const DetachOptions& options, Os& os,
                              UserDatabase& users) {
  Prepared prepared;
  if (absl::Status ready = Prepare(os, users, options, prepared); !ready.ok()) {
    prepared.Abandon(os);
    return ready;
  }
  auto make_daemon = [](Os& os, pid_t pid, Prepared& prepared) {
    return Daemon(
        os, pid, /*in_daemon=*/true, std::exchange(prepared.report_write, -1),
        std::move(prepared.pid_file), std::move(prepared.notify_socket));
  };
  if (options.foreground) {
    return BecomeDaemonInPlace(os, prepared, make_daemon);
  }

  const SysCallIntResult first_fork = os.Fork();
  if (!first_fork.ok()) {
    prepared.Abandon(os);
    return StepFailed("first fork", first_fork.error, EX_OSERR);
  }
  if (first_fork.value > 0) {  // The launcher.
    const int report_read = std::exchange(prepared.report_read, -1);
    prepared.CloseStreams(os);
    absl::StatusOr<pid_t> ready =
        internal::AwaitDaemon(os, first_fork.value, report_read);
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
    FailAndExit(os, report, 0, {"setsid", nullptr, session.error});
    return ReturnedFromExit();
  }
  const SysCallIntResult second_fork = os.Fork();
  if (!second_fork.ok()) {
    FailAndExit(os, report, 0, {"second fork", nullptr, second_fork.error});
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
  const internal::FailedStep failed =
      internal::SetUpDaemon(os, prepared.plan, pid);
  if (failed.failed()) {
    FailAndExit(os, report, pid, failed);
    return ReturnedFromExit();
  }
  return make_daemon(os, pid, prepared);
}

Daemon DetachOrExit(const DetachOptions& options, Os& os) {
  // The daemon becomes this process's child when the middle process exits, so
  // a daemon that dies before it is ready can be reaped and described. This
  // process exits next, so nothing is left for it to reap later.
  if (!options.foreground) os.Prctl(PR_SET_CHILD_SUBREAPER, 1);
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
