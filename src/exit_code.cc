#include "daemonkit/exit_code.h"

#include <sysexits.h>

#include <string>

#include "absl/strings/numbers.h"

namespace daemonkit {
namespace {

constexpr char kExitCodePayload[] = "daemonkit/exit_code";

}  // namespace

absl::Status WithExitCode(absl::Status status, int exit_code) {
  if (!status.ok()) {
    status.SetPayload(kExitCodePayload, absl::Cord(std::to_string(exit_code)));
  }
  return status;
}

int ExitCodeOf(const absl::Status& status) {
  if (status.ok()) return 0;
  int exit_code;
  if (auto payload = status.GetPayload(kExitCodePayload);
      payload.has_value() &&
      absl::SimpleAtoi(std::string(*payload), &exit_code)) {
    return exit_code;
  }
  return status.code() == absl::StatusCode::kInvalidArgument ? EX_USAGE
                                                             : EX_SOFTWARE;
}

}  // namespace daemonkit
