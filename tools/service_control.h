// `--status`, `--stop` and `--reload` of the daemon a pid file names, shared
// by daemonize and the timestamp example: each proves the pid file first
// (pid_file.h), says one line on stdout, or its failure as "<program>: ..."
// on stderr, and returns an LSB init script's exit status.
#ifndef DAEMONKIT_TOOLS_SERVICE_CONTROL_H_
#define DAEMONKIT_TOOLS_SERVICE_CONTROL_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace daemonkit::tools {

// 0 running, 1 dead but the pid file remains, 3 not running, 4 unknown
// (an unproven pid file, or one that cannot be read).
int ReportStatus(absl::string_view program, const std::string& pid_file);

// 0 once everything of the daemon is gone, or when it was not running; 1
// when it cannot be stopped (unproven, still running after `timeout`,
// survivors named).
int StopService(absl::string_view program, const std::string& pid_file,
                absl::Duration timeout);

// `signal` to the program (never to its supervisor): 0 sent, 7 not running,
// 1 otherwise.
int ReloadService(absl::string_view program, const std::string& pid_file,
                  int signal);

// SIGHUP to the supervisor (to the daemon itself when it has none): its
// output files are opened again, after logrotate moved them. 0 sent, 7 not
// running, 1 otherwise.
int ReopenOutput(absl::string_view program, const std::string& pid_file);

}  // namespace daemonkit::tools

#endif  // DAEMONKIT_TOOLS_SERVICE_CONTROL_H_
