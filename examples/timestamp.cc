// timestamp: the classic double-fork demo, done right.
//
// Detaches, then appends the current time (RFC 3339, local time zone) to a log
// every --interval. The launcher prints "Daemon PID N" and exits 0 only once
// the daemon has opened its log; otherwise it prints what failed and exits
// with a sysexits.h code. SIGTERM or SIGINT stops the daemon between two lines.
//
//   bazel run //examples:timestamp -- --interval=1s --log=/tmp/x.log

#include <fcntl.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"

ABSL_FLAG(std::string, log, "/tmp/daemon-log", "File the timestamps go to.");
ABSL_FLAG(absl::Duration, interval, absl::Seconds(10),
          "Time between two lines, e.g. 10s, 500ms, 1m.");
ABSL_FLAG(bool, foreground, false,
          "Run the same loop without detaching (for debugging or a service "
          "manager that supervises the process itself).");

namespace {

// Relative to where the user typed the command; under `bazel run` that is
// BUILD_WORKING_DIRECTORY, not the runfiles tree the binary starts in.
std::string Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* base = std::getenv("BUILD_WORKING_DIRECTORY");
  char cwd[4096];
  if (base == nullptr) base = getcwd(cwd, sizeof cwd);
  return base == nullptr ? path : absl::StrCat(base, "/", path);
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

// Appends one line per tick until SIGTERM or SIGINT. Each line is one
// write(2) to an O_APPEND file, and the signals are only taken between
// lines, so no line is ever torn.
int WriteTimestamps(int log, absl::Duration interval) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  const absl::TimeZone local = absl::LocalTimeZone();
  absl::Time next = absl::Now();
  for (;;) {
    const std::string line = absl::StrCat(
        absl::FormatTime(absl::RFC3339_sec, absl::Now(), local), "\n");
    if (write(log, line.data(), line.size()) !=
        static_cast<ssize_t>(line.size())) {
      return EX_IOERR;
    }
    next += interval;
    for (;;) {
      const timespec wait =
          absl::ToTimespec(std::max(next - absl::Now(), absl::ZeroDuration()));
      const int signal = sigtimedwait(&stop, nullptr, &wait);
      if (signal == SIGTERM || signal == SIGINT) return 0;
      if (signal < 0 && errno == EAGAIN) break;  // The next tick.
    }
  }
}

// Prints why the launcher failed and returns its exit code.
int LauncherFailed(const absl::Status& status) {
  std::fprintf(stderr, "timestamp: %s\n",
               std::string(status.message()).c_str());
  return daemonkit::ExitCodeOf(status);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Appends a timestamp to a log file at a fixed interval, as a daemon.\n"
      "Usage: timestamp [--log=FILE] [--interval=DURATION] [--foreground]");
  absl::ParseCommandLine(argc, argv);
  const absl::Duration interval = absl::GetFlag(FLAGS_interval);
  if (interval <= absl::ZeroDuration()) {
    return LauncherFailed(absl::InvalidArgumentError(absl::StrCat(
        "--interval must be positive, got ", absl::FormatDuration(interval))));
  }
  const std::string log_path = Absolute(absl::GetFlag(FLAGS_log));

  if (absl::GetFlag(FLAGS_foreground)) {
    absl::StatusOr<int> log = OpenLog(log_path);
    if (!log.ok()) return LauncherFailed(log.status());
    return WriteTimestamps(*log, interval);
  }

  absl::StatusOr<daemonkit::Daemon> daemon =
      daemonkit::Detach(daemonkit::DetachOptions());
  if (!daemon.ok()) return LauncherFailed(daemon.status());
  if (daemon->in_launcher()) {
    std::printf("Daemon PID %d\n", daemon->pid());
    return 0;
  }
  absl::StatusOr<int> log = OpenLog(log_path);
  if (!log.ok()) {
    daemon->Fail(log.status(), daemonkit::ExitCodeOf(log.status()))
        .IgnoreError();
    return daemonkit::ExitCodeOf(log.status());
  }
  if (!daemon->Ready().ok()) return EX_OSERR;
  return WriteTimestamps(*log, interval);
}
