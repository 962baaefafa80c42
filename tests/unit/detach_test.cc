// Mock-driven tests of Detach: each of the three processes' paths is walked
// in-process (Fork returning 0 walks the child branch, a pid the parent's).
// Foreground mode sets the daemon up in place, which makes the Daemon handle
// easy to reach: Fail, Exec and its PATH search, and their misuse.

#include "daemonkit/detach.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "mocks/mock_user_database.h"
#include "src/after_fork_failure.h"
#include "src/launch_report.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatusIs;
using internal::LaunchReport;
using ::testing::_;
using ::testing::AnyNumber;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr int kDirFd = 10;
constexpr int kStatFd = 11;
constexpr int kSignalFd = 12;
constexpr int kStdinFd = 3;
constexpr int kStdoutFd = 4;
constexpr int kStderrFd = 5;
constexpr int kReportRead = 6;
constexpr int kReportWrite = 7;
constexpr pid_t kMiddlePid = 100;
constexpr pid_t kDaemonPid = 200;

constexpr char kSingleThreadStat[] =
    "42 (my prog) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n";

// A Read action that delivers `text` (a /proc file's contents).
auto ReadsText(std::string text) {
  return [text](int, void* buffer, size_t size) -> SysCallSizeResult {
    const size_t count = std::min(size, text.size());
    memcpy(buffer, text.data(), count);
    return {static_cast<ssize_t>(count), 0};
  };
}

// A Read action that delivers one launch report.
auto ReadsReport(LaunchReport report) {
  return [report](int, void* buffer, size_t size) -> SysCallSizeResult {
    EXPECT_EQ(size, sizeof report);
    memcpy(buffer, &report, sizeof report);
    return {static_cast<ssize_t>(sizeof report), 0};
  };
}

SysCallSizeResult EndOfFile(int, void*, size_t) { return {0, 0}; }

LaunchReport Report(LaunchReport::Kind kind, pid_t pid) {
  LaunchReport report = {};
  report.kind = kind;
  report.pid = pid;
  return report;
}

// A Write action that keeps the report written into `*written`.
auto KeepsReport(LaunchReport* written) {
  return [written](int, const void* buffer, size_t size) -> SysCallSizeResult {
    EXPECT_EQ(size, sizeof *written);
    memcpy(written, buffer, sizeof *written);
    return {static_cast<ssize_t>(size), 0};
  };
}

MATCHER(IsDefaultAction, "sets the default disposition") {
  return arg != nullptr && arg->sa_handler == SIG_DFL;
}

MATCHER(IsEmptySet, "is the empty signal set") {
  return arg != nullptr && sigisemptyset(arg);
}

class DetachTest : public ::testing::Test {
 protected:
  // The launcher's watch for interrupting signals (launcher_signals.h) is
  // allowed anywhere, in any test, outside any test's sequence: tests of
  // their own check it, and a wait with no signal sees the pipe readable.
  DetachTest() {
    EXPECT_CALL(
        os_, SigAction(::testing::AnyOf(SIGINT, SIGTERM, SIGHUP), nullptr, _))
        .Times(AnyNumber())
        .WillRepeatedly(Return(SysCallSuccess()));
    EXPECT_CALL(os_,
                SigProcMask(::testing::AnyOf(SIG_BLOCK, SIG_SETMASK), _, _))
        .Times(AnyNumber())
        .WillRepeatedly(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SignalFd(-1, _, _))
        .Times(AnyNumber())
        .WillRepeatedly(Return(SysCallSuccess(kSignalFd)));
    EXPECT_CALL(os_, Close(kSignalFd))
        .Times(AnyNumber())
        .WillRepeatedly(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Poll(_, 2, -1))
        .Times(AnyNumber())
        .WillRepeatedly(Invoke([](struct pollfd* fds, nfds_t, int) {
          fds[0].revents = POLLIN;
          fds[1].revents = 0;
          return SysCallSuccess(1);
        }));
  }

  // Option checks and the single-thread check, which come before any fork.
  void ExpectChecks() {
    EXPECT_CALL(os_, Open(StrEq("/"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(kDirFd)));
    EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, GetEnv(StrEq("NOTIFY_SOCKET"))).WillOnce(Return(nullptr));
    EXPECT_CALL(os_, Open(StrEq("/proc/self/stat"), O_RDONLY | O_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(kStatFd)));
    EXPECT_CALL(os_, Read(kStatFd, _, _))
        .WillOnce(Invoke(ReadsText(kSingleThreadStat)));
    EXPECT_CALL(os_, Close(kStatFd)).WillOnce(Return(SysCallSuccess()));
  }

  // The standard streams and the readiness pipe, opened by the launcher.
  void ExpectPrepared() {
    EXPECT_CALL(os_,
                Open(StrEq("/dev/null"), O_RDONLY | O_NOCTTY | O_CLOEXEC, 0644))
        .WillOnce(Return(SysCallSuccess(kStdinFd)));
    EXPECT_CALL(
        os_, Open(StrEq("/dev/null"),
                  O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644))
        .WillOnce(Return(SysCallSuccess(kStdoutFd)))
        .WillOnce(Return(SysCallSuccess(kStderrFd)));
    static const int kPipe[2] = {kReportRead, kReportWrite};
    EXPECT_CALL(os_, Pipe(_, O_CLOEXEC))
        .WillOnce(DoAll(Invoke([](int fds[2], int) {
                          fds[0] = kPipe[0];
                          fds[1] = kPipe[1];
                        }),
                        Return(SysCallSuccess())));
  }

  // Only a mock Exit returns: then, as Detach returns, what the launcher
  // prepared goes out of scope and each descriptor of it is closed once.
  void ExpectPreparedClosedAfterMockExit() {
    for (int fd : {kReportWrite, kStderrFd, kStdoutFd, kStdinFd}) {
      EXPECT_CALL(os_, Close(fd)).WillOnce(Return(SysCallSuccess()));
    }
  }

  // Expects the failing process (the middle one or the daemon) to report,
  // exit EX_OSERR, and (after the mock Exit returned) close what the launcher
  // prepared; runs Detach and returns the report it wrote.
  LaunchReport DetachReportingAFailure() {
    LaunchReport written;
    ExpectReportWritten(kReportWrite, &written);
    EXPECT_CALL(os_, Exit(EX_OSERR));
    ExpectPreparedClosedAfterMockExit();
    EXPECT_THAT(Detach(DetachOptions(), os_),
                StatusIs(absl::StatusCode::kAborted));  // Exit returned.
    return written;
  }

  void ExpectReportWritten(int fd, LaunchReport* written) {
    EXPECT_CALL(os_, SigAction(SIGPIPE, _, _))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Write(fd, _, sizeof(LaunchReport)))
        .WillOnce(Invoke(KeepsReport(written)));
    EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
        .WillOnce(Return(SysCallSuccess()));
  }

  // Everything the launcher does before the first fork.
  void ExpectLaunchPrepared() {
    ExpectChecks();
    ExpectPrepared();
  }

  // The launcher up to its first read: checks, preparation, the first fork
  // (returning kMiddlePid), and closing what only the daemon needs.
  void ExpectLauncherForked() {
    ExpectLaunchPrepared();
    EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(kMiddlePid)));
    ExpectLauncherClosesPrepared();
  }

  // The launcher's side once the first fork returned kMiddlePid.
  void ExpectLauncherClosesPrepared() {
    for (int fd : {kStdinFd, kStdoutFd, kStderrFd, kReportWrite}) {
      EXPECT_CALL(os_, Close(fd)).WillOnce(Return(SysCallSuccess()));
    }
  }

  // The middle process reports the daemon's birth; then the pipe ends
  // without a word from the daemon.
  void ExpectDaemonBornThenSilence() {
    EXPECT_CALL(os_, Read(kReportRead, _, _))
        .WillOnce(
            Invoke(ReadsReport(Report(LaunchReport::kDaemonPid, kDaemonPid))))
        .WillOnce(Invoke(EndOfFile));
  }

  // The launcher, making sure a daemon that will not be ready is gone, finds
  // it exited already (its pidfd is readable at once).
  void ExpectDaemonFoundExited() {
    EXPECT_CALL(os_, PidFdOpen(kDaemonPid, 0))
        .WillOnce(Return(SysCallSuccess(9)));
    EXPECT_CALL(os_, Poll(_, 1, _)).WillOnce(Return(SysCallSuccess(1)));
    EXPECT_CALL(os_, Close(9)).WillOnce(Return(SysCallSuccess()));
  }

  void ExpectMiddleReaped(int status) {
    EXPECT_CALL(os_, WaitPid(kMiddlePid, _, 0))
        .WillOnce(DoAll(SetArgPointee<1>(status),
                        Return(SysCallSuccess(kMiddlePid))));
    EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  }

  // Expects the daemon's steps up to (not including) `stop`, in order.
  enum class DaemonStep { kChdir, kSignals, kMask, kDup2, kClose, kDone };
  void ExpectDaemonSteps(DaemonStep stop) {
    EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(0)));
    EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SetSid()).WillOnce(Return(SysCallSuccess(kMiddlePid)));
    EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(0)));
    EXPECT_CALL(os_, GetPid()).WillOnce(Return(kDaemonPid));
    EXPECT_CALL(os_, Umask(0)).WillOnce(Return(022));
    if (stop == DaemonStep::kChdir) return;
    EXPECT_CALL(os_, Chdir(StrEq("/"))).WillOnce(Return(SysCallSuccess()));
    if (stop == DaemonStep::kSignals) return;
    EXPECT_CALL(os_, SigAction(_, IsDefaultAction(), nullptr))
        .Times(NSIG - 3)  // Every signal from 1 but SIGKILL and SIGSTOP.
        .WillRepeatedly(Return(SysCallSuccess()));
    if (stop == DaemonStep::kMask) return;
    EXPECT_CALL(os_, SigProcMask(SIG_SETMASK, IsEmptySet(), nullptr))
        .WillOnce(Return(SysCallSuccess()));
    if (stop == DaemonStep::kDup2) return;
    EXPECT_CALL(os_, Dup2(kStdinFd, 0)).WillOnce(Return(SysCallSuccess(0)));
    EXPECT_CALL(os_, Dup2(kStdoutFd, 1)).WillOnce(Return(SysCallSuccess(1)));
    EXPECT_CALL(os_, Dup2(kStderrFd, 2)).WillOnce(Return(SysCallSuccess(2)));
    if (stop == DaemonStep::kClose) return;
    // Everything from 3 up but the readiness pipe's write end.
    EXPECT_CALL(os_, CloseRange(3, kReportWrite - 1, 0))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, CloseRange(kReportWrite + 1, UINT_MAX, 0))
        .WillOnce(Return(SysCallSuccess()));
  }

  StrictMock<MockOs> os_;
};

TEST_F(DetachTest, LauncherReturnsTheDaemonOnceItIsReady) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _))
      .WillOnce(
          Invoke(ReadsReport(Report(LaunchReport::kDaemonPid, kDaemonPid))))
      .WillOnce(Invoke(ReadsReport(Report(LaunchReport::kReady, kDaemonPid))));
  ExpectMiddleReaped(0);

  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);

  ASSERT_THAT(daemon, IsOk());
  EXPECT_TRUE(daemon->in_launcher());
  EXPECT_EQ(daemon->pid(), kDaemonPid);
}

TEST_F(DetachTest, MiddleProcessStartsASessionForksAndExits) {
  InSequence in_order;
  ExpectLaunchPrepared();
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(0)));
  // The launcher's end of the pipe, closed at once: a daemon whose launcher
  // died meets no reader.
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetSid()).WillOnce(Return(SysCallSuccess(kMiddlePid)));
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(kDaemonPid)));
  LaunchReport written;
  ExpectReportWritten(kReportWrite, &written);
  EXPECT_CALL(os_, Exit(0));
  ExpectPreparedClosedAfterMockExit();

  EXPECT_FALSE(Detach(DetachOptions(), os_).ok());  // Only after a mock Exit.
  EXPECT_EQ(written.kind, LaunchReport::kDaemonPid);
  EXPECT_EQ(written.pid, kDaemonPid);
}

TEST_F(DetachTest, DaemonSetsItselfUpThenReportsReady) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kDone);
  LaunchReport written;
  ExpectReportWritten(kReportWrite, &written);
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));

  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_FALSE(daemon->in_launcher());
  EXPECT_EQ(daemon->pid(), kDaemonPid);
  EXPECT_TRUE(daemon->Ready().ok());
  EXPECT_EQ(written.kind, LaunchReport::kReady);
  EXPECT_EQ(written.pid, kDaemonPid);
  EXPECT_FALSE(daemon->Ready().ok()) << "Ready() works once";
}

TEST_F(DetachTest, OptionsReachTheDaemon) {
  NiceMock<MockOs> os;
  ON_CALL(os, Open).WillByDefault(Return(SysCallSuccess(20)));
  ON_CALL(os, Read).WillByDefault(Invoke(ReadsText(kSingleThreadStat)));
  ON_CALL(os, FStat).WillByDefault(Invoke([](int, struct stat* info) {
    *info = {};  // root's, not writable by others.
    return SysCallSuccess();
  }));
  ON_CALL(os, Fork).WillByDefault(Return(SysCallSuccess(0)));
  ON_CALL(os, Pipe).WillByDefault(Invoke([](int fds[2], int) {
    fds[0] = 30;
    fds[1] = 31;
    return SysCallSuccess();
  }));
  DetachOptions options;
  options.working_directory = "/srv/app";
  options.umask = 027;
  options.stdout_path = "/var/log/app.out";
  options.keep_fds = {40, 33};
  EXPECT_CALL(os, Open).Times(AnyNumber());
  // Opened in its directory, never through a symbolic link there, without
  // waiting for a FIFO's reader (output_file.h).
  EXPECT_CALL(os, Open(StrEq("/var/log"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0));
  EXPECT_CALL(os, OpenAt(20, StrEq("app.out"),
                         O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC |
                             O_NONBLOCK | O_NOFOLLOW,
                         0644))
      .WillOnce(Return(SysCallSuccess(21)));
  EXPECT_CALL(os, Umask(027));
  EXPECT_CALL(os, Chdir(StrEq("/srv/app")));
  {
    InSequence gaps;  // Kept: 31 (the pipe), 33 and 40.
    EXPECT_CALL(os, CloseRange(3, 30, 0));
    EXPECT_CALL(os, CloseRange(32, 32, 0));
    EXPECT_CALL(os, CloseRange(34, 39, 0));
    EXPECT_CALL(os, CloseRange(41, UINT_MAX, 0));
  }

  EXPECT_TRUE(Detach(options, os).ok());
}

TEST_F(DetachTest, BadUmaskIsRefusedBeforeAnySystemCall) {
  DetachOptions options;
  options.umask = 01000;
  absl::StatusOr<Daemon> daemon = Detach(options, os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(daemon, HasMessage(HasSubstr("umask 01000")));
  EXPECT_THAT(daemon, HasExitCode(EX_USAGE));
}

TEST_F(DetachTest, MissingWorkingDirectoryIsReportedBeforeAnyFork) {
  DetachOptions options;
  options.working_directory = "/nonexistent";
  EXPECT_CALL(os_, Open(StrEq("/nonexistent"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  absl::StatusOr<Daemon> daemon = Detach(options, os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      daemon,
      HasMessage(
          "opening working directory /nonexistent failed: No such file or "
          "directory"));
  EXPECT_THAT(daemon, HasExitCode(EX_NOINPUT));
}

TEST_F(DetachTest, KeptDescriptorMustBeOpenAndNotStdio) {
  DetachOptions options;
  options.keep_fds = {1};
  EXPECT_EQ(Detach(options, os_).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.keep_fds = {9};
  EXPECT_CALL(os_, Fcntl(9, F_GETFD, 0))
      .WillOnce(Return(SysCallFailure(EBADF)));
  absl::StatusOr<Daemon> daemon = Detach(options, os_);
  EXPECT_THAT(
      daemon,
      HasMessage("checking kept descriptor 9 failed: Bad file descriptor"));
  EXPECT_THAT(daemon, HasExitCode(EX_USAGE));
}

TEST_F(DetachTest, EmptyWorkingDirectoryIsRefusedBeforeAnySystemCall) {
  DetachOptions options;
  options.working_directory = "";
  absl::StatusOr<Daemon> daemon = Detach(options, os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kInvalidArgument,
                               "the working directory is empty"));
  EXPECT_THAT(daemon, HasExitCode(EX_USAGE));
}

TEST_F(DetachTest, KeptEnvironmentNamesMustBeVariableNames) {
  for (const char* name : {"", "A=B"}) {
    DetachOptions options;
    options.clear_environment = true;
    options.keep_environment = {"HOME", name};
    absl::StatusOr<Daemon> daemon = Detach(options, os_);
    EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kInvalidArgument,
                                 absl::StrCat("keep_environment: '", name,
                                              "' is not a variable name")));
    EXPECT_THAT(daemon, HasExitCode(EX_USAGE));
  }
}

TEST_F(DetachTest, SetEnvironmentEntriesMustBeNameEqualsValue) {
  for (const char* entry : {"NOVALUE", "=value"}) {
    DetachOptions options;
    options.set_environment = {"A=", entry};
    absl::StatusOr<Daemon> daemon = Detach(options, os_);
    EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kInvalidArgument,
                                 absl::StrCat("set_environment: '", entry,
                                              "' is not NAME=VALUE")));
    EXPECT_THAT(daemon, HasExitCode(EX_USAGE));
  }
}

TEST_F(DetachTest, ChrootNeedsRootAndSaysSoBeforeOpeningAnything) {
  DetachOptions options;
  options.chroot_directory = "/srv/jail";
  EXPECT_CALL(os_, GetUid()).WillOnce(Return(1000));
  absl::StatusOr<Daemon> daemon = Detach(options, os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kPermissionDenied,
                               "chroot needs root"));
  EXPECT_THAT(daemon, HasExitCode(EX_NOPERM));
}

TEST_F(DetachTest, UnparsableProcSelfStatIsAnInternalError) {
  for (const char* stat : {"42 (no fields after the name)\n", "42 no name"}) {
    EXPECT_CALL(os_, Open(StrEq("/"), _, _))
        .WillOnce(Return(SysCallSuccess(kDirFd)));
    EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, GetEnv(StrEq("NOTIFY_SOCKET"))).WillOnce(Return(nullptr));
    EXPECT_CALL(os_, Open(StrEq("/proc/self/stat"), _, _))
        .WillOnce(Return(SysCallSuccess(kStatFd)));
    EXPECT_CALL(os_, Read(kStatFd, _, _)).WillOnce(Invoke(ReadsText(stat)));
    EXPECT_CALL(os_, Close(kStatFd)).WillOnce(Return(SysCallSuccess()));
    EXPECT_THAT(Detach(DetachOptions(), os_),
                StatusIs(absl::StatusCode::kInternal,
                         "counting threads: cannot parse /proc/self/stat"))
        << stat;
  }
}

TEST_F(DetachTest, RefusesAProcessWithSeveralThreads) {
  EXPECT_CALL(os_, Open(StrEq("/"), _, _))
      .WillOnce(Return(SysCallSuccess(kDirFd)));
  EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, GetEnv(StrEq("NOTIFY_SOCKET"))).WillOnce(Return(nullptr));
  EXPECT_CALL(os_, Open(StrEq("/proc/self/stat"), _, _))
      .WillOnce(Return(SysCallSuccess(kStatFd)));
  EXPECT_CALL(os_, Read(kStatFd, _, _))
      .WillOnce(Invoke(ReadsText(
          "42 (a) b) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 3 0 5\n")));
  EXPECT_CALL(os_, Close(kStatFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(daemon, HasMessage(HasSubstr("has 3 threads")));
}

TEST_F(DetachTest, UnopenableStdoutIsReportedAndNothingLeaks) {
  constexpr int kLogDirFd = 14;
  DetachOptions options;
  options.stdout_path = "/root/out.log";
  ExpectChecks();
  EXPECT_CALL(os_, Open(StrEq("/dev/null"), _, _))
      .WillOnce(Return(SysCallSuccess(kStdinFd)));
  EXPECT_CALL(os_, Open(StrEq("/root"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallSuccess(kLogDirFd)));
  EXPECT_CALL(os_, FStat(kLogDirFd, _))
      .WillOnce(Invoke([](int, struct stat* info) {
        *info = {};
        info->st_mode = S_IFDIR | 0700;  // root's own.
        return SysCallSuccess();
      }));
  EXPECT_CALL(os_, GetUid()).WillRepeatedly(Return(0));
  EXPECT_CALL(os_, OpenAt(kLogDirFd, StrEq("out.log"), _, 0644))
      .WillOnce(Return(SysCallFailure(EACCES)));
  EXPECT_CALL(os_, FStatAt(kLogDirFd, StrEq("out.log"), _, AT_SYMLINK_NOFOLLOW))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_CALL(os_, Close(kLogDirFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kStdinFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(options, os_);
  EXPECT_THAT(
      daemon,
      HasMessage(
          "opening stdout file /root/out.log failed: Permission denied"));
  EXPECT_THAT(daemon, HasExitCode(EX_CANTCREAT));
}

TEST_F(DetachTest, StreamOpenedOnAStandardNumberMovesAboveIt) {
  // A launcher started with stdin closed gets 0 back from open().
  ExpectChecks();
  EXPECT_CALL(os_, Open(StrEq("/dev/null"), O_RDONLY | O_NOCTTY | O_CLOEXEC, _))
      .WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Fcntl(0, F_DUPFD_CLOEXEC, 3))
      .WillOnce(Return(SysCallFailure(EMFILE)));
  EXPECT_CALL(os_, Close(0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(
      daemon,
      HasMessage("opening stdin file /dev/null failed: Too many open files"));
  EXPECT_THAT(daemon, HasExitCode(EX_OSFILE));
}

TEST_F(DetachTest, FailedPipeClosesTheStreams) {
  ExpectChecks();
  EXPECT_CALL(os_, Open(StrEq("/dev/null"), _, _))
      .WillOnce(Return(SysCallSuccess(kStdinFd)))
      .WillOnce(Return(SysCallSuccess(kStdoutFd)))
      .WillOnce(Return(SysCallSuccess(kStderrFd)));
  EXPECT_CALL(os_, Pipe(_, O_CLOEXEC)).WillOnce(Return(SysCallFailure(EMFILE)));
  for (int fd : {kStdinFd, kStdoutFd, kStderrFd}) {
    EXPECT_CALL(os_, Close(fd)).WillOnce(Return(SysCallSuccess()));
  }
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(
      daemon,
      HasMessage("creating the readiness pipe failed: Too many open files"));
}

TEST_F(DetachTest, FailedFirstForkNamesTheStepAndClosesEverything) {
  InSequence in_order;
  ExpectLaunchPrepared();
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallFailure(EAGAIN)));
  for (int fd : {kStdinFd, kStdoutFd, kStderrFd, kReportRead, kReportWrite}) {
    EXPECT_CALL(os_, Close(fd)).WillOnce(Return(SysCallSuccess()));
  }
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(
      daemon,
      HasMessage("first fork failed: Resource temporarily unavailable"));
  EXPECT_THAT(daemon, HasExitCode(EX_OSERR));
}

TEST_F(DetachTest, FailedSetSidIsReportedByTheMiddleProcess) {
  InSequence in_order;
  ExpectLaunchPrepared();
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetSid()).WillOnce(Return(SysCallFailure(EPERM)));
  const LaunchReport written = DetachReportingAFailure();
  EXPECT_EQ(written.kind, LaunchReport::kFailed);
  EXPECT_STREQ(written.message, "setsid failed: Operation not permitted");
}

TEST_F(DetachTest, FailedSecondForkIsReportedByTheMiddleProcess) {
  InSequence in_order;
  ExpectLaunchPrepared();
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetSid()).WillOnce(Return(SysCallSuccess(kMiddlePid)));
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallFailure(EAGAIN)));
  const LaunchReport written = DetachReportingAFailure();
  EXPECT_EQ(written.kind, LaunchReport::kFailed);
  EXPECT_STREQ(written.message,
               "second fork failed: Resource temporarily unavailable");
}

TEST_F(DetachTest, LauncherReturnsTheMiddleProcessFailureAndReapsIt) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _))
      .WillOnce(Invoke(ReadsReport(internal::AfterForkFailureReport(
          0, {"second fork", nullptr, EAGAIN}))));
  ExpectMiddleReaped(EX_OSERR << 8);
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(
      daemon,
      HasMessage("second fork failed: Resource temporarily unavailable"));
  EXPECT_THAT(daemon, HasExitCode(EX_OSERR));
}

TEST_F(DetachTest, LauncherReapsADaemonThatReportedAFailure) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _))
      .WillOnce(Invoke(ReadsReport(internal::StatusReport(
          kDaemonPid, absl::PermissionDeniedError("cannot open log"),
          EX_CANTCREAT))));
  ExpectMiddleReaped(0);
  ExpectDaemonFoundExited();
  EXPECT_CALL(os_, WaitPid(kDaemonPid, _, WNOHANG))
      .WillOnce(Return(SysCallSuccess(kDaemonPid)));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(daemon, HasMessage("cannot open log"));
  EXPECT_THAT(daemon, HasExitCode(EX_CANTCREAT));
}

TEST_F(DetachTest, SilentDaemonDeathIsDescribedWithItsWaitStatus) {
  InSequence in_order;
  ExpectLauncherForked();
  ExpectDaemonBornThenSilence();
  ExpectMiddleReaped(0);
  ExpectDaemonFoundExited();
  EXPECT_CALL(os_, WaitPid(kDaemonPid, _, WNOHANG))
      .WillOnce(DoAll(SetArgPointee<1>(SIGSEGV),  // Killed by SIGSEGV.
                      Return(SysCallSuccess(kDaemonPid))));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(
      daemon,
      HasMessage("daemon exited before it was ready: killed by signal 11 "
                 "(Segmentation fault)"));
  EXPECT_THAT(daemon, HasExitCode(EX_SOFTWARE));
}

TEST_F(DetachTest, DaemonThatClosedThePipeButRunsIsStopped) {
  InSequence in_order;
  ExpectLauncherForked();
  ExpectDaemonBornThenSilence();
  ExpectMiddleReaped(0);
  EXPECT_CALL(os_, PidFdOpen(kDaemonPid, 0))
      .WillOnce(Return(SysCallSuccess(9)));
  EXPECT_CALL(os_, Poll(_, 1, _)).WillOnce(Return(SysCallSuccess(0)));
  // Through the pidfd, never by a pid that may have been reused.
  EXPECT_CALL(os_, PidFdSendSignal(9, SIGKILL, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Poll(_, 1, _)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Close(9)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, WaitPid(kDaemonPid, _, WNOHANG))
      .WillOnce(Return(SysCallFailure(ECHILD)));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(
      daemon,
      HasMessage("daemon (pid 200) closed its readiness pipe without calling "
                 "Ready(); it was stopped"));
}

TEST_F(DetachTest, UnreadablePipeStopsTheDaemonsProcessGroup) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, EIO}));
  ExpectMiddleReaped(0);
  EXPECT_CALL(os_, Kill(-kMiddlePid, SIGKILL))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, WaitPid(-kMiddlePid, nullptr, 0))
      .WillOnce(Return(SysCallSuccess(kDaemonPid)));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(
      daemon,
      HasMessage("reading the readiness pipe failed: Input/output error"));
  EXPECT_THAT(daemon, HasExitCode(EX_OSERR));
}

// A Read action on the signalfd that delivers `signal`.
auto ReadsSignal(int signal) {
  return [signal](int, void* buffer, size_t size) -> SysCallSizeResult {
    struct signalfd_siginfo info = {};
    info.ssi_signo = static_cast<uint32_t>(signal);
    EXPECT_EQ(size, sizeof info);
    memcpy(buffer, &info, sizeof info);
    return {static_cast<ssize_t>(sizeof info), 0};
  };
}

TEST_F(DetachTest, InterruptedWaitStopsTheStartAndReportsTheSignal) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Poll(_, 2, -1))
      .WillOnce(Invoke([](struct pollfd* fds, nfds_t, int) {
        EXPECT_EQ(fds[1].fd, kSignalFd);
        fds[0].revents = 0;
        fds[1].revents = POLLIN;
        return SysCallSuccess(1);
      }));
  EXPECT_CALL(os_, Read(kSignalFd, _, _)).WillOnce(Invoke(ReadsSignal(SIGINT)));
  // The middle process first (it may not have made its group yet), then the
  // group, where the daemon is.
  EXPECT_CALL(os_, Kill(kMiddlePid, SIGKILL))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, WaitPid(kMiddlePid, nullptr, 0))
      .WillOnce(Return(SysCallSuccess(kMiddlePid)));
  EXPECT_CALL(os_, Kill(-kMiddlePid, SIGKILL))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, WaitPid(-kMiddlePid, nullptr, 0))
      .WillOnce(Return(SysCallSuccess(kDaemonPid)));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kCancelled,
                               "interrupted by signal 2 (Interrupt) while "
                               "waiting for the daemon to be ready; the "
                               "half-started daemon was stopped"));
  EXPECT_THAT(daemon, HasExitCode(128 + SIGINT));
}

TEST_F(DetachTest, SignalsTheCallerIgnoresAreNotWatched) {
  // nohup ignores SIGHUP: a blocked signal is queued even when ignored, so
  // it stays out of the mask and of the signalfd.
  EXPECT_CALL(os_, SigAction(SIGHUP, nullptr, _))
      .WillOnce(Invoke([](int, const struct sigaction*, struct sigaction* old) {
        old->sa_handler = SIG_IGN;
        return SysCallSuccess();
      }));
  sigset_t blocked;
  EXPECT_CALL(os_, SigProcMask(SIG_BLOCK, _, _))
      .WillOnce(DoAll(
          Invoke([&](int, const sigset_t* set, sigset_t*) { blocked = *set; }),
          Return(SysCallSuccess())));
  EXPECT_CALL(os_, Close(_)).WillRepeatedly(Return(SysCallSuccess()));
  ExpectLaunchPrepared();
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallFailure(EAGAIN)));
  EXPECT_THAT(Detach(DetachOptions(), os_), HasMessage("first fork failed: "
                                                       "Resource temporarily "
                                                       "unavailable"));
  EXPECT_TRUE(sigismember(&blocked, SIGINT));
  EXPECT_TRUE(sigismember(&blocked, SIGTERM));
  EXPECT_FALSE(sigismember(&blocked, SIGHUP));
}

TEST_F(DetachTest, ASignalThatCannotBeWatchedFailsTheStartBeforeAnything) {
  InSequence in_order;
  EXPECT_CALL(os_, SignalFd(-1, _, SFD_CLOEXEC | SFD_NONBLOCK))
      .WillOnce(Return(SysCallFailure(EMFILE)));
  EXPECT_CALL(os_, SigProcMask(SIG_SETMASK, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(daemon,
              HasMessage("opening a signalfd failed: Too many open files"));
  EXPECT_THAT(daemon, HasExitCode(EX_OSERR));
}

TEST_F(DetachTest, MiddleProcessKilledBeforeTheDaemonWasBorn) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _)).WillOnce(Invoke(EndOfFile));
  ExpectMiddleReaped(SIGKILL);
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  EXPECT_THAT(
      daemon,
      HasMessage("the intermediate process ended before the daemon was born: "
                 "killed by signal 9 (Killed)"));
}

TEST_F(DetachTest, ReadInterruptedBySignalIsRetried) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, EINTR}))
      .WillOnce(Invoke(ReadsReport(Report(LaunchReport::kReady, kDaemonPid))));
  EXPECT_CALL(os_, WaitPid(kMiddlePid, _, 0))
      .WillOnce(Return(SysCallFailure(EINTR)))
      .WillOnce(Return(SysCallSuccess(kMiddlePid)));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  EXPECT_TRUE(Detach(DetachOptions(), os_).ok());
}

TEST_F(DetachTest, FailedChdirIsReportedByTheDaemon) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kChdir);
  EXPECT_CALL(os_, Chdir(StrEq("/"))).WillOnce(Return(SysCallFailure(EACCES)));
  const LaunchReport written = DetachReportingAFailure();
  EXPECT_EQ(written.pid, kDaemonPid);
  EXPECT_STREQ(written.message, "chdir to / failed: Permission denied");
}

TEST_F(DetachTest, FailedSignalResetIsReportedByTheDaemon) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kSignals);
  EXPECT_CALL(os_, SigAction(1, IsDefaultAction(), nullptr))
      .WillOnce(Return(SysCallFailure(EFAULT)));
  const LaunchReport written = DetachReportingAFailure();
  EXPECT_STREQ(written.message,
               "resetting signal dispositions failed: Bad address");
}

TEST_F(DetachTest, FailedSignalMaskIsReportedByTheDaemon) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kMask);
  EXPECT_CALL(os_, SigProcMask(SIG_SETMASK, _, nullptr))
      .WillOnce(Return(SysCallFailure(EINVAL)));
  const LaunchReport written = DetachReportingAFailure();
  EXPECT_STREQ(written.message,
               "emptying the signal mask failed: Invalid argument");
}

TEST_F(DetachTest, FailedRedirectionIsReportedByTheDaemon) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kDup2);
  EXPECT_CALL(os_, Dup2(kStdinFd, 0)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Dup2(kStdoutFd, 1))
      .WillOnce(Return(SysCallFailure(EINTR)))
      .WillOnce(Return(SysCallFailure(EBUSY)));
  const LaunchReport written = DetachReportingAFailure();
  EXPECT_STREQ(written.message,
               "redirecting stdout failed: Device or resource busy");
}

TEST_F(DetachTest, FailedCloseIsReportedByTheDaemon) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kClose);
  EXPECT_CALL(os_, CloseRange(3, kReportWrite - 1, 0))
      .WillOnce(Return(SysCallFailure(EINVAL)));
  const LaunchReport written = DetachReportingAFailure();
  EXPECT_STREQ(written.message,
               "closing inherited descriptors failed: Invalid argument");
}

TEST_F(DetachTest, DaemonFailureTravelsToTheLauncher) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kDone);
  LaunchReport written;
  ExpectReportWritten(kReportWrite, &written);
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  ASSERT_TRUE(daemon.ok());
  EXPECT_TRUE(daemon->Fail(absl::NotFoundError("no config"), EX_CONFIG).ok());
  const absl::Status seen = internal::StatusFromReport(written);
  EXPECT_EQ(seen.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(seen.message(), "no config");
  EXPECT_THAT(seen, HasExitCode(EX_CONFIG));
}

TEST_F(DetachTest, FailThatCannotReachTheLauncherSaysSo) {
  InSequence in_order;
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kDone);
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Write(kReportWrite, _, sizeof(LaunchReport)))
      .WillOnce(Return(SysCallSizeResult{-1, EPIPE}));
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  ASSERT_THAT(daemon, IsOk());
  const absl::Status failed =
      daemon->Fail(absl::NotFoundError("no config"), EX_CONFIG);
  EXPECT_THAT(failed, HasMessage("reporting the failure failed: Broken pipe"));
  EXPECT_THAT(failed, HasExitCode(EX_OSERR));
}

TEST_F(DetachTest, LauncherHandleCannotReadyFailOrExec) {
  InSequence in_order;
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _))
      .WillOnce(Invoke(ReadsReport(Report(LaunchReport::kReady, kDaemonPid))));
  ExpectMiddleReaped(0);
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions(), os_);
  ASSERT_THAT(daemon, IsOk());
  ASSERT_TRUE(daemon->in_launcher());
  // A strict mock: none of them makes a system call.
  EXPECT_THAT(daemon->Ready(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(daemon->Fail(absl::UnknownError("x"), 1),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(daemon->Exec({"/bin/true"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(DetachTest, MoveAssignedDaemonTakesOverTheOthersReadinessPipe) {
  NiceMock<MockOs> os;
  ON_CALL(os, Open).WillByDefault(Return(SysCallSuccess(20)));
  ON_CALL(os, Read).WillByDefault(Invoke(ReadsText(kSingleThreadStat)));
  ON_CALL(os, Fork).WillByDefault(Return(SysCallSuccess(0)));
  EXPECT_CALL(os, Pipe)
      .WillOnce(Invoke([](int fds[2], int) {
        fds[0] = 30;
        fds[1] = 31;
        return SysCallSuccess();
      }))
      .WillOnce(Invoke([](int fds[2], int) {
        fds[0] = 40;
        fds[1] = 41;
        return SysCallSuccess();
      }));
  EXPECT_CALL(os, GetPid).WillOnce(Return(200)).WillOnce(Return(300));
  absl::StatusOr<Daemon> first = Detach(DetachOptions(), os);
  absl::StatusOr<Daemon> second = Detach(DetachOptions(), os);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ::testing::Mock::VerifyAndClearExpectations(&os);

  EXPECT_CALL(os, Close(31));  // The overwritten handle's pipe.
  *first = *std::move(second);
  ::testing::Mock::VerifyAndClearExpectations(&os);
  EXPECT_FALSE(first->in_launcher());
  EXPECT_EQ(first->pid(), 300);
  LaunchReport written;
  EXPECT_CALL(os, Write(41, _, sizeof(LaunchReport)))
      .WillOnce(Invoke(KeepsReport(&written)));
  EXPECT_CALL(os, Close(41));
  EXPECT_THAT(first->Ready(), IsOk());
  EXPECT_EQ(written.kind, LaunchReport::kReady);
  EXPECT_EQ(written.pid, 300);
}

TEST_F(DetachTest, DetachOrExitPrintsTheFailureAndExitsWithItsCode) {
  InSequence in_order;
  EXPECT_CALL(os_, Prctl(PR_SET_CHILD_SUBREAPER, 1))
      .WillOnce(Return(SysCallSuccess()));
  ExpectLaunchPrepared();
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallFailure(EAGAIN)));
  EXPECT_CALL(os_, Close(_)).Times(6).WillRepeatedly(Return(SysCallSuccess()));
  std::string printed;
  EXPECT_CALL(os_, Write(STDERR_FILENO, _, _))
      .WillOnce(Invoke([&](int, const void* buffer, size_t size) {
        printed.assign(static_cast<const char*>(buffer), size);
        return SysCallSizeResult{static_cast<ssize_t>(size), 0};
      }));
  EXPECT_CALL(os_, Exit(EX_OSERR));
  DetachOrExit(DetachOptions(), os_);
  EXPECT_EQ(printed,
            "daemonkit: first fork failed: Resource temporarily unavailable\n");
}

TEST_F(DetachTest, DetachOrExitPrintsUserInputEscapedOnOneLine) {
  DetachOptions options;
  options.working_directory = "/srv/\n\x1b[2Jx";
  EXPECT_CALL(os_, Prctl(PR_SET_CHILD_SUBREAPER, 1))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Open(StrEq(options.working_directory), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  std::string printed;
  EXPECT_CALL(os_, Write(STDERR_FILENO, _, _))
      .WillOnce(Invoke([&](int, const void* buffer, size_t size) {
        printed.assign(static_cast<const char*>(buffer), size);
        return SysCallSizeResult{static_cast<ssize_t>(size), 0};
      }));
  EXPECT_CALL(os_, Exit(EX_NOINPUT));
  DetachOrExit(options, os_);
  EXPECT_EQ(printed,
            "daemonkit: opening working directory /srv/\\n\\x1b[2Jx failed: No "
            "such file or directory\n");
}

TEST_F(DetachTest, DetachOrExitReturnsInTheDaemon) {
  InSequence in_order;
  EXPECT_CALL(os_, Prctl(PR_SET_CHILD_SUBREAPER, 1))
      .WillOnce(Return(SysCallSuccess()));
  ExpectLaunchPrepared();
  ExpectDaemonSteps(DaemonStep::kDone);
  EXPECT_CALL(os_, Exit).Times(0);
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  const Daemon daemon = DetachOrExit(DetachOptions(), os_);
  EXPECT_FALSE(daemon.in_launcher());
  EXPECT_EQ(daemon.pid(), kDaemonPid);
}

TEST_F(DetachTest, DetachOrExitExitsZeroOnceTheDaemonIsReady) {
  InSequence in_order;
  EXPECT_CALL(os_, Prctl(PR_SET_CHILD_SUBREAPER, 1))
      .WillOnce(Return(SysCallSuccess()));
  ExpectLauncherForked();
  EXPECT_CALL(os_, Read(kReportRead, _, _))
      .WillOnce(Invoke(ReadsReport(Report(LaunchReport::kReady, kDaemonPid))));
  ExpectMiddleReaped(0);
  EXPECT_CALL(os_, Exit(0));
  DetachOrExit(DetachOptions(), os_);
}

// Foreground mode, where the calling process becomes the daemon in place:
// every call succeeds unless a test says otherwise.
class ForegroundDaemonTest : public ::testing::Test {
 protected:
  ForegroundDaemonTest() {
    ON_CALL(os_, Open).WillByDefault(Return(SysCallSuccess(kDirFd)));
    ON_CALL(os_, Read).WillByDefault(Invoke(ReadsText(kSingleThreadStat)));
    ON_CALL(os_, GetPid).WillByDefault(Return(kDaemonPid));
    ON_CALL(os_, PWrite)
        .WillByDefault(Invoke([](int, const void*, size_t size, off_t) {
          return SysCallSizeResult{static_cast<ssize_t>(size), 0};
        }));
    options_.foreground = true;
  }

  static constexpr int kPidFd = 21;
  static constexpr int kPidDirFd = 22;
  static constexpr int kJailDirFd = 23;

  // The pid file at `path`, a regular file, opens as kPidFd, its
  // `directory` as kPidDirFd.
  void PidFileAt(const char* directory, const char* path) {
    ON_CALL(os_, Open(StrEq(directory), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
        .WillByDefault(Return(SysCallSuccess(kPidDirFd)));
    ON_CALL(os_, Open(StrEq(path), _, _))
        .WillByDefault(Return(SysCallSuccess(kPidFd)));
    struct stat file = {};
    file.st_mode = S_IFREG | 0644;
    file.st_ino = 7;
    ON_CALL(os_, FStat)
        .WillByDefault(DoAll(SetArgPointee<1>(file), Return(SysCallSuccess())));
    ON_CALL(os_, FStatAt)
        .WillByDefault(DoAll(SetArgPointee<2>(file), Return(SysCallSuccess())));
  }

  NiceMock<MockOs> os_;
  DetachOptions options_;
};

TEST_F(ForegroundDaemonTest, FailedChrootIsReturnedByDetach) {
  options_.chroot_directory = "/srv/jail";
  EXPECT_CALL(os_, Chroot(StrEq("/srv/jail")))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_CALL(os_, Chdir).Times(0);
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  EXPECT_THAT(
      daemon,
      StatusIs(absl::StatusCode::kNotFound,
               "chroot to /srv/jail failed: No such file or directory"));
  EXPECT_THAT(daemon, HasExitCode(EX_OSERR));
}

// A chrooted daemon keeps no directory descriptor: the pid file's is closed
// right after chroot, before anything else can use it.
TEST_F(ForegroundDaemonTest, ChrootedDaemonLetsGoOfThePidFilesDirectory) {
  PidFileAt("/srv/jail/run", "/srv/jail/run/app.pid");
  options_.chroot_directory = "/srv/jail";
  options_.pid_file = "/srv/jail/run/app.pid";
  EXPECT_CALL(os_, Close).Times(AnyNumber());
  {
    InSequence in_order;
    EXPECT_CALL(os_, Chroot(StrEq("/srv/jail")));
    EXPECT_CALL(os_, Close(kPidDirFd)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Chdir(StrEq("/")));
    // The pid file's descriptor is kept; its directory's is not.
    EXPECT_CALL(os_, CloseRange(3, kPidFd - 1, 0));
    EXPECT_CALL(os_, CloseRange(kPidFd + 1, UINT_MAX, 0));
  }
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  ::testing::Mock::VerifyAndClearExpectations(&os_);

  // At a clean stop, the file is found by its path inside the jail.
  EXPECT_CALL(os_, Open(StrEq("/run"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallSuccess(kJailDirFd)));
  EXPECT_CALL(os_, UnlinkAt(kJailDirFd, StrEq("app.pid"), 0));
  EXPECT_CALL(os_, UnlinkAt(kPidDirFd, _, _)).Times(0);
  EXPECT_THAT(daemon->RemovePidFile(), IsOk());
}

TEST_F(ForegroundDaemonTest, ChrootedDaemonLeavesAPidFileOutsideTheJail) {
  PidFileAt("/run", "/run/app.pid");
  options_.chroot_directory = "/srv/jail";
  options_.pid_file = "/run/app.pid";
  EXPECT_CALL(os_, Close).Times(AnyNumber());
  EXPECT_CALL(os_, Close(kPidDirFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  ::testing::Mock::VerifyAndClearExpectations(&os_);

  // Nothing inside the jail is looked for, let alone removed; closing the
  // file's descriptor unlocks it.
  EXPECT_CALL(os_, Open).Times(0);
  EXPECT_CALL(os_, UnlinkAt).Times(0);
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(daemon->RemovePidFile(), IsOk());
}

TEST_F(ForegroundDaemonTest, RelativeWorkingDirectoryInAChrootIsFromItsRoot) {
  options_.chroot_directory = "/srv/jail";
  options_.working_directory = "app";
  EXPECT_CALL(os_, Open).Times(AnyNumber());
  EXPECT_CALL(
      os_, Open(StrEq("/srv/jail/app"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0));
  InSequence in_order;
  EXPECT_CALL(os_, Chroot(StrEq("/srv/jail")));
  // Not "app": chroot(2) leaves the working directory outside the jail.
  EXPECT_CALL(os_, Chdir(StrEq("/app")));
  EXPECT_THAT(Detach(options_, os_), IsOk());
}

TEST_F(ForegroundDaemonTest, DirectoryKeptInAChrootIsRefusedBeforeAnything) {
  constexpr int kKept = 40;
  struct stat directory = {};
  directory.st_mode = S_IFDIR | 0755;
  ON_CALL(os_, FStat(kKept, _))
      .WillByDefault(
          DoAll(SetArgPointee<1>(directory), Return(SysCallSuccess())));
  options_.keep_fds = {kKept};
  EXPECT_THAT(Detach(options_, os_), IsOk()) << "without a chroot";

  options_.chroot_directory = "/srv/jail";
  EXPECT_CALL(os_, Chroot).Times(0);
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kInvalidArgument,
                               "kept descriptor 40 is a directory, which "
                               "would let the daemon leave its chroot"));
  EXPECT_THAT(daemon, HasExitCode(EX_USAGE));
}

TEST_F(ForegroundDaemonTest, StreamThatIsADirectoryInAChrootIsRefused) {
  constexpr int kOpenedStdin = 30;
  struct stat directory = {};
  directory.st_mode = S_IFDIR | 0755;
  options_.chroot_directory = "/srv/jail";
  // Left as it is in foreground mode.
  ON_CALL(os_, FStat(STDERR_FILENO, _))
      .WillByDefault(
          DoAll(SetArgPointee<1>(directory), Return(SysCallSuccess())));
  EXPECT_CALL(os_, Chroot).Times(0);
  EXPECT_THAT(Detach(options_, os_),
              HasMessage("stderr is a directory, which would let the daemon "
                         "leave its chroot"));

  // Opened from stdin_path: refused, and closed.
  ON_CALL(os_, Open(StrEq("/srv"), _, _))
      .WillByDefault(Return(SysCallSuccess(kOpenedStdin)));
  ON_CALL(os_, FStat(kOpenedStdin, _))
      .WillByDefault(
          DoAll(SetArgPointee<1>(directory), Return(SysCallSuccess())));
  options_.stdin_path = "/srv";
  EXPECT_CALL(os_, Close).Times(AnyNumber());
  EXPECT_CALL(os_, Close(kOpenedStdin)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(Detach(options_, os_),
              HasMessage("stdin is a directory, which would let the daemon "
                         "leave its chroot"));
}

TEST_F(ForegroundDaemonTest, DescriptorThatCannotBeCheckedInAChrootIsRefused) {
  options_.chroot_directory = "/srv/jail";
  // A standard stream the caller closed leads nowhere.
  ON_CALL(os_, FStat(STDIN_FILENO, _))
      .WillByDefault(Return(SysCallFailure(EBADF)));
  EXPECT_THAT(Detach(options_, os_), IsOk());

  ON_CALL(os_, FStat(40, _)).WillByDefault(Return(SysCallFailure(ENOMEM)));
  options_.keep_fds = {40};
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  EXPECT_THAT(daemon, HasMessage("checking kept descriptor 40 failed: Cannot "
                                 "allocate memory"));
  EXPECT_THAT(daemon, HasExitCode(EX_OSERR));
}

TEST_F(ForegroundDaemonTest, FailedCoreDumpLimitIsReturnedByDetach) {
  options_.disable_core_dumps = true;
  EXPECT_CALL(os_, SetRLimit(RLIMIT_CORE, _))
      .WillOnce(Invoke([](int, const struct rlimit* limit) {
        EXPECT_EQ(limit->rlim_cur, 0u);
        EXPECT_EQ(limit->rlim_max, 0u);
        return SysCallFailure(EPERM);
      }));
  EXPECT_THAT(
      Detach(options_, os_),
      HasMessage("disabling core dumps failed: Operation not permitted"));
}

TEST_F(ForegroundDaemonTest, FailedClearEnvIsReturnedByDetach) {
  options_.clear_environment = true;
  options_.set_environment = {"A=1"};
  EXPECT_CALL(os_, ClearEnv()).WillOnce(Return(SysCallFailure(ENOMEM)));
  EXPECT_CALL(os_, SetEnv).Times(0);
  EXPECT_THAT(
      Detach(options_, os_),
      HasMessage("clearing the environment failed: Cannot allocate memory"));
}

TEST_F(ForegroundDaemonTest, FailedSetEnvIsReturnedByDetach) {
  options_.set_environment = {"A=1", "B=2"};
  InSequence in_order;
  EXPECT_CALL(os_, SetEnv(StrEq("A"), StrEq("1")))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetEnv(StrEq("B"), StrEq("2")))
      .WillOnce(Return(SysCallFailure(ENOMEM)));
  EXPECT_THAT(Detach(options_, os_),
              HasMessage("setting B failed: Cannot allocate memory"));
}

TEST_F(ForegroundDaemonTest, FailedSetUpRemovesThePidFileItAcquired) {
  struct stat file = {};
  file.st_mode = S_IFREG | 0644;
  file.st_ino = 7;
  ON_CALL(os_, FStat)
      .WillByDefault(DoAll(SetArgPointee<1>(file), Return(SysCallSuccess())));
  ON_CALL(os_, FStatAt)
      .WillByDefault(DoAll(SetArgPointee<2>(file), Return(SysCallSuccess())));
  options_.pid_file = "/run/app.pid";
  EXPECT_CALL(os_, Chdir).WillOnce(Return(SysCallFailure(EACCES)));
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq("app.pid"), 0));
  EXPECT_THAT(Detach(options_, os_),
              HasMessage("chdir to / failed: Permission denied"));
}

TEST_F(ForegroundDaemonTest, PidFileThatCannotBeHandedToTheUserIsRemoved) {
  constexpr int kPidDirFd = 22;
  constexpr int kPidFd = 21;
  StrictMock<MockUserDatabase> users;
  EXPECT_CALL(users, UserByName("nobody"))
      .WillOnce(
          Return(LookupResult<UserEntry>{UserEntry{"nobody", 65534, 65534}}));
  EXPECT_CALL(users, GroupsOf("nobody", 65534))
      .WillOnce(Return(LookupResult<std::vector<gid_t>>{{{65534}}}));
  struct stat directory = {};
  directory.st_mode = S_IFDIR | 0755;
  directory.st_uid = 65534;  // Writable by the user.
  struct stat file = {};
  file.st_mode = S_IFREG | 0644;
  file.st_ino = 7;
  ON_CALL(os_, Open(StrEq("/run/app"), _, _))
      .WillByDefault(Return(SysCallSuccess(kPidDirFd)));
  ON_CALL(os_, Open(StrEq("/run/app/app.pid"), _, _))
      .WillByDefault(Return(SysCallSuccess(kPidFd)));
  ON_CALL(os_, FStat(kPidDirFd, _))
      .WillByDefault(
          DoAll(SetArgPointee<1>(directory), Return(SysCallSuccess())));
  ON_CALL(os_, FStat(kPidFd, _))
      .WillByDefault(DoAll(SetArgPointee<1>(file), Return(SysCallSuccess())));
  ON_CALL(os_, FStatAt)
      .WillByDefault(DoAll(SetArgPointee<2>(file), Return(SysCallSuccess())));
  options_.foreground = false;
  options_.user = "nobody";
  options_.pid_file = "/run/app/app.pid";
  EXPECT_CALL(os_, FChown(kPidFd, 65534, 65534))
      .WillOnce(Return(SysCallFailure(EPERM)));
  EXPECT_CALL(os_, UnlinkAt(kPidDirFd, StrEq("app.pid"), 0));
  EXPECT_CALL(os_, Fork).Times(0);
  absl::StatusOr<Daemon> daemon = Detach(options_, os_, users);
  EXPECT_THAT(daemon, HasMessage("handing pid file /run/app/app.pid to user "
                                 "nobody failed: Operation not permitted"));
  EXPECT_THAT(daemon, HasExitCode(EX_CANTCREAT));
}

TEST_F(ForegroundDaemonTest, MissingPidFileDirectoryIsReportedAsSuchWithAUser) {
  NiceMock<MockUserDatabase> users;
  ON_CALL(users, UserByName("nobody"))
      .WillByDefault(
          Return(LookupResult<UserEntry>{UserEntry{"nobody", 65534, 65534}}));
  ON_CALL(users, GroupsOf)
      .WillByDefault(Return(LookupResult<std::vector<gid_t>>{{{65534}}}));
  ON_CALL(os_, Open(StrEq("/run/app"), _, _))
      .WillByDefault(Return(SysCallFailure(ENOENT)));
  options_.user = "nobody";
  options_.pid_file = "/run/app/app.pid";
  absl::StatusOr<Daemon> daemon = Detach(options_, os_, users);
  EXPECT_THAT(daemon,
              HasMessage("opening pid file /run/app/app.pid failed: No such "
                         "file or directory"));
  EXPECT_THAT(daemon, HasExitCode(EX_CANTCREAT));
}

TEST_F(ForegroundDaemonTest, FailTellsTheServiceManagerItsStatus) {
  ON_CALL(os_, GetEnv(StrEq("NOTIFY_SOCKET")))
      .WillByDefault(Return("/run/systemd/notify"));
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  std::string sent;
  EXPECT_CALL(os_, Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0))
      .WillOnce(Return(SysCallSuccess(9)));
  EXPECT_CALL(os_, SendTo(9, _, _, MSG_NOSIGNAL, _, _))
      .WillOnce(Invoke([&](int, const void* buffer, size_t size, int,
                           const struct sockaddr*, socklen_t) {
        sent.assign(static_cast<const char*>(buffer), size);
        return SysCallSizeResult{static_cast<ssize_t>(size), 0};
      }));
  EXPECT_CALL(os_, Close(9));
  EXPECT_THAT(daemon->Fail(absl::NotFoundError("no config"), EX_CONFIG),
              IsOk());
  EXPECT_EQ(sent, "STATUS=no config");
}

// In foreground mode the service manager is the only one to hear of the
// start; when it cannot, no one will, as when the launcher is gone.
TEST_F(ForegroundDaemonTest, ReadyThatCannotTellTheServiceManagerGivesBack) {
  struct stat file = {};
  file.st_mode = S_IFREG | 0644;
  file.st_ino = 7;
  ON_CALL(os_, FStat)
      .WillByDefault(DoAll(SetArgPointee<1>(file), Return(SysCallSuccess())));
  ON_CALL(os_, FStatAt)
      .WillByDefault(DoAll(SetArgPointee<2>(file), Return(SysCallSuccess())));
  ON_CALL(os_, GetEnv(StrEq("NOTIFY_SOCKET")))
      .WillByDefault(Return("/run/systemd/notify"));
  options_.pid_file = "/run/app.pid";
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  InSequence in_order;
  EXPECT_CALL(os_, Socket).WillOnce(Return(SysCallSuccess(9)));
  EXPECT_CALL(os_, SendTo(9, _, _, _, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, ECONNREFUSED}));
  EXPECT_CALL(os_, Close(9));
  EXPECT_CALL(os_, UnlinkAt(kDirFd, StrEq("app.pid"), 0));
  EXPECT_CALL(os_, Close(kDirFd)).Times(2);  // The file and its directory.
  const absl::Status ready = daemon->Ready();
  EXPECT_THAT(ready, HasMessage("notifying /run/systemd/notify failed: "
                                "Connection refused"));
  EXPECT_THAT(ready, HasExitCode(EX_UNAVAILABLE));
}

TEST_F(ForegroundDaemonTest, NothingAfterFailNorAfterReady) {
  absl::StatusOr<Daemon> failed = Detach(options_, os_);
  ASSERT_THAT(failed, IsOk());
  EXPECT_THAT(failed->Fail(absl::UnknownError("x"), 1), IsOk());
  EXPECT_THAT(failed->Fail(absl::UnknownError("x"), 1),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(failed->Ready(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_CALL(os_, ExecVe).Times(0);
  EXPECT_THAT(failed->Exec({"/bin/true"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  absl::StatusOr<Daemon> ready = Detach(options_, os_);
  ASSERT_THAT(ready, IsOk());
  EXPECT_THAT(ready->Ready(), IsOk());
  EXPECT_THAT(ready->Fail(absl::UnknownError("x"), 1),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ready->Exec({"/bin/true"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ForegroundDaemonTest, ExecWithoutAProgramIsRefusedAndChangesNothing) {
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_CALL(os_, ExecVe).Times(0);
  EXPECT_THAT(daemon->Exec({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "Exec() needs a program to run"));
  EXPECT_THAT(daemon->Exec({"", "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(daemon->Ready(), IsOk()) << "the daemon can still start";
}

MATCHER_P(ArgvIs, expected, "") {
  std::vector<std::string> argv;
  for (char* const* word = arg; *word != nullptr; ++word) argv.push_back(*word);
  *result_listener << "whose words are " << ::testing::PrintToString(argv);
  return argv == expected;
}

TEST_F(ForegroundDaemonTest, ExecSearchesEachPathDirectoryInOrder) {
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  const std::vector<std::string> argv = {"prog", "--flag"};
  EXPECT_CALL(os_, GetEnv(StrEq("PATH"))).WillOnce(Return("/a::/b"));
  {
    InSequence in_order;
    // An empty entry is the working directory, as for execvp(3).
    for (const char* candidate : {"/a/prog", "./prog", "/b/prog"}) {
      EXPECT_CALL(os_, ExecVe(StrEq(candidate), ArgvIs(argv), environ))
          .WillOnce(Return(SysCallFailure(ENOENT)));
    }
  }
  const absl::Status failed = daemon->Exec(argv);
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kNotFound,
                               "cannot run prog: No such file or directory"));
  EXPECT_THAT(failed, HasExitCode(127));
}

TEST_F(ForegroundDaemonTest, ExecFoundButRefusedSomewhereIsPermissionDenied) {
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_CALL(os_, GetEnv(StrEq("PATH"))).WillOnce(Return("/a:/b"));
  EXPECT_CALL(os_, ExecVe(StrEq("/a/prog"), _, _))
      .WillOnce(Return(SysCallFailure(EACCES)));
  EXPECT_CALL(os_, ExecVe(StrEq("/b/prog"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  const absl::Status failed = daemon->Exec({"prog"});
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kPermissionDenied,
                               "cannot run prog: Permission denied"));
  EXPECT_THAT(failed, HasExitCode(126));
}

TEST_F(ForegroundDaemonTest, ExecStopsSearchingAtAFileThatCannotRun) {
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_CALL(os_, GetEnv(StrEq("PATH"))).WillOnce(Return("/a:/b"));
  EXPECT_CALL(os_, ExecVe(StrEq("/a/prog"), _, _))
      .WillOnce(Return(SysCallFailure(ENOEXEC)));
  EXPECT_CALL(os_, ExecVe(StrEq("/b/prog"), _, _)).Times(0);
  const absl::Status failed = daemon->Exec({"prog"});
  EXPECT_THAT(failed, HasMessage("cannot run prog: Exec format error"));
  EXPECT_THAT(failed, HasExitCode(126));
}

TEST_F(ForegroundDaemonTest, ExecWithoutPathSearchesExecvpsDefault) {
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_CALL(os_, GetEnv(StrEq("PATH"))).WillOnce(Return(nullptr));
  InSequence in_order;
  for (const char* candidate :
       {"/usr/local/bin/prog", "/usr/bin/prog", "/bin/prog"}) {
    EXPECT_CALL(os_, ExecVe(StrEq(candidate), _, _))
        .WillOnce(Return(SysCallFailure(ENOENT)));
  }
  EXPECT_THAT(daemon->Exec({"prog"}), HasExitCode(127));
}

TEST_F(ForegroundDaemonTest, ExecOfAPathIsNotSearched) {
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_CALL(os_, GetEnv(StrEq("PATH"))).Times(0);
  EXPECT_CALL(os_,
              ExecVe(StrEq("bin/prog"),
                     ArgvIs(std::vector<std::string>{"bin/prog"}), environ))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_THAT(daemon->Exec({"bin/prog"}),
              HasMessage("cannot run bin/prog: No such file or directory"));
}

TEST_F(ForegroundDaemonTest, ExecHandsThePidFileLockToTheProgramUntilItFails) {
  constexpr int kPidFd = 21;
  struct stat file = {};
  file.st_mode = S_IFREG | 0644;
  file.st_ino = 7;
  ON_CALL(os_, FStat)
      .WillByDefault(DoAll(SetArgPointee<1>(file), Return(SysCallSuccess())));
  ON_CALL(os_, FStatAt)
      .WillByDefault(DoAll(SetArgPointee<2>(file), Return(SysCallSuccess())));
  ON_CALL(os_, Open(StrEq("/run/app.pid"), _, _))
      .WillByDefault(Return(SysCallSuccess(kPidFd)));
  options_.pid_file = "/run/app.pid";
  absl::StatusOr<Daemon> daemon = Detach(options_, os_);
  ASSERT_THAT(daemon, IsOk());
  InSequence in_order;
  EXPECT_CALL(os_, Fcntl(kPidFd, F_SETFD, 0));
  EXPECT_CALL(os_, ExecVe(StrEq("/bin/prog"), _, _))
      .WillOnce(Return(SysCallFailure(EACCES)));
  EXPECT_CALL(os_, Fcntl(kPidFd, F_SETFD, FD_CLOEXEC));
  EXPECT_THAT(daemon->Exec({"/bin/prog"}), HasExitCode(126));
}

}  // namespace
}  // namespace daemonkit
