// The fault-injecting decorator itself: what it forwards, what it fails, and
// that its counting survives fork.

#include "mocks/fault_injecting_os.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemonkit/posix_os.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace daemonkit {
namespace {

using Call = FaultInjectingOs::Call;
using Fault = FaultInjectingOs::Fault;
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

}  // namespace
}  // namespace daemonkit
