// The supervisor's signals (src/supervisor_signals.h): what it does with each
// one, which ones it takes, and how it takes them (SIGPIPE ignored, the rest
// blocked and read from a signalfd), each failing step named.

#include "src/supervisor_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sysexits.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatusIs;
using ::testing::_;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;

constexpr int kSignalFd = 9;

// Whether `signal` can be in a sigset_t at all: the C library keeps 32 and 33
// for its threads and refuses them.
bool CanBeInASet(int signal) {
  sigset_t set;
  sigemptyset(&set);
  return sigaddset(&set, signal) == 0;
}

MATCHER(IsSupervisedSet, "is SupervisedSignals()") {
  if (arg == nullptr) return false;
  const sigset_t expected = SupervisedSignals();
  for (int signal = 1; signal < NSIG; ++signal) {
    if (sigismember(arg, signal) != sigismember(&expected, signal)) {
      *result_listener << "differs at signal " << signal;
      return false;
    }
  }
  return true;
}

MATCHER(IgnoresTheSignal, "sets SIG_IGN") {
  return arg != nullptr && arg->sa_handler == SIG_IGN;
}

TEST(RouteSignalTest, TermAndIntStopTheService) {
  EXPECT_EQ(RouteSignal(SIGTERM), SignalRoute::kStop);
  EXPECT_EQ(RouteSignal(SIGINT), SignalRoute::kStop);
}

TEST(RouteSignalTest, HupReopensTheSupervisorsOutputs) {
  EXPECT_EQ(RouteSignal(SIGHUP), SignalRoute::kReopen);
}

TEST(RouteSignalTest, ChldReaps) {
  EXPECT_EQ(RouteSignal(SIGCHLD), SignalRoute::kReap);
}

TEST(RouteSignalTest, EveryOtherSignalGoesToTheWorker) {
  for (int signal :
       {SIGUSR1, SIGUSR2, SIGQUIT, SIGWINCH, SIGALRM, SIGCONT, SIGTSTP, SIGTTIN,
        SIGTTOU, SIGURG, SIGPWR, SIGRTMIN, SIGRTMIN + 3, SIGRTMAX}) {
    EXPECT_EQ(RouteSignal(signal), SignalRoute::kForward) << signal;
  }
}

TEST(SupervisedSignalsTest, LeavesOutWhatCannotBeCaughtFaultsAndSigpipe) {
  const sigset_t set = SupervisedSignals();
  for (int signal : {SIGKILL, SIGSTOP, SIGPIPE, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                     SIGTRAP, SIGSYS}) {
    EXPECT_EQ(sigismember(&set, signal), 0) << signal;
  }
}

TEST(SupervisedSignalsTest, TakesEveryOtherSignal) {
  const sigset_t set = SupervisedSignals();
  for (int signal :
       {SIGTERM, SIGINT,   SIGHUP,    SIGCHLD, SIGUSR1,   SIGUSR2,
        SIGQUIT, SIGWINCH, SIGALRM,   SIGCONT, SIGTSTP,   SIGTTIN,
        SIGTTOU, SIGURG,   SIGXCPU,   SIGXFSZ, SIGVTALRM, SIGPROF,
        SIGPWR,  SIGIO,    SIGSTKFLT, SIGABRT, SIGRTMIN,  SIGRTMAX}) {
    EXPECT_EQ(sigismember(&set, signal), 1) << signal;
  }
  int taken = 0;
  for (int signal = 1; signal < NSIG; ++signal) {
    if (sigismember(&set, signal) == 1) {
      ++taken;
    } else if (CanBeInASet(signal)) {
      EXPECT_THAT(signal,
                  ::testing::AnyOf(SIGKILL, SIGSTOP, SIGPIPE, SIGSEGV, SIGBUS,
                                   SIGILL, SIGFPE, SIGTRAP, SIGSYS))
          << "signal " << signal << " is left out";
    }
  }
  // 31 standard signals but 9, and 64 - 34 + 1 real-time ones.
  EXPECT_EQ(taken, 22 + (SIGRTMAX - SIGRTMIN + 1));
}

class TakeSupervisedSignalsTest : public ::testing::Test {
 protected:
  StrictMock<MockOs> os_;
};

TEST_F(TakeSupervisedSignalsTest, IgnoresSigpipeBlocksTheRestAndReadsThem) {
  {
    InSequence in_order;
    EXPECT_CALL(os_, SigAction(SIGPIPE, IgnoresTheSignal(), nullptr))
        .WillOnce(Return(SysCallSuccess()));
    // Blocked before the signalfd is made: none may act in between.
    EXPECT_CALL(os_, SigProcMask(SIG_BLOCK, IsSupervisedSet(), nullptr))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_,
                SignalFd(-1, IsSupervisedSet(), SFD_CLOEXEC | SFD_NONBLOCK))
        .WillOnce(Return(SysCallSuccess(kSignalFd)));
    EXPECT_CALL(os_, Close(kSignalFd)).WillOnce(Return(SysCallSuccess()));
  }
  absl::StatusOr<UniqueFd> taken = TakeSupervisedSignals(os_);
  ASSERT_THAT(taken, IsOk());
  EXPECT_EQ(taken->get(), kSignalFd);
}

TEST_F(TakeSupervisedSignalsTest, MovesASignalFdOnAStandardStreamAboveIt) {
  // Started with stderr closed: the signalfd got 2, where the daemon's
  // stderr goes next.
  InSequence in_order;
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SignalFd(-1, _, _)).WillOnce(Return(SysCallSuccess(2)));
  EXPECT_CALL(os_, Fcntl(2, F_DUPFD_CLOEXEC, 3))
      .WillOnce(Return(SysCallSuccess(kSignalFd)));
  EXPECT_CALL(os_, Close(2)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kSignalFd)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<UniqueFd> taken = TakeSupervisedSignals(os_);
  ASSERT_THAT(taken, IsOk());
  EXPECT_EQ(taken->get(), kSignalFd);
}

TEST_F(TakeSupervisedSignalsTest, ReportsAFailureToIgnoreSigpipe) {
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallFailure(EINVAL)));
  absl::StatusOr<UniqueFd> taken = TakeSupervisedSignals(os_);
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kInvalidArgument,
                              "ignoring SIGPIPE failed: Invalid argument"));
  EXPECT_THAT(taken, HasExitCode(EX_OSERR));
}

TEST_F(TakeSupervisedSignalsTest, ReportsAFailureToBlockTheSignals) {
  InSequence in_order;
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallFailure(EINVAL)));
  absl::StatusOr<UniqueFd> taken = TakeSupervisedSignals(os_);
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kInvalidArgument,
                              "blocking signals failed: Invalid argument"));
  EXPECT_THAT(taken, HasExitCode(EX_OSERR));
}

TEST_F(TakeSupervisedSignalsTest, ReportsAFailureToOpenTheSignalFd) {
  InSequence in_order;
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SignalFd(-1, _, _)).WillOnce(Return(SysCallFailure(EMFILE)));
  absl::StatusOr<UniqueFd> taken = TakeSupervisedSignals(os_);
  EXPECT_THAT(taken,
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "opening a signalfd failed: Too many open files"));
  EXPECT_THAT(taken, HasExitCode(EX_OSERR));
}

TEST_F(TakeSupervisedSignalsTest, ReportsAFailureToMoveTheSignalFd) {
  InSequence in_order;
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SignalFd(-1, _, _)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Fcntl(0, F_DUPFD_CLOEXEC, 3))
      .WillOnce(Return(SysCallFailure(EMFILE)));
  EXPECT_CALL(os_, Close(0)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<UniqueFd> taken = TakeSupervisedSignals(os_);
  EXPECT_THAT(taken,
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "opening a signalfd failed: Too many open files"));
  EXPECT_THAT(taken, HasExitCode(EX_OSERR));
}

}  // namespace
}  // namespace daemonkit::internal
