// The fault-injecting decorator itself: what it forwards, what it fails, and
// that its counting survives fork.

#include "mocks/fault_injecting_os.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <tuple>

#include "daemonkit/posix_os.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/forwarded_call.h"

namespace daemonkit {
namespace {

using Call = FaultInjectingOs::Call;
using Fault = FaultInjectingOs::Fault;
using ::daemonkit::test::CallAndExpectTargetsResult;
using ::daemonkit::test::CallWith;
using ::daemonkit::test::DistinctArguments;
using ::daemonkit::test::IsSysCallResult;
using ::daemonkit::test::ReturnsIfCalledWith;
using ::testing::Return;
using ::testing::StrEq;
using ::testing::StrictMock;

TEST(FaultInjectingOsTest, FailsTheNthCallOverallWithoutReachingTheTarget) {
  StrictMock<MockOs> target;
  FaultInjectingOs os(target);
  os.Inject(Fault::NthCall(2, EIO));
  EXPECT_CALL(target, Chdir(StrEq("/"))).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(target, SetSid()).WillOnce(Return(SysCallSuccess(7)));
  EXPECT_TRUE(os.Chdir("/").ok());
  EXPECT_FALSE(os.fired());
  const SysCallIntResult failed = os.Open("/x", O_RDONLY, 0);
  EXPECT_EQ(failed.value, -1);
  EXPECT_EQ(failed.error, EIO);
  EXPECT_TRUE(os.fired());
  EXPECT_EQ(os.SetSid().value, 7);
  ASSERT_EQ(os.calls().size(), 3u);
  EXPECT_EQ(os.calls()[1].call, Call::kOpen);
}

TEST(FaultInjectingOsTest, FailsTheNthCallOfAKind) {
  StrictMock<MockOs> target;
  FaultInjectingOs os(target);
  os.Inject(Fault::NthOf(Call::kFork, 2, EAGAIN));
  EXPECT_CALL(target, Fork()).WillOnce(Return(SysCallSuccess(10)));
  EXPECT_CALL(target, SetSid()).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_TRUE(os.Fork().ok());
  EXPECT_TRUE(os.SetSid().ok());
  EXPECT_EQ(os.Fork().error, EAGAIN);
}

TEST(FaultInjectingOsTest, FailedCloseStillClosesLikeTheKernel) {
  StrictMock<MockOs> target;
  FaultInjectingOs os(target);
  os.Inject(Fault::NthOf(Call::kClose, 1, EIO));
  EXPECT_CALL(target, Close(5)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(os.Close(5).error, EIO);
}

TEST(FaultInjectingOsTest, CallsThatCannotFailNeverFire) {
  StrictMock<MockOs> target;
  FaultInjectingOs os(target);
  os.Inject(Fault::NthOf(Call::kUmask, 1, EIO));
  EXPECT_CALL(target, Umask(022)).WillOnce(Return(0));
  EXPECT_EQ(os.Umask(022), 0);
  EXPECT_FALSE(os.fired());
}

TEST(FaultInjectingOsTest, CountsAndFailsAcrossFork) {
  FaultInjectingOs os(PosixOs::Default());
  os.Inject(Fault::NthOf(Call::kOpen, 1, EACCES).InProcess(1));
  const SysCallIntResult child = os.Fork();
  ASSERT_TRUE(child.ok());
  if (child.value == 0) {
    // Process 1: its first Open fails.
    const SysCallIntResult opened = os.Open("/dev/null", O_RDONLY, 0);
    os.Exit(opened.error == EACCES ? 0 : 1);
  }
  int status;
  ASSERT_EQ(waitpid(child.value, &status, 0), child.value);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(os.fired()) << "seen from the parent";
  const SysCallIntResult opened = os.Open("/dev/null", O_RDONLY, 0);
  EXPECT_TRUE(opened.ok()) << "process 0 is not the target";
  close(opened.value);

  const std::vector<FaultInjectingOs::Record> calls = os.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].process, 0);
  EXPECT_EQ(calls[0].call, Call::kFork);
  EXPECT_EQ(calls[1].process, 1);
  EXPECT_EQ(calls[1].call, Call::kOpen);
  EXPECT_EQ(calls[2].process, 1);
  EXPECT_EQ(calls[2].call, Call::kExit);
  EXPECT_EQ(calls[3].process, 0);
}

TEST(FaultInjectingOsTest, ValueOutsideTheCallListIsUnnamedAndCannotFail) {
  const Call unknown = static_cast<Call>(-1);
  EXPECT_STREQ(FaultInjectingOs::Name(unknown), "?");
  EXPECT_FALSE(FaultInjectingOs::CanFail(unknown));
}

// With a fault aimed at the call `method` (of kind `call`), from a strict
// `target` that expects nothing (but Close, which the kernel closes even when
// it fails): a call that can fail fails with the fault's errno without
// reaching the target; one that cannot reaches it, and the fault never fires.
template <typename Result, typename... Args>
void ExpectFailedOrForwarded(StrictMock<MockOs>& target, Call call,
                             Result (Os::*method)(Args...)) {
  FaultInjectingOs os(target);
  os.Inject(Fault::NthOf(call, 1, EXDEV));
  const std::tuple<Args...> sent = DistinctArguments(method);
  if constexpr (IsSysCallResult<Result>::value) {
    const Result result = CallWith(os, method, sent);
    EXPECT_EQ(result.value, -1);
    EXPECT_EQ(result.error, EXDEV);
    EXPECT_TRUE(os.fired());
  } else {
    CallAndExpectTargetsResult(os, method, sent);
    EXPECT_FALSE(os.fired());
  }
}

// Tests per call, expanded from os_call_list.h, for each kind <Call>
// - <Call>IsNamedAndCanFailWhenItReturnsASysCallResult: Name() spells it as
//   the list does, and CanFail() is true exactly for SysCallResult calls.
// - <Call>IsRecordedAndForwardedUnchanged: with no fault armed, its
//   arguments reach the target and the target's result comes back; the
//   record names it.
// - <Call>FailsOnlyWhenItCan: with a fault aimed at it, as above.
#define DAEMONKIT_OS_CALL(Result, Method, Parameters, Arguments)              \
  TEST(FaultInjectingOsTest,                                                  \
       Method##IsNamedAndCanFailWhenItReturnsASysCallResult) {                \
    EXPECT_EQ(std::string(FaultInjectingOs::Name(Call::k##Method)), #Method); \
    EXPECT_EQ(FaultInjectingOs::CanFail(Call::k##Method),                     \
              IsSysCallResult<Result>::value);                                \
  }                                                                           \
  TEST(FaultInjectingOsTest, Method##IsRecordedAndForwardedUnchanged) {       \
    StrictMock<MockOs> target;                                                \
    FaultInjectingOs os(target);                                              \
    const auto sent = DistinctArguments(&Os::Method);                         \
    EXPECT_CALL(target, Method).WillOnce(ReturnsIfCalledWith<Result>(sent));  \
    CallAndExpectTargetsResult(os, &Os::Method, sent);                        \
    ASSERT_EQ(os.calls().size(), 1u);                                         \
    EXPECT_EQ(os.calls()[0].call, Call::k##Method);                           \
    EXPECT_EQ(os.calls()[0].process, 0);                                      \
  }                                                                           \
  TEST(FaultInjectingOsTest, Method##FailsOnlyWhenItCan) {                    \
    StrictMock<MockOs> target;                                                \
    if (Call::k##Method == Call::kClose || !IsSysCallResult<Result>::value) { \
      EXPECT_CALL(target, Method)                                             \
          .WillOnce(                                                          \
              ReturnsIfCalledWith<Result>(DistinctArguments(&Os::Method)));   \
    }                                                                         \
    ExpectFailedOrForwarded(target, Call::k##Method, &Os::Method);            \
  }
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL

}  // namespace
}  // namespace daemonkit
