#include "src/utf8.h"

namespace daemonkit::internal {
namespace {

struct Lead {
  size_t length;  // Of the sequence; 0 when the byte leads none.
  // The range of the second byte, narrower than 80..BF where the lead alone
  // would allow an overlong form, a surrogate or more than U+10FFFF.
  unsigned char second_min;
  unsigned char second_max;
};

Lead LeadOf(unsigned char byte) {
  if (byte >= 0xc2 && byte <= 0xdf) return {2, 0x80, 0xbf};
  if (byte == 0xe0) return {3, 0xa0, 0xbf};  // Not overlong.
  if (byte == 0xed) return {3, 0x80, 0x9f};  // Not a surrogate.
  if (byte >= 0xe1 && byte <= 0xef) return {3, 0x80, 0xbf};
  if (byte == 0xf0) return {4, 0x90, 0xbf};  // Not overlong.
  if (byte >= 0xf1 && byte <= 0xf3) return {4, 0x80, 0xbf};
  if (byte == 0xf4) return {4, 0x80, 0x8f};  // Up to U+10FFFF.
  return {0, 0, 0};
}

}  // namespace

size_t Utf8SequenceLength(absl::string_view bytes) {
  if (bytes.empty()) return 0;
  const Lead lead = LeadOf(static_cast<unsigned char>(bytes[0]));
  if (lead.length == 0) return 0;
  if (bytes.size() > 1) {
    const auto second = static_cast<unsigned char>(bytes[1]);
    if (second < lead.second_min || second > lead.second_max) return 0;
  }
  for (size_t i = 2; i < lead.length && i < bytes.size(); ++i) {
    if (!IsUtf8Continuation(bytes[i])) return 0;
  }
  return lead.length;
}

}  // namespace daemonkit::internal
