#include "daemonkit/line_format.h"

#include <algorithm>

#include "src/syslog_parts.h"

namespace daemonkit {
namespace {

// The text, the marker of a piece that goes on, the newline.
void AppendPlainLine(std::string& out, const LineSplitter::Line& line) {
  out.append(line.text.data(), line.text.size());
  if (line.continues) out.append(kLineContinues.data(), kLineContinues.size());
  out.push_back('\n');
}

// ".uuuuuu": by hand, since this runs for every line.
void AppendMicroseconds(std::string& out, int64_t micros) {
  micros = std::clamp<int64_t>(micros, 0, 999'999);  // Only infinite times.
  char digits[7] = {'.'};
  for (int i = 6; i > 0; --i) {
    digits[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  out.append(digits, sizeof(digits));
}

constexpr char kDateAndTime[] = "%Y-%m-%dT%H:%M:%S";
constexpr char kOffset[] = "%Ez ";

}  // namespace

void PlainLineFormat::Append(std::string& out, const LineSplitter::Line& line,
                             absl::Time /*time*/, pid_t /*pid*/) {
  AppendPlainLine(out, line);
}

// The cache starts valid, for cached_second_'s initial value: a line may
// come at that second (absl::InfinitePast()).
TimestampedLineFormat::TimestampedLineFormat(absl::TimeZone zone)
    : zone_(zone),
      prefix_(absl::FormatTime(kDateAndTime,
                               absl::FromUnixSeconds(cached_second_), zone)),
      offset_(absl::FormatTime(kOffset, absl::FromUnixSeconds(cached_second_),
                               zone)) {}

void TimestampedLineFormat::Append(std::string& out,
                                   const LineSplitter::Line& line,
                                   absl::Time time, pid_t /*pid*/) {
  // The lines of one read share its time: their stamp is made once.
  if (!stamp_valid_ || time != stamp_time_) {
    const int64_t second = absl::ToUnixSeconds(time);  // Floor, as needed.
    if (second != cached_second_) {
      const absl::Time start = absl::FromUnixSeconds(second);
      prefix_ = absl::FormatTime(kDateAndTime, start, zone_);
      offset_ = absl::FormatTime(kOffset, start, zone_);
      cached_second_ = second;
    }
    stamp_ = prefix_;
    AppendMicroseconds(stamp_, absl::ToInt64Microseconds(
                                   time - absl::FromUnixSeconds(second)));
    stamp_ += offset_;
    stamp_time_ = time;
    stamp_valid_ = true;
  }
  out += stamp_;
  AppendPlainLine(out, line);
}

// As TimestampedLineFormat's, the cache starts valid.
SyslogLineFormat::SyslogLineFormat(SyslogPriority priority,
                                   absl::string_view tag, absl::TimeZone zone)
    : priority_(priority),
      tag_(SyslogTag(tag)),
      zone_(zone),
      timestamp_(internal::FormatSyslogTimestamp(
          absl::FromUnixSeconds(cached_second_), zone)) {}

void SyslogLineFormat::Append(std::string& out, const LineSplitter::Line& line,
                              absl::Time time, pid_t pid) {
  const int64_t second = absl::ToUnixSeconds(time);
  if (second != cached_second_) {
    timestamp_ =
        internal::FormatSyslogTimestamp(absl::FromUnixSeconds(second), zone_);
    cached_second_ = second;
  }
  internal::AppendSyslogHeader(out, priority_.value(), timestamp_, tag_, pid);
  internal::AppendEscapedForSyslog(out, line.text);
  if (line.continues) out.append(kLineContinues.data(), kLineContinues.size());
}

}  // namespace daemonkit
