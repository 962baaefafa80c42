// daemonkit::EscapeForMessage: user input (a path, a user name, a command)
// quoted in a one-line message, made safe to print.
#ifndef DAEMONKIT_MESSAGE_ESCAPE_H_
#define DAEMONKIT_MESSAGE_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace daemonkit {

// `text` with its control characters (C0, DEL and C1) and backslashes
// escaped as C does ("\n", "\x1b", "\\"), so that user input in a message
// can neither break its line nor drive the terminal. Other bytes, UTF-8
// included, are kept.
std::string EscapeForMessage(absl::string_view text);

}  // namespace daemonkit

#endif  // DAEMONKIT_MESSAGE_ESCAPE_H_
