#include "src/syslog_parts.h"

#include "absl/strings/str_cat.h"
#include "src/utf8.h"

namespace daemonkit::internal {
namespace {

// Writes `value` (0 to 99) as two digits, the first `pad` when below 10.
void PutTwoDigits(char* to, int value, char pad = '0') {
  to[0] = value < 10 ? pad : static_cast<char>('0' + value / 10);
  to[1] = static_cast<char>('0' + value % 10);
}

// How many bytes at the start of `rest` are kept as they are: tab,
// printable ASCII, or a valid multi-byte UTF-8 sequence that is not a C1
// control (U+0080..U+009F, "\xc2\x80".."\xc2\x9f"); 0 when the first byte
// is to be escaped. The bytes of a C1 control or of invalid UTF-8 are then
// escaped one by one.
size_t KeptLength(absl::string_view rest) {
  const auto byte = static_cast<unsigned char>(rest[0]);
  if (byte == '\t' || (byte >= 0x20 && byte < 0x7f && byte != '\\')) return 1;
  const size_t length = Utf8SequenceLength(rest);
  if (length == 0 || length > rest.size()) return 0;
  const bool c1 = byte == 0xc2 && static_cast<unsigned char>(rest[1]) < 0xa0;
  return c1 ? 0 : length;
}

// "\\" for a backslash, "\xHH" in lowercase hex for any other byte.
void AppendEscapedByte(std::string& out, char byte) {
  if (byte == '\\') {
    out.append("\\\\");
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const auto value = static_cast<unsigned char>(byte);
  const char escaped[] = {'\\', 'x', kHex[value >> 4], kHex[value & 0xf]};
  out.append(escaped, sizeof(escaped));
}

}  // namespace

SyslogTimestamp FormatSyslogTimestamp(absl::Time time, absl::TimeZone zone) {
  // strftime's %h would follow LC_TIME; syslog(3) uses the C locale.
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const absl::CivilSecond civil = zone.At(time).cs;
  SyslogTimestamp stamp = {'M', 'm', 'm', ' ', 'd', 'd', ' ', 'h',
                           'h', ':', 'm', 'm', ':', 's', 's'};
  const char* month = kMonths + 3 * (civil.month() - 1);
  stamp[0] = month[0];
  stamp[1] = month[1];
  stamp[2] = month[2];
  PutTwoDigits(&stamp[4], civil.day(), ' ');
  PutTwoDigits(&stamp[7], civil.hour());
  PutTwoDigits(&stamp[10], civil.minute());
  PutTwoDigits(&stamp[13], civil.second());
  return stamp;
}

void AppendSyslogHeader(std::string& out, int priority,
                        const SyslogTimestamp& timestamp, absl::string_view tag,
                        pid_t pid) {
  absl::StrAppend(&out, "<", priority, ">",
                  absl::string_view(timestamp.data(), timestamp.size()), " ",
                  tag, "[", pid, "]: ");
}

void AppendEscapedForSyslog(std::string& out, absl::string_view line) {
  size_t kept_from = 0;  // Where the bytes kept as they are begin.
  size_t at = 0;
  while (at < line.size()) {
    const size_t kept = KeptLength(line.substr(at));
    if (kept > 0) {
      at += kept;
      continue;
    }
    out.append(line.data() + kept_from, at - kept_from);
    AppendEscapedByte(out, line[at]);
    kept_from = ++at;
  }
  out.append(line.data() + kept_from, at - kept_from);
}

}  // namespace daemonkit::internal
