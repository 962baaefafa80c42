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

// A world-writable sticky directory, as /tmp is, inside the test's own.
class SharedDirectoryTest : public HostileUserTest {
 protected:
  void SetUp() override {
    HostileUserTest::SetUp();
    if (IsSkipped()) return;
    shared_ = directory_ + "/tmp";
    ASSERT_EQ(mkdir(shared_.c_str(), 0755), 0);
    ASSERT_EQ(chmod(shared_.c_str(), 01777), 0);
    secret_ = directory_ + "/secret";
    std::ofstream(secret_) << "root's own\n";
    ASSERT_EQ(chmod(secret_.c_str(), 0600), 0);
  }

  // Starts a daemon as root with `options`; returns why it did not start.
  absl::Status StartAsRoot(DetachOptions options) {
    const pid_t daemon = StartServingDaemonOrNot(options);
    if (daemon > 0) {
      StopWithSigterm(daemon);
      return absl::OkStatus();
    }
    return last_failure_;
  }

  pid_t StartServingDaemonOrNot(const DetachOptions& options) {
    absl::StatusOr<Daemon> daemon = Detach(options);
    if (!daemon.ok()) {
      last_failure_ = daemon.status();
      return -1;
    }
    if (!daemon->in_launcher()) test::ServeUntilTerminated(*daemon);
    return daemon->pid();
  }

  std::string shared_;
  std::string secret_;
  absl::Status last_failure_;
};

// Where fs.protected_symlinks is 0 (as on this machine), the kernel follows a
// link another user planted in /tmp; daemonkit does not, for the stdout and
// stderr files it opens and for the example's log.
TEST_F(SharedDirectoryTest, ASymbolicLinkPlantedThereIsNeverFollowed) {
  const std::string planted = shared_ + "/out.log";
  ASSERT_EQ(AttackAsNobody([&] {
              return symlink(secret_.c_str(), planted.c_str()) == 0 ? '\0'
                                                                    : 's';
            }),
            0);
  DetachOptions options;
  options.stdout_path = planted;
  EXPECT_THAT(StartAsRoot(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("stdout file ", planted,
                                    " is a symbolic link in ", shared_,
                                    ", where other users may write; refusing "
                                    "to follow it")));
  EXPECT_EQ(ReadFile(secret_), "root's own\n");
}

// A file another user made there first is theirs: root adopts neither a pid
// file nor an output file of theirs.
TEST_F(SharedDirectoryTest, AFileAnotherUserMadeFirstIsNotAdopted) {
  for (const char* name : {"/app.pid", "/out.log"}) {
    const std::string made = shared_ + name;
    ASSERT_EQ(AttackAsNobody([&] {
                const int fd = open(made.c_str(), O_CREAT | O_WRONLY, 0666);
                return fd >= 0 && fchmod(fd, 0666) == 0 ? '\0' : 'c';
              }),
              0);
    kill(attacker_, SIGKILL);
    waitpid(attacker_, nullptr, 0);
    attacker_ = -1;
  }
  DetachOptions options;
  options.pid_file = shared_ + "/app.pid";
  EXPECT_THAT(StartAsRoot(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("pid file ", options.pid_file,
                                    " is owned by user 65534; refusing a file "
                                    "another user controls")));
  options.pid_file.clear();
  options.stdout_path = shared_ + "/out.log";
  EXPECT_THAT(StartAsRoot(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("stdout file ", options.stdout_path,
                                    " is owned by user 65534; refusing a file "
                                    "another user controls")));
}

// Where fs.protected_hardlinks is 0, another user can give root's file a
// second name in /tmp (made here by root, as this machine protects them).
// Emptied as a pid file, or appended to as a log, it would be root's file.
TEST_F(SharedDirectoryTest, AHardLinkToRootsFileIsNeverWrittenThrough) {
  const std::string linked = shared_ + "/app.pid";
  ASSERT_EQ(link(secret_.c_str(), linked.c_str()), 0);
  DetachOptions options;
  options.pid_file = linked;
  EXPECT_THAT(StartAsRoot(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("pid file ", linked,
                                    " has 2 names; refusing a file that may "
                                    "be another one")));
  options.pid_file.clear();
  options.stdout_path = linked;
  EXPECT_THAT(StartAsRoot(options), HasMessage(::testing::HasSubstr(
                                        "has 2 names in a directory other "
                                        "users may write to")));
  EXPECT_EQ(ReadFile(secret_), "root's own\n");
}

// With a user, the daemon's output files are opened with that user's rights:
// a link in a directory the user owns reaches nothing the user could not.
TEST_F(SharedDirectoryTest, OutputFilesAreOpenedWithTheDaemonUsersRights) {
  const std::string own = directory_ + "/own";
  ASSERT_EQ(mkdir(own.c_str(), 0755), 0);
  ASSERT_EQ(chown(own.c_str(), kNobody, kNobody), 0);
  const std::string link_path = own + "/out.log";
  ASSERT_EQ(AttackAsNobody([&] {
              return symlink(secret_.c_str(), link_path.c_str()) == 0 ? '\0'
                                                                      : 's';
            }),
            0);
  DetachOptions options;
  options.user = "nobody";
  options.stdout_path = link_path;
  EXPECT_THAT(StartAsRoot(options),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       absl::StrCat("opening stdout file ", link_path,
                                    " failed: Permission denied")));
  EXPECT_EQ(ReadFile(secret_), "root's own\n");
}

}  // namespace
}  // namespace daemonkit
