// A chroot is a jail, and the daemon's user inside it plays the prisoner: a
// real daemon, run as `nobody`, tries to leave through its working directory
// and through every descriptor it holds, while /proc says from outside what
// it holds. And what becomes of the pid file at a clean stop: removed when it
// lies inside the jail, left unlocked (stale) when it lies outside. Needs real
// root: the test runs outside Bazel's sandbox (tags = ["no-sandbox"]), so it
// stops and reaps every process it starts itself.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/pid_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_daemon.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::Exists;
using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::StopWithSigterm;
using ::testing::IsEmpty;

constexpr uid_t kNobody = 65534;

// The prisoner's exit codes: it stayed in; it left through its working
// directory; it left through descriptor N (kLeftThroughFd + N).
constexpr int kStayedIn = 0;
constexpr int kLeftThroughWorkingDirectory = 99;
constexpr int kLeftThroughFd = 100;
constexpr int kFdsTried = 128;  // So that kLeftThroughFd + N is an exit code.

// In the daemon: climbs from its working directory as far as ".." goes, then
// looks for `outside`, a path from the real root that the jail does not have.
bool ClimbsOut(const char* outside) {
  for (int step = 0; step < 64; ++step) {
    if (chdir("..") != 0) return false;
  }
  return access(outside, F_OK) == 0;
}

// In the daemon: ready, then at SIGTERM tries to leave the jail, first from
// its working directory, then through each descriptor it holds (fchdir(2)
// works on any directory descriptor, O_PATH ones too); then stops cleanly.
// Exits with how it left, kStayedIn, or 1 when Ready() failed, 2 when
// removing the pid file did.
[[noreturn]] void ServeThenTryToLeave(Daemon& daemon, const char* outside) {
  sigset_t terminate;
  sigemptyset(&terminate);
  sigaddset(&terminate, SIGTERM);
  sigprocmask(SIG_BLOCK, &terminate, nullptr);
  if (!daemon.Ready().ok()) _exit(1);
  int signal;
  sigwait(&terminate, &signal);
  int how = ClimbsOut(outside) ? kLeftThroughWorkingDirectory : kStayedIn;
  for (int fd = 0; fd < kFdsTried && how == kStayedIn; ++fd) {
    if (fchdir(fd) == 0 && ClimbsOut(outside)) how = kLeftThroughFd + fd;
  }
  _exit(daemon.RemovePidFile().ok() ? how : 2);
}

class ChrootJailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getuid() != 0) GTEST_SKIP() << "needs root, for chroot and nobody";
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char directory[] = "/tmp/daemonkit-jail-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    directory_ = directory;
    // nobody can climb through it, as through any usual directory.
    ASSERT_EQ(chmod(directory, 0755), 0);
    jail_ = directory_ + "/jail";
    ASSERT_EQ(mkdir(jail_.c_str(), 0755), 0);
    // The prize: a file outside the jail, named from the real root.
    const std::string prize = directory_ + "/outside";
    ASSERT_EQ(close(open(prize.c_str(), O_CREAT | O_WRONLY, 0644)), 0);
    outside_ = prize.substr(1);
    // A pid file directory nobody can write, inside and outside the jail.
    for (const std::string& run : {directory_ + "/run", jail_ + "/run"}) {
      ASSERT_EQ(mkdir(run.c_str(), 0755), 0);
      ASSERT_EQ(chown(run.c_str(), kNobody, kNobody), 0);
    }
    options_.chroot_directory = jail_;
    options_.user = "nobody";
  }

  void TearDown() override {
    if (directory_.empty()) return;
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is left";
    EXPECT_EQ(system(absl::StrCat("rm -rf ", directory_).c_str()), 0);
  }

  // Starts the prisoner with options_; its pid, or -1 after a test failure.
  pid_t Start() {
    absl::StatusOr<Daemon> daemon = Detach(options_);
    if (daemon.ok() && !daemon->in_launcher()) {
      ServeThenTryToLeave(*daemon, outside_.c_str());
    }
    EXPECT_THAT(daemon, IsOk());
    return daemon.ok() ? daemon->pid() : -1;
  }

  // Detach with options_, which must fail before any fork; a prisoner it
  // started all the same is stopped, and says how it left.
  absl::Status Refused() {
    absl::StatusOr<Daemon> daemon = Detach(options_);
    if (daemon.ok() && !daemon->in_launcher()) {
      ServeThenTryToLeave(*daemon, outside_.c_str());
    }
    if (daemon.ok()) {
      ADD_FAILURE() << "started; it left with " << Stop(daemon->pid());
    }
    return daemon.status();
  }

  // The prisoner's exit code once stopped, or -1 when it did not exit.
  int Stop(pid_t pid) {
    const int status = StopWithSigterm(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // What `pid` holds that could be a way out of the jail, as /proc shows it
  // ("N -> target"): any directory, and anything outside the jail but its pid
  // file, /dev/null and pipes. A regular file, a device or a pipe leads
  // nowhere else: fchdir(2) and openat(2) need a directory.
  std::vector<std::string> WaysOut(pid_t pid) {
    std::vector<std::string> ways;
    for (const int fd : OpenFds(pid)) {
      const std::string link = absl::StrCat("/proc/", pid, "/fd/", fd);
      const std::string target = ReadLink(link);
      struct stat info;
      // Closed since it was listed (one CI run saw "10 -> "): no way out.
      if (target.empty() && lstat(link.c_str(), &info) != 0) continue;
      const bool directory =
          stat(link.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
      const bool inside = absl::StartsWith(target, jail_ + "/");
      const bool harmless = target == options_.pid_file ||
                            target == "/dev/null" ||
                            absl::StartsWith(target, "pipe:[");
      if (directory || !(inside || harmless)) {
        ways.push_back(absl::StrCat(fd, " -> ", target));
      }
    }
    const std::string cwd = ReadLink(absl::StrCat("/proc/", pid, "/cwd"));
    if (cwd != jail_ && !absl::StartsWith(cwd, jail_ + "/")) {
      ways.push_back("cwd -> " + cwd);
    }
    return ways;
  }

  std::string directory_;
  std::string jail_;
  std::string outside_;  // The prize, from the real root without its '/'.
  DetachOptions options_;
};

TEST_F(ChrootJailTest, PidFileOutsideIsNoWayOutAndIsLeftStaleAtACleanStop) {
  options_.pid_file = directory_ + "/run/app.pid";
  const pid_t pid = Start();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/root")), jail_);
  EXPECT_THAT(WaysOut(pid), IsEmpty());
  EXPECT_EQ(Stop(pid), kStayedIn);

  // Out of the daemon's reach: left, unlocked, for the next start to take.
  ASSERT_TRUE(Exists(options_.pid_file));
  const absl::StatusOr<PidFileState> state = ReadPidFile(options_.pid_file);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kStale);
  EXPECT_EQ(state->pid, pid);
  absl::StatusOr<PidFile> next = PidFile::Acquire(options_.pid_file, kNobody);
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(next->Remove(), IsOk());
}

TEST_F(ChrootJailTest, PidFileInsideIsRemovedAtACleanStop) {
  options_.pid_file = jail_ + "/run/app.pid";
  const pid_t pid = Start();
  ASSERT_GT(pid, 0);
  EXPECT_THAT(WaysOut(pid), IsEmpty());
  EXPECT_EQ(Stop(pid), kStayedIn);
  EXPECT_FALSE(Exists(options_.pid_file));
}

TEST_F(ChrootJailTest, RelativeWorkingDirectoryIsTheJailsNotTheLaunchers) {
  // The launcher works in directory_, which has a srv of its own.
  for (const std::string& srv : {directory_ + "/srv", jail_ + "/srv"}) {
    ASSERT_EQ(mkdir(srv.c_str(), 0755), 0);
  }
  const int launchers = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(launchers, 0);
  ASSERT_EQ(chdir(directory_.c_str()), 0);
  options_.working_directory = "srv";
  const pid_t pid = Start();
  EXPECT_EQ(fchdir(launchers), 0);
  close(launchers);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/cwd")), jail_ + "/srv");
  EXPECT_THAT(WaysOut(pid), IsEmpty());
  EXPECT_EQ(Stop(pid), kStayedIn);
}

TEST_F(ChrootJailTest, DirectoryKeptOrAsStdinIsRefusedBeforeAnyFork) {
  const int directory = open(directory_.c_str(), O_PATH | O_DIRECTORY);
  ASSERT_GE(directory, 3);
  options_.keep_fds = {directory};
  absl::Status refused = Refused();
  close(directory);
  EXPECT_THAT(refused,
              HasMessage(absl::StrCat("kept descriptor ", directory,
                                      " is a directory, which would let the "
                                      "daemon leave its chroot")));
  EXPECT_THAT(refused, HasExitCode(EX_USAGE));

  options_.keep_fds = {};
  options_.stdin_path = directory_;
  refused = Refused();
  EXPECT_THAT(refused, HasMessage("stdin is a directory, which would let the "
                                  "daemon leave its chroot"));
  EXPECT_THAT(refused, HasExitCode(EX_USAGE));
}

}  // namespace
}  // namespace daemonkit
