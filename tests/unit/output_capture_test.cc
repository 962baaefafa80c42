// OutputCapture against a pipe played by MockOs and a sink that records what
// it is given: lines whole and in order, the end of a stream, a sink that
// stalls, fails or refuses, the bounded buffer and its notice.
#include "daemonkit/output_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include <deque>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::IsOk;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::SizeIs;

constexpr int kPipe = 7;
constexpr pid_t kProgram = 1234;
constexpr pid_t kSupervisor = 99;
const absl::Time kStart = absl::FromUnixSeconds(1000);

// "[pid] text" and '+' for a piece that continues, then '\n'.
class TestFormat : public LineFormat {
 public:
  void Append(std::string& out, const LineSplitter::Line& line,
              absl::Time /*time*/, pid_t pid) override {
    absl::StrAppend(&out, "[", pid, "] ", line.text, line.continues ? "+" : "",
                    "\n");
  }
};

// Takes records until told to fail; remembers each call.
class RecordingSink : public LineSink {
 public:
  Written Write(absl::string_view bytes,
                absl::Span<const size_t> sizes) override {
    ++writes;
    size_t taken = 0;
    for (const size_t size : sizes) {
      if (error != 0 && taken == accept) return {taken, error};
      records.emplace_back(bytes.substr(0, size - 1));  // Without '\n'.
      bytes.remove_prefix(size);
      ++taken;
    }
    return {taken, 0};
  }
  absl::Status Reopen() override {
    ++reopened;
    return absl::OkStatus();
  }
  int writable_fd() const override { return writable; }

  std::vector<std::string> records;
  int writes = 0;
  int reopened = 0;
  int error = 0;  // Fails with this after `accept` records of a call.
  size_t accept = 0;
  int writable = -1;
};

class OutputCaptureTest : public ::testing::Test {
 protected:
  OutputCaptureTest() {
    ON_CALL(os_, Fcntl(kPipe, F_SETFL, _))
        .WillByDefault(Return(SysCallSuccess()));
    ON_CALL(os_, GetPid()).WillByDefault(Return(kSupervisor));
    ON_CALL(os_, Close(_)).WillByDefault(Return(SysCallSuccess()));
    ON_CALL(os_, ClockGetTime(CLOCK_REALTIME, _))
        .WillByDefault([](clockid_t, struct timespec* now) {
          *now = absl::ToTimespec(absl::FromUnixSeconds(1700000000));
          return SysCallSuccess();
        });
    ON_CALL(os_, Read(kPipe, _, _))
        .WillByDefault([this](int, void* buffer, size_t size) {
          return PipeRead(buffer, size);
        });
  }

  // The pipe gives its chunks one read at a time; then EAGAIN, or end of
  // file once `closed`.
  SysCallSizeResult PipeRead(void* buffer, size_t size) {
    ++reads_;
    if (chunks_.empty()) {
      return closed_ ? SysCallSizeResult{0, 0} : SysCallSizeResult{-1, EAGAIN};
    }
    std::string& chunk = chunks_.front();
    const size_t n = std::min(size, chunk.size());
    memcpy(buffer, chunk.data(), n);
    chunk.erase(0, n);
    if (chunk.empty()) chunks_.pop_front();
    return {static_cast<ssize_t>(n), 0};
  }

  OutputCapture& Capture(OutputCapture::Options options = {}) {
    capture_.emplace(os_, sink_, format_, options);
    EXPECT_THAT(capture_->Attach(UniqueFd(os_, kPipe), kProgram), IsOk());
    return *capture_;
  }

  NiceMock<MockOs> os_;
  RecordingSink sink_;
  TestFormat format_;
  std::optional<OutputCapture> capture_;
  std::deque<std::string> chunks_;
  bool closed_ = false;
  int reads_ = 0;
};

TEST_F(OutputCaptureTest, LinesCutAcrossReadsArriveWholeAndInOrder) {
  OutputCapture& capture = Capture();
  chunks_ = {"one\ntw"};
  capture.Read(kStart);
  chunks_ = {"o\nthree\n"};
  capture.Read(kStart);
  EXPECT_THAT(sink_.records,
              ElementsAre("[1234] one", "[1234] two", "[1234] three"));
  EXPECT_EQ(capture.waiting_bytes(), 0u);
}

TEST_F(OutputCaptureTest, WritesAllTheLinesOfOneReadInOneCall) {
  OutputCapture& capture = Capture();
  std::string many;
  for (int i = 0; i < 500; ++i) absl::StrAppend(&many, "line ", i, "\n");
  chunks_ = {many};
  capture.Read(kStart);
  EXPECT_THAT(sink_.records, SizeIs(500));
  EXPECT_EQ(sink_.writes, 1);
}

TEST_F(OutputCaptureTest, EndOfFileCompletesThePartialLineAndClosesThePipe) {
  OutputCapture& capture = Capture();
  EXPECT_CALL(os_, Close(kPipe)).WillOnce(Return(SysCallSuccess()));
  chunks_ = {"whole\nhalf a li"};
  closed_ = true;
  capture.Read(kStart);  // A short read: the pipe is empty, for now.
  capture.Read(kStart);  // The next wake-up (POLLHUP) finds the end.
  EXPECT_THAT(sink_.records, ElementsAre("[1234] whole", "[1234] half a li"));
  EXPECT_EQ(capture.pipe_fd(), -1);
}

TEST_F(OutputCaptureTest, APipeThatCannotBeReadIsClosedAndSaid) {
  OutputCapture& capture = Capture();
  chunks_ = {"whole\nhalf a li"};
  capture.Read(kStart);
  // Closed, so that the program's next write fails rather than blocks once
  // the pipe is full; the stream says where its lines stop.
  EXPECT_CALL(os_, Read(kPipe, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, EIO}));
  EXPECT_CALL(os_, Close(kPipe)).WillOnce(Return(SysCallSuccess()));
  capture.Read(kStart);
  EXPECT_THAT(sink_.records,
              ElementsAre("[1234] whole", "[1234] half a li",
                          "[99] daemonize: reading stdout failed: "
                          "Input/output error; the rest of it is lost"));
  EXPECT_EQ(capture.pipe_fd(), -1);
}

TEST_F(OutputCaptureTest, DetachTakesWhatIsLeftThoughAWriterRemains) {
  OutputCapture& capture = Capture();
  EXPECT_CALL(os_, Close(kPipe)).WillOnce(Return(SysCallSuccess()));
  chunks_ = {"last\nno newline"};  // Then EAGAIN: a stray writer holds it.
  capture.Detach(kStart);
  EXPECT_THAT(sink_.records, ElementsAre("[1234] last", "[1234] no newline"));
  EXPECT_EQ(capture.pipe_fd(), -1);
}

TEST_F(OutputCaptureTest, TheNextInstanceStartsOnALineOfItsOwn) {
  OutputCapture& capture = Capture();
  chunks_ = {"cut"};
  capture.Detach(kStart);
  ASSERT_THAT(capture.Attach(UniqueFd(os_, kPipe), 5678), IsOk());
  chunks_ = {"fresh\n"};
  capture.Read(kStart);
  EXPECT_THAT(sink_.records, ElementsAre("[1234] cut", "[5678] fresh"));
}

TEST_F(OutputCaptureTest, AReadTakesNoMoreThanItsBudget) {
  OutputCapture::Options options;
  options.read_budget = 100 * 1024;
  OutputCapture& capture = Capture(options);
  const std::string full(64 * 1024, 'x');
  chunks_ = {full, full, full, full};
  capture.Read(kStart);
  EXPECT_EQ(reads_, 2);
  EXPECT_EQ(chunks_.size(), 2u);
}

TEST_F(OutputCaptureTest, AFailedSinkIsTriedAgainAfterTheDelay) {
  OutputCapture& capture = Capture();
  sink_.error = ECONNREFUSED;
  chunks_ = {"a\nb\n"};
  capture.Read(kStart);
  EXPECT_THAT(sink_.records, IsEmpty());
  EXPECT_EQ(capture.retry_at(), kStart + absl::Milliseconds(100));
  EXPECT_EQ(capture.blocked_fd(), -1);
  sink_.error = 0;
  capture.Flush(kStart + absl::Milliseconds(100));
  EXPECT_THAT(sink_.records, ElementsAre("[1234] a", "[1234] b"));
  EXPECT_EQ(capture.retry_at(), absl::InfiniteFuture());
}

TEST_F(OutputCaptureTest, ASinkThatSaysEagainIsPolledNotTimed) {
  OutputCapture& capture = Capture();
  sink_.error = EAGAIN;
  sink_.accept = 1;
  sink_.writable = 42;
  chunks_ = {"a\nb\n"};
  capture.Read(kStart);
  EXPECT_THAT(sink_.records, ElementsAre("[1234] a"));
  EXPECT_EQ(capture.blocked_fd(), 42);
  EXPECT_EQ(capture.retry_at(), absl::InfiniteFuture());
  sink_.error = 0;
  capture.Flush(kStart);
  EXPECT_THAT(sink_.records, ElementsAre("[1234] a", "[1234] b"));
  EXPECT_EQ(capture.blocked_fd(), -1);
}

TEST_F(OutputCaptureTest, PastTheBufferWholeLinesAreDroppedThenCounted) {
  OutputCapture::Options options;
  // Two records of "[1234] n\n" fit: 9 bytes each, and 8 for its size.
  options.buffer_limit = 40;
  OutputCapture& capture = Capture(options);
  sink_.error = ECONNREFUSED;
  chunks_ = {"1\n2\n3\n4\n5\n"};
  capture.Read(kStart);
  EXPECT_EQ(capture.dropped(), 2u);  // 1, 2 and 3 wait (the third crossed).
  sink_.error = 0;
  chunks_ = {"6\n"};
  capture.Read(kStart + absl::Seconds(1));
  EXPECT_THAT(sink_.records,
              ElementsAre("[1234] 1", "[1234] 2", "[1234] 3",
                          "[99] daemonize: 2 lines of stdout dropped: "
                          "Connection refused",
                          "[1234] 6"));
  EXPECT_EQ(capture.dropped(), 0u);
}

TEST_F(OutputCaptureTest, AReadOfMoreThanTheBufferHoldsLosesNothing) {
  OutputCapture::Options options;
  // Two records of "[1234] n\n" fit: 9 bytes each, and 8 for its size.
  options.buffer_limit = 40;
  OutputCapture& capture = Capture(options);
  chunks_ = {"1\n2\n3\n4\n5\n6\n7\n"};  // One read: 63 bytes of records.
  capture.Read(kStart);
  EXPECT_THAT(sink_.records,
              ElementsAre("[1234] 1", "[1234] 2", "[1234] 3", "[1234] 4",
                          "[1234] 5", "[1234] 6", "[1234] 7"));
  EXPECT_EQ(capture.dropped(), 0u);
  EXPECT_EQ(sink_.writes, 3) << "written as the buffer filled, then the rest";
}

TEST_F(OutputCaptureTest, TheNoticeComesOnceTheSinkWorksThoughNoLineFollows) {
  OutputCapture::Options options;
  options.buffer_limit = 1;
  options.stream = "stderr";
  OutputCapture& capture = Capture(options);
  sink_.error = ENOSPC;
  chunks_ = {"kept\nlost\n"};
  capture.Read(kStart);
  sink_.error = 0;
  capture.Flush(kStart + absl::Seconds(1));
  EXPECT_THAT(sink_.records,
              ElementsAre("[1234] kept",
                          "[99] daemonize: 1 line of stderr dropped: No space "
                          "left on device"));
}

TEST_F(OutputCaptureTest, ARecordTheSinkCanNeverTakeIsDroppedAndSaid) {
  OutputCapture& capture = Capture();
  sink_.error = EMSGSIZE;
  sink_.accept = 1;
  chunks_ = {"fits\nhuge\n"};
  capture.Read(kStart);
  sink_.error = 0;  // Only the second record was too big.
  capture.Flush(kStart);
  EXPECT_THAT(sink_.records,
              ElementsAre("[1234] fits",
                          "[99] daemonize: 1 line of stdout dropped: Message "
                          "too long"));
}

TEST_F(OutputCaptureTest, TheSupervisorsOwnLinesCarryItsPid) {
  OutputCapture& capture = Capture();
  capture.Say("supervisor: starting", kSupervisor, kStart);
  EXPECT_THAT(sink_.records, ElementsAre("[99] supervisor: starting"));
}

TEST_F(OutputCaptureTest, ReopenReopensTheSinkAndWritesWhatWaits) {
  OutputCapture& capture = Capture();
  sink_.error = EIO;
  chunks_ = {"waiting\n"};
  capture.Read(kStart);
  sink_.error = 0;
  EXPECT_THAT(capture.Reopen(kStart), IsOk());
  EXPECT_EQ(sink_.reopened, 1);
  EXPECT_THAT(sink_.records, ElementsAre("[1234] waiting"));
}

TEST_F(OutputCaptureTest, APipeThatCannotBeMadeNonBlockingIsRefused) {
  OutputCapture capture(os_, sink_, format_, {});
  EXPECT_CALL(os_, Fcntl(kPipe, F_SETFL, O_RDONLY | O_NONBLOCK))
      .WillOnce(Return(SysCallFailure(EBADF)));
  const absl::Status attached = capture.Attach(UniqueFd(os_, kPipe), kProgram);
  EXPECT_THAT(attached.message(), HasSubstr("stdout pipe non-blocking"));
  EXPECT_THAT(attached.message(), HasSubstr("Bad file descriptor"));
  EXPECT_EQ(capture.pipe_fd(), -1);
}

TEST_F(OutputCaptureTest, ALongLineComesInMarkedPieces) {
  OutputCapture::Options options;
  options.max_line = 4;
  OutputCapture& capture = Capture(options);
  chunks_ = {"abcdefghij\n"};
  capture.Read(kStart);
  EXPECT_THAT(sink_.records,
              ElementsAre("[1234] abcd+", "[1234] efgh+", "[1234] ij"));
}

}  // namespace
}  // namespace daemonkit
