// LineFormat: a captured line as a file's record (as it is, or after an RFC
// 3339 timestamp) or as a syslog datagram; the marker of a piece that goes
// on; the time's parts cached per second, right across seconds and offsets.

#include "daemonkit/line_format.h"

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace daemonkit {
namespace {

using ::testing::EndsWith;

// The record of one line.
std::string Format(LineFormat& format, absl::string_view text, absl::Time time,
                   bool continues = false, pid_t pid = 42) {
  std::string out;
  format.Append(out, {text, continues}, time, pid);
  return out;
}

absl::Time UtcTime(int year, int month, int day, int hour, int minute,
                   int second, int micros = 0) {
  return absl::FromCivil(
             absl::CivilSecond(year, month, day, hour, minute, second),
             absl::UTCTimeZone()) +
         absl::Microseconds(micros);
}

absl::TimeZone Load(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone))
      << name << ": is tzdata installed (/usr/share/zoneinfo)?";
  return zone;
}

const absl::Time kTime = UtcTime(2026, 11, 26, 9, 5, 11, 123456);

TEST(PlainLineFormatTest, TheLineAsItCameThenANewline) {
  PlainLineFormat format;
  EXPECT_EQ(Format(format, "hello", kTime), "hello\n");
  EXPECT_EQ(Format(format, "", kTime), "\n");
  const std::string bytes("a\0b\r\\\x1b", 6);
  EXPECT_EQ(Format(format, bytes, kTime), bytes + "\n") << "not escaped";
}

TEST(PlainLineFormatTest, APieceThatGoesOnIsMarked) {
  PlainLineFormat format;
  EXPECT_EQ(Format(format, "first part", kTime, /*continues=*/true),
            "first part [line continues]\n");
}

TEST(PlainLineFormatTest, RecordsAreAppended) {
  PlainLineFormat format;
  std::string out = "before\n";
  format.Append(out, {"one"}, kTime, 1);
  format.Append(out, {"two"}, kTime, 1);
  EXPECT_EQ(out, "before\none\ntwo\n");
}

TEST(TimestampedLineFormatTest, Rfc3339WithMicrosecondsAndTheOffset) {
  TimestampedLineFormat format(absl::UTCTimeZone());
  EXPECT_EQ(Format(format, "hello", kTime),
            "2026-11-26T09:05:11.123456+00:00 hello\n");
  EXPECT_EQ(Format(format, "piece", kTime, /*continues=*/true),
            "2026-11-26T09:05:11.123456+00:00 piece [line continues]\n");
}

TEST(TimestampedLineFormatTest, MicrosecondsKeepTheirLeadingZeros) {
  TimestampedLineFormat format(absl::UTCTimeZone());
  const absl::Time second = UtcTime(2026, 11, 26, 9, 5, 11);
  EXPECT_EQ(Format(format, "x", second + absl::Microseconds(42)),
            "2026-11-26T09:05:11.000042+00:00 x\n");
  EXPECT_EQ(Format(format, "x", second),
            "2026-11-26T09:05:11.000000+00:00 x\n");
  EXPECT_EQ(Format(format, "x", second + absl::Microseconds(999999)),
            "2026-11-26T09:05:11.999999+00:00 x\n");
  // Nanoseconds are dropped, not rounded.
  EXPECT_EQ(Format(format, "x", second + absl::Nanoseconds(42999)),
            "2026-11-26T09:05:11.000042+00:00 x\n");
}

TEST(TimestampedLineFormatTest, AHalfHourOffset) {
  TimestampedLineFormat fixed(absl::FixedTimeZone(5 * 3600 + 30 * 60));
  EXPECT_EQ(Format(fixed, "x", kTime), "2026-11-26T14:35:11.123456+05:30 x\n");
  TimestampedLineFormat kolkata(Load("Asia/Kolkata"));
  EXPECT_EQ(Format(kolkata, "x", kTime),
            "2026-11-26T14:35:11.123456+05:30 x\n");
}

TEST(TimestampedLineFormatTest, ANegativeOffset) {
  TimestampedLineFormat format(absl::FixedTimeZone(-(3 * 3600 + 30 * 60)));
  EXPECT_EQ(Format(format, "x", kTime), "2026-11-26T05:35:11.123456-03:30 x\n");
  // Across midnight, into the day before.
  EXPECT_EQ(Format(format, "x", UtcTime(2027, 1, 1, 2, 0, 0, 7)),
            "2026-12-31T22:30:00.000007-03:30 x\n");
}

TEST(TimestampedLineFormatTest, ADaylightSavingChangeBetweenTwoLines) {
  TimestampedLineFormat format(Load("America/New_York"));
  // Spring forward: 02:00 EST is 03:00 EDT.
  EXPECT_EQ(Format(format, "a", UtcTime(2026, 3, 8, 6, 59, 59, 999999)),
            "2026-03-08T01:59:59.999999-05:00 a\n");
  EXPECT_EQ(Format(format, "b", UtcTime(2026, 3, 8, 7, 0, 0, 1)),
            "2026-03-08T03:00:00.000001-04:00 b\n");
  // Fall back: 02:00 EDT is 01:00 EST; the hour after looks the same but
  // for its offset.
  EXPECT_EQ(Format(format, "c", UtcTime(2026, 11, 1, 5, 30, 0)),
            "2026-11-01T01:30:00.000000-04:00 c\n");
  EXPECT_EQ(Format(format, "d", UtcTime(2026, 11, 1, 6, 30, 0)),
            "2026-11-01T01:30:00.000000-05:00 d\n");
}

TEST(TimestampedLineFormatTest, EachLineHasItsSecondWhateverCameBefore) {
  TimestampedLineFormat format(absl::UTCTimeZone());
  const absl::Time second = UtcTime(2026, 11, 26, 9, 5, 11);
  EXPECT_EQ(Format(format, "a", second + absl::Microseconds(1)),
            "2026-11-26T09:05:11.000001+00:00 a\n");
  EXPECT_EQ(Format(format, "b", second + absl::Microseconds(2)),
            "2026-11-26T09:05:11.000002+00:00 b\n");
  EXPECT_EQ(Format(format, "c", second + absl::Seconds(1)),
            "2026-11-26T09:05:12.000000+00:00 c\n");
  // The wall clock was set back.
  EXPECT_EQ(Format(format, "d", second - absl::Hours(1)),
            "2026-11-26T08:05:11.000000+00:00 d\n");
  EXPECT_EQ(Format(format, "e", second + absl::Microseconds(3)),
            "2026-11-26T09:05:11.000003+00:00 e\n");
}

TEST(TimestampedLineFormatTest, LinesOfOneTimeShareItsStampAndNoOther) {
  TimestampedLineFormat format(absl::UTCTimeZone());
  const absl::Time second = UtcTime(2026, 11, 26, 9, 5, 11);
  std::string out;
  format.Append(out, {"a"}, second + absl::Microseconds(5), 1);
  format.Append(out, {"b"}, second + absl::Microseconds(5), 1);
  // The same microsecond, a nanosecond apart: another time, the same stamp.
  format.Append(out, {"c"}, second + absl::Nanoseconds(5001), 1);
  format.Append(out, {"d"}, second + absl::Microseconds(6), 1);
  format.Append(out, {"e"}, second + absl::Microseconds(5), 1);
  EXPECT_EQ(out,
            "2026-11-26T09:05:11.000005+00:00 a\n"
            "2026-11-26T09:05:11.000005+00:00 b\n"
            "2026-11-26T09:05:11.000005+00:00 c\n"
            "2026-11-26T09:05:11.000006+00:00 d\n"
            "2026-11-26T09:05:11.000005+00:00 e\n");
}

TEST(TimestampedLineFormatTest, BeforeTheEpochTheSecondIsRoundedDown) {
  TimestampedLineFormat format(absl::UTCTimeZone());
  EXPECT_EQ(Format(format, "x", absl::FromUnixMicros(-1)),
            "1969-12-31T23:59:59.999999+00:00 x\n");
  EXPECT_EQ(Format(format, "x", absl::FromUnixMicros(-1'500'000)),
            "1969-12-31T23:59:58.500000+00:00 x\n");
  EXPECT_EQ(Format(format, "x", absl::FromUnixMicros(-2'000'000)),
            "1969-12-31T23:59:58.000000+00:00 x\n");
  EXPECT_EQ(Format(format, "x", absl::UnixEpoch()),
            "1970-01-01T00:00:00.000000+00:00 x\n");
}

TEST(TimestampedLineFormatTest, AnInfiniteTimeStillGivesARecord) {
  TimestampedLineFormat format(absl::UTCTimeZone());
  EXPECT_THAT(Format(format, "x", absl::InfinitePast()), EndsWith(" x\n"));
  EXPECT_THAT(Format(format, "x", absl::InfiniteFuture()), EndsWith(" x\n"));
  EXPECT_EQ(Format(format, "x", kTime), "2026-11-26T09:05:11.123456+00:00 x\n");
}

TEST(SyslogLineFormatTest, ASyslogMessageWithoutANewline) {
  SyslogLineFormat format(SyslogPriority(), "tag", absl::UTCTimeZone());
  EXPECT_EQ(Format(format, "hello", kTime, false, 1234),
            "<30>Nov 26 09:05:11 tag[1234]: hello");
  EXPECT_EQ(Format(format, "x", UtcTime(2026, 11, 6, 9, 5, 11), false, 7),
            "<30>Nov  6 09:05:11 tag[7]: x");
}

TEST(SyslogLineFormatTest, PriorityTagAndZoneAreTheFormats) {
  SyslogLineFormat format(SyslogPriority{23, 7}, "my tag[x]:",
                          absl::FixedTimeZone(5 * 3600 + 30 * 60));
  EXPECT_EQ(Format(format, "x", UtcTime(2026, 12, 31, 20, 0, 0)),
            "<191>Jan  1 01:30:00 my_tag_x__[42]: x");
  SyslogLineFormat untagged(SyslogPriority(), "", absl::FixedTimeZone(-3600));
  EXPECT_EQ(Format(untagged, "x", kTime),
            "<30>Nov 26 08:05:11 daemonize[42]: x");
}

TEST(SyslogLineFormatTest, TheTextIsEscapedAndTheMarkerComesAfterIt) {
  SyslogLineFormat format(SyslogPriority(), "tag", absl::UTCTimeZone());
  EXPECT_EQ(Format(format, std::string("a\nb\0\\", 5), kTime),
            "<30>Nov 26 09:05:11 tag[42]: a\\x0ab\\x00\\\\");
  // A piece that ends inside a UTF-8 sequence: its bytes are escaped, the
  // marker is not.
  EXPECT_EQ(Format(format, "piece \xe2\x82", kTime, /*continues=*/true),
            "<30>Nov 26 09:05:11 tag[42]: piece \\xe2\\x82 [line continues]");
}

TEST(SyslogLineFormatTest, EachLineHasItsSecondAndPid) {
  SyslogLineFormat format(SyslogPriority(), "tag", Load("America/New_York"));
  std::string out;
  format.Append(out, {"a"}, UtcTime(2026, 11, 1, 5, 59, 59, 999999), 1);
  out += '|';
  format.Append(out, {"b"}, UtcTime(2026, 11, 1, 6, 0, 0), 2);
  out += '|';
  format.Append(out, {"c"}, UtcTime(2026, 11, 1, 6, 0, 0, 5), 3);
  out += '|';
  format.Append(out, {"d"}, UtcTime(2026, 10, 31, 6, 0, 0), 4);
  EXPECT_EQ(out,
            "<30>Nov  1 01:59:59 tag[1]: a|"
            "<30>Nov  1 01:00:00 tag[2]: b|"
            "<30>Nov  1 01:00:00 tag[3]: c|"
            "<30>Oct 31 02:00:00 tag[4]: d");
}

TEST(SyslogLineFormatTest, BeforeTheEpochAndAtInfinityItStillGivesARecord) {
  SyslogLineFormat format(SyslogPriority(), "tag", absl::UTCTimeZone());
  EXPECT_EQ(Format(format, "x", absl::FromUnixMicros(-1)),
            "<30>Dec 31 23:59:59 tag[42]: x");
  EXPECT_THAT(Format(format, "x", absl::InfinitePast()), EndsWith(": x"));
  EXPECT_THAT(Format(format, "x", absl::InfiniteFuture()), EndsWith(": x"));
}

}  // namespace
}  // namespace daemonkit
