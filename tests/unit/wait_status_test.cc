// DescribeWaitStatus: how the launcher words the way a process ended.

#include "src/wait_status.h"

#include <signal.h>
#include <sys/wait.h>

#include "gtest/gtest.h"

namespace daemonkit::internal {
namespace {

TEST(WaitStatusTest, ExitIsDescribedByItsStatus) {
  EXPECT_EQ(DescribeWaitStatus(W_EXITCODE(3, 0)), "exit status 3");
  EXPECT_EQ(DescribeWaitStatus(W_EXITCODE(0, 0)), "exit status 0");
}

TEST(WaitStatusTest, DeathBySignalIsDescribedByItsNumberAndName) {
  EXPECT_EQ(DescribeWaitStatus(W_EXITCODE(0, SIGSEGV)),
            "killed by signal 11 (Segmentation fault)");
}

TEST(WaitStatusTest, AnythingElseIsGivenAsTheRawStatus) {
  // Stopped: waitpid(2) reports it only when asked with WUNTRACED.
  const int stopped = W_STOPCODE(SIGSTOP);
  ASSERT_TRUE(WIFSTOPPED(stopped));
  EXPECT_EQ(DescribeWaitStatus(stopped), "wait status 4991");
}

}  // namespace
}  // namespace daemonkit::internal
