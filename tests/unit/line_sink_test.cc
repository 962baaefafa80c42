// FileSink and SyslogSink, mock-driven: records go whole or not at all (only
// those with room reserved are written; a cut is taken back to the last whole
// record), a restarted syslog daemon is reached again, and Reopen keeps the
// descriptor number others know.

#include "daemonkit/line_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>

#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatusIs;
using ::testing::_;
using ::testing::Args;
using ::testing::DoAll;
using ::testing::Expectation;
using ::testing::InSequence;
using ::testing::IsNull;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr int kFd = 7;
constexpr int kNewFd = 8;
constexpr int kDirFd = 9;
constexpr int kSocket = 10;
constexpr int kNewSocket = 11;

// Three records, of 4, 6 and 8 bytes.
const std::string kBytes = "one\ntwo..\nthree..\n";
const std::vector<size_t> kSizes = {4, 6, 8};

// A buffer and its size (write(2)'s, send(2)'s) hold exactly `text`.
MATCHER_P(Holds, text, "") {
  return std::string(static_cast<const char*>(std::get<0>(arg)),
                     std::get<1>(arg)) == text;
}

// A socket address and its length name the path `path`.
MATCHER_P(Names, path, "") {
  const auto* address =
      reinterpret_cast<const struct sockaddr_un*>(std::get<0>(arg));
  return address->sun_family == AF_UNIX &&
         std::get<1>(arg) ==
             offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1 &&
         std::string(address->sun_path) == path;
}

SysCallSizeResult Wrote(size_t bytes) {
  return {static_cast<ssize_t>(bytes), 0};
}

SysCallSizeResult Failed(int error) { return {-1, error}; }

struct stat Entry(mode_t mode, off_t size = 0) {
  struct stat info = {};
  info.st_mode = mode;
  info.st_nlink = 1;
  info.st_size = size;
  return info;
}

class FileSinkTest : public ::testing::Test {
 protected:
  void ExpectWrite(const std::string& text, SysCallSizeResult result) {
    EXPECT_CALL(os_, Write(kFd, _, _))
        .With(Args<1, 2>(Holds(text)))
        .WillOnce(Return(result));
  }
  void ExpectFStat(const struct stat& info) {
    EXPECT_CALL(os_, FStat(kFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(info), Return(SysCallSuccess())));
  }
  // The room for `length` more bytes, asked for at the end of a 1000-byte
  // file.
  void ExpectReserve(size_t length,
                     SysCallIntResult result = SysCallSuccess()) {
    ExpectFStat(Entry(S_IFREG | 0644, 1000));
    EXPECT_CALL(os_, FAllocate(kFd, FALLOC_FL_KEEP_SIZE, 1000,
                               static_cast<off_t>(length)))
        .WillOnce(Return(result));
  }
  // A file system without fallocate: the writes have to tell.
  void ExpectNoReserve(size_t length) {
    ExpectReserve(length, SysCallFailure(EOPNOTSUPP));
  }
  // Nothing reserved, then the first record whole and 2 bytes of the
  // second, then `error`.
  void ExpectCutInSecondRecord(int error) {
    ExpectNoReserve(kBytes.size());
    ExpectWrite(kBytes, Wrote(6));
    ExpectWrite(kBytes.substr(6), Failed(error));
  }
  // OpenOutputFile finds /var/log/app.log in root's /var/log, opened as
  // kNewFd.
  void ExpectOpened() {
    EXPECT_CALL(os_,
                Open(StrEq("/var/log"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(kDirFd)));
    EXPECT_CALL(os_, FStat(kDirFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(Entry(S_IFDIR | 0755)),
                        Return(SysCallSuccess())));
    EXPECT_CALL(os_, GetUid()).WillRepeatedly(Return(0));
    EXPECT_CALL(os_, OpenAt(kDirFd, StrEq("app.log"), _, 0644))
        .WillOnce(Return(SysCallSuccess(kNewFd)));
    EXPECT_CALL(os_, FStat(kNewFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(Entry(S_IFREG | 0644)),
                        Return(SysCallSuccess())));
    EXPECT_CALL(os_, Fcntl(kNewFd, F_GETFL, 0))
        .WillOnce(Return(SysCallSuccess(O_WRONLY | O_APPEND)));
    EXPECT_CALL(os_, Fcntl(kNewFd, F_SETFL, O_WRONLY | O_APPEND))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
  }
  // kFd is closed when the sink goes.
  void TearDown() override {
    EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  }

  StrictMock<MockOs> os_;
  FileSink sink_{os_, UniqueFd(os_, kFd), "/var/log/app.log"};
};

TEST_F(FileSinkTest, WritesAllTheRecordsInOneWrite) {
  InSequence in_order;
  ExpectReserve(kBytes.size());
  ExpectWrite(kBytes, Wrote(kBytes.size()));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 3);
  EXPECT_EQ(written.error, 0);
}

// On a full disk nothing is written that would have to be taken back.
TEST_F(FileSinkTest, NoRoomForTheFirstRecordWritesNothing) {
  for (const int error : {ENOSPC, EDQUOT, EFBIG, EIO}) {
    InSequence in_order;
    ExpectReserve(kBytes.size(), SysCallFailure(error));
    EXPECT_CALL(os_, FAllocate(kFd, FALLOC_FL_KEEP_SIZE, 1000, 4))
        .WillOnce(Return(SysCallFailure(ENOSPC)));
    const LineSink::Written written = sink_.Write(kBytes, kSizes);
    EXPECT_EQ(written.records, 0);
    EXPECT_EQ(written.error, error);
  }
}

TEST_F(FileSinkTest, RoomForSomeRecordsWritesThoseWhole) {
  InSequence in_order;
  ExpectReserve(kBytes.size(), SysCallFailure(ENOSPC));
  EXPECT_CALL(os_, FAllocate(kFd, FALLOC_FL_KEEP_SIZE, 1000, 4))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, FAllocate(kFd, FALLOC_FL_KEEP_SIZE, 1000, 10))
      .WillOnce(Return(SysCallFailure(ENOSPC)));
  ExpectWrite("one\n", Wrote(4));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(written.error, ENOSPC);
}

TEST_F(FileSinkTest, PipeIsWrittenWithoutReserving) {
  InSequence in_order;
  ExpectFStat(Entry(S_IFIFO | 0600));
  ExpectWrite(kBytes, Wrote(kBytes.size()));
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
}

TEST_F(FileSinkTest, NoRecordsNoWrite) {
  const LineSink::Written written = sink_.Write("", {});
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, 0);
}

TEST_F(FileSinkTest, ShortWriteIsFollowedByOneForTheRest) {
  InSequence in_order;
  ExpectReserve(kBytes.size());
  ExpectWrite(kBytes, Wrote(6));
  ExpectWrite(kBytes.substr(6), Wrote(kBytes.size() - 6));
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
}

TEST_F(FileSinkTest, InterruptedWriteIsTriedAgain) {
  InSequence in_order;
  ExpectReserve(kBytes.size());
  ExpectWrite(kBytes, Failed(EINTR));
  ExpectWrite(kBytes, Wrote(kBytes.size()));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 3);
  EXPECT_EQ(written.error, 0);
}

TEST_F(FileSinkTest, CutIsTakenBackToTheLastWholeRecord) {
  for (const int error : {ENOSPC, EDQUOT, EIO, EFBIG}) {
    InSequence in_order;
    ExpectCutInSecondRecord(error);
    // 1006 bytes now, the last 2 of them from the second record.
    ExpectFStat(Entry(S_IFREG | 0644, 1006));
    EXPECT_CALL(os_, FTruncate(kFd, 1004)).WillOnce(Return(SysCallSuccess()));
    const LineSink::Written written = sink_.Write(kBytes, kSizes);
    EXPECT_EQ(written.records, 1);
    EXPECT_EQ(written.error, error);
  }
  // The second record is offered again, and written whole.
  InSequence in_order;
  ExpectReserve(kBytes.size() - 4);
  ExpectWrite(kBytes.substr(4), Wrote(kBytes.size() - 4));
  EXPECT_EQ(sink_.Write(kBytes.substr(4), {6, 8}).records, 2);
}

TEST_F(FileSinkTest, CutAtARecordsEndLeavesNothingToTakeBack) {
  InSequence in_order;
  ExpectNoReserve(kBytes.size());
  ExpectWrite(kBytes, Wrote(10));
  ExpectWrite(kBytes.substr(10), Failed(ENOSPC));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 2);
  EXPECT_EQ(written.error, ENOSPC);
}

TEST_F(FileSinkTest, InterruptedTruncateIsTriedAgain) {
  InSequence in_order;
  ExpectCutInSecondRecord(ENOSPC);
  ExpectFStat(Entry(S_IFREG | 0644, 6));
  EXPECT_CALL(os_, FTruncate(kFd, 4))
      .WillOnce(Return(SysCallFailure(EINTR)))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 1);
}

TEST_F(FileSinkTest, FileEmptiedByCopytruncateIsNotGrown) {
  InSequence in_order;
  ExpectCutInSecondRecord(ENOSPC);
  ExpectFStat(Entry(S_IFREG | 0644, 0));
  EXPECT_CALL(os_, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 1);
}

TEST_F(FileSinkTest, CutThatCannotBeTakenBackIsFinishedByTheNextWrite) {
  InSequence in_order;
  ExpectCutInSecondRecord(ENOSPC);
  ExpectFStat(Entry(S_IFREG | 0644, 6));
  // An append-only file (chattr +a).
  EXPECT_CALL(os_, FTruncate(kFd, 4)).WillOnce(Return(SysCallFailure(EPERM)));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(written.error, ENOSPC);
  // The second record is offered again: only what it still lacks goes.
  ExpectReserve(kBytes.size() - 6);
  ExpectWrite(kBytes.substr(6), Wrote(kBytes.size() - 6));
  EXPECT_EQ(sink_.Write(kBytes.substr(4), {6, 8}).records, 2);
  // And then records go whole again.
  ExpectReserve(5);
  ExpectWrite("more\n", Wrote(5));
  EXPECT_EQ(sink_.Write("more\n", {5}).records, 1);
}

TEST_F(FileSinkTest, UnfinishedRecordCutAgainIsTakenBackWhole) {
  InSequence in_order;
  ExpectCutInSecondRecord(ENOSPC);
  ExpectFStat(Entry(S_IFREG | 0644, 6));
  EXPECT_CALL(os_, FTruncate(kFd, 4)).WillOnce(Return(SysCallFailure(EIO)));
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 1);
  // 1 more byte of it, then the disk is full again: all 3 go.
  ExpectNoReserve(kBytes.size() - 6);
  ExpectWrite(kBytes.substr(6), Wrote(1));
  ExpectWrite(kBytes.substr(7), Failed(ENOSPC));
  ExpectFStat(Entry(S_IFREG | 0644, 7));
  EXPECT_CALL(os_, FTruncate(kFd, 4)).WillOnce(Return(SysCallSuccess()));
  const LineSink::Written written = sink_.Write(kBytes.substr(4), {6, 8});
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, ENOSPC);
  ExpectReserve(kBytes.size() - 4);
  ExpectWrite(kBytes.substr(4), Wrote(kBytes.size() - 4));
  EXPECT_EQ(sink_.Write(kBytes.substr(4), {6, 8}).records, 2);
}

TEST_F(FileSinkTest, FullPipeSaysEagainAndTheRestFollowsLater) {
  InSequence in_order;
  // A pipe can neither be reserved nor truncated: nothing is tried.
  ExpectFStat(Entry(S_IFIFO | 0600));
  ExpectWrite(kBytes, Wrote(6));
  ExpectWrite(kBytes.substr(6), Failed(EAGAIN));
  ExpectFStat(Entry(S_IFIFO | 0600));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(written.error, EAGAIN);
  EXPECT_EQ(sink_.writable_fd(), kFd);
  ExpectFStat(Entry(S_IFIFO | 0600));
  ExpectWrite(kBytes.substr(6), Wrote(kBytes.size() - 6));
  EXPECT_EQ(sink_.Write(kBytes.substr(4), {6, 8}).records, 2);
}

TEST_F(FileSinkTest, FullPipeBeforeAnyByteTearsNothing) {
  InSequence in_order;
  ExpectFStat(Entry(S_IFIFO | 0600));
  ExpectWrite(kBytes, Failed(EAGAIN));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, EAGAIN);
}

TEST_F(FileSinkTest, WriteOfNothingIsAnError) {
  InSequence in_order;
  ExpectReserve(kBytes.size());
  ExpectWrite(kBytes, Wrote(0));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, EIO);
}

TEST_F(FileSinkTest, ReopenMovesTheNewFileOntoTheSameNumber) {
  ExpectOpened();
  EXPECT_CALL(os_, Fcntl(kFd, F_GETFD, 0))
      .WillOnce(Return(SysCallSuccess(FD_CLOEXEC)));
  const Expectation moved =
      EXPECT_CALL(os_, Dup2(kNewFd, kFd)).WillOnce(Return(SysCallSuccess(kFd)));
  // dup2 cleared close-on-exec: set again, as it was.
  EXPECT_CALL(os_, Fcntl(kFd, F_SETFD, FD_CLOEXEC))
      .After(moved)
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kNewFd))
      .After(moved)
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(sink_.Reopen(), IsOk());
  EXPECT_EQ(sink_.fd(), kFd);
}

TEST_F(FileSinkTest, ReopenLeavesAnInheritableNumberInheritable) {
  ExpectOpened();
  EXPECT_CALL(os_, Fcntl(kFd, F_GETFD, 0)).WillOnce(Return(SysCallSuccess(0)));
  const Expectation moved =
      EXPECT_CALL(os_, Dup2(kNewFd, kFd)).WillOnce(Return(SysCallSuccess(kFd)));
  EXPECT_CALL(os_, Close(kNewFd))
      .After(moved)
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(sink_.Reopen(), IsOk());
}

TEST_F(FileSinkTest, FailedReopenKeepsTheOldFile) {
  EXPECT_CALL(os_, Open(StrEq("/var/log"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallFailure(EACCES)));
  EXPECT_THAT(sink_.Reopen(),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "opening output file /var/log/app.log failed: "
                       "Permission denied"));
  EXPECT_EQ(sink_.fd(), kFd);
  InSequence in_order;
  ExpectReserve(kBytes.size());
  ExpectWrite(kBytes, Wrote(kBytes.size()));
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
}

TEST_F(FileSinkTest, FailedMoveClosesTheNewFileAndKeepsTheOld) {
  ExpectOpened();
  EXPECT_CALL(os_, Fcntl(kFd, F_GETFD, 0)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Dup2(kNewFd, kFd))
      .WillOnce(Return(SysCallFailure(EINTR)))
      .WillOnce(Return(SysCallFailure(EBUSY)));
  EXPECT_CALL(os_, Close(kNewFd)).WillOnce(Return(SysCallSuccess()));
  const absl::Status reopened = sink_.Reopen();
  EXPECT_THAT(reopened, StatusIs(absl::StatusCode::kFailedPrecondition,
                                 "moving output file /var/log/app.log onto "
                                 "descriptor 7 failed: Device or resource "
                                 "busy"));
  EXPECT_THAT(reopened, HasExitCode(EX_OSERR));
  EXPECT_EQ(sink_.fd(), kFd);
}

TEST_F(FileSinkTest, ReopenForgetsARecordLeftUnfinishedInTheOldFile) {
  {
    InSequence in_order;
    ExpectCutInSecondRecord(ENOSPC);
    ExpectFStat(Entry(S_IFREG | 0644, 6));
    EXPECT_CALL(os_, FTruncate(kFd, 4)).WillOnce(Return(SysCallFailure(EPERM)));
  }
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 1);
  ExpectOpened();
  EXPECT_CALL(os_, Fcntl(kFd, F_GETFD, 0)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Dup2(kNewFd, kFd)).WillOnce(Return(SysCallSuccess(kFd)));
  EXPECT_CALL(os_, Close(kNewFd)).WillOnce(Return(SysCallSuccess()));
  ASSERT_THAT(sink_.Reopen(), IsOk());
  // The new file gets the second record whole.
  InSequence in_order;
  ExpectReserve(kBytes.size() - 4);
  ExpectWrite(kBytes.substr(4), Wrote(kBytes.size() - 4));
  EXPECT_EQ(sink_.Write(kBytes.substr(4), {6, 8}).records, 2);
}

TEST(FileSinkWithoutPathTest, ReopenDoesNothing) {
  StrictMock<MockOs> os;
  FileSink sink(os, UniqueFd(os, kFd), "");
  EXPECT_THAT(sink.Reopen(), IsOk());
  EXPECT_CALL(os, Close(kFd)).WillOnce(Return(SysCallSuccess()));
}

class SyslogSinkTest : public ::testing::Test {
 protected:
  // A socket made as `fd` and connected to /dev/log, answering `connected`.
  void ExpectConnect(int fd, SysCallIntResult connected = SysCallSuccess()) {
    EXPECT_CALL(os_,
                Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0))
        .WillOnce(Return(SysCallSuccess(fd)));
    EXPECT_CALL(os_, Connect(fd, _, _))
        .With(Args<1, 2>(Names("/dev/log")))
        .WillOnce(Return(connected));
    if (!connected.ok()) {
      EXPECT_CALL(os_, Close(fd)).WillOnce(Return(SysCallSuccess()));
    }
  }
  // One datagram holding exactly `record`, on connected socket `fd`.
  void ExpectSend(int fd, const std::string& record, SysCallSizeResult result) {
    EXPECT_CALL(os_, SendTo(fd, _, _, MSG_NOSIGNAL, IsNull(), 0))
        .With(Args<1, 2>(Holds(record)))
        .WillOnce(Return(result));
  }
  void ExpectClose(int fd) {
    EXPECT_CALL(os_, Close(fd)).WillOnce(Return(SysCallSuccess()));
  }
  // kBytes' records from `first` on, each sent whole on `fd`.
  void ExpectRecords(int fd, size_t first = 0) {
    size_t offset = 0;
    for (size_t i = 0; i < kSizes.size(); offset += kSizes[i++]) {
      if (i >= first)
        ExpectSend(fd, kBytes.substr(offset, kSizes[i]), Wrote(kSizes[i]));
    }
  }

  StrictMock<MockOs> os_;
  SyslogSink sink_{os_};
};

TEST_F(SyslogSinkTest, ConnectsAtTheFirstWriteAndSendsEachRecordAlone) {
  EXPECT_EQ(sink_.writable_fd(), -1);  // Nothing made yet.
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectRecords(kSocket);
  }
  LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 3);
  EXPECT_EQ(written.error, 0);
  // Connected once.
  ExpectRecords(kSocket);
  written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 3);
  ExpectClose(kSocket);
}

TEST_F(SyslogSinkTest, InterruptedSendIsTriedAgain) {
  InSequence in_order;
  ExpectConnect(kSocket);
  ExpectSend(kSocket, "one\n", Failed(EINTR));
  ExpectRecords(kSocket);
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
  ExpectClose(kSocket);
}

TEST_F(SyslogSinkTest, RestartedDaemonIsReachedAgainWithinTheWrite) {
  for (const int error : {ECONNREFUSED, ENOTCONN, ECONNRESET, ENOENT, EPIPE}) {
    StrictMock<MockOs> os;
    SyslogSink sink(os);
    InSequence in_order;
    EXPECT_CALL(os, Socket(_, _, _)).WillOnce(Return(SysCallSuccess(kSocket)));
    EXPECT_CALL(os, Connect(kSocket, _, _)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os, SendTo(kSocket, _, 4, _, _, _)).WillOnce(Return(Wrote(4)));
    EXPECT_CALL(os, SendTo(kSocket, _, 6, _, _, _))
        .WillOnce(Return(Failed(error)));
    EXPECT_CALL(os, Close(kSocket)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os, Socket(_, _, _))
        .WillOnce(Return(SysCallSuccess(kNewSocket)));
    EXPECT_CALL(os, Connect(kNewSocket, _, _))
        .With(Args<1, 2>(Names("/dev/log")))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os, SendTo(kNewSocket, _, _, _, _, _))
        .With(Args<1, 2>(Holds(std::string("two..\n"))))
        .WillOnce(Return(Wrote(6)));
    EXPECT_CALL(os, SendTo(kNewSocket, _, 8, _, _, _))
        .WillOnce(Return(Wrote(8)));
    const LineSink::Written written = sink.Write(kBytes, kSizes);
    EXPECT_EQ(written.records, 3);
    EXPECT_EQ(written.error, 0);
    EXPECT_EQ(sink.writable_fd(), kNewSocket);
    EXPECT_CALL(os, Close(kNewSocket)).WillOnce(Return(SysCallSuccess()));
  }
}

TEST_F(SyslogSinkTest, DaemonStillDownFailsTheWriteAndClosesTheSocket) {
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectSend(kSocket, "one\n", Failed(ECONNREFUSED));
    ExpectClose(kSocket);
    ExpectConnect(kNewSocket, SysCallFailure(ECONNREFUSED));
  }
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, ECONNREFUSED);
  // Nothing to poll: the caller tries again later, with a new socket.
  EXPECT_EQ(sink_.writable_fd(), -1);
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectRecords(kSocket);
  }
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
  ExpectClose(kSocket);
}

TEST_F(SyslogSinkTest, RecordRefusedAgainAfterReconnectingFailsTheWrite) {
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectSend(kSocket, "one\n", Wrote(4));
    ExpectSend(kSocket, "two..\n", Failed(ECONNREFUSED));
    ExpectClose(kSocket);
    ExpectConnect(kNewSocket);
    ExpectSend(kNewSocket, "two..\n", Failed(ECONNREFUSED));
    ExpectClose(kNewSocket);
  }
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(written.error, ECONNREFUSED);
  EXPECT_EQ(sink_.writable_fd(), -1);
}

TEST_F(SyslogSinkTest, FullQueueSaysEagainAndKeepsTheSocketToPoll) {
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectSend(kSocket, "one\n", Wrote(4));
    ExpectSend(kSocket, "two..\n", Failed(EAGAIN));
  }
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(written.error, EAGAIN);
  EXPECT_EQ(sink_.writable_fd(), kSocket);
  // Room again: the rest goes on the same socket.
  ExpectRecords(kSocket, 1);
  EXPECT_EQ(sink_.Write(kBytes.substr(4), {6, 8}).records, 2);
  ExpectClose(kSocket);
}

TEST_F(SyslogSinkTest, RecordTooLargeForTheSocketIsReported) {
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectSend(kSocket, "one\n", Failed(EMSGSIZE));
  }
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, EMSGSIZE);
  EXPECT_EQ(sink_.writable_fd(), kSocket);
  ExpectClose(kSocket);
}

TEST_F(SyslogSinkTest, FailedSocketFailsTheWrite) {
  EXPECT_CALL(os_, Socket(_, _, _)).WillOnce(Return(SysCallFailure(EMFILE)));
  const LineSink::Written written = sink_.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, EMFILE);
}

TEST_F(SyslogSinkTest, SocketMadeOnAStandardStreamIsMovedAbove) {
  InSequence in_order;
  EXPECT_CALL(os_, Socket(_, _, _)).WillOnce(Return(SysCallSuccess(2)));
  EXPECT_CALL(os_, Fcntl(2, F_DUPFD_CLOEXEC, 3))
      .WillOnce(Return(SysCallSuccess(kSocket)));
  EXPECT_CALL(os_, Close(2)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Connect(kSocket, _, _)).WillOnce(Return(SysCallSuccess()));
  ExpectRecords(kSocket);
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
  ExpectClose(kSocket);
}

TEST(SyslogSinkPathTest, PathTooLongForASocketAddressIsRefused) {
  StrictMock<MockOs> os;
  SyslogSink sink(os, "/" + std::string(sizeof(sockaddr_un::sun_path), 'x'));
  const LineSink::Written written = sink.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, ENAMETOOLONG);
  EXPECT_THAT(sink.Reopen(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("File name too long")));
}

TEST_F(SyslogSinkTest, ReopenConnectsANewSocketInPlaceOfTheOld) {
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectRecords(kSocket);
  }
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
  {
    InSequence in_order;
    ExpectConnect(kNewSocket);
    ExpectClose(kSocket);
  }
  EXPECT_THAT(sink_.Reopen(), IsOk());
  EXPECT_EQ(sink_.writable_fd(), kNewSocket);
  ExpectClose(kNewSocket);
}

TEST_F(SyslogSinkTest, FailedReopenSaysWhyAndKeepsTheOldSocket) {
  {
    InSequence in_order;
    ExpectConnect(kSocket);
    ExpectRecords(kSocket);
  }
  EXPECT_EQ(sink_.Write(kBytes, kSizes).records, 3);
  ExpectConnect(kNewSocket, SysCallFailure(ECONNREFUSED));
  const absl::Status reopened = sink_.Reopen();
  EXPECT_THAT(reopened, StatusIs(absl::StatusCode::kUnavailable,
                                 "connecting to syslog socket /dev/log "
                                 "failed: Connection refused"));
  EXPECT_THAT(reopened, HasExitCode(EX_UNAVAILABLE));
  EXPECT_EQ(sink_.writable_fd(), kSocket);
  ExpectClose(kSocket);
}

}  // namespace
}  // namespace daemonkit
