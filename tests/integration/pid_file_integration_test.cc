// Pid files with real processes and a real file system: what a second
// launcher, init scripts and systemd see.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/stop_daemon.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_daemon.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::ChildrenOf;
using ::daemonkit::test::Exists;
using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::StartServingDaemon;
using ::daemonkit::test::StopWithSigterm;
using ::testing::HasSubstr;

class PidFileIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    pid_file_ = absl::StrCat(
        std::getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        ".pid");
    options_.pid_file = pid_file_;
  }

  void TearDown() override {
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is left";
  }

  pid_t StartDaemon() { return StartServingDaemon(options_); }
  int Stop(pid_t pid) { return StopWithSigterm(pid); }

  std::string pid_file_;
  DetachOptions options_;
};

TEST_F(PidFileIntegrationTest, HoldsTheDaemonsPidWhenTheLauncherReturns) {
  const mode_t umask_before = umask(077);  // The file is 0644 regardless.
  const pid_t pid = StartDaemon();
  umask(umask_before);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ReadFile(pid_file_), absl::StrCat(pid, "\n"));
  struct stat info;
  ASSERT_EQ(stat(pid_file_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0644u);

  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->kind, PidFileState::kRunning);
  EXPECT_EQ(state->pid, pid);

  // The daemon holds the lock through a close-on-exec descriptor.
  bool found = false;
  for (int fd = 3; fd < 64; ++fd) {
    const std::string link = absl::StrCat("/proc/", pid, "/fd/", fd);
    char target[4096];
    const ssize_t length = readlink(link.c_str(), target, sizeof target);
    if (length <= 0 || std::string(target, length) != pid_file_) continue;
    found = true;
    const std::string info_text =
        ReadFile(absl::StrCat("/proc/", pid, "/fdinfo/", fd));
    const size_t flags_at = info_text.find("flags:");
    ASSERT_NE(flags_at, std::string::npos);
    const long flags = strtol(info_text.c_str() + flags_at + 6, nullptr, 8);
    EXPECT_TRUE(flags & O_CLOEXEC) << "the lock must not leak through exec";
  }
  EXPECT_TRUE(found) << "the daemon keeps the pid file open";

  const int status = Stop(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(Exists(pid_file_)) << "a clean stop removes it";
  state = ReadPidFile(pid_file_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->kind, PidFileState::kNotRunning);
}

TEST_F(PidFileIntegrationTest, SecondStartIsRefusedBeforeAnyFork) {
  const pid_t first = StartDaemon();
  ASSERT_GT(first, 0);
  absl::StatusOr<Daemon> second = Detach(options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            absl::StrCat("already running as pid ", first));
  EXPECT_THAT(second, HasExitCode(EX_UNAVAILABLE));
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), 0) << "only the first daemon";
  EXPECT_EQ(ReadFile(pid_file_), absl::StrCat(first, "\n"));
  Stop(first);
}

TEST_F(PidFileIntegrationTest, StaleFileWithGarbageIsTakenOver) {
  std::ofstream(pid_file_) << "not a pid at all\n12";
  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->kind, PidFileState::kStale);
  const pid_t pid = StartDaemon();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ReadFile(pid_file_), absl::StrCat(pid, "\n"));
  Stop(pid);
}

TEST_F(PidFileIntegrationTest, SymbolicLinkIsRefusedAndItsTargetUntouched) {
  const std::string target = pid_file_ + ".target";
  std::ofstream(target) << "precious\n";
  ASSERT_EQ(symlink(target.c_str(), pid_file_.c_str()), 0);
  absl::StatusOr<Daemon> daemon = Detach(options_);
  ASSERT_FALSE(daemon.ok());
  EXPECT_EQ(daemon.status().message(),
            absl::StrCat("pid file ", pid_file_,
                         " is a symbolic link; refusing to follow it"));
  EXPECT_THAT(daemon, HasExitCode(EX_CANTCREAT));
  EXPECT_EQ(ReadFile(target), "precious\n");
}

// A FIFO or a directory where the pid file should be (another user can
// make one in /tmp) hangs nothing and is named: a FIFO opened for reading
// would otherwise wait for a writer forever.
TEST_F(PidFileIntegrationTest,
       FifoOrDirectoryInItsPlaceIsNamedAndHangsNothing) {
  ASSERT_EQ(mkfifo(pid_file_.c_str(), 0644), 0);
  const std::string fifo =
      absl::StrCat("pid file ", pid_file_, " is a FIFO, not a regular file");
  EXPECT_THAT(ReadPidFile(pid_file_), HasMessage(fifo));
  EXPECT_THAT(StopDaemon(pid_file_, absl::Seconds(1)), HasMessage(fifo));
  EXPECT_THAT(Detach(options_), HasMessage(fifo));
  ASSERT_EQ(unlink(pid_file_.c_str()), 0);

  ASSERT_EQ(mkdir(pid_file_.c_str(), 0755), 0);
  EXPECT_THAT(ReadPidFile(pid_file_),
              HasMessage(absl::StrCat("pid file ", pid_file_,
                                      " is a directory, not a regular file")));
  EXPECT_THAT(Detach(options_), HasMessage(HasSubstr("Is a directory")));
  ASSERT_EQ(rmdir(pid_file_.c_str()), 0);
}

// The launcher is killed (SIGKILL) while the daemon still sets itself up:
// nobody will hear of this start, so the daemon learns it at Ready(), which
// fails, and gives its pid file back.
TEST_F(PidFileIntegrationTest, DaemonWhoseLauncherDiedGivesItsPidFileBack) {
  int go[2];     // The daemon waits for a byte here before Ready().
  int heard[2];  // Then it reports what Ready() said.
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(heard), 0);
  options_.keep_fds = {go[0], heard[1]};
  const pid_t launcher = fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    absl::StatusOr<Daemon> daemon = Detach(options_);
    if (daemon.ok() && !daemon->in_launcher()) {
      char byte;
      (void)!read(go[0], &byte, 1);
      const std::string said = daemon->Ready().ToString();
      (void)!write(heard[1], said.data(), said.size());
      _exit(0);
    }
    _exit(1);  // Only a launcher that was not killed gets here.
  }
  close(go[0]);
  close(heard[1]);
  // The daemon writes its pid before it waits for the byte.
  for (int i = 0; i < 500 && ReadFile(pid_file_).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(ReadFile(pid_file_), "");
  pid_t daemon = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::StripTrailingAsciiWhitespace(ReadFile(pid_file_)), &daemon));
  kill(launcher, SIGKILL);
  ASSERT_EQ(waitpid(launcher, nullptr, 0), launcher);
  // The middle process holds the pipe's read end too until it is gone (it
  // may be slow to exit, under gcov); orphaned to this test, it is reaped
  // here, so that the daemon alone remains.
  for (int i = 0; i < 500 && ChildrenOf(getpid()).size() > 1; ++i) {
    waitpid(-1, nullptr, WNOHANG);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(ChildrenOf(getpid()).size(), 1u);
  ASSERT_EQ(ChildrenOf(getpid()).count(daemon), 1u);
  ASSERT_EQ(write(go[1], "x", 1), 1);
  close(go[1]);
  char said[256] = {};
  ASSERT_GT(read(heard[0], said, sizeof said - 1), 0);
  close(heard[0]);
  EXPECT_THAT(said, HasSubstr("reporting readiness failed: Broken pipe"));
  EXPECT_FALSE(Exists(pid_file_)) << "the pid file outlived its start";
  EXPECT_EQ(waitpid(daemon, nullptr, 0), daemon);
}

// A daemon that forks a worker (which inherits the pid file's lock, as fork
// without exec does) and dies without removing its pid file: the worker's
// lock is named, and believed by nobody: no status says running, no start
// takes the file, no stop claims success.
TEST_F(PidFileIntegrationTest, ALockInheritedByAWorkerIsNamedNotBelieved) {
  absl::StatusOr<Daemon> daemon = Detach(options_);
  ASSERT_TRUE(daemon.ok()) << daemon.status();
  if (!daemon->in_launcher()) {
    if (fork() == 0) {
      for (;;) pause();  // The worker.
    }
    daemon->Ready().IgnoreError();
    _exit(0);
  }
  const pid_t main_pid = daemon->pid();
  ASSERT_EQ(waitpid(main_pid, nullptr, 0), main_pid);
  const std::map<pid_t, char> children = ChildrenOf(getpid());
  ASSERT_EQ(children.size(), 1u) << "the worker, orphaned to this test";
  const pid_t worker = children.begin()->first;
  const std::string problem =
      absl::StrCat("pid file ", pid_file_, " names pid ", main_pid,
                   ", which is gone; its lock is held by pid ", worker);

  absl::StatusOr<PidFileState> state = ReadPidFile(pid_file_);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->kind, PidFileState::kUnproven);
  EXPECT_EQ(state->pid, main_pid);
  EXPECT_THAT(state->holders, ::testing::ElementsAre(worker));
  EXPECT_EQ(state->problem, problem);
  const absl::StatusOr<Daemon> again = Detach(options_);
  EXPECT_THAT(again, HasMessage(absl::StrCat("not starting: ", problem)));
  EXPECT_THAT(again, HasExitCode(EX_UNAVAILABLE));
  EXPECT_THAT(StopDaemon(pid_file_, absl::Seconds(1)),
              HasMessage(absl::StrCat("not stopping: ", problem)));
  EXPECT_EQ(waitpid(worker, nullptr, WNOHANG), 0) << "the worker was stopped";

  kill(worker, SIGKILL);
  ASSERT_EQ(waitpid(worker, nullptr, 0), worker);
  state = ReadPidFile(pid_file_);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->kind, PidFileState::kStale) << "the lock went with it";
  unlink(pid_file_.c_str());
}

// ^C (or SIGTERM, or a closed terminal's SIGHUP) to a launcher still waiting
// for its daemon: the half-started daemon is stopped, the pid file removed,
// and the launcher exits 128+signal, as a shell reports the signal.
TEST_F(PidFileIntegrationTest, AnInterruptedLauncherLeavesNothing) {
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    SCOPED_TRACE(sigabbrev_np(signal));
    const pid_t launcher = fork();
    ASSERT_GE(launcher, 0);
    if (launcher == 0) {
      // Only the daemon returns; it is never ready, and keeps its end of the
      // readiness pipe open.
      const Daemon daemon = DetachOrExit(options_);
      for (;;) pause();
    }
    // The daemon writes its pid before it would call Ready().
    for (int i = 0; i < 500 && ReadFile(pid_file_).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_t daemon = 0;
    ASSERT_TRUE(absl::SimpleAtoi(
        absl::StripTrailingAsciiWhitespace(ReadFile(pid_file_)), &daemon));
    ASSERT_EQ(kill(launcher, signal), 0);
    int status = -1;
    ASSERT_EQ(waitpid(launcher, &status, 0), launcher);
    EXPECT_TRUE(WIFEXITED(status)) << "it died of the signal";
    EXPECT_EQ(WEXITSTATUS(status), 128 + signal);
    EXPECT_FALSE(Exists(pid_file_)) << "the pid file outlived its start";
    // The launcher, its subreaper, reaped it: not even a zombie is left.
    EXPECT_FALSE(Exists(absl::StrCat("/proc/", daemon)));
  }
}

TEST_F(PidFileIntegrationTest, DirectoryThatDoesNotExist) {
  options_.pid_file = pid_file_ + ".d/missing/app.pid";
  absl::StatusOr<Daemon> daemon = Detach(options_);
  ASSERT_FALSE(daemon.ok());
  EXPECT_EQ(daemon.status().message(),
            absl::StrCat("opening pid file ", options_.pid_file,
                         " failed: No such file or directory"));
  EXPECT_THAT(daemon, HasExitCode(EX_CANTCREAT));
}

TEST_F(PidFileIntegrationTest, DirectoryThatIsNotWritable) {
  // Root may write into any directory, and the test sandbox maps no other
  // user; a read-only file system refuses root too. The child mounts one in a
  // mount namespace of its own.
  const std::string directory = pid_file_ + ".d";
  ASSERT_EQ(mkdir(directory.c_str(), 0755), 0);
  const std::string path = directory + "/app.pid";
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t child = fork();
  if (child == 0) {
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("tmpfs", directory.c_str(), "tmpfs", MS_RDONLY, nullptr) != 0) {
      _exit(2);
    }
    DetachOptions options;
    options.pid_file = path;
    absl::StatusOr<Daemon> daemon = Detach(options);
    const std::string message(daemon.status().message());
    (void)!write(report[1], message.data(), message.size());
    _exit(ExitCodeOf(daemon.status()));
  }
  close(report[1]);
  char message[512];
  const ssize_t length = read(report[0], message, sizeof message);
  close(report[0]);
  int status;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 2) GTEST_SKIP() << "cannot mount here";
  EXPECT_EQ(WEXITSTATUS(status), EX_CANTCREAT);
  EXPECT_EQ(std::string(message, length > 0 ? length : 0),
            absl::StrCat("opening pid file ", path,
                         " failed: Read-only file system"));
}

TEST_F(PidFileIntegrationTest, FailedStartLeavesNoPidFile) {
  absl::StatusOr<Daemon> daemon = Detach(options_);
  if (daemon.ok() && !daemon->in_launcher()) {
    daemon->Fail(absl::UnavailableError("cannot bind port 80"), EX_UNAVAILABLE)
        .IgnoreError();
    _exit(EX_UNAVAILABLE);
  }
  ASSERT_FALSE(daemon.ok());
  EXPECT_THAT(daemon, HasMessage("cannot bind port 80"));
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(PidFileIntegrationTest, AFileThatReplacedOursIsNotRemoved) {
  const pid_t pid = StartDaemon();
  ASSERT_GT(pid, 0);
  // Someone moves our file away and puts another in its place.
  ASSERT_EQ(rename(pid_file_.c_str(), (pid_file_ + ".old").c_str()), 0);
  std::ofstream(pid_file_) << "999\n";
  const int status = Stop(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(ReadFile(pid_file_), "999\n");
}

}  // namespace
}  // namespace daemonkit
