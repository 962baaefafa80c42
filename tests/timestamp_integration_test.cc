// The timestamp example, run as a user runs it: a real binary, real daemons.
// The test is a child subreaper, so each daemon ends up its child and is
// stopped and reaped here.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct LauncherRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string TimestampBinary() {
  return absl::StrCat(std::getenv("TEST_SRCDIR"),
                      "/daemonkit/examples/timestamp");
}

// Starts the example with `args`; returns its pid and its stdout/stderr pipes.
pid_t Start(const std::vector<std::string>& args, int* out, int* err) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return -1;
  }
  const pid_t child = fork();
  if (child == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    std::vector<char*> argv;
    std::string binary = TimestampBinary();
    argv.push_back(binary.data());
    for (const std::string& arg : args)
      argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  *out = out_pipe[0];
  *err = err_pipe[0];
  return child;
}

// Runs the launcher to its end. Its output pipes must reach end-of-file within
// 10 s: a daemon that kept them would hang whoever started it.
LauncherRun RunLauncher(const std::vector<std::string>& args) {
  LauncherRun run;
  int out, err;
  const pid_t launcher = Start(args, &out, &err);
  EXPECT_GT(launcher, 0);
  struct pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  std::string* sinks[2] = {&run.out, &run.err};
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int open_pipes = 2;
  while (open_pipes > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  EXPECT_EQ(open_pipes, 0) << "the launcher's output never ended";
  for (const struct pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  waitpid(launcher, &run.status, 0);
  return run;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// Waits until `path` holds at least `count` lines; returns whether it did.
bool WaitForLines(const std::string& path, size_t count) {
  for (int i = 0; i < 500; ++i) {
    if (Lines(ReadFile(path)).size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

constexpr char kRfc3339[] =
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
    "(Z|[+-][0-9]{2}:[0-9]{2})";

class TimestampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    log_ = absl::StrCat(
        std::getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        ".log");
  }

  void TearDown() override {
    // A daemon that failed to start exits on its own; give it a moment, then
    // insist that nothing is left.
    for (int i = 0; i < 200; ++i) {
      const pid_t reaped = waitpid(-1, nullptr, WNOHANG);
      if (reaped < 0) return;  // ECHILD: nothing left.
      if (reaped == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "a process the test started is still running";
  }

  std::string log_;
};

TEST_F(TimestampTest, DaemonAppendsATimestampEveryIntervalUntilTerminated) {
  const LauncherRun run = RunLauncher({"--interval=100ms", "--log=" + log_});
  ASSERT_TRUE(WIFEXITED(run.status));
  ASSERT_EQ(WEXITSTATUS(run.status), 0) << run.err;
  ASSERT_THAT(run.out, MatchesRegex("Daemon PID [0-9]+\n"));
  int pid;
  ASSERT_TRUE(absl::SimpleAtoi(run.out.substr(11, run.out.size() - 12), &pid));

  ASSERT_TRUE(WaitForLines(log_, 3)) << ReadFile(log_);
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const std::vector<std::string> fields =
      absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  EXPECT_NE(fields[3], absl::StrCat(pid)) << "not a session leader";
  EXPECT_EQ(fields[4], "0") << "no controlling terminal";

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "SIGTERM must stop it cleanly, status " << status;
  const std::string log = ReadFile(log_);
  EXPECT_EQ(log.back(), '\n') << "no torn last line";
  for (const std::string& line : Lines(log)) {
    EXPECT_THAT(line, MatchesRegex(kRfc3339));
  }
}

TEST_F(TimestampTest, ForegroundRunsTheSameLoopWithoutDetaching) {
  int out, err;
  const pid_t pid =
      Start({"--foreground", "--interval=50ms", "--log=" + log_}, &out, &err);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForLines(log_, 2));
  EXPECT_EQ(getsid(pid), getsid(0)) << "still in the caller's session";
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(out);
  close(err);
}

TEST_F(TimestampTest, LogThatCannotBeCreatedIsReportedByTheLauncher) {
  const std::string log = log_ + ".d/missing/x.log";
  const LauncherRun run = RunLauncher({"--log=" + log});
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), EX_CANTCREAT);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, absl::StrCat("timestamp: cannot open log ", log,
                                  ": No such file or directory\n"));
}

TEST_F(TimestampTest, IntervalMustBePositive) {
  for (const char* interval : {"0s", "-5s"}) {
    const LauncherRun run =
        RunLauncher({absl::StrCat("--interval=", interval), "--log=" + log_});
    ASSERT_TRUE(WIFEXITED(run.status));
    EXPECT_EQ(WEXITSTATUS(run.status), EX_USAGE) << interval;
    EXPECT_THAT(run.err, HasSubstr("--interval must be positive"));
    EXPECT_EQ(ReadFile(log_), "") << "nothing started";
  }
}

TEST_F(TimestampTest, IntervalMustBeADuration) {
  const LauncherRun run = RunLauncher({"--interval=soon", "--log=" + log_});
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_NE(WEXITSTATUS(run.status), 0);
  EXPECT_THAT(run.err, HasSubstr("interval"));
  EXPECT_EQ(ReadFile(log_), "");
}

}  // namespace
