// timestamp: the classic double-fork demo, done right.
//
// Detaches, then appends the current time (RFC 3339, local time zone) to a log
// every --interval. The launcher prints "Daemon PID N" and exits 0 only once
// the daemon is set up (pid file written, log open); otherwise it prints what
// failed and exits with a sysexits.h code.
//
// The daemon takes its signals between two lines, never in the middle of one:
// SIGTERM or SIGINT stops it (pid file removed, exit 0); SIGHUP reopens the
// log, for logrotate.
//
//   bazel run //examples:timestamp -- --interval=1s --pid_file=/tmp/x.pid
//   bazel run //examples:timestamp -- --pid_file=/tmp/x.pid --status
//   bazel run //examples:timestamp -- --pid_file=/tmp/x.pid --stop

#include <fcntl.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/signal_waiter.h"
#include "daemonkit/stop_daemon.h"
#include "examples/strict_flags.h"

ABSL_FLAG(std::string, log, "/tmp/daemon-log", "File the timestamps go to.");
ABSL_FLAG(absl::Duration, interval, absl::Seconds(10),
          "Time between two lines, e.g. 10s, 500ms, 1m.");
ABSL_FLAG(std::string, pid_file, "",
          "Pid file: keeps the daemon single-instance and lets --stop and "
          "--status find it.");
ABSL_FLAG(std::string, chdir, "/",
          "The daemon's working directory (inside --chroot, when set).");
ABSL_FLAG(std::string, user, "",
          "Run as this user (name or id), with its groups. Needs root.");
ABSL_FLAG(std::string, group, "",
          "Run with this group (name or id) instead of the user's own.");
ABSL_FLAG(std::string, chroot, "",
          "chroot(2) here first; --log then names a file inside. Needs root.");
ABSL_FLAG(std::string, umask, "0", "The daemon's umask, in octal.");
ABSL_FLAG(bool, foreground, false,
          "Everything but the forks: for systemd Type=notify (READY=1 goes to "
          "NOTIFY_SOCKET), containers and debugging. Standard streams stay.");
ABSL_FLAG(bool, stop, false,
          "Stop the daemon --pid_file names (SIGTERM) and wait until it is "
          "gone.");
ABSL_FLAG(absl::Duration, stop_timeout, absl::Seconds(10),
          "How long --stop waits.");
ABSL_FLAG(bool, status, false,
          "Tell whether the daemon --pid_file names runs. Exit status as for "
          "LSB init scripts: 0 running, 1 dead but pid file exists, 3 not "
          "running, 4 unknown.");

namespace {

using daemonkit::ExitCodeOf;

// Relative to where the user typed the command; under `bazel run` that is
// BUILD_WORKING_DIRECTORY, not the runfiles tree the binary starts in.
std::string Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* base = std::getenv("BUILD_WORKING_DIRECTORY");
  char cwd[4096];
  if (base == nullptr) base = getcwd(cwd, sizeof cwd);
  return base == nullptr ? path : absl::StrCat(base, "/", path);
}

int Failed(const absl::Status& status) {
  std::fprintf(stderr, "timestamp: %s\n",
               std::string(status.message()).c_str());
  return ExitCodeOf(status);
}

absl::StatusOr<int> ParseUmask(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const long mask = std::strtol(text.c_str(), &end, 8);
  if (text.empty() || *end != '\0' || errno != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--umask must be an octal mode such as 022, got '", text, "'"));
  }
  return static_cast<int>(mask);
}

absl::StatusOr<int> OpenLog(const std::string& path) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    return daemonkit::WithExitCode(
        absl::ErrnoToStatus(error, absl::StrCat("cannot open log ", path)),
        EX_CANTCREAT);
  }
  return fd;
}

// --status, with LSB init script exit codes.
int Status(const std::string& pid_file) {
  absl::StatusOr<daemonkit::PidFileState> state =
      daemonkit::ReadPidFile(pid_file);
  if (!state.ok()) {
    Failed(state.status());
    return 4;
  }
  switch (state->kind) {
    case daemonkit::PidFileState::kRunning:
      std::printf("running as pid %d\n", state->pid);
      return 0;
    case daemonkit::PidFileState::kStale:
      std::printf("not running, but pid file %s remains\n", pid_file.c_str());
      return 1;
    case daemonkit::PidFileState::kNotRunning:
      break;
  }
  std::printf("not running\n");
  return 3;
}

// --stop. Stopping a daemon that is not running is no error (as for LSB
// init scripts), but it is said.
int Stop(const std::string& pid_file) {
  absl::StatusOr<pid_t> stopped =
      daemonkit::StopDaemon(pid_file, absl::GetFlag(FLAGS_stop_timeout));
  if (absl::IsNotFound(stopped.status())) {
    std::printf("%s\n", std::string(stopped.status().message()).c_str());
    return 0;
  }
  if (!stopped.ok()) {
    Failed(stopped.status());
    return 1;  // LSB: generic or unspecified error.
  }
  std::printf("stopped pid %d\n", *stopped);
  return 0;
}

// Appends one line per tick until SIGTERM or SIGINT; SIGHUP reopens the log.
// Each line is one write(2) to an O_APPEND file, and signals are only taken
// between lines, so no line is ever torn.
int WriteTimestamps(daemonkit::SignalWaiter& waiter, int log,
                    const std::string& log_path, absl::Duration interval) {
  const absl::TimeZone local = absl::LocalTimeZone();
  absl::Time next = absl::Now();
  for (;;) {
    const std::string line = absl::StrCat(
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", absl::Now(), local), "\n");
    if (write(log, line.data(), line.size()) !=
        static_cast<ssize_t>(line.size())) {
      return EX_IOERR;
    }
    next += interval;
    for (;;) {
      const absl::StatusOr<int> signal = waiter.Wait(next - absl::Now());
      if (!signal.ok()) return ExitCodeOf(signal.status());
      if (*signal == 0) break;  // The next tick.
      if (*signal != SIGHUP) {
        close(log);
        return 0;
      }
      // Logrotate moved the log away: go on in a new one. When that cannot
      // be opened, keep the old one rather than lose lines.
      if (absl::StatusOr<int> reopened = OpenLog(log_path); reopened.ok()) {
        close(log);
        log = *reopened;
      }
    }
  }
}

// The daemon's side: set up, report, serve.
int RunDaemon(daemonkit::Daemon& daemon, const std::string& log_path,
              absl::Duration interval) {
  // Blocked before Ready(): a SIGTERM that comes the moment the launcher has
  // returned must still remove the pid file.
  absl::StatusOr<daemonkit::SignalWaiter> waiter =
      daemonkit::SignalWaiter::Block({SIGTERM, SIGINT, SIGHUP});
  absl::StatusOr<int> log = waiter.ok() ? OpenLog(log_path) : waiter.status();
  if (!log.ok()) {
    // The launcher reports it and removes the pid file; in foreground mode
    // this process is the launcher.
    daemon.Fail(log.status(), ExitCodeOf(log.status())).IgnoreError();
    daemon.RemovePidFile().IgnoreError();
    return Failed(log.status());
  }
  if (!daemon.Ready().ok()) return EX_OSERR;
  const int status = WriteTimestamps(*waiter, *log, log_path, interval);
  daemon.RemovePidFile().IgnoreError();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Appends a timestamp to a log file at a fixed interval, as a daemon.\n"
      "Usage: timestamp [--log=FILE] [--interval=DURATION] [--pid_file=FILE]\n"
      "                 [--chdir=DIR] [--umask=MODE] [--user=USER]\n"
      "                 [--group=GROUP] [--chroot=DIR] [--foreground]\n"
      "       timestamp --pid_file=FILE --stop | --status");
  daemonkit::examples::ParseFlagsOrExit(argc, argv, "timestamp");
  const std::string pid_file = Absolute(absl::GetFlag(FLAGS_pid_file));
  if (absl::GetFlag(FLAGS_stop) || absl::GetFlag(FLAGS_status)) {
    if (pid_file.empty()) {
      return Failed(
          absl::InvalidArgumentError("--stop and --status need --pid_file"));
    }
    return absl::GetFlag(FLAGS_stop) ? Stop(pid_file) : Status(pid_file);
  }
  const absl::Duration interval = absl::GetFlag(FLAGS_interval);
  if (interval <= absl::ZeroDuration()) {
    return Failed(absl::InvalidArgumentError(absl::StrCat(
        "--interval must be positive, got ", absl::FormatDuration(interval))));
  }
  daemonkit::DetachOptions options;
  options.foreground = absl::GetFlag(FLAGS_foreground);
  options.user = absl::GetFlag(FLAGS_user);
  options.group = absl::GetFlag(FLAGS_group);
  options.chroot_directory = Absolute(absl::GetFlag(FLAGS_chroot));
  // Inside a chroot, paths are the chroot's own.
  const bool rooted = !options.chroot_directory.empty();
  options.working_directory = rooted ? absl::GetFlag(FLAGS_chdir)
                                     : Absolute(absl::GetFlag(FLAGS_chdir));
  const std::string log_path =
      rooted ? absl::GetFlag(FLAGS_log) : Absolute(absl::GetFlag(FLAGS_log));
  absl::StatusOr<int> umask = ParseUmask(absl::GetFlag(FLAGS_umask));
  if (!umask.ok()) return Failed(umask.status());
  options.umask = *umask;
  options.pid_file = pid_file;
  absl::StatusOr<daemonkit::Daemon> daemon = daemonkit::Detach(options);
  if (!daemon.ok()) return Failed(daemon.status());
  if (daemon->in_launcher()) {
    std::printf("Daemon PID %d\n", daemon->pid());
    return 0;
  }
  // The daemon, or this very process in foreground mode.
  return RunDaemon(*daemon, log_path, interval);
}
