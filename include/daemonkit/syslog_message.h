// daemonkit syslog messages: what a captured line becomes on its way to a
// syslog daemon, in the BSD format (RFC 3164) that the C library's
// syslog(3) sends to /dev/log and every syslog daemon reads there:
//
//   <PRI>Mmm dd hh:mm:ss TAG[PID]: TEXT
//
// PRI is facility * 8 + severity; the time is local, in `zone`, with the day
// padded by a space ("Nov  6"); there is no host name (the local daemon adds
// its own). TEXT is the line escaped (EscapeForSyslog), so that a NUL cannot
// end it early, a control character cannot forge a line or drive a
// terminal, and invalid UTF-8 cannot make a receiver drop the message.
#ifndef DAEMONKIT_SYSLOG_MESSAGE_H_
#define DAEMONKIT_SYSLOG_MESSAGE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace daemonkit {

struct SyslogPriority {
  int facility = 3;  // daemon (LOG_DAEMON >> 3).
  int severity = 6;  // info (LOG_INFO).
  int value() const { return facility * 8 + severity; }
};

// Parses "FACILITY.SEVERITY" with the names of syslog.conf(5) and logger(1):
// facilities kern user mail daemon auth syslog lpr news uucp cron authpriv
// ftp local0..local7 (and "security" for auth), severities emerg alert crit
// err warning notice info debug (and panic, error, warn). Case-insensitive.
// kInvalidArgument, naming what is wrong and what is accepted, otherwise.
absl::StatusOr<SyslogPriority> ParseSyslogPriority(absl::string_view text);

// `line` made safe for a syslog message: tab and printable text are kept,
// UTF-8 too when it is valid (RFC 3629: no overlong form, surrogate or code
// point past U+10FFFF); a backslash becomes "\\"; any other byte (NUL, C0
// controls, DEL, a byte of invalid UTF-8, each of the two bytes of a C1
// control U+0080..U+009F) becomes "\xHH", in lowercase hex: "\xc2\x85".
std::string EscapeForSyslog(absl::string_view line);

// `tag` made a valid TAG: a byte that is not printable ASCII, or is a space,
// '[', ']' or ':', becomes '_'; empty becomes "daemonize".
std::string SyslogTag(absl::string_view tag);

// Appends to `out` the message for `line` (escaped here), as the header
// says; `tag` must come from SyslogTag.
void AppendSyslogMessage(std::string& out, SyslogPriority priority,
                         absl::string_view tag, pid_t pid, absl::Time time,
                         absl::TimeZone zone, absl::string_view line);

}  // namespace daemonkit

#endif  // DAEMONKIT_SYSLOG_MESSAGE_H_
