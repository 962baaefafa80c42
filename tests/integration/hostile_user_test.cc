// daemonkit against a hostile local user, played by a real one: a process
// that drops to `nobody` (uid 65534) attacks what root's daemon relies on.
// docs/security.md lists the attacks and which test shows each.
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/stop_daemon.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_daemon.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::StartServingDaemon;
using ::daemonkit::test::StatusIs;
using ::daemonkit::test::StopWithSigterm;

constexpr uid_t kNobody = 65534;

class HostileUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getuid() != 0) GTEST_SKIP() << "needs root, to have another user";
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char directory[] = "/tmp/daemonkit-hostile-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    directory_ = directory;
    ASSERT_EQ(chmod(directory, 0755), 0);  // nobody can reach what is in it.
    pid_file_ = directory_ + "/app.pid";
  }

  void TearDown() override {
    for (const pid_t child : {attacker_, bystander_}) {
      if (child <= 0) continue;
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
    }
    if (directory_.empty()) return;
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is left";
    EXPECT_EQ(system(absl::StrCat("rm -rf ", directory_).c_str()), 0);
  }

  // Starts the attacker: a process that becomes nobody, runs `attack`, and
  // waits to be killed, so that what it holds stays held. Returns what the
  // attack returned (0: it worked; else a letter naming what failed), or 'u'
  // when the process could not become nobody.
  template <typename Attack>
  char AttackAsNobody(Attack attack) {
    int ready[2];
    if (pipe(ready) != 0) return 'p';
    attacker_ = fork();
    if (attacker_ == 0) {
      close(ready[0]);
      const char failed = setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 ||
                                  setuid(kNobody) != 0
                              ? 'u'
                              : attack();
      (void)!write(ready[1], &failed, 1);
      for (;;) pause();
    }
    close(ready[1]);
    char failed = '?';
    (void)!read(ready[0], &failed, 1);
    close(ready[0]);
    return failed;
  }

  // As nobody, opens `path` read-only (the pid file is 0644, as pid files
  // are) and takes an open-file-description read lock on it: 'o' when it
  // could not open the file, 'l' when it could not lock it.
  char TryToReadLockAsNobody(const std::string& path) {
    return AttackAsNobody([&path] {
      struct flock lock = {};
      lock.l_type = F_RDLCK;
      lock.l_whence = SEEK_SET;
      const int fd = open(path.c_str(), O_RDONLY);
      if (fd < 0) return 'o';
      return fcntl(fd, F_OFD_SETLK, &lock) == 0 ? '\0' : 'l';
    });
  }

  // A process of root's that must never be signalled: it waits to be killed.
  pid_t StartBystander() {
    bystander_ = fork();
    if (bystander_ == 0) {
      for (;;) pause();
    }
    return bystander_;
  }

  std::string directory_;
  std::string pid_file_;
  pid_t attacker_ = -1;
  pid_t bystander_ = -1;
};

// Any user can open a 0644 pid file and take a read lock on it. That lock
// must neither keep a daemon from starting nor make a dead one look alive.
TEST_F(HostileUserTest, ReadLockOnAStalePidFileFakesNothingAndBlocksNothing) {
  // A daemon that died without removing its pid file (SIGKILL, a crash).
  std::ofstream(pid_file_) << "999999\n";
  ASSERT_EQ(chmod(pid_file_.c_str(), 0644), 0);
  ASSERT_EQ(TryToReadLockAsNobody(pid_file_), 0) << "the attack failed";

  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kStale) << "a read lock is no daemon";
  EXPECT_THAT(StopDaemon(pid_file_, absl::Seconds(1), SIGTERM),
              StatusIs(absl::StatusCode::kNotFound,
                       absl::StrCat("not running (pid file ", pid_file_,
                                    " is stale)")));

  DetachOptions options;
  options.pid_file = pid_file_;
  const pid_t daemon = StartServingDaemon(options);
  ASSERT_GT(daemon, 0) << "a read lock kept the daemon from starting";
  EXPECT_EQ(ReadFile(pid_file_), absl::StrCat(daemon, "\n"));
  state = ReadPidFile(pid_file_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kRunning);
  EXPECT_EQ(state->pid, daemon);
  EXPECT_EQ(StopWithSigterm(daemon), 0);
}

// A live daemon's write lock keeps the attacker from read-locking its pid
// file; the daemon is still reported, a second start is still refused, and a
// stop still stops it.
TEST_F(HostileUserTest, LivePidFileCannotBeReadLockedAndChangesNoAnswer) {
  DetachOptions options;
  options.pid_file = pid_file_;
  const pid_t daemon = StartServingDaemon(options);
  ASSERT_GT(daemon, 0);
  EXPECT_EQ(TryToReadLockAsNobody(pid_file_), 'l');

  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kRunning);
  EXPECT_EQ(state->pid, daemon);
  EXPECT_THAT(Detach(options),
              HasMessage(absl::StrCat("already running as pid ", daemon)));
  EXPECT_THAT(StopDaemon(pid_file_, absl::Seconds(5), SIGTERM), IsOk());
  int status = -1;
  EXPECT_EQ(waitpid(daemon, &status, 0), daemon);
  EXPECT_EQ(status, 0) << "stopped cleanly by SIGTERM";
}

// The daemon's own user can write its pid file (it is handed to that user).
// Writing a bystander's pid there must not turn root's stop into a kill of
// that bystander: the pid named holds no lock on the file, so it is not
// believed, and the one holding it is named.
TEST_F(HostileUserTest, DaemonUserRewritingThePidFileCannotAimRootsStop) {
  // The daemon's own directory, as systemd's RuntimeDirectory= makes it.
  const std::string run = directory_ + "/run";
  ASSERT_EQ(mkdir(run.c_str(), 0755), 0);
  ASSERT_EQ(chown(run.c_str(), kNobody, kNobody), 0);
  pid_file_ = run + "/app.pid";
  DetachOptions options;
  options.pid_file = pid_file_;
  options.user = "nobody";
  const pid_t daemon = StartServingDaemon(options);
  ASSERT_GT(daemon, 0);
  const pid_t bystander = StartBystander();
  ASSERT_GT(bystander, 0);
  const std::string line = absl::StrCat(bystander, "\n");
  ASSERT_EQ(AttackAsNobody([&] {
              const int fd = open(pid_file_.c_str(), O_WRONLY | O_TRUNC);
              if (fd < 0) return 'o';
              return write(fd, line.data(), line.size()) ==
                             static_cast<ssize_t>(line.size())
                         ? '\0'
                         : 'w';
            }),
            0)
      << "the attack failed";
  ASSERT_EQ(ReadFile(pid_file_), line);

  const std::string problem = absl::StrCat(
      "pid file ", pid_file_, " names pid ", bystander,
      ", which does not hold its lock; its lock is held by pid ", daemon);
  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->kind, PidFileState::kUnproven);
  EXPECT_EQ(state->problem, problem);
  EXPECT_THAT(StopDaemon(pid_file_, absl::Seconds(1), SIGTERM),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("not stopping: ", problem)));
  EXPECT_EQ(waitpid(bystander, nullptr, WNOHANG), 0) << "it was signalled";
  EXPECT_EQ(waitpid(daemon, nullptr, WNOHANG), 0) << "it was signalled";
  EXPECT_EQ(StopWithSigterm(daemon), 0);
}

}  // namespace
}  // namespace daemonkit
