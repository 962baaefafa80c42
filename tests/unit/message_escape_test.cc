// EscapeForMessage: user input in a message breaks no line and drives no
// terminal.

#include "daemonkit/message_escape.h"

#include <string>

#include "gtest/gtest.h"

namespace daemonkit {
namespace {

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
}  // namespace daemonkit
