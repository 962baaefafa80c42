// SignalWaiter: mock-driven for its retry and error paths, and against the
// real kernel for what a daemon's loop relies on.

#include "daemonkit/signal_waiter.h"

#include <errno.h>
#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace daemonkit {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;

MATCHER_P(HoldsOnly, signal, "") {
  sigset_t expected;
  sigemptyset(&expected);
  sigaddset(&expected, signal);
  for (int s = 1; s < NSIG; ++s) {
    if (sigismember(arg, s) != sigismember(&expected, s)) return false;
  }
  return true;
}

MATCHER_P(LastsMs, ms, "") {
  return arg != nullptr && arg->tv_sec * 1000 + arg->tv_nsec / 1000000 == ms;
}

// A ClockGetTime action that reads `ms` milliseconds.
auto ClockAt(int64_t ms) {
  return [ms](clockid_t, struct timespec* now) {
    now->tv_sec = ms / 1000;
    now->tv_nsec = (ms % 1000) * 1000000;
    return SysCallSuccess();
  };
}

TEST(SignalWaiterTest, BlocksTheSignalsAndReturnsOneThatArrives) {
  StrictMock<MockOs> os;
  InSequence in_order;
  EXPECT_CALL(os, SigProcMask(SIG_BLOCK, HoldsOnly(SIGTERM), nullptr))
      .WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<SignalWaiter> waiter = SignalWaiter::Block({SIGTERM}, os);
  ASSERT_TRUE(waiter.ok());
  EXPECT_CALL(os, ClockGetTime(CLOCK_MONOTONIC, _))
      .WillOnce(Invoke(ClockAt(0)));
  EXPECT_CALL(os, SigTimedWait(HoldsOnly(SIGTERM), nullptr, LastsMs(500)))
      .WillOnce(Return(SysCallSuccess(SIGTERM)));
  EXPECT_EQ(*waiter->Wait(absl::Milliseconds(500)), SIGTERM);
}

TEST(SignalWaiterTest, TimeoutIsZeroAndInterruptionsWaitOnlyForTheRest) {
  StrictMock<MockOs> os;
  InSequence in_order;
  EXPECT_CALL(os, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<SignalWaiter> waiter = SignalWaiter::Block({SIGHUP}, os);
  ASSERT_TRUE(waiter.ok());
  EXPECT_CALL(os, ClockGetTime(CLOCK_MONOTONIC, _))
      .WillOnce(Invoke(ClockAt(1000)));
  EXPECT_CALL(os, SigTimedWait(_, nullptr, LastsMs(500)))
      .WillOnce(Return(SysCallFailure(EINTR)));
  EXPECT_CALL(os, ClockGetTime(CLOCK_MONOTONIC, _))
      .WillOnce(Invoke(ClockAt(1300)));
  EXPECT_CALL(os, SigTimedWait(_, nullptr, LastsMs(200)))
      .WillOnce(Return(SysCallFailure(EAGAIN)));
  EXPECT_EQ(*waiter->Wait(absl::Milliseconds(500)), 0);
}

TEST(SignalWaiterTest, FailuresNameTheStep) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallFailure(EINVAL)));
  EXPECT_EQ(SignalWaiter::Block({SIGHUP}, os).status().message(),
            "blocking signals failed: Invalid argument");
  EXPECT_EQ(SignalWaiter::Block({12345}, os).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SignalWaiterTest, RealPendingSignalIsTakenAtOnceAndTimeoutsWait) {
  absl::StatusOr<SignalWaiter> waiter = SignalWaiter::Block({SIGUSR1});
  ASSERT_TRUE(waiter.ok());
  const absl::Time start = absl::Now();
  EXPECT_EQ(*waiter->Wait(absl::Milliseconds(50)), 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  raise(SIGUSR1);  // Blocked: pending, not delivered.
  EXPECT_EQ(*waiter->Wait(absl::Seconds(30)), SIGUSR1);
  EXPECT_EQ(*waiter->Wait(absl::ZeroDuration()), 0) << "taken, not pending";
}

TEST(SignalWaiterTest, UnreadableClockIsReportedBeforeOrAfterWaiting) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<SignalWaiter> waiter = SignalWaiter::Block({SIGHUP}, os);
  ASSERT_TRUE(waiter.ok());
  {
    InSequence in_order;
    EXPECT_CALL(os, ClockGetTime(CLOCK_MONOTONIC, _))
        .WillOnce(Return(SysCallFailure(EINVAL)));
    // Interrupted, then the clock fails when the rest of the wait is due.
    EXPECT_CALL(os, ClockGetTime(CLOCK_MONOTONIC, _))
        .WillOnce(Invoke(ClockAt(0)));
    EXPECT_CALL(os, SigTimedWait).WillOnce(Return(SysCallFailure(EINTR)));
    EXPECT_CALL(os, ClockGetTime(CLOCK_MONOTONIC, _))
        .WillOnce(Return(SysCallFailure(EINVAL)));
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(waiter->Wait(absl::Seconds(1)).status().message(),
              "reading the monotonic clock failed: Invalid argument");
  }
}

TEST(SignalWaiterTest, FailedWaitOtherThanTimeoutOrInterruptionIsReported) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, SigProcMask(SIG_BLOCK, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<SignalWaiter> waiter = SignalWaiter::Block({SIGHUP}, os);
  ASSERT_TRUE(waiter.ok());
  EXPECT_CALL(os, ClockGetTime(CLOCK_MONOTONIC, _))
      .WillOnce(Invoke(ClockAt(0)));
  EXPECT_CALL(os, SigTimedWait).WillOnce(Return(SysCallFailure(EINVAL)));
  EXPECT_EQ(waiter->Wait(absl::Seconds(1)).status().message(),
            "waiting for signals failed: Invalid argument");
}

}  // namespace
}  // namespace daemonkit
