// Syslog messages: the priority from its names, the text made safe, the
// message laid out as glibc's syslog(3) sends it to /dev/log.

#include "daemonkit/syslog_message.h"

#include <syslog.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::StatusIs;

constexpr absl::string_view kFacilityNames =
    "kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, "
    "authpriv, ftp, local0, local1, local2, local3, local4, local5, local6, "
    "local7, security";
constexpr absl::string_view kSeverityNames =
    "emerg, alert, crit, err, warning, notice, info, debug, panic, error, "
    "warn";

// The value of syslog.h's LOG_FACILITY | LOG_SEVERITY for "name".
int PriorityOf(absl::string_view name) {
  const absl::StatusOr<SyslogPriority> priority = ParseSyslogPriority(name);
  EXPECT_TRUE(priority.ok()) << name << ": " << priority.status();
  return priority.ok() ? priority->value() : -1;
}

TEST(ParseSyslogPriorityTest, TheDefaultIsDaemonInfo) {
  EXPECT_EQ(SyslogPriority().value(), LOG_DAEMON | LOG_INFO);
}

TEST(ParseSyslogPriorityTest, EveryFacilityHasItsSyslogHValue) {
  EXPECT_EQ(PriorityOf("kern.info"), LOG_KERN | LOG_INFO);
  EXPECT_EQ(PriorityOf("user.info"), LOG_USER | LOG_INFO);
  EXPECT_EQ(PriorityOf("mail.info"), LOG_MAIL | LOG_INFO);
  EXPECT_EQ(PriorityOf("daemon.info"), LOG_DAEMON | LOG_INFO);
  EXPECT_EQ(PriorityOf("auth.info"), LOG_AUTH | LOG_INFO);
  EXPECT_EQ(PriorityOf("syslog.info"), LOG_SYSLOG | LOG_INFO);
  EXPECT_EQ(PriorityOf("lpr.info"), LOG_LPR | LOG_INFO);
  EXPECT_EQ(PriorityOf("news.info"), LOG_NEWS | LOG_INFO);
  EXPECT_EQ(PriorityOf("uucp.info"), LOG_UUCP | LOG_INFO);
  EXPECT_EQ(PriorityOf("cron.info"), LOG_CRON | LOG_INFO);
  EXPECT_EQ(PriorityOf("authpriv.info"), LOG_AUTHPRIV | LOG_INFO);
  EXPECT_EQ(PriorityOf("ftp.info"), LOG_FTP | LOG_INFO);
  EXPECT_EQ(PriorityOf("local0.info"), LOG_LOCAL0 | LOG_INFO);
  EXPECT_EQ(PriorityOf("local1.info"), LOG_LOCAL1 | LOG_INFO);
  EXPECT_EQ(PriorityOf("local2.info"), LOG_LOCAL2 | LOG_INFO);
  EXPECT_EQ(PriorityOf("local3.info"), LOG_LOCAL3 | LOG_INFO);
  EXPECT_EQ(PriorityOf("local4.info"), LOG_LOCAL4 | LOG_INFO);
  EXPECT_EQ(PriorityOf("local5.info"), LOG_LOCAL5 | LOG_INFO);
  EXPECT_EQ(PriorityOf("local6.info"), LOG_LOCAL6 | LOG_INFO);
  EXPECT_EQ(PriorityOf("local7.info"), LOG_LOCAL7 | LOG_INFO);
  EXPECT_EQ(PriorityOf("security.info"), LOG_AUTH | LOG_INFO);
}

TEST(ParseSyslogPriorityTest, EverySeverityHasItsSyslogHValue) {
  EXPECT_EQ(PriorityOf("user.emerg"), LOG_USER | LOG_EMERG);
  EXPECT_EQ(PriorityOf("user.alert"), LOG_USER | LOG_ALERT);
  EXPECT_EQ(PriorityOf("user.crit"), LOG_USER | LOG_CRIT);
  EXPECT_EQ(PriorityOf("user.err"), LOG_USER | LOG_ERR);
  EXPECT_EQ(PriorityOf("user.warning"), LOG_USER | LOG_WARNING);
  EXPECT_EQ(PriorityOf("user.notice"), LOG_USER | LOG_NOTICE);
  EXPECT_EQ(PriorityOf("user.info"), LOG_USER | LOG_INFO);
  EXPECT_EQ(PriorityOf("user.debug"), LOG_USER | LOG_DEBUG);
  EXPECT_EQ(PriorityOf("user.panic"), LOG_USER | LOG_EMERG);
  EXPECT_EQ(PriorityOf("user.error"), LOG_USER | LOG_ERR);
  EXPECT_EQ(PriorityOf("user.warn"), LOG_USER | LOG_WARNING);
}

TEST(ParseSyslogPriorityTest, FacilityAndSeverityAreKeptApart) {
  const absl::StatusOr<SyslogPriority> priority =
      ParseSyslogPriority("local3.notice");
  ASSERT_TRUE(priority.ok()) << priority.status();
  EXPECT_EQ(priority->facility, 19);
  EXPECT_EQ(priority->severity, 5);
  EXPECT_EQ(priority->value(), 157);
}

TEST(ParseSyslogPriorityTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(PriorityOf("DAEMON.Info"), LOG_DAEMON | LOG_INFO);
  EXPECT_EQ(PriorityOf("Local7.WARN"), LOG_LOCAL7 | LOG_WARNING);
}

TEST(ParseSyslogPriorityTest, WithoutADotItIsRefused) {
  EXPECT_THAT(ParseSyslogPriority("daemon"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "syslog priority 'daemon' is not FACILITY.SEVERITY "
                       "(such as daemon.info)"));
  EXPECT_THAT(ParseSyslogPriority(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "syslog priority '' is not FACILITY.SEVERITY "
                       "(such as daemon.info)"));
}

TEST(ParseSyslogPriorityTest, AnUnknownFacilityIsNamedWithTheAcceptedOnes) {
  EXPECT_THAT(ParseSyslogPriority("foo.info"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("unknown syslog facility 'foo' (one of: ",
                                    kFacilityNames, ")")));
  EXPECT_THAT(ParseSyslogPriority(".info"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("unknown syslog facility '' (one of: ",
                                    kFacilityNames, ")")));
  EXPECT_THAT(ParseSyslogPriority("local8.info"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("facility 'local8'")));
}

TEST(ParseSyslogPriorityTest, AnUnknownSeverityIsNamedWithTheAcceptedOnes) {
  EXPECT_THAT(ParseSyslogPriority("daemon.loud"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("unknown syslog severity 'loud' (one of: ",
                                    kSeverityNames, ")")));
  EXPECT_THAT(ParseSyslogPriority("daemon."),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("severity ''")));
  EXPECT_THAT(ParseSyslogPriority("daemon.info.x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("severity 'info.x'")));
  // Numbers are not names.
  EXPECT_THAT(ParseSyslogPriority("daemon.6"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("severity '6'")));
}

TEST(ParseSyslogPriorityTest, TheBadPartIsEscapedInTheMessage) {
  EXPECT_THAT(ParseSyslogPriority("dae\x1b[2Jmon.info"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("facility 'dae\\x1b[2Jmon'")));
  EXPECT_THAT(ParseSyslogPriority("a\nb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("priority 'a\\nb'")));
}

TEST(EscapeForSyslogTest, PrintableTextAndTabAreKept) {
  EXPECT_EQ(EscapeForSyslog("plain text\twith ~!\"#$%&'()*+,-./[]^_`{|}"),
            "plain text\twith ~!\"#$%&'()*+,-./[]^_`{|}");
  EXPECT_EQ(EscapeForSyslog(""), "");
}

TEST(EscapeForSyslogTest, ABackslashIsDoubled) {
  EXPECT_EQ(EscapeForSyslog("a\\b"), "a\\\\b");
  EXPECT_EQ(EscapeForSyslog("\\x41"), "\\\\x41") << "not an escape";
}

TEST(EscapeForSyslogTest, ControlCharactersBecomeLowercaseHex) {
  EXPECT_EQ(EscapeForSyslog("a\nb\rc"), "a\\x0ab\\x0dc");
  EXPECT_EQ(EscapeForSyslog(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(EscapeForSyslog("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  EXPECT_EQ(EscapeForSyslog("\x01\x1f"), "\\x01\\x1f");
}

TEST(EscapeForSyslogTest, ValidUtf8IsKept) {
  const std::string text =
      "d\xc3\xa9j\xc3\xa0 \xe2\x82\xac \xf0\x9f\x98\x80 "
      "\xc2\xa0"           // U+00A0, just past the C1 controls.
      "\xed\x9f\xbf"       // U+D7FF, just before the surrogates.
      "\xee\x80\x80"       // U+E000, just after them.
      "\xf4\x8f\xbf\xbf";  // U+10FFFF, the last code point.
  EXPECT_EQ(EscapeForSyslog(text), text);
}

TEST(EscapeForSyslogTest, C1ControlsAreEscapedByteByByte) {
  EXPECT_EQ(EscapeForSyslog("\xc2\x80"), "\\xc2\\x80");
  EXPECT_EQ(EscapeForSyslog("next\xc2\x85line"), "next\\xc2\\x85line");
  EXPECT_EQ(EscapeForSyslog("\xc2\x9b"
                            "31m"),
            "\\xc2\\x9b"
            "31m");
  EXPECT_EQ(EscapeForSyslog("\xc2\x9f"), "\\xc2\\x9f");
}

TEST(EscapeForSyslogTest, InvalidUtf8IsEscapedByteByByte) {
  EXPECT_EQ(EscapeForSyslog("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeForSyslog("\x80"), "\\x80") << "a lone continuation";
  EXPECT_EQ(EscapeForSyslog("\xc0\xaf"), "\\xc0\\xaf") << "overlong '/'";
  EXPECT_EQ(EscapeForSyslog("\xe0\x80\xaf"), "\\xe0\\x80\\xaf") << "overlong";
  EXPECT_EQ(EscapeForSyslog("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf")
      << "overlong";
  EXPECT_EQ(EscapeForSyslog("\xed\xa0\x80"), "\\xed\\xa0\\x80")
      << "a surrogate";
  EXPECT_EQ(EscapeForSyslog("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80")
      << "past U+10FFFF";
  EXPECT_EQ(EscapeForSyslog("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
  EXPECT_EQ(EscapeForSyslog("end\xe2\x82"), "end\\xe2\\x82") << "truncated";
  EXPECT_EQ(EscapeForSyslog("\xe2\x82z"), "\\xe2\\x82z") << "interrupted";
}

TEST(EscapeForSyslogTest, ValidUtf8AfterAnInvalidByteIsKept) {
  EXPECT_EQ(EscapeForSyslog("\xe2\xc3\xa9"), "\\xe2\xc3\xa9");
  EXPECT_EQ(EscapeForSyslog("\xc2\xc2\xa0"), "\\xc2\xc2\xa0");
}

TEST(SyslogTagTest, PrintableAsciiIsKept) {
  EXPECT_EQ(SyslogTag("my-daemon.v2_x/y"), "my-daemon.v2_x/y");
}

TEST(SyslogTagTest, WhatWouldBreakTheTagBecomesAnUnderscore) {
  EXPECT_EQ(SyslogTag("my daemon[1]:x"), "my_daemon_1__x");
  EXPECT_EQ(SyslogTag("a\tb\nc\x7f"), "a_b_c_");
  EXPECT_EQ(SyslogTag("d\xc3\xa9mon"), "d__mon");
}

TEST(SyslogTagTest, AnEmptyTagIsDaemonize) {
  EXPECT_EQ(SyslogTag(""), "daemonize");
}

absl::Time UtcTime(int year, int month, int day, int hour, int minute,
                   int second) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second),
      absl::UTCTimeZone());
}

std::string Message(absl::Time time, absl::TimeZone zone,
                    absl::string_view line,
                    SyslogPriority priority = SyslogPriority()) {
  std::string out;
  AppendSyslogMessage(out, priority, "tag", 42, time, zone, line);
  return out;
}

TEST(AppendSyslogMessageTest, IsLaidOutAsSyslog3SendsIt) {
  // The fraction of the second is dropped, as time(2)'s.
  const absl::Time time =
      UtcTime(2026, 11, 6, 9, 5, 11) + absl::Milliseconds(999);
  EXPECT_EQ(Message(time, absl::UTCTimeZone(), "hello"),
            "<30>Nov  6 09:05:11 tag[42]: hello");
  EXPECT_EQ(Message(UtcTime(2026, 11, 26, 23, 59, 59), absl::UTCTimeZone(), ""),
            "<30>Nov 26 23:59:59 tag[42]: ");
}

TEST(AppendSyslogMessageTest, AppendsToWhatIsThere) {
  std::string out = "previous";
  AppendSyslogMessage(out, SyslogPriority{23, 7}, "t", 1,
                      UtcTime(2026, 1, 2, 3, 4, 5), absl::UTCTimeZone(), "x");
  EXPECT_EQ(out, "previous<191>Jan  2 03:04:05 t[1]: x");
}

TEST(AppendSyslogMessageTest, ThePriorityComesFirst) {
  const absl::Time time = UtcTime(2026, 11, 6, 9, 5, 11);
  EXPECT_EQ(Message(time, absl::UTCTimeZone(), "x", SyslogPriority{0, 0}),
            "<0>Nov  6 09:05:11 tag[42]: x");
  EXPECT_EQ(Message(time, absl::UTCTimeZone(), "x", SyslogPriority{4, 3}),
            "<35>Nov  6 09:05:11 tag[42]: x");
}

TEST(AppendSyslogMessageTest, EveryMonthHasItsEnglishName) {
  const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int month = 1; month <= 12; ++month) {
    EXPECT_EQ(
        Message(UtcTime(2026, month, 10, 0, 0, 0), absl::UTCTimeZone(), "x"),
        absl::StrCat("<30>", months[month - 1], " 10 00:00:00 tag[42]: x"));
  }
}

TEST(AppendSyslogMessageTest, TheTimeIsLocalToTheZone) {
  const absl::Time new_year = UtcTime(2026, 12, 31, 20, 0, 0);
  EXPECT_EQ(Message(new_year, absl::FixedTimeZone(5 * 3600 + 30 * 60), "x"),
            "<30>Jan  1 01:30:00 tag[42]: x");
  EXPECT_EQ(Message(UtcTime(2027, 1, 1, 3, 0, 0),
                    absl::FixedTimeZone(-8 * 3600), "x"),
            "<30>Dec 31 19:00:00 tag[42]: x");
}

TEST(AppendSyslogMessageTest, BeforeTheEpochTheSecondIsTheOneBefore) {
  EXPECT_EQ(Message(absl::FromUnixMicros(-1), absl::UTCTimeZone(), "x"),
            "<30>Dec 31 23:59:59 tag[42]: x");
}

TEST(AppendSyslogMessageTest, TheLineIsEscaped) {
  EXPECT_EQ(Message(UtcTime(2026, 11, 6, 9, 5, 11), absl::UTCTimeZone(),
                    std::string("a\nb\0c\\", 6)),
            "<30>Nov  6 09:05:11 tag[42]: a\\x0ab\\x00c\\\\");
}

}  // namespace
}  // namespace daemonkit
