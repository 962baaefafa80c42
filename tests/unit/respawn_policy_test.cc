// RespawnPolicy: the supervisor's back-off and start limit, against a fake
// clock (absl::Time values the test advances); EndedInFailure against the
// wait statuses of real children.
#include "daemonkit/respawn_policy.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace daemonkit {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

constexpr absl::Time kStart = absl::UnixEpoch();

// Defaults but for these.
RespawnOptions Options(absl::Duration initial_delay, absl::Duration max_delay,
                       int limit_starts) {
  RespawnOptions options;
  options.initial_delay = initial_delay;
  options.max_delay = max_delay;
  options.limit_starts = limit_starts;
  return options;
}

RespawnOptions LimitOf(int limit_starts) {
  RespawnOptions options;
  options.limit_starts = limit_starts;
  return options;
}

// Seconds since kStart, for readable expectations.
absl::Time At(double seconds) { return kStart + absl::Seconds(seconds); }

// An instance that crashes as soon as it starts, restarted until the policy
// gives up (at most `most` starts): the times it started at.
std::vector<absl::Time> CrashLoop(RespawnPolicy& policy, int most) {
  std::vector<absl::Time> starts;
  absl::Time now = kStart;
  for (int i = 0; i < most; ++i) {
    policy.Started(now);
    starts.push_back(now);
    const std::optional<absl::Duration> delay = policy.NextDelay(now);
    if (!delay.has_value()) break;
    now += *delay;
  }
  return starts;
}

TEST(RespawnPolicyTest, DefaultsGiveUpOnTheFifthCrashInARow) {
  RespawnPolicy policy(RespawnOptions{});
  EXPECT_THAT(CrashLoop(policy, 100),
              ElementsAre(At(0), At(0.1), At(0.3), At(0.7), At(1.5)));
  EXPECT_EQ(policy.starts(), 5);
}

TEST(RespawnPolicyTest, DelayDoublesUpToMaxDelay) {
  RespawnPolicy policy(Options(absl::Seconds(1), absl::Seconds(5), 0));
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 6; ++i) {
    policy.Started(At(0));
    delays.push_back(policy.NextDelay(At(0)).value());
  }
  EXPECT_THAT(delays, ElementsAre(absl::Seconds(1), absl::Seconds(2),
                                  absl::Seconds(4), absl::Seconds(5),
                                  absl::Seconds(5), absl::Seconds(5)));
}

TEST(RespawnPolicyTest, InitialDelayAboveMaxDelayWaitsMaxDelay) {
  RespawnPolicy policy(Options(absl::Seconds(9), absl::Seconds(5), 0));
  policy.Started(At(0));
  EXPECT_THAT(policy.NextDelay(At(0)), Optional(absl::Seconds(5)));
}

TEST(RespawnPolicyTest, DelayNeverOverflowsAfterThousandsOfFailures) {
  const absl::Duration max_delay = absl::Hours(24);
  RespawnPolicy policy(Options(absl::Nanoseconds(1), max_delay, 0));
  std::optional<absl::Duration> delay;
  for (int i = 0; i < 10000; ++i) {
    policy.Started(At(0));
    delay = policy.NextDelay(At(0));
    ASSERT_TRUE(delay.has_value());
    ASSERT_GT(*delay, absl::ZeroDuration()) << "failure " << i + 1;
    ASSERT_LE(*delay, max_delay) << "failure " << i + 1;
  }
  EXPECT_EQ(*delay, max_delay);
}

// Three failures in a row (delays 100, 200 and 400 ms), then an instance
// started at `started` and ready at `ready`.
RespawnPolicy AfterThreeFailures(absl::Time started, absl::Time ready) {
  RespawnPolicy policy(Options(absl::Milliseconds(100), absl::Seconds(1), 0));
  for (int i = 0; i < 3; ++i) {
    policy.Started(At(0));
    policy.NextDelay(At(0));
  }
  policy.Started(started);
  policy.Ready(ready);
  return policy;
}

TEST(RespawnPolicyTest, InstanceReadyLongerThanMaxDelayRestartsTheDoubling) {
  RespawnPolicy policy = AfterThreeFailures(At(10), At(10));
  EXPECT_THAT(policy.NextDelay(At(11) + absl::Nanoseconds(1)),
              Optional(absl::Milliseconds(100)));
}

TEST(RespawnPolicyTest, InstanceReadyForMaxDelayKeepsDoubling) {
  RespawnPolicy exactly = AfterThreeFailures(At(10), At(10));
  EXPECT_THAT(exactly.NextDelay(At(11)), Optional(absl::Milliseconds(800)));

  RespawnPolicy less = AfterThreeFailures(At(10), At(10));
  EXPECT_THAT(less.NextDelay(At(10.5)), Optional(absl::Milliseconds(800)));
}

TEST(RespawnPolicyTest, ReadyTimeCountsNotRunningTime) {
  // Ran for 2 s, but was ready for 0.5 s only.
  RespawnPolicy policy = AfterThreeFailures(At(10), At(11.5));
  EXPECT_THAT(policy.NextDelay(At(12)), Optional(absl::Milliseconds(800)));
}

TEST(RespawnPolicyTest, ReadyAgainKeepsTheFirstReadyTime) {
  RespawnPolicy policy = AfterThreeFailures(At(10), At(10));
  policy.Ready(At(11));
  EXPECT_THAT(policy.NextDelay(At(11.5)), Optional(absl::Milliseconds(100)));
}

TEST(RespawnPolicyTest, ReadinessIsForgottenWhenTheNextInstanceStarts) {
  RespawnPolicy policy = AfterThreeFailures(At(10), At(10));
  EXPECT_THAT(policy.NextDelay(At(10.5)), Optional(absl::Milliseconds(800)));
  policy.Started(At(11.3));  // Never ready.
  EXPECT_THAT(policy.NextDelay(At(20)), Optional(absl::Seconds(1)));
}

TEST(RespawnPolicyTest, SlowCrashLoopNeverGivesUp) {
  RespawnPolicy policy(RespawnOptions{});
  absl::Time now = kStart;
  for (int i = 0; i < 1000; ++i) {
    policy.Started(now);
    now += absl::Seconds(11);  // Fails more than limit_interval later.
    const std::optional<absl::Duration> delay = policy.NextDelay(now);
    ASSERT_TRUE(delay.has_value()) << "failure " << i + 1;
    now += *delay;
  }
  EXPECT_EQ(policy.starts(), 1000);
}

TEST(RespawnPolicyTest, LimitCountsTheStartsBeforeTheNextOne) {
  // A constant 1 s delay; at most 2 starts within any 10 s.
  const RespawnOptions options = Options(absl::Seconds(1), absl::Seconds(1), 2);
  // Starts at 0 and 1: the next at 10 makes the window (0, 10], which holds
  // only the start at 1.
  RespawnPolicy in_time(options);
  in_time.Started(At(0));
  ASSERT_THAT(in_time.NextDelay(At(0)), Optional(absl::Seconds(1)));
  in_time.Started(At(1));
  EXPECT_THAT(in_time.NextDelay(At(9)), Optional(absl::Seconds(1)));

  // 1 ns sooner, the start at 0 is in the window too: a third start in 10 s.
  RespawnPolicy too_soon(options);
  too_soon.Started(At(0));
  ASSERT_THAT(too_soon.NextDelay(At(0)), Optional(absl::Seconds(1)));
  too_soon.Started(At(1));
  EXPECT_EQ(too_soon.NextDelay(At(9) - absl::Nanoseconds(1)), std::nullopt);
}

TEST(RespawnPolicyTest, LimitCountsTheLatestStartsAfterManyRestarts) {
  // At most 3 starts within any 10 s; instances fail 3 s after they start,
  // restarted 1 s later: 2 or 3 starts in any 10 s, never more.
  RespawnPolicy policy(Options(absl::Seconds(1), absl::Seconds(1), 3));
  absl::Time now = kStart;
  for (int i = 0; i < 100; ++i) {
    policy.Started(now);
    now += absl::Seconds(3);
    ASSERT_THAT(policy.NextDelay(now), Optional(absl::Seconds(1)))
        << "failure " << i + 1;
    now += absl::Seconds(1);
  }
  // Then one that crashes at once: with the two before it, a fourth start
  // would be 9 s after the first of them.
  policy.Started(now);
  EXPECT_EQ(policy.NextDelay(now), std::nullopt);
}

TEST(RespawnPolicyTest, LimitZeroNeverGivesUp) {
  RespawnPolicy policy(LimitOf(0));
  EXPECT_EQ(CrashLoop(policy, 1000).size(), 1000u);
}

TEST(RespawnPolicyTest, LimitOneGivesUpAtTheFirstCrash) {
  RespawnPolicy policy(LimitOf(1));
  EXPECT_THAT(CrashLoop(policy, 100), ElementsAre(At(0)));
}

// The wait status of a child that ends with `_exit(code)`.
int StatusOfChildExiting(int code) {
  const pid_t pid = fork();
  if (pid == 0) _exit(code);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid) << strerror(errno);
  return status;
}

// The wait status of a child that raises `signal`.
int StatusOfChildKilledBy(int signal) {
  const pid_t pid = fork();
  if (pid == 0) {
    const rlimit no_core = {0, 0};  // SIGSEGV and SIGABRT would dump core.
    setrlimit(RLIMIT_CORE, &no_core);
    // Sanitizers handle SIGSEGV, and the test runner may ignore SIGPIPE.
    ::signal(signal, SIG_DFL);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, signal);
    sigprocmask(SIG_UNBLOCK, &signals, nullptr);
    raise(signal);
    _exit(127);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid) << strerror(errno);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal)
      << "wait status " << status << " for " << sigabbrev_np(signal);
  return status;
}

TEST(EndedInFailureTest, ExitZeroIsCleanAnyOtherExitAFailure) {
  EXPECT_FALSE(EndedInFailure(StatusOfChildExiting(0)));
  EXPECT_TRUE(EndedInFailure(StatusOfChildExiting(1)));
  EXPECT_TRUE(EndedInFailure(StatusOfChildExiting(255)));
}

TEST(EndedInFailureTest, SignalsThatAskToStopAreClean) {
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) {
    EXPECT_FALSE(EndedInFailure(StatusOfChildKilledBy(signal)))
        << sigabbrev_np(signal);
  }
}

TEST(EndedInFailureTest, OtherSignalsAreFailures) {
  for (int signal : {SIGKILL, SIGSEGV, SIGABRT}) {
    EXPECT_TRUE(EndedInFailure(StatusOfChildKilledBy(signal)))
        << sigabbrev_np(signal);
  }
}

TEST(EndedInFailureTest, StopAndContinueAreNotEnds) {
  const pid_t pid = fork();
  if (pid == 0) {
    raise(SIGSTOP);
    // Alive once continued: had it exited, waitpid(WCONTINUED) could have
    // reported the exit instead (it did once, under ASan and load).
    pause();
    _exit(0);
  }
  int stopped = 0;
  ASSERT_EQ(waitpid(pid, &stopped, WUNTRACED), pid) << strerror(errno);
  ASSERT_TRUE(WIFSTOPPED(stopped));
  ASSERT_EQ(kill(pid, SIGCONT), 0) << strerror(errno);
  int continued = 0;
  ASSERT_EQ(waitpid(pid, &continued, WCONTINUED), pid) << strerror(errno);
  ASSERT_TRUE(WIFCONTINUED(continued));
  ASSERT_EQ(kill(pid, SIGKILL), 0) << strerror(errno);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid) << strerror(errno);

  EXPECT_FALSE(EndedInFailure(stopped));
  EXPECT_FALSE(EndedInFailure(continued));
}

}  // namespace
}  // namespace daemonkit
