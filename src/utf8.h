// UTF-8 as the line splitter and the syslog escape judge it (RFC 3629): a
// sequence is valid when it is the shortest form of a code point up to
// U+10FFFF that is not a surrogate. Overlong forms, surrogates, code points
// past U+10FFFF and truncated sequences are not.
#ifndef DAEMONKIT_SRC_UTF8_H_
#define DAEMONKIT_SRC_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace daemonkit::internal {

// Whether `byte` goes on with a multi-byte sequence (10xxxxxx).
inline bool IsUtf8Continuation(char byte) {
  return (static_cast<unsigned char>(byte) & 0xc0) == 0x80;
}

// The length (2 to 4) of the multi-byte sequence that `bytes` starts with,
// when its first byte leads one and every later byte of it that `bytes`
// holds is valid at its place; 0 otherwise (ASCII included). `bytes` may
// hold only the start of the sequence: the caller compares the length with
// bytes.size() to know whether it is whole.
size_t Utf8SequenceLength(absl::string_view bytes);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_UTF8_H_
