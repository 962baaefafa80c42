// The parts of a syslog message (daemonkit/syslog_message.h), for code that
// builds one into its own buffer without allocating: SyslogLineFormat
// formats the time once a second and the rest per line.
#ifndef DAEMONKIT_SRC_SYSLOG_PARTS_H_
#define DAEMONKIT_SRC_SYSLOG_PARTS_H_

#include <sys/types.h>

#include <array>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace daemonkit::internal {

// "Nov  6 09:05:11": syslog(3)'s "%h %e %T" in the C locale.
using SyslogTimestamp = std::array<char, 15>;

// `time` in `zone`, with the month's English name whatever the locale.
SyslogTimestamp FormatSyslogTimestamp(absl::Time time, absl::TimeZone zone);

// Appends "<PRIORITY>TIMESTAMP TAG[PID]: ", all but the text.
void AppendSyslogHeader(std::string& out, int priority,
                        const SyslogTimestamp& timestamp, absl::string_view tag,
                        pid_t pid);

// Appends `line` escaped as EscapeForSyslog says.
void AppendEscapedForSyslog(std::string& out, absl::string_view line);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SYSLOG_PARTS_H_
