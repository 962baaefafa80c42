#include "daemonkit/syslog_message.h"

#include "src/syslog_parts.h"

namespace daemonkit {

std::string EscapeForSyslog(absl::string_view line) {
  std::string escaped;
  internal::AppendEscapedForSyslog(escaped, line);
  return escaped;
}

std::string SyslogTag(absl::string_view tag) {
  if (tag.empty()) return "daemonize";
  std::string valid(tag);
  for (char& c : valid) {
    const auto byte = static_cast<unsigned char>(c);
    const bool printable = byte > ' ' && byte < 0x7f;  // Space excluded.
    if (!printable || c == '[' || c == ']' || c == ':') c = '_';
  }
  return valid;
}

void AppendSyslogMessage(std::string& out, SyslogPriority priority,
                         absl::string_view tag, pid_t pid, absl::Time time,
                         absl::TimeZone zone, absl::string_view line) {
  internal::AppendSyslogHeader(out, priority.value(),
                               internal::FormatSyslogTimestamp(time, zone), tag,
                               pid);
  internal::AppendEscapedForSyslog(out, line);
}

}  // namespace daemonkit
