#include "daemonkit/message_escape.h"

#include "absl/strings/escaping.h"

namespace daemonkit {
namespace {

// How many bytes at the start of `text` are escaped together: one for a
// backslash, a C0 control character or DEL, two for a C1 control character
// (U+0080 to U+009F, NEL among them) in UTF-8, and none for anything else.
size_t LengthToEscape(absl::string_view text) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  if (byte(0) < 0x20 || byte(0) == 0x7f || byte(0) == '\\') return 1;
  if (byte(0) == 0xc2 && text.size() > 1 && byte(1) >= 0x80 &&
      byte(1) <= 0x9f) {
    return 2;
  }
  return 0;
}

}  // namespace

std::string EscapeForMessage(absl::string_view text) {
  std::string escaped;
  for (size_t i = 0; i < text.size();) {
    const size_t length = LengthToEscape(text.substr(i));
    if (length == 0) {
      escaped.push_back(text[i++]);
      continue;
    }
    escaped += absl::CHexEscape(text.substr(i, length));
    i += length;
  }
  return escaped;
}

}  // namespace daemonkit
