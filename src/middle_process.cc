#include "src/middle_process.h"

#include "src/launch_report.h"

namespace daemonkit::internal {

bool RunMiddleProcess(Os& os, int report_fd) {
  const SysCallIntResult session = os.SetSid();
  if (!session.ok()) {
    ReportFailureAndExit(os, report_fd, 0, {"setsid", nullptr, session.error});
    return false;
  }
  const SysCallIntResult forked = os.Fork();
  if (!forked.ok()) {
    ReportFailureAndExit(os, report_fd, 0,
                         {"second fork", nullptr, forked.error});
    return false;
  }
  if (forked.value == 0) return true;
  LaunchReport born = {};
  born.kind = LaunchReport::kDaemonPid;
  born.pid = forked.value;
  WriteReport(os, report_fd, born);
  os.Exit(0);
  return false;
}

}  // namespace daemonkit::internal
