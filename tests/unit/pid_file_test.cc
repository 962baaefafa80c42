// Mock-driven tests of the pid file logic: locking, staleness, the waits for
// a holder's pid, and removal only of the file still ours.

#include "daemonkit/pid_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <string>

#include "daemonkit/exit_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/proc_expectations.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::ExpectHolderScan;
using ::daemonkit::test::ExpectLockProof;
using ::daemonkit::test::ExpectLockProofFails;
using ::daemonkit::test::ExpectStat;
using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatLine;
using ::daemonkit::test::StatusIs;
using ::testing::_;
using ::testing::AnyNumber;
using ::testing::DoAll;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr char kPath[] = "/run/app.pid";
constexpr int kDirFd = 4;
constexpr int kFd = 5;
constexpr char kName[] = "app.pid";
constexpr int kOpenFlags = O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;

struct stat File(ino_t inode, mode_t type = S_IFREG) {
  struct stat info = {};
  info.st_dev = 1;
  info.st_ino = inode;
  info.st_mode = type | 0644;
  return info;
}

// A PRead action that delivers `text`.
auto Holds(std::string text) {
  return [text](int, void* buffer, size_t size, off_t) -> SysCallSizeResult {
    const size_t count = std::min(size, text.size());
    memcpy(buffer, text.data(), count);
    return {static_cast<ssize_t>(count), 0};
  };
}

// F_OFD_GETLK asked about a read lock on the whole file: only a write lock
// conflicts with one, so others' read locks are never mistaken for a holder.
MATCHER(AsksAboutAReadLock, "asks about a read lock on the whole file") {
  return arg->l_type == F_RDLCK && arg->l_whence == SEEK_SET &&
         arg->l_start == 0 && arg->l_len == 0;
}

// An F_OFD_GETLK action: the conflicting lock is of type `type` (F_UNLCK:
// none).
auto Answers(short type) {
  return [type](int, int, struct flock* lock) {
    lock->l_type = type;
    return SysCallSuccess();
  };
}

class PidFileTest : public ::testing::Test {
 protected:
  // Opening the directory, then creating the file exclusively gives
  // `created`; when it exists already, opening it gives `existing`.
  void ExpectOpen(SysCallIntResult created,
                  SysCallIntResult existing = SysCallFailure(EINVAL)) {
    EXPECT_CALL(os_, Open(StrEq("/run"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(kDirFd)));
    ExpectDirectory(File(2, S_IFDIR));
    ExpectOpenAgain(created, existing);
  }
  // The caller is root, and the pid file's directory is `directory`.
  void ExpectDirectory(const struct stat& directory) {
    EXPECT_CALL(os_, GetUid()).WillRepeatedly(Return(0));
    EXPECT_CALL(os_, FStat(kDirFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(directory), Return(SysCallSuccess())));
  }
  void ExpectOpenAgain(SysCallIntResult created,
                       SysCallIntResult existing = SysCallFailure(EINVAL)) {
    EXPECT_CALL(os_, Umask(022)).WillOnce(Return(077));
    EXPECT_CALL(os_, Open(StrEq(kPath), O_CREAT | O_EXCL | kOpenFlags, 0644))
        .WillOnce(Return(created));
    EXPECT_CALL(os_, Umask(077)).WillOnce(Return(022));
    if (created.error == EEXIST) {
      EXPECT_CALL(os_, Open(StrEq(kPath), kOpenFlags, 0))
          .WillOnce(Return(existing));
    }
  }
  // The pid file's path, as seen through the directory descriptor.
  void ExpectNamed(ino_t inode) {
    EXPECT_CALL(os_, FStatAt(kDirFd, StrEq(kName), _, AT_SYMLINK_NOFOLLOW))
        .WillOnce(
            DoAll(SetArgPointee<2>(File(inode)), Return(SysCallSuccess())));
  }
  void ExpectClosed() {
    EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
  }
  // FStat, then the write lock, which `lock` answers; when another holds
  // the file (EAGAIN), a write lock (`by_a_writer`) or only read locks.
  void ExpectLocked(ino_t inode, SysCallIntResult lock, int fd = kFd,
                    bool by_a_writer = true) {
    EXPECT_CALL(os_, FStat(fd, _))
        .WillOnce(
            DoAll(SetArgPointee<1>(File(inode)), Return(SysCallSuccess())));
    EXPECT_CALL(os_, FcntlLock(fd, F_OFD_SETLK, _)).WillOnce(Return(lock));
    if (lock.error == EAGAIN) {
      EXPECT_CALL(os_, FcntlLock(fd, F_OFD_GETLK, AsksAboutAReadLock()))
          .WillOnce(Invoke(Answers(by_a_writer ? F_WRLCK : F_UNLCK)));
    }
  }

  // ReadPidFile's calls on a regular pid file holding `text`, whose write
  // lock is held (`lock` F_WRLCK) or not (F_UNLCK). O_NONBLOCK: a FIFO in
  // the pid file's place must not hang the reader.
  void ExpectRead(const char* text, short lock) {
    EXPECT_CALL(
        os_, Open(StrEq(kPath),
                  O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(kFd)));
    ExpectFileKind(S_IFREG);
    // Only F_OFD_GETLK: a strict mock fails on any F_OFD_SETLK.
    EXPECT_CALL(os_, FcntlLock(kFd, F_OFD_GETLK, AsksAboutAReadLock()))
        .WillOnce(Invoke(Answers(lock)));
    EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillOnce(Invoke(Holds(text)));
    EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  }

  // FStat of the opened file says it is of kind `kind` (S_IFREG, ...).
  void ExpectFileKind(mode_t kind) {
    EXPECT_CALL(os_, FStat(kFd, _))
        .WillOnce(
            DoAll(SetArgPointee<1>(File(7, kind)), Return(SysCallSuccess())));
  }

  StrictMock<MockOs> os_;
};

TEST_F(PidFileTest, AcquireOpensLocksAndEmptiesTheFile) {
  InSequence in_order;
  ExpectOpen(SysCallSuccess(kFd));
  ExpectLocked(7, SysCallSuccess());
  ExpectNamed(7);
  EXPECT_CALL(os_, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(file->fd(), kFd);
  ExpectClosed();
}

TEST_F(PidFileTest, SymbolicLinkIsRefused) {
  ExpectOpen(SysCallFailure(EEXIST), SysCallFailure(ELOOP));
  EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  EXPECT_THAT(
      file,
      HasMessage(
          "pid file /run/app.pid is a symbolic link; refusing to follow it"));
  EXPECT_THAT(file, HasExitCode(EX_CANTCREAT));
}

TEST_F(PidFileTest, MissingDirectoryIsReported) {
  EXPECT_CALL(os_, Open(StrEq("/run"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  EXPECT_THAT(
      file,
      HasMessage(
          "opening pid file /run/app.pid failed: No such file or directory"));
  EXPECT_THAT(file, HasExitCode(EX_CANTCREAT));
}

TEST_F(PidFileTest, SomethingElseThanAFileIsRefused) {
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(
          DoAll(SetArgPointee<1>(File(7, S_IFIFO)), Return(SysCallSuccess())));
  ExpectClosed();
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  EXPECT_THAT(file, HasMessage("pid file /run/app.pid is a FIFO, not a regular "
                               "file"));
}

TEST_F(PidFileTest, LockedFileNamesItsHolder) {
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(EAGAIN));
  EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillOnce(Invoke(Holds("4242\n")));
  ExpectLockProof(os_, 4242, File(7), true);
  ExpectClosed();
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(file, HasMessage("already running as pid 4242"));
  EXPECT_THAT(file, HasExitCode(EX_UNAVAILABLE));
}

TEST_F(PidFileTest, AHalfWrittenPidIsNeverTaken) {
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(EAGAIN));
  // Empty (just locked), then part of the line, then all of it.
  EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillOnce(Invoke(Holds("")));
  EXPECT_CALL(os_, Poll(nullptr, 0, _)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillOnce(Invoke(Holds("42")));
  EXPECT_CALL(os_, Poll(nullptr, 0, _)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillOnce(Invoke(Holds("4242\n")));
  ExpectLockProof(os_, 4242, File(7), true);
  ExpectClosed();
  EXPECT_EQ(PidFile::Acquire(kPath, os_).status().message(),
            "already running as pid 4242");
}

TEST_F(PidFileTest, AHolderThatNeverWritesIsStillAHolder) {
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(EAGAIN));
  EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillRepeatedly(Invoke(Holds("x\n")));
  EXPECT_CALL(os_, Poll(nullptr, 0, _))
      .Times(AnyNumber())
      .WillRepeatedly(Return(SysCallSuccess(0)));
  ExpectHolderScan(os_, File(7), {{4242, true}});
  ExpectClosed();
  EXPECT_EQ(PidFile::Acquire(kPath, os_).status().message(),
            "not starting: pid file /run/app.pid is locked but names no pid; "
            "its lock is held by pid 4242");
}

TEST_F(PidFileTest, ALockInheritedByWorkersOfADeadDaemonIsNamed) {
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(EAGAIN));
  EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillOnce(Invoke(Holds("4242\n")));
  ExpectLockProofFails(os_, 4242, ENOENT);
  ExpectHolderScan(os_, File(7), {{4250, true}, {4251, true}});
  ExpectClosed();
  const absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kAlreadyExists,
                             "not starting: pid file /run/app.pid names pid "
                             "4242, which is gone; its lock is held by pid "
                             "4250, 4251"));
  EXPECT_THAT(file, HasExitCode(EX_UNAVAILABLE));
}

TEST_F(PidFileTest, AFileAnotherUserControlsIsRefused) {
  // Pre-created in /tmp by another user; or root's file under a second name
  // there (a hard link): emptying it would empty the other file.
  struct stat others = File(7);
  others.st_uid = 1000;
  struct stat linked = File(7);
  linked.st_nlink = 2;
  const struct {
    struct stat file;
    const char* said;
  } kCases[] = {
      {others,
       "pid file /run/app.pid is owned by user 1000; refusing a file another "
       "user controls"},
      {linked,
       "pid file /run/app.pid has 2 names; refusing a file that may be "
       "another one"},
  };
  for (const auto& c : kCases) {
    ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
    EXPECT_CALL(os_, FStat(kFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(c.file), Return(SysCallSuccess())));
    ExpectClosed();
    const absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
    EXPECT_THAT(file, StatusIs(absl::StatusCode::kFailedPrecondition, c.said));
    EXPECT_THAT(file, HasExitCode(EX_CANTCREAT));
  }
}

TEST_F(PidFileTest, TheDaemonsUsersOwnFileIsItsOwn) {
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  struct stat its = File(7);
  its.st_uid = 65534;
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(its), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FcntlLock(kFd, F_OFD_SETLK, _))
      .WillOnce(Return(SysCallSuccess()));
  ExpectNamed(7);
  EXPECT_CALL(os_, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, 65534, os_);
  ASSERT_THAT(file, IsOk());
  ExpectClosed();
}

TEST_F(PidFileTest, ADirectoryWhereOthersMayReplaceItIsRefused) {
  EXPECT_CALL(os_, Open(StrEq("/run"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallSuccess(kDirFd)));
  ExpectDirectory(File(2, S_IFDIR | 0777));  // World-writable, not sticky.
  EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(PidFile::Acquire(kPath, os_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "pid file /run/app.pid is in /run, where other users "
                       "may replace it"));
}

TEST_F(PidFileTest, FileReplacedWhileLockingIsOpenedAgain) {
  constexpr int kNewFd = 6;
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  ExpectLocked(7, SysCallSuccess());
  ExpectNamed(8);  // Its holder removed it and another took its place.
  ExpectOpenAgain(SysCallFailure(EEXIST), SysCallSuccess(kNewFd));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, FStat(kNewFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(8)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FcntlLock(kNewFd, F_OFD_SETLK, _))
      .WillOnce(Return(SysCallSuccess()));
  ExpectNamed(8);
  EXPECT_CALL(os_, FTruncate(kNewFd, 0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(file->fd(), kNewFd);
  EXPECT_CALL(os_, Close(kNewFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
}

TEST_F(PidFileTest, FileRemovedBetweenCreateAndOpenIsCreatedAgain) {
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallFailure(ENOENT));
  ExpectOpenAgain(SysCallSuccess(kFd));
  ExpectLocked(7, SysCallSuccess());
  ExpectNamed(7);
  EXPECT_CALL(os_, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(file->fd(), kFd);
  ExpectClosed();
}

TEST_F(PidFileTest, FileItCreatedIsRemovedWhenLockingFails) {
  InSequence in_order;
  ExpectOpen(SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(ENOLCK));
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  ExpectNamed(7);
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq(kName), 0))
      .WillOnce(Return(SysCallSuccess()));
  ExpectClosed();
  EXPECT_EQ(PidFile::Acquire(kPath, os_).status().message(),
            "locking pid file /run/app.pid failed: No locks available");
}

TEST_F(PidFileTest, FileItCreatedButAnotherLockedIsNotRemoved) {
  InSequence in_order;
  ExpectOpen(SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(EAGAIN));
  EXPECT_CALL(os_, PRead(kFd, _, _, 0)).WillOnce(Invoke(Holds("4242\n")));
  ExpectLockProof(os_, 4242, File(7), true);
  ExpectClosed();
  EXPECT_EQ(PidFile::Acquire(kPath, os_).status().message(),
            "already running as pid 4242");
}

TEST_F(PidFileTest, FileOnlyOthersReadLocksHoldIsReplacedByANewOne) {
  constexpr int kNewFd = 6;
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(EAGAIN), kFd, /*by_a_writer=*/false);
  ExpectNamed(7);
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq(kName), 0))
      .WillOnce(Return(SysCallSuccess()));
  ExpectOpenAgain(SysCallSuccess(kNewFd));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  ExpectLocked(8, SysCallSuccess(), kNewFd);
  ExpectNamed(8);
  EXPECT_CALL(os_, FTruncate(kNewFd, 0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(file->fd(), kNewFd);
  EXPECT_CALL(os_, Close(kNewFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
}

TEST_F(PidFileTest, ReadLockedFileThatCannotBeRemovedIsReported) {
  InSequence in_order;
  ExpectOpen(SysCallFailure(EEXIST), SysCallSuccess(kFd));
  ExpectLocked(7, SysCallFailure(EAGAIN), kFd, /*by_a_writer=*/false);
  ExpectNamed(7);
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq(kName), 0))
      .WillOnce(Return(SysCallFailure(EROFS)));
  ExpectClosed();
  EXPECT_THAT(PidFile::Acquire(kPath, os_),
              HasMessage("removing pid file /run/app.pid (read-locked by "
                         "others) failed: Read-only file system"));
}

TEST_F(PidFileTest, PathThatNamesNoFileIsRefusedBeforeAnySystemCall) {
  for (const std::string path : {"", "/run/", ".", "..", "/run/.."}) {
    absl::StatusOr<PidFile> file = PidFile::Acquire(path, os_);
    EXPECT_THAT(file, StatusIs(absl::StatusCode::kInvalidArgument,
                               "pid file path '" + path + "' names no file"));
    EXPECT_THAT(file, HasExitCode(EX_USAGE));
  }
}

TEST_F(PidFileTest, FileReplacedOnEveryAttemptIsGivenUp) {
  EXPECT_CALL(os_, Open(StrEq("/run"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallSuccess(kDirFd)));
  ExpectDirectory(File(2, S_IFDIR));
  EXPECT_CALL(os_, Umask(_)).Times(20).WillRepeatedly(Return(022));
  EXPECT_CALL(os_, Open(StrEq(kPath), O_CREAT | O_EXCL | kOpenFlags, 0644))
      .Times(10)
      .WillRepeatedly(Return(SysCallFailure(EEXIST)));
  EXPECT_CALL(os_, Open(StrEq(kPath), kOpenFlags, 0))
      .Times(10)
      .WillRepeatedly(Return(SysCallSuccess(kFd)));
  EXPECT_CALL(os_, FStat(kFd, _))
      .Times(10)
      .WillRepeatedly(
          DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FcntlLock(kFd, F_OFD_SETLK, _))
      .Times(10)
      .WillRepeatedly(Return(SysCallSuccess()));
  // Each time, the path names another file once the lock is taken.
  EXPECT_CALL(os_, FStatAt(kDirFd, StrEq(kName), _, AT_SYMLINK_NOFOLLOW))
      .Times(10)
      .WillRepeatedly(
          DoAll(SetArgPointee<2>(File(8)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FTruncate).Times(0);
  EXPECT_CALL(os_, Close(kFd))
      .Times(10)
      .WillRepeatedly(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kUnavailable,
                             "pid file /run/app.pid kept being replaced while "
                             "it was locked"));
  EXPECT_THAT(file, HasExitCode(EX_TEMPFAIL));
}

class AcquiredPidFileTest : public PidFileTest {
 protected:
  void SetUp() override {
    ExpectOpen(SysCallSuccess(kFd));
    ExpectLocked(7, SysCallSuccess());
    ExpectNamed(7);
    EXPECT_CALL(os_, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
    absl::StatusOr<PidFile> file = PidFile::Acquire(kPath, os_);
    ASSERT_TRUE(file.ok());
    file_.emplace(*std::move(file));
    ::testing::Mock::VerifyAndClearExpectations(&os_);
  }

  std::optional<PidFile> file_;
};

TEST_F(AcquiredPidFileTest, WriteIsOneWholeLine) {
  InSequence in_order;
  EXPECT_CALL(os_, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
  std::string written;
  EXPECT_CALL(os_, PWrite(kFd, _, _, 0))
      .WillOnce(Invoke([&](int, const void* buffer, size_t size, off_t) {
        written.assign(static_cast<const char*>(buffer), size);
        return SysCallSizeResult{static_cast<ssize_t>(size), 0};
      }));
  EXPECT_TRUE(file_->Write(4242).ok());
  EXPECT_EQ(written, "4242\n");
  ExpectClosed();
}

TEST_F(AcquiredPidFileTest, ShortWriteIsAFailure) {
  EXPECT_CALL(os_, FTruncate(kFd, 0)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, PWrite(kFd, _, _, 0))
      .WillOnce(Return(SysCallSizeResult{2, 0}));
  EXPECT_EQ(file_->Write(4242).error, EIO);
  ExpectClosed();
}

TEST_F(AcquiredPidFileTest, RemoveUnlinksTheFileStillOurs) {
  InSequence in_order;
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  ExpectNamed(7);
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq(kName), 0))
      .WillOnce(Return(SysCallSuccess()));
  ExpectClosed();
  EXPECT_TRUE(file_->Remove().ok());
}

TEST_F(AcquiredPidFileTest, RemoveLeavesAFileThatReplacedOurs) {
  InSequence in_order;
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  ExpectNamed(9);
  ExpectClosed();
  EXPECT_TRUE(file_->Remove().ok());
}

TEST_F(AcquiredPidFileTest, RemoveTwiceSaysTheFileIsAlreadyClosed) {
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  ExpectNamed(7);
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq(kName), 0))
      .WillOnce(Return(SysCallSuccess()));
  ExpectClosed();
  EXPECT_THAT(file_->Remove(), IsOk());
  EXPECT_THAT(file_->Remove(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        "pid file already closed"));
}

TEST_F(AcquiredPidFileTest, FailedUnlinkIsReportedAndTheFileStillClosed) {
  InSequence in_order;
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  ExpectNamed(7);
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq(kName), 0))
      .WillOnce(Return(SysCallFailure(EROFS)));
  ExpectClosed();
  const absl::Status removed = file_->Remove();
  EXPECT_THAT(
      removed,
      HasMessage(
          "removing pid file /run/app.pid failed: Read-only file system"));
  EXPECT_THAT(removed, HasExitCode(EX_CANTCREAT));
}

TEST_F(AcquiredPidFileTest, RemoveLeavesAFileItCannotCheckAndSaysSo) {
  InSequence in_order;
  EXPECT_CALL(os_, FStat(kFd, _)).WillOnce(Return(SysCallFailure(EIO)));
  ExpectClosed();
  const absl::Status removed = file_->Remove();
  EXPECT_THAT(removed, HasMessage("removing pid file /run/app.pid failed: "
                                  "Input/output error"));
  EXPECT_THAT(removed, HasExitCode(EX_CANTCREAT));
}

TEST_F(AcquiredPidFileTest, RemoveLeavesANameItCannotCheckAndSaysSo) {
  InSequence in_order;
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FStatAt(kDirFd, StrEq(kName), _, AT_SYMLINK_NOFOLLOW))
      .WillOnce(Return(SysCallFailure(EIO)));
  ExpectClosed();
  EXPECT_THAT(file_->Remove(), HasMessage("removing pid file /run/app.pid "
                                          "failed: Input/output error"));
}

TEST_F(AcquiredPidFileTest, RemoveSucceedsWhenTheNameIsAlreadyGone) {
  InSequence in_order;
  EXPECT_CALL(os_, FStat(kFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FStatAt(kDirFd, StrEq(kName), _, AT_SYMLINK_NOFOLLOW))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  ExpectClosed();
  EXPECT_THAT(file_->Remove(), IsOk());
}

TEST_F(AcquiredPidFileTest, MoveAssignedFileClosesItsOwnAndTakesTheOther) {
  constexpr int kOtherDirFd = 6;
  constexpr int kOtherFd = 7;
  EXPECT_CALL(os_, Open(StrEq("/srv"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallSuccess(kOtherDirFd)));
  EXPECT_CALL(os_, GetUid()).WillRepeatedly(Return(0));
  EXPECT_CALL(os_, FStat(kOtherDirFd, _))
      .WillOnce(
          DoAll(SetArgPointee<1>(File(3, S_IFDIR)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, Umask).WillRepeatedly(Return(022));
  EXPECT_CALL(
      os_, Open(StrEq("/srv/other.pid"), O_CREAT | O_EXCL | kOpenFlags, 0644))
      .WillOnce(Return(SysCallSuccess(kOtherFd)));
  EXPECT_CALL(os_, FStat(kOtherFd, _))
      .WillRepeatedly(
          DoAll(SetArgPointee<1>(File(9)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FcntlLock(kOtherFd, F_OFD_SETLK, _))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_,
              FStatAt(kOtherDirFd, StrEq("other.pid"), _, AT_SYMLINK_NOFOLLOW))
      .WillRepeatedly(
          DoAll(SetArgPointee<2>(File(9)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, FTruncate(kOtherFd, 0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFile> other = PidFile::Acquire("/srv/other.pid", os_);
  ASSERT_THAT(other, IsOk());

  ExpectClosed();  // The overwritten file's descriptors, at once.
  *file_ = *std::move(other);
  ::testing::Mock::VerifyAndClearExpectations(&os_);
  EXPECT_EQ(file_->path(), "/srv/other.pid");
  EXPECT_EQ(file_->fd(), kOtherFd);
  EXPECT_EQ(file_->dir_fd(), kOtherDirFd);
  // Removing it removes the other file, by its name in its directory.
  EXPECT_CALL(os_, FStat(kOtherFd, _))
      .WillOnce(DoAll(SetArgPointee<1>(File(9)), Return(SysCallSuccess())));
  EXPECT_CALL(os_,
              FStatAt(kOtherDirFd, StrEq("other.pid"), _, AT_SYMLINK_NOFOLLOW))
      .WillOnce(DoAll(SetArgPointee<2>(File(9)), Return(SysCallSuccess())));
  EXPECT_CALL(os_, UnlinkAt(kOtherDirFd, StrEq("other.pid"), 0))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kOtherFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kOtherDirFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(file_->Remove(), IsOk());
}

// After chroot(2) to `root`: the directory inside the jail where Remove()
// looks for /run/app.pid, or null when the file lies outside the jail.
struct Jail {
  const char* root;
  const char* directory;
};

void PrintTo(const Jail& jail, std::ostream* os) {
  *os << "chroot to " << jail.root;
}

class ChrootedPidFileTest : public AcquiredPidFileTest,
                            public ::testing::WithParamInterface<Jail> {
 protected:
  static constexpr int kJailDirFd = 8;

  // The directory descriptor, a way out of the jail, is closed at once.
  void EnterChroot(const char* root) {
    EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
    file_->EnteredChroot(root);
    ::testing::Mock::VerifyAndClearExpectations(&os_);
    EXPECT_EQ(file_->dir_fd(), -1);
  }
  // Remove() finds the locked file (inode 7) and opens `directory` in the
  // jail, which `opened` answers.
  void ExpectJailDirectory(const char* directory, SysCallIntResult opened) {
    EXPECT_CALL(os_, FStat(kFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(File(7)), Return(SysCallSuccess())));
    EXPECT_CALL(os_,
                Open(StrEq(directory), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
        .WillOnce(Return(opened));
  }
  // The name there is `inode`'s.
  void ExpectNamedInJail(ino_t inode) {
    EXPECT_CALL(os_, FStatAt(kJailDirFd, StrEq(kName), _, AT_SYMLINK_NOFOLLOW))
        .WillOnce(
            DoAll(SetArgPointee<2>(File(inode)), Return(SysCallSuccess())));
  }
};

TEST_P(ChrootedPidFileTest,
       RemoveFindsTheFileByItsPathInsideTheJailOrLeavesIt) {
  EnterChroot(GetParam().root);
  InSequence in_order;
  if (GetParam().directory != nullptr) {
    ExpectJailDirectory(GetParam().directory, SysCallSuccess(kJailDirFd));
    ExpectNamedInJail(7);
    EXPECT_CALL(os_, UnlinkAt(kJailDirFd, StrEq(kName), 0))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Close(kJailDirFd)).WillOnce(Return(SysCallSuccess()));
  }
  // Outside the jail: no call but the close that unlocks it.
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(file_->Remove(), IsOk());
}

INSTANTIATE_TEST_SUITE_P(
    Roots, ChrootedPidFileTest,
    ::testing::Values(Jail{"/", "/run"}, Jail{"/run", "/"}, Jail{"/run//", "/"},
                      Jail{"/ru", nullptr}, Jail{"/srv", nullptr},
                      Jail{"/run/app.pid", nullptr},
                      // Spelled otherwise than the pid file's path.
                      Jail{"run", nullptr}));

TEST_F(ChrootedPidFileTest, RemoveLeavesAFileThatReplacedOursInTheJail) {
  EnterChroot("/");
  InSequence in_order;
  ExpectJailDirectory("/run", SysCallSuccess(kJailDirFd));
  ExpectNamedInJail(9);
  EXPECT_CALL(os_, Close(kJailDirFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(file_->Remove(), IsOk());
}

TEST_F(ChrootedPidFileTest,
       RemoveOfAPathThatNamesNothingInTheJailRemovesNothing) {
  EnterChroot("/");
  ExpectJailDirectory("/run", SysCallFailure(ENOENT));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(file_->Remove(), IsOk());
}

TEST_F(ChrootedPidFileTest, JailDirectoryThatCannotBeOpenedIsReported) {
  EnterChroot("/");
  ExpectJailDirectory("/run", SysCallFailure(EACCES));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  const absl::Status removed = file_->Remove();
  EXPECT_THAT(
      removed,
      HasMessage("removing pid file /run/app.pid failed: Permission denied"));
  EXPECT_THAT(removed, HasExitCode(EX_CANTCREAT));
}

TEST_F(PidFileTest, ReadWithoutAFileIsNotRunning) {
  EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->kind, PidFileState::kNotRunning);
}

TEST_F(PidFileTest, ReadOfAnUnlockedFileIsStale) {
  ExpectRead("17\n", F_UNLCK);
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->kind, PidFileState::kStale);
  EXPECT_EQ(state->pid, 17);
}

TEST_F(PidFileTest, StaleFileHoldingNoValidPidNamesNone) {
  for (const char* text : {"-5\n", " 42\n", "0\n", "99999999999\n"}) {
    ExpectRead(text, F_UNLCK);
    absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
    ASSERT_THAT(state, IsOk());
    EXPECT_EQ(state->kind, PidFileState::kStale) << text;
    EXPECT_EQ(state->pid, 0) << text;
  }
}

TEST_F(PidFileTest, ReadOfALockedFileIsRunningWithoutTakingTheLock) {
  ExpectRead("4242\n", F_WRLCK);
  ExpectLockProof(os_, 4242, File(7), true);
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->kind, PidFileState::kRunning);
  EXPECT_EQ(state->pid, 4242);
}

TEST_F(PidFileTest, ReadOfALockedFileWhosePidDoesNotHoldItIsUnproven) {
  // The pid was written by someone who can write the file, not by the lock's
  // holder: it is not believed, and the holder is named.
  ExpectRead("1\n", F_WRLCK);
  ExpectLockProof(os_, 1, File(7), false);
  ExpectStat(os_, 1, StatLine({1, 'S', 0, 1, 1, 100}, "init"));
  ExpectHolderScan(os_, File(7), {{1, false}, {4242, true}});
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kUnproven);
  EXPECT_EQ(state->pid, 1);
  EXPECT_THAT(state->holders, ::testing::ElementsAre(4242));
  EXPECT_EQ(state->problem,
            "pid file /run/app.pid names pid 1, which does not hold its lock; "
            "its lock is held by pid 4242");
}

TEST_F(PidFileTest, ReadOfAFileNamingTheLockHoldersChildIsASupervisedDaemon) {
  // A supervisor (supervisor.h) holds the lock; the file names its program.
  ExpectRead("4243\n", F_WRLCK);
  ExpectLockProof(os_, 4243, File(7), false);
  ExpectStat(os_, 4243, StatLine({4243, 'S', 4242, 4243, 4000, 100}));
  ExpectLockProof(os_, 4242, File(7), true);
  ExpectStat(os_, 4242, StatLine({4242, 'S', 4000, 4000, 4000, 90}));
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kRunning);
  EXPECT_EQ(state->pid, 4243);
  EXPECT_EQ(state->supervisor, 4242);
}

// A container's init holds the lock (daemonize --init, PID 1); the file
// names its worker, in its session.
TEST_F(PidFileTest, ReadOfAFileNamingTheWorkerOfAnInitIsASupervisedDaemon) {
  ExpectRead("2\n", F_WRLCK);
  ExpectLockProof(os_, 2, File(7), false);
  ExpectStat(os_, 2, StatLine({2, 'S', 1, 2, 1, 100}));
  ExpectLockProof(os_, 1, File(7), true);
  ExpectStat(os_, 1, StatLine({1, 'S', 0, 1, 1, 90}));
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kRunning);
  EXPECT_EQ(state->supervisor, 1);
}

// Whoever may write the file wrote the pid of another child of the init: an
// orphan of a `docker exec` session (its own session), or a process of the
// service that made a group of its own. Neither is the worker: never
// believed, so never signalled as the program (--reload).
TEST_F(PidFileTest, ReadOfAFileNamingAnotherChildOfTheLockHolderIsUnproven) {
  for (const bool other_session : {true, false}) {
    SCOPED_TRACE(other_session ? "another session" : "not a group leader");
    ExpectRead("77\n", F_WRLCK);
    ExpectLockProof(os_, 77, File(7), false);
    if (other_session) {
      ExpectStat(os_, 77, StatLine({77, 'S', 1, 77, 70, 100}));
      ExpectLockProof(os_, 1, File(7), true);
      ExpectStat(os_, 1, StatLine({1, 'S', 0, 1, 1, 90}));
    } else {
      ExpectStat(os_, 77, StatLine({77, 'S', 1, 2, 1, 100}));
    }
    ExpectHolderScan(os_, File(7), {{1, true}});
    absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
    ASSERT_THAT(state, IsOk());
    EXPECT_EQ(state->kind, PidFileState::kUnproven);
    EXPECT_EQ(state->supervisor, 0);
    EXPECT_EQ(state->problem,
              "pid file /run/app.pid names pid 77, which does not hold its "
              "lock; its lock is held by pid 1");
    ::testing::Mock::VerifyAndClearExpectations(&os_);
  }
}

TEST_F(PidFileTest, ReadOfAFileNamingAChildOfOneWithoutTheLockIsUnproven) {
  // Whoever can write the file names a child of another process: its parent
  // does not hold the lock, so neither is believed.
  ExpectRead("4243\n", F_WRLCK);
  ExpectLockProof(os_, 4243, File(7), false);
  ExpectStat(os_, 4243, StatLine({4243, 'S', 900, 4243, 900, 100}));
  ExpectLockProof(os_, 900, File(7), false);
  ExpectHolderScan(os_, File(7), {{4242, true}});
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kUnproven);
  EXPECT_EQ(state->supervisor, 0);
  EXPECT_EQ(state->problem,
            "pid file /run/app.pid names pid 4243, which does not hold its "
            "lock; its lock is held by pid 4242");
}

TEST_F(PidFileTest, ReadOfALockedFileWhoseHoldersCannotBeSeenSaysSo) {
  ExpectRead("4242\n", F_WRLCK);
  ExpectLockProofFails(os_, 4242, ENOENT);
  ExpectHolderScan(os_, File(7), {});
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kUnproven);
  EXPECT_EQ(state->problem,
            "pid file /run/app.pid names pid 4242, which is gone; no process "
            "this user may look at holds it");
}

TEST_F(PidFileTest, ReadOfALockedFileWhosePidIsNotOursToSeeIsUnproven) {
  ExpectRead("4242\n", F_WRLCK);
  ExpectLockProofFails(os_, 4242, EACCES);
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kUnproven);
  EXPECT_EQ(state->pid, 4242);
  EXPECT_EQ(state->problem,
            "cannot tell whether pid 4242 holds the lock of pid file "
            "/run/app.pid: /proc/4242/fd: Permission denied");
}

TEST_F(PidFileTest, ReadOfSomethingElseThanAFileSaysWhatItIs) {
  const struct {
    mode_t kind;
    const char* said;
  } kCases[] = {
      {S_IFDIR, "pid file /run/app.pid is a directory, not a regular file"},
      {S_IFCHR,
       "pid file /run/app.pid is a character device, not a regular "
       "file"},
      {S_IFSOCK, "pid file /run/app.pid is a socket, not a regular file"},
      {S_IFBLK, "pid file /run/app.pid is a block device, not a regular file"},
      {0, "pid file /run/app.pid is not a regular file"},  // No known kind.
  };
  for (const auto& c : kCases) {
    EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
        .WillOnce(Return(SysCallSuccess(kFd)));
    ExpectFileKind(c.kind);
    EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
    absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
    EXPECT_THAT(state, StatusIs(absl::StatusCode::kFailedPrecondition, c.said));
  }
}

TEST_F(PidFileTest, ReadOfAFileThatCannotBeCheckedIsAnError) {
  EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
      .WillOnce(Return(SysCallSuccess(kFd)));
  EXPECT_CALL(os_, FStat(kFd, _)).WillOnce(Return(SysCallFailure(EIO)));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  EXPECT_THAT(state, HasMessage("checking pid file /run/app.pid failed: "
                                "Input/output error"));
  EXPECT_THAT(state, HasExitCode(EX_CANTCREAT));
}

TEST_F(PidFileTest, ReadWhenTheLockCannotBeAskedAboutIsAnError) {
  EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
      .WillOnce(Return(SysCallSuccess(kFd)));
  ExpectFileKind(S_IFREG);
  EXPECT_CALL(os_, FcntlLock(kFd, F_OFD_GETLK, _))
      .WillOnce(Return(SysCallFailure(EINVAL)));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<PidFileState> state = ReadPidFile(kPath, os_);
  EXPECT_THAT(state, HasMessage("checking the lock of pid file /run/app.pid "
                                "failed: Invalid argument"));
  EXPECT_THAT(state, HasExitCode(EX_SOFTWARE));
}

}  // namespace
}  // namespace daemonkit
