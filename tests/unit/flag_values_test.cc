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

TEST(EscapeForMessageTest, ControlCharactersAndBackslashesAreEscaped) {
  EXPECT_EQ(EscapeForMessage("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(EscapeForMessage("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(EscapeForMessage(std::string("nul\0del\x7f", 8)),
            "nul\\x00del\\x7f");
  EXPECT_EQ(EscapeForMessage("a\\nb"), "a\\\\nb") << "not a newline";
  // NEL and CSI, the C1 controls a terminal may act on, in UTF-8.
  EXPECT_EQ(EscapeForMessage("x\xc2\x85y\xc2\x9b"), "x\\xc2\\x85y\\xc2\\x9b");
}

TEST(EscapeForMessageTest, PrintableTextAndUtf8AreKept) {
  EXPECT_EQ(EscapeForMessage("unknown user 'd\xc3\xa9j\xc3\xa0' \"q\""),
            "unknown user 'd\xc3\xa9j\xc3\xa0' \"q\"");
  EXPECT_EQ(EscapeForMessage("\xc2\xa0nbsp"), "\xc2\xa0nbsp");
  EXPECT_EQ(EscapeForMessage("ends in \xc2"), "ends in \xc2");
  EXPECT_EQ(EscapeForMessage(""), "");
}

}  // namespace
}  // namespace daemonkit::tools
