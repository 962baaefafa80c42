// The checks daemonize and the timestamp example share: durations within
// bounds, user input escaped in messages.
#include "tools/flag_values.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
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

}  // namespace
}  // namespace daemonkit::tools
