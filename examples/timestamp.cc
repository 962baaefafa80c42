// timestamp: the classic double-fork demo, done right.
//
// Detaches, then appends the current time (RFC 3339, local time zone) to a log
// every --interval. The launcher prints "Daemon PID N" and exits 0 only once
// the daemon is set up (pid file written, first line in the log); otherwise
// it prints what failed and exits with a sysexits.h code.
//
// A line is in the log whole or not at all. When the disk is full the daemon
// goes on, counting the lines it could not write, and says how many and why
// in the log once it can write again (examples/line_log.h).
//
// The daemon takes its signals between two lines, never in the middle of one:
// SIGTERM or SIGINT stops it (pid file removed, exit 0); SIGHUP reopens the
// log, for logrotate.
//
//   bazel run //examples:timestamp -- --interval=1s --pid-file=/tmp/x.pid
//   bazel run //examples:timestamp -- --pid-file=/tmp/x.pid --status
//   bazel run //examples:timestamp -- --pid-file=/tmp/x.pid --stop

#include <fcntl.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/output_file.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/signal_waiter.h"
#include "examples/line_log.h"
#include "examples/timestamp_flags.h"
#include "tools/flag_values.h"
#include "tools/service_control.h"

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
  return daemonkit::tools::ReportFailure("timestamp", status);
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

// The log, opened only where no other user can choose it (output_file.h):
// not through a symbolic link planted in /tmp, not a file another user owns.
absl::StatusOr<int> OpenLog(const std::string& path) {
  absl::StatusOr<daemonkit::UniqueFd> log =
      daemonkit::OpenOutputFile("log", path);
  if (!log.ok()) return log.status();
  return log->release();
}

// The line for now: RFC 3339 with milliseconds, in `zone`.
std::string Timestamp(absl::TimeZone zone) {
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", absl::Now(), zone), "\n");
}

// Opens the log and writes the first line in it: a log that cannot take one
// is a failed start, which the launcher reports.
absl::StatusOr<int> StartLog(const std::string& path, absl::TimeZone zone) {
  absl::StatusOr<int> log = OpenLog(path);
  if (!log.ok()) return log;
  daemonkit::examples::LineLog first(daemonkit::PosixOs::Default(), *log);
  if (const int error = first.Append(Timestamp(zone)); error != 0) {
    close(*log);
    return daemonkit::WithExitCode(
        absl::ErrnoToStatus(error, absl::StrCat("cannot write log ", path)),
        EX_IOERR);
  }
  return log;
}

// Appends one line per tick until SIGTERM or SIGINT; SIGHUP reopens the log.
// Signals are only taken between lines. A line that cannot be written (a full
// disk) leaves no trace but a count, reported in the log once writing works
// again; the daemon goes on.
int WriteTimestamps(daemonkit::SignalWaiter& waiter, int log,
                    const std::string& log_path, absl::Duration interval,
                    absl::TimeZone zone) {
  daemonkit::examples::LineLog lines(daemonkit::PosixOs::Default(), log);
  absl::Time next = absl::Now();
  for (;;) {
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
        lines.SwitchTo(*reopened);
        close(log);
        log = *reopened;
      }
    }
    lines.Append(Timestamp(zone));
  }
}

// The daemon's side: set up, report, serve.
int RunDaemon(daemonkit::Daemon& daemon, const std::string& log_path,
              absl::Duration interval, absl::TimeZone zone) {
  // Blocked before Ready(): a SIGTERM that comes the moment the launcher has
  // returned must still remove the pid file.
  absl::StatusOr<daemonkit::SignalWaiter> waiter =
      daemonkit::SignalWaiter::Block({SIGTERM, SIGINT, SIGHUP});
  absl::StatusOr<int> log =
      waiter.ok() ? StartLog(log_path, zone) : waiter.status();
  if (!log.ok()) {
    // The launcher reports it and removes the pid file; in foreground mode
    // this process is the launcher.
    daemon.Fail(log.status(), ExitCodeOf(log.status())).IgnoreError();
    daemon.RemovePidFile().IgnoreError();
    return Failed(log.status());
  }
  if (!daemon.Ready().ok()) return EX_OSERR;
  const int status = WriteTimestamps(*waiter, *log, log_path, interval, zone);
  daemon.RemovePidFile().IgnoreError();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const absl::StatusOr<daemonkit::examples::TimestampFlags> parsed =
      daemonkit::examples::ParseTimestampFlags(argc, argv);
  if (!parsed.ok()) return Failed(parsed.status());
  const daemonkit::examples::TimestampFlags& flags = *parsed;
  if (flags.help) {
    std::fputs(daemonkit::examples::kTimestampUsage, stdout);
    return 0;
  }
  const std::string pid_file = Absolute(flags.pid_file);
  if (flags.stop || flags.status) {
    if (pid_file.empty()) {
      return Failed(
          absl::InvalidArgumentError("--stop and --status need --pid-file"));
    }
    return flags.stop ? daemonkit::tools::StopService("timestamp", pid_file,
                                                      flags.stop_timeout)
                      : daemonkit::tools::ReportStatus("timestamp", pid_file);
  }
  daemonkit::DetachOptions options;
  options.foreground = flags.foreground;
  options.user = flags.user;
  options.group = flags.group;
  options.chroot_directory = Absolute(flags.chroot);
  // Inside a chroot, paths are the chroot's own.
  const bool rooted = !options.chroot_directory.empty();
  options.working_directory = rooted ? flags.chdir : Absolute(flags.chdir);
  const std::string log_path = rooted ? flags.log : Absolute(flags.log);
  absl::StatusOr<int> umask = ParseUmask(flags.umask);
  if (!umask.ok()) return Failed(umask.status());
  options.umask = *umask;
  options.pid_file = pid_file;
  // Loaded now: inside --chroot, /etc/localtime and the zoneinfo files are
  // out of reach, and a zone loaded there would be UTC.
  const absl::TimeZone zone = absl::LocalTimeZone();
  absl::StatusOr<daemonkit::Daemon> daemon = daemonkit::Detach(options);
  if (!daemon.ok()) return Failed(daemon.status());
  if (daemon->in_launcher()) {
    // The daemon started: a reader of this output that went away (`timestamp
    // | true`) loses the line, but must not turn the exit status into a
    // death by SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    std::printf("Daemon PID %d\n", daemon->pid());
    return 0;
  }
  // The daemon, or this very process in foreground mode.
  return RunDaemon(*daemon, log_path, flags.interval, zone);
}
