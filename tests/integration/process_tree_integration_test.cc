// The process tree with real processes, checked against what /proc says
// through tests/support/proc_view.h (code of its own). The test process is a
// child subreaper, as the supervisor is, and starts
//
//   A ── B        B names itself like a stat line (PR_SET_NAME);
//   C ── D ── E   C calls setsid, D forks E and exits: E, orphaned, comes
//                 back to the test, out of C's subtree and session.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/unique_fd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/process_tree.h"
#include "tests/support/proc_view.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::ChildrenOf;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::StatFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// B's name: what a parser reading from the first ')' would take for fields.
constexpr char kHostileName[] = "x) Z 1 1 1 1 ";

// stat(5)'s field `field` of `pid`, as proc_view reads it; -1 when absent.
long long StatField(pid_t pid, int field) {
  const std::vector<std::string> fields = StatFields(pid);
  long long value = -1;
  if (fields.size() < static_cast<size_t>(field - 2) ||
      !absl::SimpleAtoi(fields[field - 3], &value)) {
    return -1;
  }
  return value;
}
constexpr int kPpid = 4, kSession = 6, kStartTime = 22;

[[noreturn]] void PauseForever() {
  for (;;) pause();
}

// In a child: writes `pid` to `fd`, or ends the child, which must never
// return into the test.
void Report(int fd, pid_t pid) {
  if (write(fd, &pid, sizeof pid) != sizeof pid) _exit(1);
}

// A pid a child reported on `fd`; -1 when none comes within 10 s.
pid_t ReadReport(int fd) {
  struct pollfd ready = {fd, POLLIN, 0};
  pid_t pid = -1;
  if (poll(&ready, 1, 10000) != 1 || read(fd, &pid, sizeof pid) != sizeof pid) {
    return -1;
  }
  return pid;
}

// Kills and reaps every child of the test, and then the orphans that come
// back to it as their parents die, until none is left.
void KillAllChildren() {
  for (int round = 0; round < 100; ++round) {
    const std::map<pid_t, char> children = ChildrenOf(getpid());
    if (children.empty()) return;
    for (const auto& [child, state] : children) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
    }
  }
  ADD_FAILURE() << "children keep coming back";
}

// Kills and reaps, when it goes, everything the test started, whatever
// failed.
struct ChildrenKiller {
  ~ChildrenKiller() { KillAllChildren(); }
};

// Waits until /proc shows `pid` as a zombie.
bool AwaitZombie(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    const std::vector<std::string> fields = StatFields(pid);
    if (!fields.empty() && fields[0] == "Z") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The pids of `processes`, in order.
std::vector<pid_t> Pids(const std::vector<ProcessId>& processes) {
  std::vector<pid_t> pids;
  for (const ProcessId& process : processes) pids.push_back(process.pid);
  return pids;
}

class ProcessTreeIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    reports_ = UniqueFd(os_, fds[0]);
    report_end_ = UniqueFd(os_, fds[1]);
    StartTree();
  }

  // Starts A, B, C, D and E, and learns their pids once each is in place.
  void StartTree() {
    a_ = fork();
    ASSERT_GE(a_, 0);
    if (a_ == 0) RunA();
    b_ = ReadReport(reports_.get());
    c_ = fork();
    ASSERT_GE(c_, 0);
    if (c_ == 0) RunC();
    e_ = ReadReport(reports_.get());
    // C reports itself once it has reaped D, so E is the test's by then.
    ASSERT_EQ(ReadReport(reports_.get()), c_);
    ASSERT_GT(b_, 0);
    ASSERT_GT(e_, 0);
  }

  [[noreturn]] void RunA() {
    if (fork() == 0) {
      prctl(PR_SET_NAME, kHostileName);
      Report(report_end_.get(), getpid());
    }
    PauseForever();
  }

  [[noreturn]] void RunC() {
    setsid();
    const pid_t d = fork();
    if (d == 0) {
      const pid_t e = fork();
      if (e == 0) PauseForever();
      Report(report_end_.get(), e);
      _exit(0);
    }
    waitpid(d, nullptr, 0);
    Report(report_end_.get(), getpid());
    PauseForever();
  }

  // `pid` and its start time, as proc_view reads them now.
  ProcessId Id(pid_t pid) {
    return {pid, static_cast<unsigned long long>(StatField(pid, kStartTime))};
  }

  PosixOs& os_ = PosixOs::Default();
  ChildrenKiller killer_;
  UniqueFd reports_;
  UniqueFd report_end_;
  pid_t a_ = -1, b_ = -1, c_ = -1, e_ = -1;
};

TEST_F(ProcessTreeIntegrationTest, TheTreeIsAsProcShowsIt) {
  // The tree is the one meant: E came back to the test, in C's session.
  EXPECT_EQ(StatField(b_, kPpid), a_);
  EXPECT_EQ(StatField(e_, kPpid), getpid());
  EXPECT_EQ(StatField(c_, kSession), c_);
  EXPECT_EQ(StatField(e_, kSession), c_);
  EXPECT_EQ(ReadFile(absl::StrCat("/proc/", b_, "/comm")),
            absl::StrCat(kHostileName, "\n"));

  const std::optional<ProcessStat> b = ReadProcessStat(os_, b_);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->pid, b_);
  EXPECT_NE(b->state, 'Z');
  EXPECT_EQ(b->ppid, a_);
  EXPECT_EQ(b->pgrp, getpgrp());
  EXPECT_EQ(b->session, getsid(0));
  EXPECT_EQ(b->start_ticks, Id(b_).start_ticks);
  const std::optional<ProcessStat> e = ReadProcessStat(os_, e_);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->ppid, getpid());
  EXPECT_EQ(e->pgrp, c_);
  EXPECT_EQ(e->session, c_);
}

TEST_F(ProcessTreeIntegrationTest, DescendantsAreFoundParentsFirst) {
  const absl::StatusOr<std::vector<ProcessId>> found =
      Descendants(os_, getpid());
  ASSERT_TRUE(found.ok()) << found.status();
  const std::vector<pid_t> pids = Pids(*found);
  EXPECT_THAT(pids, UnorderedElementsAre(a_, b_, c_, e_));
  EXPECT_LT(std::find(pids.begin(), pids.end(), a_),
            std::find(pids.begin(), pids.end(), b_));
  for (const ProcessId& process : *found) {
    EXPECT_EQ(process, Id(process.pid)) << "start time of " << process.pid;
  }

  const absl::StatusOr<std::vector<ProcessId>> under_a = Descendants(os_, a_);
  ASSERT_TRUE(under_a.ok()) << under_a.status();
  EXPECT_THAT(Pids(*under_a), ElementsAre(b_));
  // E left C's subtree when D exited.
  const absl::StatusOr<std::vector<ProcessId>> under_c = Descendants(os_, c_);
  ASSERT_TRUE(under_c.ok()) << under_c.status();
  EXPECT_THAT(*under_c, IsEmpty());
}

TEST_F(ProcessTreeIntegrationTest, AProcessRunsUntilKilled) {
  const absl::StatusOr<std::vector<ProcessId>> found =
      Descendants(os_, getpid());
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 4u);
  for (const ProcessId& process : *found) {
    EXPECT_TRUE(StillRunning(os_, process)) << process.pid;
  }

  // Killed, E is a zombie: no longer running, still a descendant to reap.
  const ProcessId e = Id(e_);
  ASSERT_EQ(kill(e_, SIGKILL), 0);
  ASSERT_TRUE(AwaitZombie(e_));
  EXPECT_FALSE(StillRunning(os_, e));
  const absl::StatusOr<std::vector<ProcessId>> with_zombie =
      Descendants(os_, getpid());
  ASSERT_TRUE(with_zombie.ok()) << with_zombie.status();
  EXPECT_THAT(Pids(*with_zombie), Contains(e_));

  ASSERT_EQ(waitpid(e_, nullptr, 0), e_);
  EXPECT_FALSE(StillRunning(os_, e));
  KillAllChildren();
  for (const ProcessId& process : *found) {
    EXPECT_FALSE(StillRunning(os_, process)) << process.pid;
  }
  const absl::StatusOr<std::vector<ProcessId>> none =
      Descendants(os_, getpid());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(ProcessTreeIntegrationTest, AnotherStartTimeIsAnotherProcess) {
  // What a pid reused by another process looks like: the pid runs, but it
  // started at another time.
  const ProcessId a = Id(a_);
  EXPECT_TRUE(StillRunning(os_, a));
  EXPECT_FALSE(StillRunning(os_, {a_, a.start_ticks + 1}));
  EXPECT_FALSE(StillRunning(os_, {a_, a.start_ticks - 1}));
}

}  // namespace
}  // namespace daemonkit::internal
