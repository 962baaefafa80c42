// daemonkit::LineSplitter: cuts a byte stream (a program's stdout or stderr,
// read in whatever pieces a pipe gives) into lines, for a capture that
// writes each line whole (output_capture.h).
//
// Bytes pass through untouched: NUL, invalid UTF-8 and '\r' are part of a
// line. A line longer than the bound comes out in pieces of at most the
// bound, each but the last marked `continues`, never cut inside a UTF-8
// sequence that is whole and valid; nothing is truncated. At the end of the
// stream (the program died), a partial last line comes out as a line of its
// own, so that it is never glued to what the next instance writes.
#ifndef DAEMONKIT_LINE_SPLITTER_H_
#define DAEMONKIT_LINE_SPLITTER_H_

#include <cstddef>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace daemonkit {

// The default bound on a line, in bytes, without its newline.
inline constexpr size_t kMaxLineLength = 16 * 1024;

class LineSplitter {
 public:
  struct Line {
    absl::string_view text;  // Without its '\n'.
    // The line was longer than the bound: the next piece goes on with it.
    bool continues = false;
  };
  using LineHandler = absl::FunctionRef<void(const Line&)>;

  // `max_length` (at least 4; less counts as 4) bounds each piece.
  explicit LineSplitter(size_t max_length = kMaxLineLength);

  // Takes the next bytes of the stream; gives `each` every line they
  // complete, and every full piece of a line over the bound, in order. A
  // line's text is valid only during the call.
  //
  // A line of exactly the bound is one line: a piece is given only once a
  // byte past the bound shows that the line goes on, and, when a UTF-8
  // sequence straddles the bound, once that sequence is whole, so that the
  // lines do not depend on how the stream was cut into feeds. Lines wholly
  // inside `bytes` are given from `bytes`, without a copy.
  void Feed(absl::string_view bytes, LineHandler each);

  // The stream ended: gives `each` the partial last line, if any, as a line
  // of its own. Returns whether there was one. The splitter is then empty,
  // ready for another stream.
  bool Finish(LineHandler each);

  // Bytes of a line not complete yet: at most max_length + 2.
  size_t partial_size() const { return partial_.size(); }

 private:
  size_t max_length_;
  std::string partial_;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_LINE_SPLITTER_H_
