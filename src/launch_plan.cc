#include "src/launch_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/output_file.h"
#include "src/credentials.h"
#include "src/errno_status.h"
#include "src/file_rights.h"
#include "src/os_helpers.h"
#include "src/path_parts.h"
#include "src/single_thread_check.h"

namespace daemonkit::internal {
namespace {

// Opens `path` as a directory, to report now what chdir would meet later.
absl::Status CheckDirectory(Os& os, const std::string& path,
                            const std::string& what) {
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (!opened.ok()) {
    return ErrnoStatus(absl::StrCat("opening ", what, " ", path), opened.error,
                       EX_NOINPUT);
  }
  const UniqueFd directory(os, opened.value);
  return absl::OkStatus();
}

absl::Status CheckValues(Os& os, const DetachOptions& options) {
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
      return ErrnoStatus(absl::StrCat("checking kept descriptor ", fd),
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
  return absl::OkStatus();
}

absl::Status CheckDirectories(Os& os, const DetachOptions& options) {
  if (options.chroot_directory.empty()) {
    return CheckDirectory(os, options.working_directory, "working directory");
  }
  if (os.GetUid() != 0) {
    return WithExitCode(absl::PermissionDeniedError("chroot needs root"),
                        EX_NOPERM);
  }
  if (absl::Status root =
          CheckDirectory(os, options.chroot_directory, "chroot directory");
      !root.ok()) {
    return root;
  }
  return CheckDirectory(
      os,
      absl::StrCat(options.chroot_directory, "/", options.working_directory),
      "working directory");
}

// With a user to switch to, the pid file's directory must be writable by
// that user, so that the daemon can remove its pid file at a clean stop.
absl::Status CheckPidDirectory(Os& os, const std::string& pid_file,
                               const Credentials& credentials) {
  const std::string directory = SplitPath(pid_file).directory;
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (!opened.ok()) {
    // In PidFile::Acquire's words: the same failure, met first here.
    return ErrnoStatus(absl::StrCat("opening pid file ", pid_file),
                       opened.error, EX_CANTCREAT);
  }
  const UniqueFd opened_directory(os, opened.value);
  struct stat info;
  if (const SysCallIntResult got = os.FStat(opened_directory.get(), &info);
      !got.ok()) {
    return ErrnoStatus(absl::StrCat("checking pid file directory ", directory),
                       got.error, EX_CANTCREAT);
  }
  if (CanWriteDirectory(credentials, info)) return absl::OkStatus();
  return WithExitCode(
      absl::FailedPreconditionError(absl::StrCat(
          "pid file directory ", directory, " is not writable by user ",
          credentials.name,
          ", so the daemon could not remove its pid file at a clean stop; "
          "use a directory that user owns (such as systemd's "
          "RuntimeDirectory=)")),
      EX_CANTCREAT);
}

// Acquires the pid file; with a user to switch to, hands it to that user,
// unless a supervisor, who stays the caller, keeps it.
absl::Status AcquirePidFile(Os& os, const std::string& path, LaunchPlan& plan) {
  const std::optional<Credentials>& credentials = plan.daemon.credentials;
  const bool handed_over = credentials.has_value() && !plan.daemon.supervisor;
  if (handed_over) {
    if (absl::Status usable = CheckPidDirectory(os, path, *credentials);
        !usable.ok()) {
      return usable;
    }
  }
  absl::StatusOr<PidFile> pid_file = PidFile::Acquire(
      path, credentials.has_value() ? credentials->uid : std::nullopt, os);
  if (!pid_file.ok()) return pid_file.status();
  plan.pid_file = *std::move(pid_file);
  plan.daemon.pid_file = &*plan.pid_file;
  if (!handed_over) return absl::OkStatus();
  const SysCallIntResult handed =
      os.FChown(plan.pid_file->fd(), credentials->uid.value_or(os.GetUid()),
                credentials->gid);
  if (!handed.ok()) {
    return ErrnoStatus(
        absl::StrCat("handing pid file ", path, " to user ", credentials->name),
        handed.error, EX_CANTCREAT);
  }
  return absl::OkStatus();
}

// Opens the caller's output file for a standard stream: as the daemon's user
// would (file_rights.h), and only where no other user can choose it
// (output_file.h).
absl::StatusOr<UniqueFd> OpenOutput(Os& os, const char* what,
                                    const std::string& path,
                                    const LaunchPlan& plan) {
  const std::optional<Credentials>& credentials = plan.daemon.credentials;
  auto open = [&] {
    return OpenOutputFile(
        what, path, credentials.has_value() ? credentials->uid : std::nullopt,
        os);
  };
  return credentials.has_value() ? OpenWithRightsOf(os, *credentials, open)
                                 : open();
}

// Opens /dev/null, or the caller's stdin file without waiting for a FIFO's
// writer.
SysCallIntResult OpenInput(Os& os, int stream, const std::string& file,
                           bool given) {
  const int flags = stream == STDIN_FILENO ? O_RDONLY | (given ? O_NONBLOCK : 0)
                                           : O_WRONLY | O_APPEND | O_CREAT;
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(file.c_str(), flags | O_NOCTTY | O_CLOEXEC, 0644);
  });
  if (!opened.ok() || (flags & O_NONBLOCK) == 0) return opened;
  const SysCallIntResult blocking = os.Fcntl(opened.value, F_SETFL, 0);
  if (blocking.ok()) return opened;
  os.Close(opened.value);
  return blocking;
}

// Opens a standard stream's file (/dev/null when none is given), numbered
// above 2.
absl::StatusOr<UniqueFd> OpenStream(Os& os, int stream, const std::string& path,
                                    const LaunchPlan& plan) {
  static const char* const kFileNames[3] = {"stdin file", "stdout file",
                                            "stderr file"};
  const char* what = kFileNames[stream];
  const std::string file = path.empty() ? "/dev/null" : path;
  SysCallIntResult opened = {-1, 0};
  if (!path.empty() && stream != STDIN_FILENO) {
    absl::StatusOr<UniqueFd> output = OpenOutput(os, what, path, plan);
    if (!output.ok()) return output.status();
    opened = {output->release(), 0};
  } else {
    opened = OpenInput(os, stream, file, !path.empty());
  }
  if (opened.ok()) opened = MoveAboveStdio(os, opened.value);
  if (!opened.ok()) {
    return ErrnoStatus(absl::StrCat("opening ", what, " ", file), opened.error,
                       path.empty()             ? EX_OSFILE
                       : stream == STDIN_FILENO ? EX_NOINPUT
                                                : EX_CANTCREAT);
  }
  return UniqueFd(os, opened.value);
}

absl::Status OpenStdio(Os& os, const DetachOptions& options, LaunchPlan& plan) {
  const std::string* paths[3] = {&options.stdin_path, &options.stdout_path,
                                 &options.stderr_path};
  for (int i = 0; i < 3; ++i) {
    if (paths[i]->empty() && options.foreground) continue;
    absl::StatusOr<UniqueFd> opened = OpenStream(os, i, *paths[i], plan);
    if (!opened.ok()) return opened.status();
    plan.daemon.stdio[i] = *std::move(opened);
  }
  return absl::OkStatus();
}

absl::Status OpenReportPipe(Os& os, LaunchPlan& plan) {
  int fds[2];
  SysCallIntResult made = os.Pipe(fds, O_CLOEXEC);
  if (made.ok()) {
    const SysCallIntResult read_end = MoveAboveStdio(os, fds[0]);
    const SysCallIntResult write_end = MoveAboveStdio(os, fds[1]);
    if (read_end.ok()) plan.report_read = UniqueFd(os, read_end.value);
    if (write_end.ok()) plan.report_write = UniqueFd(os, write_end.value);
    made = read_end.ok() ? write_end : read_end;
  }
  if (!made.ok()) {
    return ErrnoStatus("creating the readiness pipe", made.error, EX_OSERR);
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

// The options that need no system call, and who the daemon will run as.
absl::Status PlanDaemon(Os& os, UserDatabase& users,
                        const DetachOptions& options, LaunchPlan& plan) {
  absl::StatusOr<std::optional<Credentials>> credentials =
      ResolveCredentials(os, users, options.user, options.group);
  if (!credentials.ok()) return credentials.status();
  DaemonPlan& daemon = plan.daemon;
  daemon.credentials = *std::move(credentials);
  daemon.umask = options.umask;
  daemon.chroot_directory = options.chroot_directory;
  daemon.working_directory = options.working_directory;
  // From the jail's root, where CheckDirectories looked: chroot(2) leaves
  // the working directory where it was, outside the jail.
  if (!options.chroot_directory.empty() &&
      options.working_directory[0] != '/') {
    daemon.working_directory.insert(0, "/");
  }
  daemon.disable_core_dumps = options.disable_core_dumps;
  daemon.clear_environment = options.clear_environment;
  daemon.environment = EnvironmentToSet(os, options);
  if (const char* address = os.GetEnv("NOTIFY_SOCKET"); address != nullptr) {
    plan.notify_socket = address;
  }
  return absl::OkStatus();
}

// The descriptors the daemon keeps: the caller's, the readiness pipe's write
// end and the pid file's, with its directory's unless in a chroot, sorted.
// In a chroot, none of them leads out of the jail: fchdir(2) and openat(2)
// need a directory; a pipe or the pid file's regular file is none, and
// RefuseWaysOut turned away a kept directory. (SdNotify makes a new socket
// for each message.)
std::vector<int> KeptDescriptors(const DetachOptions& options,
                                 const LaunchPlan& plan) {
  std::vector<int> keep = options.keep_fds;
  if (plan.report_write.valid()) keep.push_back(plan.report_write.get());
  if (plan.pid_file.has_value()) {
    keep.push_back(plan.pid_file->fd());
    // Closed right after chroot(2): see PidFile::EnteredChroot. A
    // supervisor never enters the chroot; its workers do.
    if (options.chroot_directory.empty() || plan.daemon.supervisor) {
      keep.push_back(plan.pid_file->dir_fd());
    }
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

// Refuses `fd`, named `what`, when it is a directory.
absl::Status RefuseDirectory(Os& os, int fd, const std::string& what) {
  struct stat info = {};
  const SysCallIntResult got = os.FStat(fd, &info);
  // EBADF: a standard stream the caller closed, which leads nowhere.
  if (got.error == EBADF) return absl::OkStatus();
  if (!got.ok()) {
    return ErrnoStatus(absl::StrCat("checking ", what), got.error, EX_OSERR);
  }
  if (!S_ISDIR(info.st_mode)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, " is a directory, which would let the daemon leave its chroot"));
}

// In a chroot, a directory descriptor is a way out of the jail (fchdir(2),
// then ".."): the daemon may keep none, in keep_fds or as a stream (stdin
// opens one for reading; in foreground mode a stream may be left as it is).
absl::Status RefuseWaysOut(Os& os, const DetachOptions& options,
                           const LaunchPlan& plan) {
  if (options.chroot_directory.empty()) return absl::OkStatus();
  for (int fd : options.keep_fds) {
    const absl::Status refused =
        RefuseDirectory(os, fd, absl::StrCat("kept descriptor ", fd));
    if (!refused.ok()) return refused;
  }
  static const char* const kStreamNames[3] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; ++i) {
    const UniqueFd& stream = plan.daemon.stdio[i];
    const absl::Status refused =
        RefuseDirectory(os, stream.valid() ? stream.get() : i, kStreamNames[i]);
    if (!refused.ok()) return refused;
  }
  return absl::OkStatus();
}

}  // namespace

void LaunchPlan::CloseDaemonsDescriptors() {
  for (UniqueFd& stream : daemon.stdio) stream.reset();
  report_write.reset();
}

void LaunchPlan::Abandon() {
  for (UniqueFd& stream : daemon.stdio) stream.reset();
  report_read.reset();
  report_write.reset();
  if (pid_file.has_value()) pid_file->Remove().IgnoreError();
}

absl::Status PrepareLaunch(Os& os, UserDatabase& users,
                           const DetachOptions& options, LaunchPlan& plan) {
  absl::Status prepared = CheckValues(os, options);
  if (prepared.ok()) prepared = CheckDirectories(os, options);
  if (prepared.ok()) prepared = PlanDaemon(os, users, options, plan);
  if (prepared.ok()) prepared = CheckSingleThreaded(os);
  if (prepared.ok() && !options.pid_file.empty()) {
    prepared = AcquirePidFile(os, options.pid_file, plan);
  }
  if (prepared.ok()) prepared = OpenStdio(os, options, plan);
  if (prepared.ok()) prepared = RefuseWaysOut(os, options, plan);
  if (prepared.ok() && !options.foreground) prepared = OpenReportPipe(os, plan);
  if (prepared.ok()) plan.daemon.keep = KeptDescriptors(options, plan);
  return prepared;
}

}  // namespace daemonkit::internal
