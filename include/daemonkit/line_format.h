// daemonkit::LineFormat: how a captured line (line_splitter.h) is written
// out: as it is, after a timestamp, or as a syslog message. Each appends one
// record to a buffer that a sink (line_sink.h) writes: a file's record is the
// line and its '\n'; a syslog record is one datagram.
//
// A piece of a line over the bound (LineSplitter::Line::continues) ends with
// kLineContinues, so that a reader can tell it from a line of its own.
//
// Made for a million lines a second: nothing is allocated per line once the
// buffer has grown, and the parts of the time that change once a second
// (all but the microseconds) are formatted once a second; a timestamp is
// made once for the lines that share its time (those of one read).
#ifndef DAEMONKIT_LINE_FORMAT_H_
#define DAEMONKIT_LINE_FORMAT_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemonkit/line_splitter.h"
#include "daemonkit/syslog_message.h"

namespace daemonkit {

// Ends a piece of a line that goes on in the next record.
inline constexpr absl::string_view kLineContinues = " [line continues]";

class LineFormat {
 public:
  virtual ~LineFormat() = default;
  // Appends the record for `line`, read at `time` from process `pid`.
  virtual void Append(std::string& out, const LineSplitter::Line& line,
                      absl::Time time, pid_t pid) = 0;
};

// The line as it came, then '\n'.
class PlainLineFormat : public LineFormat {
 public:
  void Append(std::string& out, const LineSplitter::Line& line, absl::Time time,
              pid_t pid) override;
};

// "2026-11-26T09:05:11.123456+01:00 " (RFC 3339, microseconds, the offset
// of `zone`), the line, '\n'.
class TimestampedLineFormat : public LineFormat {
 public:
  explicit TimestampedLineFormat(absl::TimeZone zone);
  void Append(std::string& out, const LineSplitter::Line& line, absl::Time time,
              pid_t pid) override;

 private:
  absl::TimeZone zone_;
  int64_t cached_second_ = INT64_MIN;  // Unix seconds of `prefix_`.
  std::string prefix_;  // "2026-11-26T09:05:11" for cached_second_.
  std::string offset_;  // "+01:00 " for cached_second_.
  bool stamp_valid_ = false;
  absl::Time stamp_time_;  // The time of `stamp_`, when valid.
  std::string stamp_;      // "2026-11-26T09:05:11.123456+01:00 ".
};

// A syslog message (syslog_message.h) with `priority` and `tag` (made
// valid by SyslogTag), the pid of the process that wrote the line. The
// kLineContinues of a piece comes after the escaped text, itself unescaped.
class SyslogLineFormat : public LineFormat {
 public:
  SyslogLineFormat(SyslogPriority priority, absl::string_view tag,
                   absl::TimeZone zone);
  void Append(std::string& out, const LineSplitter::Line& line, absl::Time time,
              pid_t pid) override;

 private:
  SyslogPriority priority_;
  std::string tag_;
  absl::TimeZone zone_;
  int64_t cached_second_ = INT64_MIN;  // Unix seconds of `timestamp_`.
  std::array<char, 15> timestamp_;     // "Nov  6 09:05:11".
};

}  // namespace daemonkit

#endif  // DAEMONKIT_LINE_FORMAT_H_
