// LineSplitter: a byte stream cut into lines, whatever pieces it comes in;
// long lines in pieces of at most the bound, never inside a valid UTF-8
// sequence; nothing lost, nothing glued.

#include "daemonkit/line_splitter.h"

#include <cstddef>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace daemonkit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A line as given, copied: its text is valid only during the call.
using Piece = std::pair<std::string, bool>;  // Text, continues.

Piece Whole(std::string text) { return {std::move(text), false}; }
Piece Part(std::string text) { return {std::move(text), true}; }

class Collector {
 public:
  explicit Collector(size_t max_length = kMaxLineLength)
      : splitter_(max_length) {}

  Collector& Feed(absl::string_view bytes) {
    splitter_.Feed(bytes, [&](const LineSplitter::Line& line) {
      lines_.emplace_back(std::string(line.text), line.continues);
    });
    return *this;
  }
  bool Finish() {
    return splitter_.Finish([&](const LineSplitter::Line& line) {
      lines_.emplace_back(std::string(line.text), line.continues);
    });
  }
  // The lines given so far, forgotten here.
  std::vector<Piece> Take() { return std::exchange(lines_, {}); }
  const LineSplitter& splitter() const { return splitter_; }

 private:
  LineSplitter splitter_;
  std::vector<Piece> lines_;
};

// The lines of `stream`, fed in pieces that end at `cuts`, then finished.
std::vector<Piece> SplitWithCuts(absl::string_view stream, size_t max_length,
                                 const std::vector<size_t>& cuts) {
  Collector collector(max_length);
  size_t start = 0;
  for (size_t cut : cuts) {
    collector.Feed(stream.substr(start, cut - start));
    start = cut;
  }
  collector.Feed(stream.substr(start));
  collector.Finish();
  return collector.Take();
}

std::vector<Piece> SplitWhole(absl::string_view stream, size_t max_length) {
  return SplitWithCuts(stream, max_length, {});
}

// Whether `stream` gives `expected` however it is cut in two or three feeds,
// and byte by byte.
void ExpectSameAtEveryCut(absl::string_view stream, size_t max_length,
                          const std::vector<Piece>& expected) {
  for (size_t i = 0; i <= stream.size(); ++i) {
    for (size_t j = i; j <= stream.size(); ++j) {
      ASSERT_EQ(SplitWithCuts(stream, max_length, {i, j}), expected)
          << "fed as [0, " << i << "), [" << i << ", " << j << "), [" << j
          << ", " << stream.size() << ")";
    }
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(SplitWithCuts(stream, max_length, every_byte), expected)
      << "fed byte by byte";
}

TEST(LineSplitterTest, LinesAreGivenWithoutTheirNewline) {
  Collector collector;
  collector.Feed("first\nsecond\n");
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("first"), Whole("second")));
  EXPECT_EQ(collector.splitter().partial_size(), 0u);
  EXPECT_FALSE(collector.Finish());
  EXPECT_THAT(collector.Take(), IsEmpty());
}

TEST(LineSplitterTest, EmptyLinesAreLines) {
  EXPECT_THAT(SplitWhole("\n\na\n\n", 8),
              ElementsAre(Whole(""), Whole(""), Whole("a"), Whole("")));
}

TEST(LineSplitterTest, BytesPassThroughUntouched) {
  const std::string nul("a\0b", 3);
  EXPECT_THAT(SplitWhole("dos\r\n" + nul + "\n\xff\xc0\x80\xed\xa0\x80\n\r\n",
                         kMaxLineLength),
              ElementsAre(Whole("dos\r"), Whole(nul),
                          Whole("\xff\xc0\x80\xed\xa0\x80"), Whole("\r")));
}

TEST(LineSplitterTest, LinesAcrossFeedsAreTheSameAtEveryCut) {
  ExpectSameAtEveryCut(
      "one\n\ntwo\r\nthree is longer\nd\xc3\xa9j\xc3\xa0\nno newline", 64,
      {Whole("one"), Whole(""), Whole("two\r"), Whole("three is longer"),
       Whole("d\xc3\xa9j\xc3\xa0"), Whole("no newline")});
}

TEST(LineSplitterTest, ALineIsKeptUntilItsNewlineComes) {
  Collector collector;
  collector.Feed("hel");
  EXPECT_THAT(collector.Take(), IsEmpty());
  EXPECT_EQ(collector.splitter().partial_size(), 3u);
  collector.Feed("lo\nwor");
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("hello")));
  EXPECT_EQ(collector.splitter().partial_size(), 3u);
  collector.Feed("ld\n");
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("world")));
  EXPECT_EQ(collector.splitter().partial_size(), 0u);
}

TEST(LineSplitterTest, LinesInsideTheFedBytesAreNotCopied) {
  const std::string bytes = "first\nsecond\nthird";
  LineSplitter splitter(8);
  std::vector<const char*> starts;
  splitter.Feed(bytes, [&](const LineSplitter::Line& line) {
    starts.push_back(line.text.data());
  });
  EXPECT_THAT(starts, ElementsAre(bytes.data(), bytes.data() + 6));
  EXPECT_EQ(splitter.partial_size(), 5u) << "only the tail is kept";
}

TEST(LineSplitterTest, PiecesOfALongLineInsideTheFedBytesAreNotCopied) {
  const std::string bytes = "0123456789abcdefghij\n";
  LineSplitter splitter(8);
  std::vector<const char*> starts;
  splitter.Feed(bytes, [&](const LineSplitter::Line& line) {
    starts.push_back(line.text.data());
  });
  EXPECT_THAT(starts,
              ElementsAre(bytes.data(), bytes.data() + 8, bytes.data() + 16));
}

TEST(LineSplitterTest, ALineOfExactlyTheBoundIsOneLine) {
  EXPECT_THAT(SplitWhole("12345678\n", 8), ElementsAre(Whole("12345678")));
  ExpectSameAtEveryCut("12345678\nab\n", 8, {Whole("12345678"), Whole("ab")});
  // Its newline has not come: nothing tells yet that it goes on.
  Collector collector(8);
  collector.Feed("12345678");
  EXPECT_THAT(collector.Take(), IsEmpty());
  EXPECT_EQ(collector.splitter().partial_size(), 8u);
  collector.Feed("\n");
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("12345678")));
  // The stream ends there: still one line.
  collector.Feed("abcdefgh");
  EXPECT_TRUE(collector.Finish());
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("abcdefgh")));
}

TEST(LineSplitterTest, OneByteOverTheBoundMakesTwoPieces) {
  ExpectSameAtEveryCut("123456789\n", 8, {Part("12345678"), Whole("9")});
}

TEST(LineSplitterTest, ALongLineComesInPiecesOfTheBound) {
  const std::string line(3 * 8 + 5, 'x');
  const std::vector<Piece> pieces = {Part("xxxxxxxx"), Part("xxxxxxxx"),
                                     Part("xxxxxxxx"), Whole("xxxxx")};
  EXPECT_EQ(SplitWhole(line + "\n", 8), pieces);
  EXPECT_EQ(SplitWhole(line, 8), pieces) << "finished without a newline";
  ExpectSameAtEveryCut(line + "\nnext\n", 8,
                       {Part("xxxxxxxx"), Part("xxxxxxxx"), Part("xxxxxxxx"),
                        Whole("xxxxx"), Whole("next")});
}

TEST(LineSplitterTest, ALongLineAtTheDefaultBound) {
  const std::string line(3 * kMaxLineLength + 5, 'x');
  Collector collector;
  collector.Feed(line.substr(0, 1000));
  collector.Feed(line.substr(1000) + "\n");
  const std::string piece(kMaxLineLength, 'x');
  EXPECT_THAT(collector.Take(), ElementsAre(Part(piece), Part(piece),
                                            Part(piece), Whole("xxxxx")));
}

TEST(LineSplitterTest, ARestAsLongAsTheBoundWaitsForTheNextByte) {
  Collector collector(8);
  collector.Feed("123456789abcdefg");
  EXPECT_THAT(collector.Take(), ElementsAre(Part("12345678")));
  EXPECT_EQ(collector.splitter().partial_size(), 8u);
  collector.Feed("\n");
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("9abcdefg")));
  collector.Feed("123456789abcdefg");
  collector.Take();
  collector.Feed("h");
  EXPECT_THAT(collector.Take(), ElementsAre(Part("9abcdefg")));
}

TEST(LineSplitterTest, AUtf8SequenceAcrossTheBoundGoesToTheNextPiece) {
  // "é" (2 bytes) at bytes 7 and 8.
  ExpectSameAtEveryCut("abcdefg\xc3\xa9xyz\n", 8,
                       {Part("abcdefg"), Whole("\xc3\xa9xyz")});
  // A 4-byte sequence with 1, 2 or 3 of its bytes before the bound.
  ExpectSameAtEveryCut("abcdefg\xf0\x9f\x98\x80z\n", 8,
                       {Part("abcdefg"), Whole("\xf0\x9f\x98\x80z")});
  ExpectSameAtEveryCut("abcdef\xf0\x9f\x98\x80z\n", 8,
                       {Part("abcdef"), Whole("\xf0\x9f\x98\x80z")});
  ExpectSameAtEveryCut("abcde\xf0\x9f\x98\x80z\n", 8,
                       {Part("abcde"), Whole("\xf0\x9f\x98\x80z")});
  // A 3-byte sequence ("€").
  ExpectSameAtEveryCut("abcdef\xe2\x82\xac\n", 8,
                       {Part("abcdef"), Whole("\xe2\x82\xac")});
}

TEST(LineSplitterTest, APieceOfOnlyUtf8IsCutBetweenSequences) {
  // Four bytes over four: the second sequence cannot be cut.
  const std::string smileys = "\xf0\x9f\x98\x80\xf0\x9f\x98\x80";
  EXPECT_THAT(SplitWhole(smileys + "\n", 6),
              ElementsAre(Part("\xf0\x9f\x98\x80"), Whole("\xf0\x9f\x98\x80")));
  // At the smallest bound, a piece is never empty.
  EXPECT_THAT(SplitWhole("a" + smileys + "\n", 4),
              ElementsAre(Part("a"), Part("\xf0\x9f\x98\x80"),
                          Whole("\xf0\x9f\x98\x80")));
}

TEST(LineSplitterTest, ASequenceEndingAtTheBoundStaysWhole) {
  ExpectSameAtEveryCut("abcdef\xc3\xa9xyz\n", 8,
                       {Part("abcdef\xc3\xa9"), Whole("xyz")});
}

TEST(LineSplitterTest, InvalidUtf8AcrossTheBoundIsCutAtTheBound) {
  // Overlong, surrogate, past U+10FFFF, a lone continuation byte.
  ExpectSameAtEveryCut("abcdefg\xe0\x80\x80\n", 8,
                       {Part("abcdefg\xe0"), Whole("\x80\x80")});
  ExpectSameAtEveryCut("abcdefg\xed\xa0\x80\n", 8,
                       {Part("abcdefg\xed"), Whole("\xa0\x80")});
  ExpectSameAtEveryCut("abcdefg\xf4\x90\x80\x80\n", 8,
                       {Part("abcdefg\xf4"), Whole("\x90\x80\x80")});
  ExpectSameAtEveryCut("abcdefgh\x80\x80\n", 8,
                       {Part("abcdefgh"), Whole("\x80\x80")});
  // A sequence whose third byte is wrong.
  ExpectSameAtEveryCut("abcdefg\xe2\x82z\n", 8,
                       {Part("abcdefg\xe2"), Whole("\x82z")});
}

TEST(LineSplitterTest, ASequenceTruncatedByTheEndOfItsLineIsCutAtTheBound) {
  ExpectSameAtEveryCut("abcdefg\xe2\x82\n", 8,
                       {Part("abcdefg\xe2"), Whole("\x82")});
  ExpectSameAtEveryCut("abcdefg\xf0\x9f\x98", 8,
                       {Part("abcdefg\xf0"), Whole("\x9f\x98")});
}

TEST(LineSplitterTest, APieceWaitsForTheRestOfASequenceAcrossTheBound) {
  Collector collector(8);
  collector.Feed("abcdefg\xf0\x9f");
  EXPECT_THAT(collector.Take(), IsEmpty());
  EXPECT_EQ(collector.splitter().partial_size(), 9u);
  collector.Feed("\x98");
  EXPECT_THAT(collector.Take(), IsEmpty());
  EXPECT_EQ(collector.splitter().partial_size(), 10u) << "the most kept";
  collector.Feed("\x80z");
  EXPECT_THAT(collector.Take(), ElementsAre(Part("abcdefg")));
  EXPECT_TRUE(collector.Finish());
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("\xf0\x9f\x98\x80z")));
}

TEST(LineSplitterTest, FinishGivesThePartialLine) {
  Collector collector(8);
  collector.Feed("done\npartial");
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("done")));
  EXPECT_TRUE(collector.Finish());
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("partial")));
  EXPECT_EQ(collector.splitter().partial_size(), 0u);
}

TEST(LineSplitterTest, FinishWithoutAPartialLineGivesNothing) {
  Collector collector(8);
  EXPECT_FALSE(collector.Finish()) << "nothing fed";
  collector.Feed("done\n");
  collector.Take();
  EXPECT_FALSE(collector.Finish());
  EXPECT_THAT(collector.Take(), IsEmpty());
}

TEST(LineSplitterTest, FinishEndsALineWhosePiecesWentBefore) {
  Collector collector(8);
  collector.Feed("123456789");
  EXPECT_THAT(collector.Take(), ElementsAre(Part("12345678")));
  EXPECT_TRUE(collector.Finish());
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("9")));
}

TEST(LineSplitterTest, AfterFinishTheNextStreamStartsAfresh) {
  Collector collector(8);
  collector.Feed("first instance di");
  collector.Take();
  EXPECT_TRUE(collector.Finish());
  collector.Take();
  collector.Feed("second\n");
  EXPECT_THAT(collector.Take(), ElementsAre(Whole("second")));
  EXPECT_FALSE(collector.Finish());
}

TEST(LineSplitterTest, ABoundBelowFourCountsAsFour) {
  EXPECT_THAT(SplitWhole("abcdef\n", 1),
              ElementsAre(Part("abcd"), Whole("ef")));
}

// Random streams of lines, UTF-8 and invalid bytes, fed in random pieces:
// the lines are those of the whole stream, and they make the stream again.
TEST(LineSplitterTest, RandomStreamsAreSplitTheSameWhateverTheirFeeds) {
  const std::vector<std::string> atoms = {"a",
                                          "b",
                                          "\n",
                                          "\n",
                                          "\r",
                                          std::string(1, '\0'),
                                          "\xc3\xa9",
                                          "\xe2\x82\xac",
                                          "\xf0\x9f\x98\x80",
                                          "\xff",
                                          "\x80",
                                          "\xe2\x82",
                                          "\xed\xa0\x80"};
  std::mt19937 random(20261126);
  for (int round = 0; round < 500; ++round) {
    const size_t max_length = 4 + random() % 9;
    std::string stream;
    const size_t atom_count = random() % 40;
    for (size_t i = 0; i < atom_count; ++i) {
      stream += atoms[random() % atoms.size()];
    }
    std::vector<size_t> cuts;
    for (size_t i = 1; i < stream.size(); ++i) {
      if (random() % 3 == 0) cuts.push_back(i);
    }
    const std::vector<Piece> lines = SplitWhole(stream, max_length);
    ASSERT_EQ(SplitWithCuts(stream, max_length, cuts), lines) << stream;
    std::string joined;
    for (const auto& [text, continues] : lines) {
      ASSERT_LE(text.size(), max_length);
      if (continues) {
        ASSERT_GT(text.size(), max_length - 4) << stream;
      }
      joined += text;
      if (!continues) joined += '\n';
    }
    if (!stream.empty() && stream.back() != '\n') stream += '\n';
    ASSERT_EQ(joined, stream);
  }
}

}  // namespace
}  // namespace daemonkit
