// Closing inherited descriptors: close_range(2) over the gaps between kept
// descriptors, then /proc/self/fd, then a loop up to RLIMIT_NOFILE.

#include "src/close_fds.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <climits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/proc_expectations.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::DirectoryEntries;
using ::daemonkit::test::GetsEntries;
using ::testing::_;
using ::testing::DoAll;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr int kProcDirFd = 50;

TEST(CloseInheritedFdsTest, OneCloseRangeWhenNothingIsKept) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, CloseRange(3, UINT_MAX, 0))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_TRUE(CloseInheritedFds(os, {}).ok());
}

TEST(CloseInheritedFdsTest, CloseRangeSkipsKeptNeighbours) {
  StrictMock<MockOs> os;
  InSequence in_order;
  EXPECT_CALL(os, CloseRange(4, 4, 0)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os, CloseRange(7, UINT_MAX, 0))
      .WillOnce(Return(SysCallSuccess()));
  const int keep[] = {3, 5, 6};
  EXPECT_TRUE(CloseInheritedFds(os, keep).ok());
}

TEST(CloseInheritedFdsTest, OtherCloseRangeErrorsAreReturned) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, CloseRange(3, UINT_MAX, 0))
      .WillOnce(Return(SysCallFailure(EINVAL)));
  EXPECT_EQ(CloseInheritedFds(os, {}).error, EINVAL);
}

TEST(CloseInheritedFdsTest, WithoutCloseRangeClosesWhatProcLists) {
  StrictMock<MockOs> os;
  InSequence in_order;
  EXPECT_CALL(os, CloseRange(3, 6, 0)).WillOnce(Return(SysCallFailure(ENOSYS)));
  EXPECT_CALL(os, Open(StrEq("/proc/self/fd"), _, _))
      .WillOnce(Return(SysCallSuccess(kProcDirFd)));
  EXPECT_CALL(os, GetDents(kProcDirFd, _, _))
      .WillOnce(Invoke(GetsEntries(DirectoryEntries(
          {".", "..", "0", "1", "2", "3", "7", "50", "9", "99999999999"}))));
  EXPECT_CALL(os, Close(3)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os, Close(9)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os, GetDents(kProcDirFd, _, _))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os, Close(kProcDirFd)).WillOnce(Return(SysCallSuccess()));
  const int keep[] = {7};
  EXPECT_TRUE(CloseInheritedFds(os, keep).ok());
}

TEST(CloseInheritedFdsTest, WithoutProcLoopsUpToTheLimit) {
  StrictMock<MockOs> os;
  InSequence in_order;
  EXPECT_CALL(os, CloseRange(3, 4, 0)).WillOnce(Return(SysCallFailure(EPERM)));
  EXPECT_CALL(os, Open(StrEq("/proc/self/fd"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  struct rlimit limit = {7, 7};
  EXPECT_CALL(os, GetRLimit(RLIMIT_NOFILE, _))
      .WillOnce(DoAll(SetArgPointee<1>(limit), Return(SysCallSuccess())));
  for (int fd : {3, 4, 6}) {
    EXPECT_CALL(os, Close(fd)).WillOnce(Return(SysCallFailure(EBADF)));
  }
  const int keep[] = {5};
  EXPECT_TRUE(CloseInheritedFds(os, keep).ok());
}

TEST(CloseInheritedFdsTest, ProcListingThatFailsMidwayFallsBackToTheLoop) {
  StrictMock<MockOs> os;
  InSequence in_order;
  EXPECT_CALL(os, CloseRange(3, UINT_MAX, 0))
      .WillOnce(Return(SysCallFailure(ENOSYS)));
  EXPECT_CALL(os, Open(StrEq("/proc/self/fd"), _, _))
      .WillOnce(Return(SysCallSuccess(kProcDirFd)));
  EXPECT_CALL(os, GetDents(kProcDirFd, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, EIO}));
  EXPECT_CALL(os, Close(kProcDirFd)).WillOnce(Return(SysCallSuccess()));
  struct rlimit limit = {5, 5};
  EXPECT_CALL(os, GetRLimit(RLIMIT_NOFILE, _))
      .WillOnce(DoAll(SetArgPointee<1>(limit), Return(SysCallSuccess())));
  EXPECT_CALL(os, Close(3)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os, Close(4)).WillOnce(Return(SysCallSuccess()));
  EXPECT_TRUE(CloseInheritedFds(os, {}).ok());
}

TEST(CloseInheritedFdsTest, LimitThatCannotBeReadIsTheFailure) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, CloseRange(3, UINT_MAX, 0))
      .WillOnce(Return(SysCallFailure(EPERM)));
  EXPECT_CALL(os, Open(StrEq("/proc/self/fd"), _, _))
      .WillOnce(Return(SysCallFailure(EMFILE)));
  EXPECT_CALL(os, GetRLimit(RLIMIT_NOFILE, _))
      .WillOnce(Return(SysCallFailure(EFAULT)));
  EXPECT_EQ(CloseInheritedFds(os, {}).error, EFAULT);
}

}  // namespace
}  // namespace daemonkit::internal
