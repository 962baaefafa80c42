// PosixOs against the real kernel: values come back as the call returned
// them, and failures carry the errno the kernel set.

#include "daemonkit/posix_os.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace daemonkit {
namespace {

TEST(PosixOsTest, FailureCarriesTheErrno) {
  Os& os = PosixOs::Default();
  const SysCallIntResult opened = os.Open("/nonexistent/x", O_RDONLY, 0);
  EXPECT_EQ(opened.value, -1);
  EXPECT_EQ(opened.error, ENOENT);
  EXPECT_FALSE(opened.ok());
  EXPECT_EQ(os.Close(-1).error, EBADF);
  EXPECT_EQ(os.Chdir("/nonexistent").error, ENOENT);
  EXPECT_EQ(os.Dup2(-1, 5).error, EBADF);
}

TEST(PosixOsTest, PipeCarriesBytesAndClosesAsAsked) {
  Os& os = PosixOs::Default();
  int fds[2];
  ASSERT_TRUE(os.Pipe(fds, O_CLOEXEC).ok());
  EXPECT_EQ(os.Fcntl(fds[0], F_GETFD, 0).value, FD_CLOEXEC);
  EXPECT_EQ(os.Write(fds[1], "hi", 2).value, 2);
  char buffer[2];
  EXPECT_EQ(os.Read(fds[0], buffer, 2).value, 2);
  EXPECT_EQ(std::string(buffer, 2), "hi");
  const unsigned low = static_cast<unsigned>(std::min(fds[0], fds[1]));
  const unsigned high = static_cast<unsigned>(std::max(fds[0], fds[1]));
  ASSERT_TRUE(os.CloseRange(low, high, 0).ok());
  EXPECT_EQ(os.Fcntl(fds[0], F_GETFD, 0).error, EBADF);
  EXPECT_EQ(os.Fcntl(fds[1], F_GETFD, 0).error, EBADF);
}

TEST(PosixOsTest, UmaskReturnsThePreviousMask) {
  Os& os = PosixOs::Default();
  const mode_t original = os.Umask(027);
  EXPECT_EQ(os.Umask(original), 027);
}

TEST(PosixOsTest, ForkExitAndWaitPid) {
  Os& os = PosixOs::Default();
  const SysCallIntResult child = os.Fork();
  ASSERT_TRUE(child.ok());
  if (child.value == 0) os.Exit(42);
  int status = 0;
  EXPECT_EQ(os.WaitPid(child.value, &status, 0).value, child.value);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
  EXPECT_EQ(os.WaitPid(child.value, &status, 0).error, ECHILD);
}

TEST(PosixOsTest, PidFdBecomesReadableWhenTheProcessExits) {
  Os& os = PosixOs::Default();
  const SysCallIntResult child = os.Fork();
  ASSERT_TRUE(child.ok());
  if (child.value == 0) os.Exit(0);
  const SysCallIntResult pidfd = os.PidFdOpen(child.value, 0);
  ASSERT_TRUE(pidfd.ok()) << pidfd.error;
  struct pollfd exited = {pidfd.value, POLLIN, 0};
  EXPECT_EQ(os.Poll(&exited, 1, 5000).value, 1);
  os.Close(pidfd.value);
  EXPECT_EQ(os.WaitPid(child.value, nullptr, 0).value, child.value);
}

TEST(PosixOsTest, GetDentsListsADirectory) {
  Os& os = PosixOs::Default();
  const SysCallIntResult dir =
      os.Open("/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
  ASSERT_TRUE(dir.ok());
  alignas(struct dirent64) char buffer[4096];
  EXPECT_GT(os.GetDents(dir.value, buffer, sizeof buffer).value, 0);
  os.Close(dir.value);
}

TEST(PosixOsTest, RenameAtReplacesTheTargetInOneStep) {
  Os& os = PosixOs::Default();
  const SysCallIntResult dir =
      os.Open(getenv("TEST_TMPDIR"), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  ASSERT_TRUE(dir.ok());
  for (const char* name : {"rename.old", "rename.new"}) {
    const SysCallIntResult file = os.OpenAt(
        dir.value, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(os.Write(file.value, name, 10).value, 10);
    os.Close(file.value);
  }
  ASSERT_TRUE(
      os.RenameAt(dir.value, "rename.old", dir.value, "rename.new").ok());
  const SysCallIntResult renamed =
      os.OpenAt(dir.value, "rename.new", O_RDONLY | O_CLOEXEC, 0);
  ASSERT_TRUE(renamed.ok());
  char text[16] = {};
  EXPECT_EQ(os.Read(renamed.value, text, sizeof text).value, 10);
  EXPECT_STREQ(text, "rename.old");
  os.Close(renamed.value);
  EXPECT_EQ(os.RenameAt(dir.value, "rename.old", dir.value, "rename.new").error,
            ENOENT);
  os.Close(dir.value);
}

TEST(PosixOsTest, SignalCallsReportBadArguments) {
  Os& os = PosixOs::Default();
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  EXPECT_EQ(os.SigAction(SIGKILL, &action, nullptr).error, EINVAL);
  sigset_t set;
  sigemptyset(&set);
  EXPECT_EQ(os.SigProcMask(12345, &set, nullptr).error, EINVAL);
  EXPECT_EQ(os.Kill(getpid(), 0).value, 0);
}

TEST(PosixOsTest, PrctlAndRLimit) {
  Os& os = PosixOs::Default();
  EXPECT_TRUE(os.Prctl(PR_SET_CHILD_SUBREAPER, 1).ok());
  EXPECT_EQ(os.Prctl(-1, 0).error, EINVAL);
  struct rlimit limit;
  ASSERT_TRUE(os.GetRLimit(RLIMIT_NOFILE, &limit).ok());
  EXPECT_GT(limit.rlim_cur, 2u);
  EXPECT_EQ(os.GetPid(), getpid());
}

}  // namespace
}  // namespace daemonkit
