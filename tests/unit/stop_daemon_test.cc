// StopDaemon, mock-driven: it signals only a daemon proven to hold its pid
// file's write lock, before and after its pidfd is opened, through that
// pidfd, and waits for it.

#include "daemonkit/stop_daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/proc_expectations.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::ExpectHolderScan;
using ::daemonkit::test::ExpectLockProof;
using ::daemonkit::test::ExpectStat;
using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
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
constexpr int kPidFileFd = 5;
constexpr int kPidFd = 6;

class StopDaemonTest : public ::testing::Test {
 protected:
  // The pid file, a regular file.
  static struct stat RegularFile() {
    struct stat info = {};
    info.st_mode = S_IFREG | 0644;
    info.st_ino = 7;
    return info;
  }

  // The opened pid file is a regular file.
  void ExpectRegularFile() {
    EXPECT_CALL(os_, FStat(kPidFileFd, _))
        .WillOnce(
            DoAll(SetArgPointee<1>(RegularFile()), Return(SysCallSuccess())));
  }

  // Daemon 42 found in the pid file, proven again once its pidfd is open,
  // and sent SIGTERM through the pidfd, which answers `sent`.
  void ExpectSignalled(SysCallIntResult sent) {
    ExpectPidFile(true, 42);
    EXPECT_CALL(os_, PidFdOpen(42, 0)).WillOnce(Return(SysCallSuccess(kPidFd)));
    ExpectPidFile(true, 42);
    EXPECT_CALL(os_, PidFdSendSignal(kPidFd, SIGTERM, _))
        .WillOnce(Return(sent));
  }

  // ReadPidFile finding the file locked (or not) and holding `pid`, which
  // `holds` the lock or not (then no process is seen holding it).
  void ExpectPidFile(bool locked, pid_t pid, bool holds = true) {
    EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
        .WillOnce(Return(SysCallSuccess(kPidFileFd)));
    ExpectRegularFile();
    EXPECT_CALL(os_, FcntlLock(kPidFileFd, F_OFD_GETLK, _))
        .WillOnce(Invoke([locked](int, int, struct flock* lock) {
          lock->l_type = locked ? F_WRLCK : F_UNLCK;
          return SysCallSuccess();
        }));
    const std::string text = std::to_string(pid) + "\n";
    EXPECT_CALL(os_, PRead(kPidFileFd, _, _, 0))
        .WillOnce(Invoke([text](int, void* buffer, size_t, off_t) {
          memcpy(buffer, text.data(), text.size());
          return SysCallSizeResult{static_cast<ssize_t>(text.size()), 0};
        }));
    if (locked) ExpectLockProof(os_, pid, RegularFile(), holds);
    if (locked && !holds) {
      // Its parent, init, is no supervisor holding the lock either.
      ExpectStat(os_, pid, StatLine({pid, 'S', 1, pid, pid, 100}));
      ExpectHolderScan(os_, RegularFile(), {});
    }
    EXPECT_CALL(os_, Close(kPidFileFd)).WillOnce(Return(SysCallSuccess()));
  }

  StrictMock<MockOs> os_;
};

TEST_F(StopDaemonTest, SignalsThroughAPidFdAndWaitsForTheExit) {
  InSequence in_order;
  ExpectSignalled(SysCallSuccess());
  EXPECT_CALL(os_, Poll(_, 1, 10000)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(*StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_), 42);
}

TEST_F(StopDaemonTest, StalePidFileIsNotRunningAndNothingIsSignalled) {
  ExpectPidFile(false, 42);
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(stopped,
              HasMessage("not running (pid file /run/app.pid is stale)"));
}

TEST_F(StopDaemonTest, APidReusedMeanwhileIsNeverSignalled) {
  InSequence in_order;
  ExpectPidFile(true, 42);
  EXPECT_CALL(os_, PidFdOpen(42, 0)).WillOnce(Return(SysCallSuccess(kPidFd)));
  ExpectPidFile(false, 42);  // The daemon exited; 42 may be someone else.
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(*StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_), 42);
}

TEST_F(StopDaemonTest, PidFileNamingAnotherPidOnTheSecondLookIsNotSignalled) {
  InSequence in_order;
  ExpectPidFile(true, 42);
  EXPECT_CALL(os_, PidFdOpen(42, 0)).WillOnce(Return(SysCallSuccess(kPidFd)));
  ExpectPidFile(true, 43);  // 42 exited; a new daemon holds the file.
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(*StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_), 42);
}

TEST_F(StopDaemonTest, ADaemonThatDoesNotStopIsReported) {
  InSequence in_order;
  ExpectSignalled(SysCallSuccess());
  EXPECT_CALL(os_, Poll(_, 1, 2000)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(2), SIGTERM, os_);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(stopped, HasMessage("pid 42 did not stop within 2s"));
}

TEST_F(StopDaemonTest, UnusablePidFileIsReported) {
  EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
      .WillOnce(Return(SysCallFailure(ELOOP)));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kFailedPrecondition,
                                "pid file /run/app.pid is a symbolic link; "
                                "refusing to follow it"));
  EXPECT_THAT(stopped, HasExitCode(EX_CANTCREAT));
}

TEST_F(StopDaemonTest, PidFileUnreadableOnTheSecondLookIsReported) {
  InSequence in_order;
  ExpectPidFile(true, 42);
  EXPECT_CALL(os_, PidFdOpen(42, 0)).WillOnce(Return(SysCallSuccess(kPidFd)));
  EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
      .WillOnce(Return(SysCallFailure(EACCES)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_),
              HasMessage("opening pid file /run/app.pid failed: Permission "
                         "denied"));
}

TEST_F(StopDaemonTest, DaemonGoneBeforeTheSignalCountsAsStopped) {
  InSequence in_order;
  ExpectSignalled(SysCallFailure(ESRCH));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(*StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_), 42);
}

TEST_F(StopDaemonTest, LockedPidFileThatNamesNoPidIsNotSignalled) {
  EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
      .WillOnce(Return(SysCallSuccess(kPidFileFd)));
  ExpectRegularFile();
  EXPECT_CALL(os_, FcntlLock(kPidFileFd, F_OFD_GETLK, _))
      .WillOnce(Invoke([](int, int, struct flock* lock) {
        lock->l_type = F_WRLCK;
        return SysCallSuccess();
      }));
  // Its holder never writes a pid: read, wait, read again, until it gives up.
  EXPECT_CALL(os_, PRead(kPidFileFd, _, _, 0))
      .WillRepeatedly(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os_, Poll(nullptr, 0, _))
      .Times(AnyNumber())
      .WillRepeatedly(Return(SysCallSuccess(0)));
  ExpectHolderScan(os_, RegularFile(), {});
  EXPECT_CALL(os_, Close(kPidFileFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kFailedPrecondition,
                                "not stopping: pid file /run/app.pid is locked "
                                "but names no pid; no process this user may "
                                "look at holds it"));
  EXPECT_THAT(stopped, HasExitCode(EX_UNAVAILABLE));
}

TEST_F(StopDaemonTest, APidWrittenByWhoeverCanWriteTheFileIsNeverSignalled) {
  // The daemon's user wrote pid 1 into the file: pid 1 holds no lock on it.
  InSequence in_order;
  ExpectPidFile(true, 1, false);
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kFailedPrecondition,
                                "not stopping: pid file /run/app.pid names pid "
                                "1, which does not hold its lock; no process "
                                "this user may look at holds it"));
}

TEST_F(StopDaemonTest, ADaemonWhoseLockPassedToOthersMeanwhileIsNotSignalled) {
  InSequence in_order;
  ExpectPidFile(true, 42);
  EXPECT_CALL(os_, PidFdOpen(42, 0)).WillOnce(Return(SysCallSuccess(kPidFd)));
  ExpectPidFile(true, 42, false);
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(StopDaemonTest, DaemonGoneBeforeItsPidFdOpenedCountsAsStopped) {
  ExpectPidFile(true, 42);
  EXPECT_CALL(os_, PidFdOpen(42, 0)).WillOnce(Return(SysCallFailure(ESRCH)));
  EXPECT_EQ(*StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_), 42);
}

TEST_F(StopDaemonTest, PidFdThatCannotBeOpenedIsReported) {
  ExpectPidFile(true, 42);
  EXPECT_CALL(os_, PidFdOpen(42, 0)).WillOnce(Return(SysCallFailure(EMFILE)));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped,
              HasMessage("opening a pidfd for 42 failed: Too many open files"));
  EXPECT_THAT(stopped, HasExitCode(EX_OSERR));
}

TEST_F(StopDaemonTest, RefusedSignalIsReported) {
  InSequence in_order;
  ExpectSignalled(SysCallFailure(EPERM));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kPermissionDenied,
                                "signalling pid 42 failed: Operation not "
                                "permitted"));
  EXPECT_THAT(stopped, HasExitCode(EX_OSERR));
}

TEST_F(StopDaemonTest, FailedWaitForTheExitIsReported) {
  InSequence in_order;
  ExpectSignalled(SysCallSuccess());
  EXPECT_CALL(os_, Poll(_, 1, 10000))
      .WillOnce(Return(SysCallFailure(EINTR)))  // Retried.
      .WillOnce(Return(SysCallFailure(ENOMEM)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped, HasMessage("waiting for the daemon to exit failed: "
                                  "Cannot allocate memory"));
  EXPECT_THAT(stopped, HasExitCode(EX_OSERR));
}

// poll(2) waits forever for a negative number of milliseconds: a negative
// timeout (`--stop-timeout=-1s`) must not hang a stop of a daemon that
// ignores SIGTERM. Waiting "up to" a negative time is not waiting at all.
TEST_F(StopDaemonTest, NegativeTimeoutDoesNotWaitForever) {
  InSequence in_order;
  ExpectSignalled(SysCallSuccess());
  EXPECT_CALL(os_, Poll(_, 1, 0)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(StopDaemon(kPath, absl::Seconds(-1), SIGTERM, os_),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace daemonkit
