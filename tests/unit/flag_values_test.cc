// The flag checks of daemonize and the timestamp example: durations within
// bounds, respawn limits, user input escaped in messages.
#include "tools/flag_values.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::tools {
namespace {

using ::daemonkit::test::StatusIs;

TEST(ParseFlagDurationTest, TakesDurationsFromMoreThanZeroTo24Hours) {
  EXPECT_EQ(*ParseFlagDuration("--x", "30s"), absl::Seconds(30));
  EXPECT_EQ(*ParseFlagDuration("--x", "1ns"), absl::Nanoseconds(1));
  EXPECT_EQ(*ParseFlagDuration("--x", "1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseFlagDuration("--x", "24h"), absl::Hours(24));
}

TEST(ParseFlagDurationTest, RefusesWhatNoWaitMeans) {
  for (const char* text :
       {"0", "0s", "-1s", "-1ns", "inf", "-inf", "24h0m0.000000001s",
        "9999999999999h", "99999999999999999999h", "1e30h", "", "soon", "10"}) {
    EXPECT_THAT(ParseFlagDuration("--interval", text),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         std::string("--interval takes a duration more than 0 "
                                     "and at most 24h, such as 30s or 500ms, "
                                     "not '") +
                             text + "' (see --help)"))
        << text;
  }
}

MATCHER_P2(IsRespawnLimit, starts, interval,
           "is " + ::testing::PrintToString(starts) + " starts within " +
               absl::FormatDuration(interval)) {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  *result_listener << "which is " << arg->starts << " starts within "
                   << absl::FormatDuration(arg->interval);
  return arg->starts == starts && arg->interval == interval;
}

TEST(ParseRespawnLimitTest, TakesStartsWithinADuration) {
  EXPECT_THAT(ParseRespawnLimit("--x", "5/10s"),
              IsRespawnLimit(5, absl::Seconds(10)));
  EXPECT_THAT(ParseRespawnLimit("--x", "1/1ms"),
              IsRespawnLimit(1, absl::Milliseconds(1)));
  EXPECT_THAT(ParseRespawnLimit("--x", "10000/24h"),
              IsRespawnLimit(10000, absl::Hours(24)));
}

TEST(ParseRespawnLimitTest, TakesZeroForNoLimit) {
  EXPECT_THAT(ParseRespawnLimit("--x", "0"),
              IsRespawnLimit(0, absl::ZeroDuration()));
}

TEST(ParseRespawnLimitTest, RefusesAnythingElse) {
  for (const char* text :
       {"", "5", "/10s", "0/10s", "5/0s", "5/-1s", "-1/10s", "+5/10s", "5/10",
        "abc/10s", "10001/1s", "99999999999999999999/1s", "5/10s/2", " 5/10s",
        "5 /10s", "5/ 10s", "5/25h", "00", "/"}) {
    EXPECT_THAT(ParseRespawnLimit("--respawn-limit", text),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         std::string("--respawn-limit takes N/D, at most N "
                                     "starts (1 to 10000) within the duration "
                                     "D (more than 0 and at most 24h, such as "
                                     "10s), or 0 for no limit, not '") +
                             text + "' (see --help)"))
        << text;
  }
}

}  // namespace
}  // namespace daemonkit::tools
