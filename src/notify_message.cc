#include "src/notify_message.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace daemonkit::internal {
namespace {

// A number of microseconds, 0 to a day's worth: more is no deadline anyone
// means, and a bound keeps the deadlines computed from it from overflowing.
std::optional<absl::Duration> ParseMicroseconds(absl::string_view text) {
  uint64_t us;
  if (!absl::SimpleAtoi(text, &us) || text.empty() || text[0] == '+' ||
      us > uint64_t{86400} * 1000000) {
    return std::nullopt;
  }
  return absl::Microseconds(static_cast<int64_t>(us));
}

void Apply(absl::string_view name, absl::string_view value,
           NotifyMessage& message) {
  if (name == "READY") {
    message.ready = value == "1";
  } else if (name == "WATCHDOG") {
    message.watchdog = value == "1";
    message.watchdog_trigger = value == "trigger";
  } else if (name == "STATUS") {
    message.status = std::string(value);
  } else if (name == "EXTEND_TIMEOUT_USEC") {
    message.extend_timeout = ParseMicroseconds(value);
  }
}

}  // namespace

NotifyMessage ParseNotifyMessage(absl::string_view datagram) {
  NotifyMessage message;
  for (absl::string_view line : absl::StrSplit(datagram, '\n')) {
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos) continue;
    Apply(line.substr(0, equals), line.substr(equals + 1), message);
  }
  return message;
}

}  // namespace daemonkit::internal
