#include "tools/flag_values.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/message_escape.h"

namespace daemonkit::tools {

absl::StatusOr<absl::Duration> ParseFlagDuration(absl::string_view flag,
                                                 absl::string_view text) {
  absl::Duration duration;
  if (absl::ParseDuration(text, &duration) && duration > absl::ZeroDuration() &&
      duration <= kLongestFlagDuration) {
    return duration;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " takes a duration more than 0 and at most ",
                   absl::FormatDuration(kLongestFlagDuration),
                   ", such as 30s or 500ms, not '", text, "' (see --help)"));
}

int ReportFailure(absl::string_view program, const absl::Status& status) {
  const std::string line =
      absl::StrCat(program, ": ", EscapeForMessage(status.message()), "\n");
  std::fputs(line.c_str(), stderr);
  return ExitCodeOf(status);
}

}  // namespace daemonkit::tools
