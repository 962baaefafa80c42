#include "daemonkit/line_splitter.h"

#include <algorithm>

#include "src/utf8.h"

namespace daemonkit {
namespace {

// A multi-byte UTF-8 sequence that straddles the bound has at most this many
// bytes past it.
constexpr size_t kMaxUtf8Overhang = 3;

// The length of the next piece of `line`, which is longer than `max`: `max`,
// or less when a valid UTF-8 sequence would be cut. 0 when that cannot be
// told yet: the bytes that would complete the sequence have not come.
size_t PieceLength(absl::string_view line, size_t max, bool ended) {
  if (!internal::IsUtf8Continuation(line[max])) return max;
  for (size_t back = 1; back <= kMaxUtf8Overhang; ++back) {
    const size_t start = max - back;
    if (internal::IsUtf8Continuation(line[start])) continue;
    const size_t length = internal::Utf8SequenceLength(line.substr(start));
    if (length <= back) return max;  // Not valid, or ends before the bound.
    if (line.size() >= start + length) return start;
    return ended ? max : 0;  // Truncated by the end of the line: invalid.
  }
  return max;
}

// Gives `each` the pieces of `line` over `max`, then, if the line `ended`,
// its last piece. Returns the bytes given; those not given must wait for
// more of the line.
size_t EmitPieces(absl::string_view line, bool ended, size_t max,
                  LineSplitter::LineHandler each) {
  size_t start = 0;
  while (line.size() - start > max) {
    const size_t length = PieceLength(line.substr(start), max, ended);
    if (length == 0) break;
    each({line.substr(start, length), /*continues=*/true});
    start += length;
  }
  if (!ended) return start;
  each({line.substr(start), /*continues=*/false});
  return line.size();
}

}  // namespace

// Below 4, a 4-byte UTF-8 sequence could leave nothing before it.
LineSplitter::LineSplitter(size_t max_length)
    : max_length_(std::max<size_t>(max_length, 4)) {}

void LineSplitter::Feed(absl::string_view bytes, LineHandler each) {
  // Where the next newline is, found once: a long line is taken in pieces.
  size_t newline = bytes.find('\n');
  const auto advance = [&](size_t count) {
    bytes.remove_prefix(count);
    if (newline == absl::string_view::npos) return;
    newline = newline >= count ? newline - count : bytes.find('\n');
  };
  while (!bytes.empty()) {
    if (partial_.empty()) {
      // The common case: lines wholly in `bytes` are given from there.
      if (newline == absl::string_view::npos) {
        const size_t given = EmitPieces(bytes, false, max_length_, each);
        partial_.assign(bytes.data() + given, bytes.size() - given);
        return;
      }
      EmitPieces(bytes.substr(0, newline), true, max_length_, each);
      advance(newline + 1);
      continue;
    }
    // A line begun earlier: copy no more than its next piece needs.
    const size_t room = max_length_ + kMaxUtf8Overhang - partial_.size();
    const size_t take = std::min({newline, room, bytes.size()});
    partial_.append(bytes.data(), take);
    const bool ended = take == newline;
    const size_t given = EmitPieces(partial_, ended, max_length_, each);
    partial_.erase(0, given);
    advance(ended ? take + 1 : take);
  }
}

bool LineSplitter::Finish(LineHandler each) {
  if (partial_.empty()) return false;
  EmitPieces(partial_, true, max_length_, each);
  partial_.clear();
  return true;
}

}  // namespace daemonkit
