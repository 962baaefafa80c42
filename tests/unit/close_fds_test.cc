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

namespace daemonkit::internal {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr int kProcDirFd = 50;

// getdents64 records for the given names, as the kernel lays them out.
std::vector<char> DirectoryEntries(const std::vector<std::string>& names) {
  std::vector<char> buffer;
  for (const std::string& name : names) {
    const size_t length = offsetof(struct dirent64, d_name) + name.size() + 1;
    const size_t record = (length + 7) & ~size_t{7};
    const size_t offset = buffer.size();
    buffer.resize(offset + record, '\0');
    auto* entry = reinterpret_cast<struct dirent64*>(buffer.data() + offset);
    entry->d_reclen = static_cast<unsigned short>(record);
    memcpy(entry->d_name, name.c_str(), name.size() + 1);
  }
  return buffer;
}

auto GetsEntries(std::vector<char> entries) {
  return [entries](int, void* buffer, size_t size) -> SysCallSizeResult {
    EXPECT_GE(size, entries.size());
    memcpy(buffer, entries.data(), entries.size());
    return {static_cast<ssize_t>(entries.size()), 0};
  };
}

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
