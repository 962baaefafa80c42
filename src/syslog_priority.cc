// ParseSyslogPriority: the names of syslog.conf(5) and logger(1).
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemonkit/message_escape.h"
#include "daemonkit/syslog_message.h"

namespace daemonkit {
namespace {

struct Name {
  absl::string_view name;
  int value;
};

// The names of <syslog.h>, then their aliases.
constexpr Name kFacilities[] = {
    {"kern", 0},    {"user", 1},    {"mail", 2},      {"daemon", 3},
    {"auth", 4},    {"syslog", 5},  {"lpr", 6},       {"news", 7},
    {"uucp", 8},    {"cron", 9},    {"authpriv", 10}, {"ftp", 11},
    {"local0", 16}, {"local1", 17}, {"local2", 18},   {"local3", 19},
    {"local4", 20}, {"local5", 21}, {"local6", 22},   {"local7", 23},
    {"security", 4}};
constexpr Name kSeverities[] = {{"emerg", 0}, {"alert", 1},   {"crit", 2},
                                {"err", 3},   {"warning", 4}, {"notice", 5},
                                {"info", 6},  {"debug", 7},   {"panic", 0},
                                {"error", 3}, {"warn", 4}};

// The value of `name` in `names`, or an error that says which names are.
template <size_t N>
absl::StatusOr<int> Lookup(const Name (&names)[N], absl::string_view what,
                           absl::string_view name) {
  for (const Name& known : names) {
    if (absl::EqualsIgnoreCase(known.name, name)) return known.value;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown syslog ", what, " '", EscapeForMessage(name), "' (one of: ",
      absl::StrJoin(names, ", ",
                    [](std::string* out, const Name& known) {
                      out->append(known.name.data(), known.name.size());
                    }),
      ")"));
}

}  // namespace

absl::StatusOr<SyslogPriority> ParseSyslogPriority(absl::string_view text) {
  const size_t dot = text.find('.');
  if (dot == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("syslog priority '", EscapeForMessage(text),
                     "' is not FACILITY.SEVERITY (such as daemon.info)"));
  }
  const absl::StatusOr<int> facility =
      Lookup(kFacilities, "facility", text.substr(0, dot));
  if (!facility.ok()) return facility.status();
  const absl::StatusOr<int> severity =
      Lookup(kSeverities, "severity", text.substr(dot + 1));
  if (!severity.ok()) return severity.status();
  return SyslogPriority{*facility, *severity};
}

}  // namespace daemonkit
