// LineLog: whole lines or none on a full or failing disk (room reserved
// first, a cut-short write taken back), a count of the lines lost, and the
// notice that reports them.

#include "examples/line_log.h"

#include <errno.h>
#include <fcntl.h>  // FALLOC_FL_KEEP_SIZE
#include <sys/stat.h>

#include <string>
#include <tuple>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace daemonkit::examples {
namespace {

using ::testing::_;
using ::testing::Args;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;

constexpr int kFd = 7;
constexpr int kRotatedFd = 8;
const std::string kLine = "2024-05-01T12:00:00.000+05:30\n";

// write(2)'s buffer and size hold exactly `text`.
MATCHER_P(Holds, text, "") {
  return std::string(static_cast<const char*>(std::get<0>(arg)),
                     std::get<1>(arg)) == text;
}

SysCallSizeResult Wrote(size_t bytes) {
  return {static_cast<ssize_t>(bytes), 0};
}

SysCallSizeResult WriteFailed(int error) { return {-1, error}; }

void ExpectWrite(MockOs& os, const std::string& text, SysCallSizeResult result,
                 int fd = kFd) {
  EXPECT_CALL(os, Write(fd, _, _))
      .With(Args<1, 2>(Holds(text)))
      .WillOnce(Return(result));
}

void ExpectFStat(MockOs& os, off_t size, int fd = kFd, mode_t type = S_IFREG) {
  EXPECT_CALL(os, FStat(fd, _))
      .WillOnce(Invoke([size, type](int, struct stat* info) {
        *info = {};
        info->st_mode = type | 0644;
        info->st_size = size;
        return SysCallSuccess();
      }));
}

// The room for `text` is asked for at the end of a file of `size` bytes.
void ExpectReserve(MockOs& os, const std::string& text,
                   SysCallIntResult result = SysCallSuccess(), int fd = kFd,
                   off_t size = 4080) {
  ExpectFStat(os, size, fd);
  EXPECT_CALL(os, FAllocate(fd, FALLOC_FL_KEEP_SIZE, size,
                            static_cast<off_t>(text.size())))
      .WillOnce(Return(result));
}

// A file system without fallocate: the write has to tell.
void ExpectNoReserve(MockOs& os, const std::string& text) {
  ExpectReserve(os, text, SysCallFailure(EOPNOTSUPP));
}

// `text` reserved, then written in one write.
void ExpectAppend(MockOs& os, const std::string& text, int fd = kFd,
                  off_t size = 4080) {
  ExpectReserve(os, text, SysCallSuccess(), fd, size);
  ExpectWrite(os, text, Wrote(text.size()), fd);
}

// Where nothing could be reserved, a line cut short after 16 bytes at the
// end of a 4096-byte file, then ENOSPC: the tail to remove ends the file at
// 4080.
void ExpectLineTorn(MockOs& os) {
  ExpectNoReserve(os, kLine);
  ExpectWrite(os, kLine, Wrote(16));
  ExpectWrite(os, kLine.substr(16), WriteFailed(ENOSPC));
  ExpectFStat(os, 4096);
}

TEST(LineLogTest, AppendsALineInOneWrite) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectAppend(os, kLine);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), 0);
  EXPECT_EQ(log.lost(), 0);
}

// On a full disk nothing of the line is written, not even for a moment.
TEST(LineLogTest, LineWithNoRoomIsLostWithoutAByteWritten) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectReserve(os, kLine, SysCallFailure(ENOSPC));
  ExpectAppend(os, "1 line lost: No space left on device\n");
  ExpectAppend(os, kLine);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.lost(), 1);
  EXPECT_EQ(log.Append(kLine), 0);
  EXPECT_EQ(log.lost(), 0);
}

TEST(LineLogTest, FileSystemWithoutFallocateIsWrittenAllTheSame) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectNoReserve(os, kLine);
  ExpectWrite(os, kLine, Wrote(kLine.size()));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, FifoIsWrittenWithoutReserving) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectFStat(os, 0, kFd, S_IFIFO);
  ExpectWrite(os, kLine, Wrote(kLine.size()));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, ShortWriteIsFollowedByOneForTheRest) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectReserve(os, kLine);
  ExpectWrite(os, kLine, Wrote(10));
  ExpectWrite(os, kLine.substr(10), Wrote(kLine.size() - 10));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), 0);
  EXPECT_EQ(log.lost(), 0);
}

TEST(LineLogTest, LineCutShortByAFullDiskIsTakenBackOut) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectLineTorn(os);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallSuccess()));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.lost(), 1);
}

// A reservation is no promise that the write goes through.
TEST(LineLogTest, FailedWriteLeavesNothingToTakeBackAndOneLineToReport) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectReserve(os, kLine);
  ExpectWrite(os, kLine, WriteFailed(EDQUOT));
  ExpectAppend(os, "1 line lost: Disk quota exceeded\n");
  ExpectAppend(os, kLine);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), EDQUOT);
  EXPECT_EQ(log.lost(), 1);
  EXPECT_EQ(log.Append(kLine), 0);
  EXPECT_EQ(log.lost(), 0);
}

// No line goes in before the notice of the ones lost before it: while the
// notice cannot be written, each new line is lost too.
TEST(LineLogTest, NoticeComesFirstOnceAndNamesTheFirstError) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectReserve(os, kLine, SysCallFailure(ENOSPC));
  ExpectReserve(os, "1 line lost: No space left on device\n",
                SysCallFailure(EIO));
  ExpectReserve(os, "2 lines lost: No space left on device\n",
                SysCallFailure(EDQUOT));
  ExpectAppend(os, "3 lines lost: No space left on device\n");
  ExpectAppend(os, kLine);
  ExpectAppend(os, kLine);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), EIO);
  EXPECT_EQ(log.Append(kLine), EDQUOT);
  EXPECT_EQ(log.lost(), 3);
  EXPECT_EQ(log.Append(kLine), 0);
  EXPECT_EQ(log.lost(), 0);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, LineLostRightAfterItsNoticeStartsANewCount) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectReserve(os, kLine, SysCallFailure(ENOSPC));
  ExpectAppend(os, "1 line lost: No space left on device\n");
  ExpectReserve(os, kLine);
  ExpectWrite(os, kLine, WriteFailed(EIO));
  ExpectAppend(os, "1 line lost: Input/output error\n");
  ExpectAppend(os, kLine);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), EIO);
  EXPECT_EQ(log.lost(), 1);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, TornTailThatCannotBeTruncatedBlocksWritesUntilItIs) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectLineTorn(os);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectFStat(os, 4096);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectFStat(os, 4096);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallSuccess()));
  ExpectAppend(os, "2 lines lost: No space left on device\n");
  ExpectAppend(os, kLine);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), EIO) << "nothing written after a torn tail";
  EXPECT_EQ(log.lost(), 2);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, TornTailWhoseSizeCannotBeReadIsRemovedOnTheNextTry) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectNoReserve(os, kLine);
  ExpectWrite(os, kLine, Wrote(16));
  ExpectWrite(os, kLine.substr(16), WriteFailed(ENOSPC));
  EXPECT_CALL(os, FStat(kFd, _)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectFStat(os, 4096);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallSuccess()));
  ExpectAppend(os, "1 line lost: No space left on device\n");
  ExpectAppend(os, kLine);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, FileEmptiedSinceItsTailWasTornIsLeftEmpty) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectLineTorn(os);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectFStat(os, 0);  // logrotate's copytruncate.
  EXPECT_CALL(os, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
  ExpectAppend(os, "1 line lost: No space left on device\n", kFd, 0);
  ExpectAppend(os, kLine, kFd, 37);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, WriteOfNothingIsAnInputOutputErrorNotALoop) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectReserve(os, kLine);
  ExpectWrite(os, kLine, Wrote(0));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), EIO);
  EXPECT_EQ(log.lost(), 1);
}

TEST(LineLogTest, SwitchToRemovesTheOldFilesTornTailAndReportsInTheNew) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectLineTorn(os);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectFStat(os, 4096);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallSuccess()));
  ExpectAppend(os, "1 line lost: No space left on device\n", kRotatedFd, 0);
  ExpectAppend(os, kLine, kRotatedFd, 37);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  log.SwitchTo(kRotatedFd);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, SwitchToLeavesATailItCannotRemoveBehindInTheOldFile) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectLineTorn(os);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectFStat(os, 4096);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallFailure(EIO)));
  // Nothing of the new file is truncated: the tail was never in it.
  ExpectAppend(os, "1 line lost: No space left on device\n", kRotatedFd, 0);
  ExpectAppend(os, kLine, kRotatedFd, 37);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  log.SwitchTo(kRotatedFd);
  EXPECT_EQ(log.Append(kLine), 0);
}

}  // namespace
}  // namespace daemonkit::examples
