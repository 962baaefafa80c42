#include "tools/service_control.h"

#include <string.h>

#include <cstdio>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemonkit/message_escape.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/stop_daemon.h"
#include "src/service_record.h"
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

// What a supervisor's record (service_record.h) adds to "running as pid N":
// since when, the restarts, the last STATUS=, or that a restart is due. The
// record is only words: the pid was proven from the pid file.
std::string RunningDetails(const internal::ServiceRecord& record, pid_t pid) {
  std::string details;
  if (record.pid == pid && record.started > absl::UnixEpoch()) {
    const absl::Duration up =
        absl::Trunc(absl::Now() - record.started, absl::Seconds(1));
    // FormatDuration says "0" for no time at all.
    absl::StrAppend(
        &details, " for ",
        up > absl::ZeroDuration() ? absl::FormatDuration(up) : "0s");
  }
  if (record.pid == 0 && !record.last_exit.empty()) {
    absl::StrAppend(&details, " (the supervisor: the last instance ended, ",
                    record.last_exit, ", and is about to restart)");
  }
  if (record.starts > 1) {
    absl::StrAppend(&details, ", restarted ", record.starts - 1,
                    record.starts == 2 ? " time" : " times");
  }
  if (!record.status_text.empty()) {
    absl::StrAppend(&details, "; status: ", record.status_text);
  }
  return details;
}

// Why a supervisor left its pid file, when its record says it gave up.
std::string DeathDetails(const internal::ServiceRecord& record) {
  if (!record.gave_up) return "";
  return absl::StrCat(": the supervisor gave up after ", record.starts,
                      " starts; the last ended with ", record.last_exit);
}

}  // namespace

int ReportStatus(absl::string_view program, const std::string& pid_file) {
  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file);
  if (!state.ok()) {
    ReportFailure(program, state.status());
    return 4;
  }
  absl::StatusOr<internal::ServiceRecord> record = internal::ReadServiceRecord(
      PosixOs::Default(), internal::ServiceRecordPath(pid_file));
  const internal::ServiceRecord known =
      record.ok() ? *record : internal::ServiceRecord();
  switch (state->kind) {
    case PidFileState::kRunning:
      Say(absl::StrCat("running as pid ", state->pid,
                       RunningDetails(known, state->pid)));
      return 0;
    case PidFileState::kStale:
      Say(absl::StrCat("not running, but pid file ", pid_file, " remains",
                       DeathDetails(known)));
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

namespace {

// The exit status and message for a signal sent, as `signalled` says.
int ReportSignalled(absl::string_view program,
                    const absl::StatusOr<pid_t>& signalled, int signal) {
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

}  // namespace

int ReloadService(absl::string_view program, const std::string& pid_file,
                  int signal) {
  return ReportSignalled(program, SignalDaemon(pid_file, signal), signal);
}

int ReopenOutput(absl::string_view program, const std::string& pid_file) {
  return ReportSignalled(program, SignalSupervisor(pid_file, SIGHUP), SIGHUP);
}

}  // namespace daemonkit::tools
