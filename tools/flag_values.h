// What daemonize and the timestamp example share about their command lines,
// so that both check a value, and report a failure, the same way.
#ifndef DAEMONKIT_TOOLS_FLAG_VALUES_H_
#define DAEMONKIT_TOOLS_FLAG_VALUES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace daemonkit::tools {

// The longest duration a flag takes: no one means a longer wait, and it keeps
// every deadline and poll(2) timeout computed from it far from overflowing.
inline constexpr absl::Duration kLongestFlagDuration = absl::Hours(24);

// `text` as a duration more than 0 and at most kLongestFlagDuration ("30s",
// "500ms", "1h30m"). Anything else (malformed, zero, negative, "inf", too
// long) is an InvalidArgumentError that names `flag` ("--interval").
absl::StatusOr<absl::Duration> ParseFlagDuration(absl::string_view flag,
                                                 absl::string_view text);

// The most starts a --respawn-limit counts: the supervisor keeps that many
// start times, and no service needs a larger burst.
inline constexpr int kMostRespawnLimitStarts = 10000;

// At most `starts` starts of a service within any `interval`; starts 0: no
// limit.
struct RespawnLimit {
  int starts;
  absl::Duration interval;
};

// "--respawn-limit" values: "N/D" (N starts within duration D, N from 1 to
// 10000, D as ParseFlagDuration takes it) or "0" (no limit). Anything else is
// an InvalidArgumentError naming `flag`.
absl::StatusOr<RespawnLimit> ParseRespawnLimit(absl::string_view flag,
                                               absl::string_view text);

// A signal given as a name, with or without "SIG", in any case ("HUP",
// "sigusr1"), or as its number ("1"). Anything else, 0 among them, is an
// InvalidArgumentError naming `flag`.
absl::StatusOr<int> ParseSignal(absl::string_view flag, absl::string_view text);

// Writes "<program>: <message>" to stderr as one line, the message escaped
// (daemonkit::EscapeForMessage);
// returns `status`'s exit status (daemonkit::ExitCodeOf).
int ReportFailure(absl::string_view program, const absl::Status& status);

}  // namespace daemonkit::tools

#endif  // DAEMONKIT_TOOLS_FLAG_VALUES_H_
