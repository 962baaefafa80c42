#include "src/launch_report.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sysexits.h>

#include "daemonkit/exit_code.h"
#include "src/after_fork_failure.h"
#include "src/errno_status.h"

namespace daemonkit::internal {
namespace {

static_assert(sizeof(LaunchReport) <= PIPE_BUF, "a report must arrive whole");

// Appends `text` to the NUL-terminated `buffer` of `size` bytes, truncating.
void Append(char* buffer, size_t size, absl::string_view text) {
  const size_t used = strnlen(buffer, size);
  const size_t room = size - used - 1;
  const size_t count = text.size() < room ? text.size() : room;
  memcpy(buffer + used, text.data(), count);
  buffer[used + count] = '\0';
}

}  // namespace

LaunchReport AfterForkFailureReport(pid_t pid, const AfterForkFailure& failed) {
  LaunchReport report = {};
  report.kind = LaunchReport::kFailed;
  report.pid = pid;
  report.status_code = static_cast<int32_t>(
      failed.reason != nullptr ? absl::StatusCode::kFailedPrecondition
                               : absl::ErrnoToStatusCode(failed.error));
  report.exit_code = EX_OSERR;
  Append(report.message, sizeof(report.message), failed.step);
  if (failed.subject != nullptr) {
    Append(report.message, sizeof(report.message), " ");
    Append(report.message, sizeof(report.message), failed.subject);
  }
  Append(report.message, sizeof(report.message), " failed: ");
  Append(report.message, sizeof(report.message),
         failed.reason != nullptr ? failed.reason : ErrnoText(failed.error));
  return report;
}

LaunchReport StatusReport(pid_t pid, const absl::Status& status,
                          int exit_code) {
  LaunchReport report = {};
  report.kind = LaunchReport::kFailed;
  report.pid = pid;
  report.status_code = static_cast<int32_t>(status.code());
  report.exit_code = exit_code;
  Append(report.message, sizeof(report.message), status.message());
  return report;
}

absl::Status StatusFromReport(const LaunchReport& report) {
  absl::StatusCode code = static_cast<absl::StatusCode>(report.status_code);
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kUnknown;
  const absl::string_view message(
      report.message, strnlen(report.message, sizeof(report.message)));
  return WithExitCode(absl::Status(code, message), report.exit_code);
}

SysCallSizeResult WriteReport(Os& os, int fd, const LaunchReport& report) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous;
  const bool ignoring = os.SigAction(SIGPIPE, &ignore, &previous).ok();
  SysCallSizeResult result;
  do {
    result = os.Write(fd, &report, sizeof(report));
  } while (result.error == EINTR);
  if (ignoring) os.SigAction(SIGPIPE, &previous, nullptr);
  return result;
}

void ReportFailureAndExit(Os& os, int fd, pid_t pid,
                          const AfterForkFailure& failed) {
  WriteReport(os, fd, AfterForkFailureReport(pid, failed));
  os.Exit(EX_OSERR);
}

SysCallSizeResult ReadReport(Os& os, int fd, LaunchReport* report) {
  char* const bytes = reinterpret_cast<char*>(report);
  size_t got = 0;
  while (got < sizeof(*report)) {
    const SysCallSizeResult result =
        os.Read(fd, bytes + got, sizeof(*report) - got);
    if (result.error == EINTR) continue;
    if (!result.ok()) return result;
    if (result.value == 0) return {0, 0};
    got += static_cast<size_t>(result.value);
  }
  return {static_cast<ssize_t>(got), 0};
}

}  // namespace daemonkit::internal
