// The records the middle process and the daemon send the launcher through the
// readiness pipe.
//
// Fixed-size and written with one write(2) each: smaller than PIPE_BUF, so a
// record arrives whole, and building one needs no allocation after fork.
#ifndef DAEMONKIT_SRC_LAUNCH_REPORT_H_
#define DAEMONKIT_SRC_LAUNCH_REPORT_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "daemonkit/os.h"
#include "src/after_fork_failure.h"

namespace daemonkit::internal {

struct LaunchReport {
  enum Kind : int32_t {
    kDaemonPid = 1,  // From the middle process: the daemon was born.
    kReady = 2,      // From the daemon: Ready() was called.
    kFailed = 3,     // From either: a step failed; the start is abandoned.
    kExec = 4,       // From the daemon: it execs next. End-of-file from now
                     // on means the exec succeeded.
  };

  int32_t kind;
  int32_t pid;          // The daemon's pid (kFailed from the middle: 0).
  int32_t status_code;  // kFailed: an absl::StatusCode.
  int32_t exit_code;    // kFailed: a sysexits.h code.
  char message[496];    // kFailed: NUL-terminated, truncated to fit.
};

// A kFailed report for `failed`: "<step> <subject> failed: <errno text or
// reason>", exit code EX_OSERR.
LaunchReport AfterForkFailureReport(pid_t pid, const AfterForkFailure& failed);

// A kFailed report carrying `status` (its message truncated to fit).
LaunchReport StatusReport(pid_t pid, const absl::Status& status, int exit_code);

// The failure a kFailed report describes, with its exit code attached.
absl::Status StatusFromReport(const LaunchReport& report);

// Writes `report` to `fd`, retrying on EINTR. SIGPIPE is ignored meanwhile so
// that a launcher that went away cannot kill the writer.
SysCallSizeResult WriteReport(Os& os, int fd, const LaunchReport& report);

// Tells the launcher on `fd` that `failed` (in the process `pid`, 0 for the
// middle one) and exits with EX_OSERR: for the middle process and the daemon
// before it is ready. Only a mock Exit returns.
void ReportFailureAndExit(Os& os, int fd, pid_t pid,
                          const AfterForkFailure& failed);

// Reads one whole report from `fd`, retrying on EINTR. Returns the bytes read:
// sizeof(LaunchReport), or 0 at end-of-file.
SysCallSizeResult ReadReport(Os& os, int fd, LaunchReport* report);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_LAUNCH_REPORT_H_
