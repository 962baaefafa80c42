// LineLog: whole lines or none on a full or failing disk, a count of the lines
// lost, and the notice that reports them.

#include "examples/line_log.h"

#include <errno.h>
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

void ExpectFStat(MockOs& os, off_t size, int fd = kFd) {
  EXPECT_CALL(os, FStat(fd, _)).WillOnce(Invoke([size](int, struct stat* info) {
    *info = {};
    info->st_size = size;
    return SysCallSuccess();
  }));
}

// A line cut short after 16 bytes at the end of a 4096-byte file, then
// ENOSPC: the tail to remove ends the file at 4080.
void ExpectLineTorn(MockOs& os) {
  ExpectWrite(os, kLine, Wrote(16));
  ExpectWrite(os, kLine.substr(16), WriteFailed(ENOSPC));
  ExpectFStat(os, 4096);
}

TEST(LineLogTest, AppendsALineInOneWrite) {
  StrictMock<MockOs> os;
  ExpectWrite(os, kLine, Wrote(kLine.size()));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), 0);
  EXPECT_EQ(log.lost(), 0);
}

TEST(LineLogTest, ShortWriteIsFollowedByOneForTheRest) {
  StrictMock<MockOs> os;
  InSequence in_order;
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

TEST(LineLogTest, FailedWriteLeavesNothingToTakeBackAndOneLineToReport) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectWrite(os, kLine, WriteFailed(EDQUOT));
  ExpectWrite(os, "1 line lost: Disk quota exceeded\n", Wrote(33));
  ExpectWrite(os, kLine, Wrote(kLine.size()));
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
  ExpectWrite(os, kLine, WriteFailed(ENOSPC));
  ExpectWrite(os, "1 line lost: No space left on device\n", WriteFailed(EIO));
  ExpectWrite(os, "2 lines lost: No space left on device\n",
              WriteFailed(ENOSPC));
  ExpectWrite(os, "3 lines lost: No space left on device\n", Wrote(38));
  ExpectWrite(os, kLine, Wrote(kLine.size()));
  ExpectWrite(os, kLine, Wrote(kLine.size()));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), EIO);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.lost(), 3);
  EXPECT_EQ(log.Append(kLine), 0);
  EXPECT_EQ(log.lost(), 0);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, LineLostRightAfterItsNoticeStartsANewCount) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectWrite(os, kLine, WriteFailed(ENOSPC));
  ExpectWrite(os, "1 line lost: No space left on device\n", Wrote(37));
  ExpectWrite(os, kLine, WriteFailed(EIO));
  ExpectWrite(os, "1 line lost: Input/output error\n", Wrote(32));
  ExpectWrite(os, kLine, Wrote(kLine.size()));
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
  ExpectWrite(os, "2 lines lost: No space left on device\n", Wrote(38));
  ExpectWrite(os, kLine, Wrote(kLine.size()));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), EIO) << "nothing written after a torn tail";
  EXPECT_EQ(log.lost(), 2);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, TornTailWhoseSizeCannotBeReadIsRemovedOnTheNextTry) {
  StrictMock<MockOs> os;
  InSequence in_order;
  ExpectWrite(os, kLine, Wrote(16));
  ExpectWrite(os, kLine.substr(16), WriteFailed(ENOSPC));
  EXPECT_CALL(os, FStat(kFd, _)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectFStat(os, 4096);
  EXPECT_CALL(os, FTruncate(kFd, 4080)).WillOnce(Return(SysCallSuccess()));
  ExpectWrite(os, "1 line lost: No space left on device\n", Wrote(37));
  ExpectWrite(os, kLine, Wrote(kLine.size()));
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
  ExpectWrite(os, "1 line lost: No space left on device\n", Wrote(37));
  ExpectWrite(os, kLine, Wrote(kLine.size()));
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  EXPECT_EQ(log.Append(kLine), 0);
}

TEST(LineLogTest, WriteOfNothingIsAnInputOutputErrorNotALoop) {
  StrictMock<MockOs> os;
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
  ExpectWrite(os, "1 line lost: No space left on device\n", Wrote(37),
              kRotatedFd);
  ExpectWrite(os, kLine, Wrote(kLine.size()), kRotatedFd);
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
  ExpectWrite(os, "1 line lost: No space left on device\n", Wrote(37),
              kRotatedFd);
  ExpectWrite(os, kLine, Wrote(kLine.size()), kRotatedFd);
  LineLog log(os, kFd);
  EXPECT_EQ(log.Append(kLine), ENOSPC);
  log.SwitchTo(kRotatedFd);
  EXPECT_EQ(log.Append(kLine), 0);
}

}  // namespace
}  // namespace daemonkit::examples
