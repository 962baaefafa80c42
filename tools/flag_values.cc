#include "tools/flag_values.h"

#include <signal.h>
#include <string.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
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

namespace {

// `text` as a number from 1 to kMostRespawnLimitStarts, digits only (no sign,
// no space, which absl::SimpleAtoi would take).
bool ParseRespawnStarts(absl::string_view text, int* starts) {
  for (const char c : text) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(text, starts) && *starts >= 1 &&
         *starts <= kMostRespawnLimitStarts;
}

}  // namespace

absl::StatusOr<RespawnLimit> ParseRespawnLimit(absl::string_view flag,
                                               absl::string_view text) {
  if (text == "0") return RespawnLimit{0, absl::ZeroDuration()};
  const size_t slash = text.find('/');
  int starts = 0;
  if (slash != absl::string_view::npos &&
      ParseRespawnStarts(text.substr(0, slash), &starts)) {
    const absl::StatusOr<absl::Duration> interval =
        ParseFlagDuration(flag, text.substr(slash + 1));
    if (interval.ok()) return RespawnLimit{starts, *interval};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      flag, " takes N/D, at most N starts (1 to ", kMostRespawnLimitStarts,
      ") within the duration D (more than 0 and at most ",
      absl::FormatDuration(kLongestFlagDuration),
      ", such as 10s), or 0 for no limit, not '", text, "' (see --help)"));
}

absl::StatusOr<int> ParseSignal(absl::string_view flag,
                                absl::string_view text) {
  int number;
  if (absl::SimpleAtoi(text, &number) && absl::ascii_isdigit(text[0]) &&
      number > 0 && number < NSIG) {
    return number;
  }
  absl::string_view name = text;
  if (name.size() > 3 && absl::EqualsIgnoreCase(name.substr(0, 3), "SIG")) {
    name.remove_prefix(3);
  }
  for (int signal = 1; signal < NSIG; ++signal) {
    const char* abbreviation = sigabbrev_np(signal);
    if (abbreviation != nullptr && absl::EqualsIgnoreCase(name, abbreviation)) {
      return signal;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " takes a signal's name (HUP, USR1) or number, not '",
                   text, "' (see --help)"));
}

int ReportFailure(absl::string_view program, const absl::Status& status) {
  const std::string line =
      absl::StrCat(program, ": ", EscapeForMessage(status.message()), "\n");
  std::fputs(line.c_str(), stderr);
  return ExitCodeOf(status);
}

}  // namespace daemonkit::tools
