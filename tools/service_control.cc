#include "tools/service_control.h"

#include <string.h>

#include <cstdio>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "daemonkit/message_escape.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/stop_daemon.h"
#include "tools/flag_values.h"

namespace daemonkit::tools {
namespace {

// LSB: "generic or unspecified error", and for a reload, "program is not
// running".
constexpr int kLsbFailed = 1;
constexpr int kLsbNotRunning = 7;

void Say(const std::string& line) {
  std::printf("%s\n", EscapeForMessage(line).c_str());
}

}  // namespace

int ReportStatus(absl::string_view program, const std::string& pid_file) {
  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file);
  if (!state.ok()) {
    ReportFailure(program, state.status());
    return 4;
  }
  switch (state->kind) {
    case PidFileState::kRunning:
      Say(absl::StrCat("running as pid ", state->pid));
      return 0;
    case PidFileState::kStale:
      Say(absl::StrCat("not running, but pid file ", pid_file, " remains"));
      return 1;
    case PidFileState::kUnproven:
      Say(absl::StrCat("unknown: ", state->problem));
      return 4;
    case PidFileState::kNotRunning:
      break;
  }
  Say("not running");
  return 3;
}

int StopService(absl::string_view program, const std::string& pid_file,
                absl::Duration timeout) {
  absl::StatusOr<pid_t> stopped = StopDaemon(pid_file, timeout);
  if (absl::IsNotFound(stopped.status())) {
    Say(std::string(stopped.status().message()));
    return 0;
  }
  if (!stopped.ok()) {
    ReportFailure(program, stopped.status());
    return kLsbFailed;
  }
  Say(absl::StrCat("stopped pid ", *stopped));
  return 0;
}

int ReloadService(absl::string_view program, const std::string& pid_file,
                  int signal) {
  absl::StatusOr<pid_t> signalled = SignalDaemon(pid_file, signal);
  if (absl::IsNotFound(signalled.status())) {
    ReportFailure(program, signalled.status());
    return kLsbNotRunning;
  }
  if (!signalled.ok()) {
    ReportFailure(program, signalled.status());
    return kLsbFailed;
  }
  Say(absl::StrCat("sent signal ", signal, " (", sigabbrev_np(signal),
                   ") to pid ", *signalled));
  return 0;
}

}  // namespace daemonkit::tools
