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
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemonkit/supervisor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/proc_expectations.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::DirectoryEntries;
using ::daemonkit::test::ExpectHolderScan;
using ::daemonkit::test::ExpectLockProof;
using ::daemonkit::test::ExpectLockProofFails;
using ::daemonkit::test::ExpectStat;
using ::daemonkit::test::GetsEntries;
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
constexpr int kPidFileFd = 5;
constexpr int kPidFd = 6;
constexpr int kProcFd = 61;
// A supervised service (supervisor.h): the supervisor holds the pid file's
// lock, the file names its child, the program, which started a daemon of its
// own in a session of its own.
constexpr pid_t kSupervisor = 4242;
constexpr pid_t kProgram = 4243;
constexpr pid_t kProgramsDaemon = 4310;
constexpr internal::ProcessStat kSupervisorStat = {
    kSupervisor, 'S', 1, kSupervisor, kSupervisor, 100};
constexpr internal::ProcessStat kProgramStat = {
    kProgram, 'S', kSupervisor, kProgram, kSupervisor, 200};
constexpr internal::ProcessStat kProgramsDaemonStat = {
    kProgramsDaemon, 'S', kProgram, kProgramsDaemon, kProgramsDaemon, 300};
constexpr internal::ProcessStat kStrangerStat = {917, 'S', 1, 917, 917, 50};

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
      // Its parent, init, is no supervisor holding the lock either: a user
      // who may not look at its descriptors cannot prove it is (pid 1 has
      // no parent).
      ExpectStat(os_, pid,
                 StatLine({pid, 'S', pid == 1 ? 0 : 1, pid, pid, 100}));
      if (pid != 1) ExpectLockProofFails(os_, 1, EACCES);
      ExpectHolderScan(os_, RegularFile(), {});
    }
    EXPECT_CALL(os_, Close(kPidFileFd)).WillOnce(Return(SysCallSuccess()));
  }

  // ReadPidFile finding the file locked by kSupervisor and naming its child
  // kProgram.
  void ExpectSupervisedPidFile() {
    EXPECT_CALL(os_, Open(StrEq(kPath), _, _))
        .WillOnce(Return(SysCallSuccess(kPidFileFd)));
    ExpectRegularFile();
    EXPECT_CALL(os_, FcntlLock(kPidFileFd, F_OFD_GETLK, _))
        .WillOnce(Invoke([](int, int, struct flock* lock) {
          lock->l_type = F_WRLCK;
          return SysCallSuccess();
        }));
    EXPECT_CALL(os_, PRead(kPidFileFd, _, _, 0))
        .WillOnce(Invoke([](int, void* buffer, size_t, off_t) {
          memcpy(buffer, "4243\n", 5);
          return SysCallSizeResult{5, 0};
        }));
    ExpectLockProof(os_, kProgram, RegularFile(), false);
    ExpectStat(os_, kProgram, StatLine(kProgramStat));
    ExpectLockProof(os_, kSupervisor, RegularFile(), true);
    ExpectStat(os_, kSupervisor, StatLine(kSupervisorStat));
    EXPECT_CALL(os_, Close(kPidFileFd)).WillOnce(Return(SysCallSuccess()));
  }

  // A scan of /proc finding `processes`, in the order of the calls (for use
  // in a sequence).
  void ExpectScan(const std::vector<internal::ProcessStat>& processes) {
    std::vector<std::string> names = {".", "..", "self"};
    for (const internal::ProcessStat& process : processes) {
      names.push_back(absl::StrCat(process.pid));
    }
    EXPECT_CALL(os_, Open(StrEq("/proc"), _, _))
        .WillOnce(Return(SysCallSuccess(kProcFd)));
    EXPECT_CALL(os_, GetDents(kProcFd, _, _))
        .WillOnce(Invoke(GetsEntries(DirectoryEntries(names))));
    for (const internal::ProcessStat& process : processes) {
      ExpectStat(os_, process.pid, StatLine(process));
    }
    EXPECT_CALL(os_, GetDents(kProcFd, _, _))
        .WillOnce(Return(SysCallSizeResult{0, 0}));
    EXPECT_CALL(os_, Close(kProcFd)).WillOnce(Return(SysCallSuccess()));
  }

  // The supervised service proven twice, the supervisor's pidfd opened, its
  // tree scanned; then the supervisor is sent SIGTERM with a siginfo, kept in
  // `*sent`, and waited for `wait_ms`, and leaves (or not: `left`).
  void ExpectSupervisorSignalled(siginfo_t* sent, int wait_ms,
                                 bool left = true) {
    ExpectSupervisedPidFile();
    EXPECT_CALL(os_, PidFdOpen(kSupervisor, 0))
        .WillOnce(Return(SysCallSuccess(kPidFd)));
    ExpectSupervisedPidFile();
    ExpectScan(
        {kStrangerStat, kSupervisorStat, kProgramStat, kProgramsDaemonStat});
    EXPECT_CALL(os_, GetPid()).WillOnce(Return(77));
    EXPECT_CALL(os_, GetUid()).WillOnce(Return(0));
    EXPECT_CALL(os_, PidFdSendSignal(kPidFd, SIGTERM, _))
        .WillOnce(Invoke([sent](int, int, siginfo_t* info) {
          EXPECT_NE(info, nullptr);
          if (info != nullptr) *sent = *info;
          return SysCallSuccess();
        }));
    EXPECT_CALL(os_, Poll(_, 1, wait_ms))
        .WillOnce(Invoke([left](struct pollfd* fds, nfds_t, int) {
          EXPECT_EQ(fds[0].fd, kPidFd);
          EXPECT_EQ(fds[0].events, POLLIN);
          return SysCallSuccess(left ? 1 : 0);
        }));
  }

  // StillRunning(process) finds it gone.
  void ExpectGone(pid_t pid) {
    EXPECT_CALL(os_, Open(StrEq(absl::StrCat("/proc/", pid, "/stat")), _, _))
        .WillOnce(Return(SysCallFailure(ENOENT)));
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

TEST_F(StopDaemonTest, SupervisedProgramIsStoppedByItsSupervisor) {
  InSequence in_order;
  siginfo_t sent = {};
  // The supervisor's stop: the timeout, then kStopKillWait after SIGKILL,
  // and a second more to exit.
  ExpectSupervisorSignalled(&sent, 3000 + 5000 + 1000);
  ExpectGone(kProgram);
  ExpectGone(kProgramsDaemon);
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(3), SIGTERM, os_);
  ASSERT_THAT(stopped, IsOk());
  EXPECT_EQ(*stopped, kProgram);
  static_assert(kStopKillWait == absl::Seconds(5), "the wait above");
  // As sigqueue(3) sends it: SI_QUEUE, the stop timeout in milliseconds.
  EXPECT_EQ(sent.si_signo, SIGTERM);
  EXPECT_EQ(sent.si_code, SI_QUEUE);
  EXPECT_EQ(sent.si_value.sival_int, 3000);
  EXPECT_EQ(sent.si_pid, 77);
  EXPECT_EQ(sent.si_uid, 0u);
}

TEST_F(StopDaemonTest, SupervisedStopCarriesAtLeastOneMillisecond) {
  // A timeout of 0 carried as 0 would read as none: the supervisor would
  // take its own, longer than the caller waits.
  InSequence in_order;
  siginfo_t sent = {};
  ExpectSupervisorSignalled(&sent, 0 + 5000 + 1000);
  ExpectGone(kProgram);
  ExpectGone(kProgramsDaemon);
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::ZeroDuration(), SIGTERM, os_);
  ASSERT_THAT(stopped, IsOk());
  EXPECT_EQ(*stopped, kProgram);
  EXPECT_EQ(sent.si_value.sival_int, 1);
}

TEST_F(StopDaemonTest, ProcessOfTheServiceLeftRunningFailsTheStopNamingIt) {
  InSequence in_order;
  siginfo_t sent = {};
  ExpectSupervisorSignalled(&sent, 10000 + 5000 + 1000);
  ExpectGone(kProgram);
  // Stuck where SIGKILL could not end it.
  internal::ProcessStat stuck = kProgramsDaemonStat;
  stuck.ppid = 1;
  stuck.state = 'D';
  ExpectStat(os_, kProgramsDaemon, StatLine(stuck));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kAborted,
                                "the supervisor left, but pid 4310 of its "
                                "service still run"));
  EXPECT_THAT(stopped, HasExitCode(EX_SOFTWARE));
}

TEST_F(StopDaemonTest, PidOfTheServiceReusedSinceIsNotNamed) {
  InSequence in_order;
  siginfo_t sent = {};
  ExpectSupervisorSignalled(&sent, 10000 + 5000 + 1000);
  internal::ProcessStat zombie = kProgramStat;
  zombie.state = 'Z';
  ExpectStat(os_, kProgram, StatLine(zombie));
  internal::ProcessStat stranger = kProgramsDaemonStat;
  stranger.start_ticks = 900;  // Another process, with the same pid.
  ExpectStat(os_, kProgramsDaemon, StatLine(stranger));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> stopped =
      StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_);
  ASSERT_THAT(stopped, IsOk());
  EXPECT_EQ(*stopped, kProgram);
}

TEST_F(StopDaemonTest, SupervisorThatDoesNotLeaveIsReported) {
  InSequence in_order;
  siginfo_t sent = {};
  ExpectSupervisorSignalled(&sent, 2000 + 5000 + 1000, /*left=*/false);
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(StopDaemon(kPath, absl::Seconds(2), SIGTERM, os_),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "pid 4242 did not stop within 8s"));
}

// A supervisor restarting its program (--respawn) names itself in the pid
// file while it waits, then the new program. Between StopDaemon's two looks
// the file went from the program to the supervisor: the same process holds
// the lock, proven both times, so its pidfd is kept and it gets the signal
// (it once was dropped as if the daemon had exited, and the stop reported
// success while the supervisor restarted the program). The stop follows the
// second look: the supervisor named, a plain stop.
TEST_F(StopDaemonTest,
       SupervisorRestartingItsProgramBetweenTheLooksIsStillStopped) {
  InSequence in_order;
  ExpectSupervisedPidFile();
  EXPECT_CALL(os_, PidFdOpen(kSupervisor, 0))
      .WillOnce(Return(SysCallSuccess(kPidFd)));
  ExpectPidFile(true, kSupervisor);  // The program ended: a restart is due.
  EXPECT_CALL(os_, PidFdSendSignal(kPidFd, SIGTERM, _))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Poll(_, 1, _)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(StopDaemon(kPath, absl::Seconds(10), SIGTERM, os_), IsOk());
}

TEST_F(StopDaemonTest, ReloadSignalsTheSupervisedProgramNeverItsSupervisor) {
  InSequence in_order;
  ExpectSupervisedPidFile();
  EXPECT_CALL(os_, PidFdOpen(kProgram, 0))
      .WillOnce(Return(SysCallSuccess(kPidFd)));
  ExpectSupervisedPidFile();
  EXPECT_CALL(os_, PidFdSendSignal(kPidFd, SIGHUP, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<pid_t> signalled = SignalDaemon(kPath, SIGHUP, os_);
  ASSERT_THAT(signalled, IsOk());
  EXPECT_EQ(*signalled, kProgram);
}

TEST_F(StopDaemonTest, ReloadOfAProgramThatExitedMeanwhileSaysSo) {
  InSequence in_order;
  ExpectSupervisedPidFile();
  EXPECT_CALL(os_, PidFdOpen(kProgram, 0))
      .WillOnce(Return(SysCallSuccess(kPidFd)));
  ExpectSupervisedPidFile();
  EXPECT_CALL(os_, PidFdSendSignal(kPidFd, SIGHUP, nullptr))
      .WillOnce(Return(SysCallFailure(ESRCH)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(SignalDaemon(kPath, SIGHUP, os_),
              StatusIs(absl::StatusCode::kNotFound, "pid 4243 exited"));
}

}  // namespace
}  // namespace daemonkit
