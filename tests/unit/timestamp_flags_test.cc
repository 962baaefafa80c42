#include "examples/timestamp_flags.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::examples {
namespace {

using ::daemonkit::test::IsOk;
// getopt_long may permute argv, so each parse gets its own copy.
absl::StatusOr<TimestampFlags> Parse(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "timestamp");
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  return ParseTimestampFlags(static_cast<int>(arguments.size()), argv.data());
}

std::string ErrorOf(std::vector<std::string> arguments) {
  const absl::StatusOr<TimestampFlags> parsed = Parse(std::move(arguments));
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status())) << parsed.status();
  return std::string(parsed.status().message());
}

TEST(TimestampFlagsTest, DefaultsWithoutArguments) {
  const absl::StatusOr<TimestampFlags> parsed = Parse({});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->log, "/tmp/daemon-log");
  EXPECT_EQ(parsed->interval, absl::Seconds(10));
  EXPECT_EQ(parsed->pid_file, "");
  EXPECT_EQ(parsed->chdir, "/");
  EXPECT_EQ(parsed->umask, "0");
  EXPECT_EQ(parsed->stop_timeout, absl::Seconds(10));
  EXPECT_FALSE(parsed->foreground || parsed->stop || parsed->status ||
               parsed->help);
}

TEST(TimestampFlagsTest, ValuesWithEqualsOrAsTheNextArgument) {
  const absl::StatusOr<TimestampFlags> parsed =
      Parse({"--log=/var/log/t.log", "--interval", "500ms", "--pid-file",
             "/run/t.pid", "--chdir=/srv", "--umask=027", "--user=nobody",
             "--group=nogroup", "--chroot=/jail", "--foreground",
             "--stop-timeout=3s"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->log, "/var/log/t.log");
  EXPECT_EQ(parsed->interval, absl::Milliseconds(500));
  EXPECT_EQ(parsed->pid_file, "/run/t.pid");
  EXPECT_EQ(parsed->chdir, "/srv");
  EXPECT_EQ(parsed->umask, "027");
  EXPECT_EQ(parsed->user, "nobody");
  EXPECT_EQ(parsed->group, "nogroup");
  EXPECT_EQ(parsed->chroot, "/jail");
  EXPECT_TRUE(parsed->foreground);
  EXPECT_EQ(parsed->stop_timeout, absl::Seconds(3));
}

// The names of the Abseil flags the example once had.
TEST(TimestampFlagsTest, UnderscoredSpellingsAreAliases) {
  absl::StatusOr<TimestampFlags> parsed =
      Parse({"--pid_file=/run/t.pid", "--stop_timeout", "3s"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->pid_file, "/run/t.pid");
  EXPECT_EQ(parsed->stop_timeout, absl::Seconds(3));
  parsed = Parse({"--pid_file", "/run/u.pid", "--stop_timeout=4s"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->pid_file, "/run/u.pid");
  EXPECT_EQ(parsed->stop_timeout, absl::Seconds(4));
}

TEST(TimestampFlagsTest, StopIsNotTakenForStopTimeout) {
  const absl::StatusOr<TimestampFlags> parsed = Parse({"--stop", "--status"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_TRUE(parsed->stop);
  EXPECT_TRUE(parsed->status);
  EXPECT_EQ(parsed->stop_timeout, absl::Seconds(10));
}

TEST(TimestampFlagsTest, OneDashAsAbseilFlagsTook) {
  const absl::StatusOr<TimestampFlags> parsed = Parse(
      {"-interval=2s", "-help", "-pid_file=/run/t.pid", "-stop-timeout=5s"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->interval, absl::Seconds(2));
  EXPECT_TRUE(parsed->help);
  EXPECT_EQ(parsed->pid_file, "/run/t.pid");
  EXPECT_EQ(parsed->stop_timeout, absl::Seconds(5));
}

TEST(TimestampFlagsTest, RefusesWhatItCannotUse) {
  EXPECT_EQ(ErrorOf({"--bogus=1"}), "unknown flag --bogus (see --help)");
  EXPECT_EQ(ErrorOf({"--log"}), "--log needs a value (see --help)");
  EXPECT_EQ(ErrorOf({"--foreground=yes"}),
            "--foreground takes no value (see --help)");
  EXPECT_EQ(ErrorOf({"--interval=soon"}),
            "--interval takes a duration more than 0 and at most 24h, such as "
            "30s or 500ms, not 'soon' (see --help)");
  EXPECT_EQ(ErrorOf({"--stop-timeout", "x"}),
            "--stop-timeout takes a duration more than 0 and at most 24h, such "
            "as 30s or 500ms, not 'x' (see --help)");
  EXPECT_EQ(ErrorOf({"--log=/tmp/x", "stray"}),
            "unexpected argument 'stray' (see --help)");
  EXPECT_EQ(ErrorOf({"--", "after"}),
            "unexpected argument 'after' (see --help)");
}

TEST(TimestampFlagsTest, EveryDurationIsMoreThanZeroAndAtMost24Hours) {
  for (const char* flag : {"--interval", "--stop-timeout"}) {
    for (const char* value : {"0", "-1s", "inf", "-inf", "24h1ns"}) {
      EXPECT_EQ(ErrorOf({std::string(flag) + "=" + value}),
                std::string(flag) +
                    " takes a duration more than 0 and at most 24h, such as "
                    "30s or 500ms, not '" +
                    value + "' (see --help)");
    }
  }
  const absl::StatusOr<TimestampFlags> parsed =
      Parse({"--interval=1ns", "--stop-timeout=24h"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->interval, absl::Nanoseconds(1));
  EXPECT_EQ(parsed->stop_timeout, absl::Hours(24));
}

// An empty value is a mistake (an unset variable), never the default.
TEST(TimestampFlagsTest, NoValueMayBeEmpty) {
  for (const char* flag : {"log", "interval", "pid-file", "chdir", "user",
                           "group", "chroot", "umask", "stop-timeout"}) {
    EXPECT_EQ(ErrorOf({absl::StrCat("--", flag, "=")}),
              absl::StrCat("--", flag, " needs a value (see --help)"));
    EXPECT_EQ(ErrorOf({absl::StrCat("-", flag), ""}),
              absl::StrCat("--", flag, " needs a value (see --help)"));
  }
  EXPECT_EQ(ErrorOf({"--pid_file="}), "--pid-file needs a value (see --help)");
  EXPECT_EQ(ErrorOf({"--log=/tmp/x", ""}),
            "unexpected argument '' (see --help)");
}

TEST(TimestampFlagsTest, ErrorsNameTheDashedSpelling) {
  EXPECT_EQ(ErrorOf({"--stop_timeout=x"}),
            "--stop-timeout takes a duration more than 0 and at most 24h, such "
            "as 30s or 500ms, not 'x' (see --help)");
  EXPECT_EQ(ErrorOf({"--pid_file"}), "--pid-file needs a value (see --help)");
  EXPECT_EQ(ErrorOf({"-stop_timeout"}),
            "--stop-timeout needs a value (see --help)");
  EXPECT_EQ(ErrorOf({"-foreground=yes"}),
            "--foreground takes no value (see --help)");
}

TEST(TimestampFlagsTest, ParsesAgainAfterAFailure) {
  EXPECT_FALSE(Parse({"--bogus"}).ok());
  const absl::StatusOr<TimestampFlags> parsed = Parse({"--log=/tmp/again"});
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->log, "/tmp/again");
}

}  // namespace
}  // namespace daemonkit::examples
