// The proof that a process holds a file's write lock, from /proc/PID/fd and
// /proc/PID/fdinfo, mock-driven: only an OFD write lock held through a
// descriptor open on that very file counts.

#include "src/lock_holders.h"

#include <errno.h>
#include <sys/stat.h>

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/proc_expectations.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::DirectoryEntries;
using ::daemonkit::test::ExpectHolderScan;
using ::daemonkit::test::ExpectLockProof;
using ::daemonkit::test::ExpectLockProofFails;
using ::daemonkit::test::GetsEntries;
using ::testing::_;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr int kFdDirFd = 30;

struct stat File(ino_t inode) {
  struct stat info = {};
  info.st_dev = 0xfe00;
  info.st_ino = inode;
  info.st_mode = S_IFREG | 0644;
  return info;
}

class LockHoldersTest : public ::testing::Test {
 protected:
  // /proc/42/fd lists `fds`, each open on the file given beside it.
  void ExpectDescriptors(
      const std::vector<std::pair<std::string, struct stat>>& fds) {
    EXPECT_CALL(os_, Open(StrEq("/proc/42/fd"), _, _))
        .WillOnce(Return(SysCallSuccess(kFdDirFd)));
    std::vector<std::string> names = {".", ".."};
    for (const auto& [name, file] : fds) names.push_back(name);
    EXPECT_CALL(os_, GetDents(kFdDirFd, _, _))
        .WillOnce(Invoke(GetsEntries(DirectoryEntries(names))))
        .WillOnce(Return(SysCallSizeResult{0, 0}));
    for (const auto& [name, file] : fds) {
      EXPECT_CALL(os_, FStatAt(kFdDirFd, StrEq(name), _, 0))
          .WillOnce(DoAll(SetArgPointee<2>(file), Return(SysCallSuccess())));
    }
    EXPECT_CALL(os_, Close(kFdDirFd)).WillOnce(Return(SysCallSuccess()));
  }
  // /proc/42/fdinfo/`fd` holds `text`.
  void ExpectFdInfo(const std::string& fd, std::string text) {
    const int info_fd = 40 + std::stoi(fd);
    EXPECT_CALL(os_, Open(StrEq("/proc/42/fdinfo/" + fd), _, _))
        .WillOnce(Return(SysCallSuccess(info_fd)));
    EXPECT_CALL(os_, Read(info_fd, _, _))
        .WillOnce(Invoke([text](int, void* buffer, size_t) {
          memcpy(buffer, text.data(), text.size());
          return SysCallSizeResult{static_cast<ssize_t>(text.size()), 0};
        }))
        .WillOnce(Return(SysCallSizeResult{0, 0}));
    EXPECT_CALL(os_, Close(info_fd)).WillOnce(Return(SysCallSuccess()));
  }

  StrictMock<MockOs> os_;
};

TEST_F(LockHoldersTest, AnOfdWriteLockThroughADescriptorOnTheFileHoldsIt) {
  ExpectLockProof(os_, 42, File(7), true);
  const SysCallIntResult held = HoldsWriteLock(os_, 42, File(7));
  EXPECT_TRUE(held.ok());
  EXPECT_EQ(held.value, 1);
}

TEST_F(LockHoldersTest, AReadLockDoesNotHoldIt) {
  ExpectLockProof(os_, 42, File(7), false);
  EXPECT_EQ(HoldsWriteLock(os_, 42, File(7)).value, 0);
}

TEST_F(LockHoldersTest, OnlyDescriptorsOnThatFileAreLookedAt) {
  // 4 is open on another file, 5 on the same inode of another device:
  // neither fdinfo is read.
  struct stat elsewhere = File(7);
  elsewhere.st_dev = 0xfe01;
  ExpectDescriptors({{"4", File(8)}, {"5", elsewhere}});
  EXPECT_EQ(HoldsWriteLock(os_, 42, File(7)).value, 0);
}

TEST_F(LockHoldersTest, OtherKindsOfWriteLockAreNotItsLock) {
  // A POSIX or flock lock is no daemon's pid file lock; a line that only
  // mentions WRITE elsewhere neither.
  ExpectDescriptors({{"3", File(7)}, {"4", File(7)}, {"5", File(7)}});
  ExpectFdInfo("3", "lock:\t1: POSIX  ADVISORY  WRITE 42 fe:00:7 0 EOF\n");
  ExpectFdInfo("4", "lock:\t1: FLOCK  ADVISORY  WRITE 42 fe:00:7 0 EOF\n");
  ExpectFdInfo("5", "flags: WRITE OFDLCK \nlock:\t1: OFDLCK ADVISORY  READ\n");
  EXPECT_EQ(HoldsWriteLock(os_, 42, File(7)).value, 0);
}

TEST_F(LockHoldersTest, ADescriptorClosedMeanwhileIsSkipped) {
  EXPECT_CALL(os_, Open(StrEq("/proc/42/fd"), _, _))
      .WillOnce(Return(SysCallSuccess(kFdDirFd)));
  EXPECT_CALL(os_, GetDents(kFdDirFd, _, _))
      .WillOnce(Invoke(GetsEntries(DirectoryEntries({"3", "4"}))))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os_, FStatAt(kFdDirFd, StrEq("3"), _, 0))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_CALL(os_, FStatAt(kFdDirFd, StrEq("4"), _, 0))
      .WillOnce(DoAll(SetArgPointee<2>(File(7)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, Open(StrEq("/proc/42/fdinfo/4"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_CALL(os_, Close(kFdDirFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(HoldsWriteLock(os_, 42, File(7)).value, 0);
}

TEST_F(LockHoldersTest, AProcessGoneOrNotOursToSeeIsAnError) {
  for (int error : {ENOENT, EACCES}) {
    ExpectLockProofFails(os_, 42, error);
    EXPECT_EQ(HoldsWriteLock(os_, 42, File(7)).error, error);
  }
}

TEST_F(LockHoldersTest, AListingThatFailsIsAnError) {
  EXPECT_CALL(os_, Open(StrEq("/proc/42/fd"), _, _))
      .WillOnce(Return(SysCallSuccess(kFdDirFd)));
  EXPECT_CALL(os_, GetDents(kFdDirFd, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, EIO}));
  EXPECT_CALL(os_, Close(kFdDirFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(HoldsWriteLock(os_, 42, File(7)).error, EIO);
}

TEST_F(LockHoldersTest, HoldersAreTheProcessesSeenHoldingIt) {
  ExpectHolderScan(os_, File(7), {{10, false}, {11, true}, {12, true}});
  EXPECT_THAT(WriteLockHolders(os_, File(7)), ElementsAre(11, 12));
}

TEST_F(LockHoldersTest, ProcessesNotOursToSeeAreSkipped) {
  InSequence in_order;
  EXPECT_CALL(os_, Open(StrEq("/proc"), _, _))
      .WillOnce(Return(SysCallSuccess(60)));
  EXPECT_CALL(os_, GetDents(60, _, _))
      .WillOnce(Invoke(GetsEntries(DirectoryEntries({"1", "13"}))));
  ExpectLockProofFails(os_, 1, EACCES);
  ExpectLockProof(os_, 13, File(7), true);
  EXPECT_CALL(os_, GetDents(60, _, _))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os_, Close(60)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(WriteLockHolders(os_, File(7)), ElementsAre(13));
}

TEST_F(LockHoldersTest, NoProcIsNoHolderSeen) {
  EXPECT_CALL(os_, Open(StrEq("/proc"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_TRUE(WriteLockHolders(os_, File(7)).empty());
}

}  // namespace
}  // namespace daemonkit::internal
