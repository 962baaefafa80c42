// Detach with real processes: what the kernel says about the daemon (from
// /proc, not from what the code says about itself), and what the launcher
// learns. The test process is a child subreaper, so every daemon it starts
// becomes its child and is reaped here.

#include <dirent.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::StatFields;
using ::daemonkit::test::StatusField;
using ::daemonkit::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

long StatField(pid_t pid, int field) {
  long value = -1;
  EXPECT_TRUE(absl::SimpleAtoi(StatFields(pid)[field - 3], &value));
  return value;
}
constexpr int kPpid = 4, kPgrp = 5, kSession = 6, kTtyNr = 7;

// In the daemon: runs `set_up`, reports ready and waits to be killed. Never
// returns into the test framework.
[[noreturn]] void ServeUntilKilled(Daemon& daemon,
                                   const std::function<void()>& set_up = {}) {
  if (set_up) set_up();
  if (!daemon.Ready().ok()) _exit(1);
  for (;;) pause();
}

// Ready() closes the readiness pipe (and restores SIGPIPE) just after the
// launcher hears it; waits until the daemon `pid` got there, that is, until
// it holds no more than `fds` descriptors.
void WaitUntilReadyReturned(pid_t pid, size_t fds) {
  for (int i = 0; i < 500 && OpenFds(pid).size() > fds; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

class DetachIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    tmp_ = std::getenv("TEST_TMPDIR");
    char resolved[PATH_MAX];
    ASSERT_NE(realpath(tmp_.c_str(), resolved), nullptr);
    tmp_ = resolved;
  }

  void TearDown() override {
    // Nothing a test started may outlive it.
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is left";
  }

  std::string tmp_;
};

TEST_F(DetachIntegrationTest, DaemonIsDetachedAsProcSees) {
  // Give the launcher what a daemon must not inherit: a blocked signal, an
  // ignored one, a handled one, and descriptors without close-on-exec.
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
  struct sigaction ignore = {}, handle = {}, old_usr2, old_hup;
  ignore.sa_handler = SIG_IGN;
  handle.sa_handler = [](int) {};
  ASSERT_EQ(sigaction(SIGUSR2, &ignore, &old_usr2), 0);
  ASSERT_EQ(sigaction(SIGHUP, &handle, &old_hup), 0);
  const int inherited = open("/dev/zero", O_RDONLY);
  const int kept = open("/dev/zero", O_RDONLY);
  ASSERT_GE(inherited, 3);
  ASSERT_GE(kept, 3);
  const std::vector<int> launcher_fds = OpenFds(getpid());

  DetachOptions options;
  options.working_directory = tmp_;
  options.umask = 027;
  options.keep_fds = {kept};
  absl::StatusOr<Daemon> daemon = Detach(options);
  if (daemon.ok() && !daemon->in_launcher()) ServeUntilKilled(*daemon);

  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGUSR2, &old_usr2, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  ASSERT_THAT(daemon, IsOk());
  const pid_t pid = daemon->pid();
  EXPECT_EQ(OpenFds(getpid()), launcher_fds) << "the launcher leaked";
  close(inherited);
  close(kept);

  WaitUntilReadyReturned(pid, 4);
  EXPECT_NE(pid, getpid());
  EXPECT_EQ(StatField(pid, kPpid), getpid()) << "reparented to the subreaper";
  EXPECT_NE(StatField(pid, kSession), pid) << "must not lead its session";
  EXPECT_NE(StatField(pid, kSession), getsid(0));
  EXPECT_EQ(StatField(pid, kPgrp), StatField(pid, kSession));
  EXPECT_EQ(StatField(pid, kTtyNr), 0) << "no controlling terminal";
  EXPECT_EQ(StatusField(pid, "Umask"), "0027");
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/cwd")), tmp_);
  EXPECT_EQ(StatusField(pid, "SigBlk"), "0000000000000000");
  // Signals 32 and 33 are glibc's own: sigaction(2) refuses them, and a
  // test runner may have left them ignored.
  uint64_t ignored = 0;
  ASSERT_TRUE(absl::SimpleHexAtoi(StatusField(pid, "SigIgn"), &ignored));
  EXPECT_EQ(ignored & ~(uint64_t{3} << 31), 0u);
  EXPECT_EQ(StatusField(pid, "SigCgt"), "0000000000000000");
  EXPECT_THAT(OpenFds(pid), ElementsAre(0, 1, 2, kept));

  for (int fd : {0, 1, 2}) {
    EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/fd/", fd)), "/dev/null");
  }
  KillAndReap(pid);
}

TEST_F(DetachIntegrationTest, LauncherReturnsOnlyOnceTheDaemonIsReady) {
  const std::string marker = tmp_ + "/set-up-done";
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions());
  if (daemon.ok() && !daemon->in_launcher()) {
    ServeUntilKilled(*daemon, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      std::ofstream(marker) << "done";
    });
  }
  ASSERT_THAT(daemon, IsOk());
  EXPECT_EQ(ReadFile(marker), "done");
  KillAndReap(daemon->pid());
}

TEST_F(DetachIntegrationTest, StandardStreamsGoToTheNamedFiles) {
  DetachOptions options;
  options.stdout_path = tmp_ + "/out.log";
  options.stderr_path = tmp_ + "/err.log";
  std::ofstream(options.stdout_path) << "earlier\n";
  absl::StatusOr<Daemon> daemon = Detach(options);
  if (daemon.ok() && !daemon->in_launcher()) {
    ServeUntilKilled(*daemon, [] {
      (void)!write(1, "to stdout\n", 10);
      (void)!write(2, "to stderr\n", 10);
    });
  }
  ASSERT_THAT(daemon, IsOk());
  EXPECT_EQ(ReadFile(options.stdout_path), "earlier\nto stdout\n");
  EXPECT_EQ(ReadFile(options.stderr_path), "to stderr\n");
  KillAndReap(daemon->pid());
}

// A FIFO as an output that no process reads would make open(2) wait forever;
// as stdin with no writer, too. Neither waits: the output is refused at once
// and named, the input is opened (the daemon reads end-of-file).
TEST_F(DetachIntegrationTest, FifosAsStreamsHangNothing) {
  const std::string fifo = tmp_ + "/streams.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  DetachOptions options;
  options.stdout_path = fifo;
  absl::StatusOr<Daemon> refused = Detach(options);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                absl::StrCat("stdout file ", fifo,
                                             " is a FIFO that no process "
                                             "reads")));
  EXPECT_THAT(refused, HasExitCode(EX_CANTCREAT));

  options.stdout_path.clear();
  options.stdin_path = fifo;
  absl::StatusOr<Daemon> daemon = Detach(options);
  if (daemon.ok() && !daemon->in_launcher()) {
    ServeUntilKilled(*daemon, [] {});
  }
  ASSERT_THAT(daemon, IsOk());
  KillAndReap(daemon->pid());
  unlink(fifo.c_str());
}

TEST_F(DetachIntegrationTest, DaemonFailureReachesTheLauncher) {
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions());
  if (daemon.ok() && !daemon->in_launcher()) {
    daemon
        ->Fail(absl::NotFoundError("config /etc/x.conf is missing"), EX_CONFIG)
        .IgnoreError();
    _exit(EX_CONFIG);
  }
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(daemon, HasMessage("config /etc/x.conf is missing"));
  EXPECT_THAT(daemon, HasExitCode(EX_CONFIG));
}

TEST_F(DetachIntegrationTest, DaemonKilledBeforeReadyIsDescribed) {
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions());
  if (daemon.ok() && !daemon->in_launcher()) {
    kill(getpid(), SIGKILL);
    _exit(1);
  }
  EXPECT_THAT(
      daemon,
      HasMessage(
          "daemon exited before it was ready: killed by signal 9 (Killed)"));
  EXPECT_THAT(daemon, HasExitCode(EX_SOFTWARE));
}

TEST_F(DetachIntegrationTest, RefusesToDetachBesideOtherThreads) {
  int stop[2];
  ASSERT_EQ(pipe(stop), 0);
  std::thread other([&] {
    char byte;
    (void)!read(stop[0], &byte, 1);
  });
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions());
  close(stop[1]);
  other.join();
  close(stop[0]);
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(daemon, HasMessage(HasSubstr("has 2 threads")));
}

// Runs `launcher` in a child process and returns its wait status.
int RunInChild(const std::function<void()>& launcher) {
  const pid_t child = fork();
  if (child == 0) {
    launcher();
    _exit(99);
  }
  int status = -1;
  waitpid(child, &status, 0);
  return status;
}

TEST_F(DetachIntegrationTest, DetachOrExitExitsZeroWhenReady) {
  const std::string pid_path = tmp_ + "/daemon.pid";
  const int status = RunInChild([&] {
    Daemon daemon = DetachOrExit(DetachOptions());
    ServeUntilKilled(daemon, [&] { std::ofstream(pid_path) << getpid(); });
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  int pid;
  ASSERT_TRUE(absl::SimpleAtoi(ReadFile(pid_path), &pid));
  EXPECT_EQ(StatField(pid, kTtyNr), 0);
  KillAndReap(pid);
}

TEST_F(DetachIntegrationTest, DetachOrExitPrintsWhatFailedAndExitsWithItsCode) {
  const std::string err_path = tmp_ + "/launcher.err";
  const int status = RunInChild([&] {
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    DetachOptions options;
    options.working_directory = tmp_ + "/missing";
    DetachOrExit(options);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), EX_NOINPUT);
  EXPECT_EQ(ReadFile(err_path),
            absl::StrCat("daemonkit: opening working directory ", tmp_,
                         "/missing failed: No such file or directory\n"));
}

TEST_F(DetachIntegrationTest, DetachOrExitDescribesADaemonThatCrashed) {
  const std::string err_path = tmp_ + "/launcher.err";
  const int status = RunInChild([&] {
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    const struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    DetachOrExit(DetachOptions());
    raise(SIGSEGV);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), EX_SOFTWARE);
  EXPECT_EQ(ReadFile(err_path),
            "daemonkit: daemon exited before it was ready: killed by signal "
            "11 (Segmentation fault)\n");
}

// The reason for the second fork: a daemon that opens a terminal (without
// O_NOCTTY) must not acquire it as its controlling terminal.
TEST_F(DetachIntegrationTest, DaemonCannotAcquireTheLaunchersTerminal) {
  int master, terminal;
  char terminal_name[PATH_MAX];
  ASSERT_EQ(openpty(&master, &terminal, terminal_name, nullptr, nullptr), 0);
  const std::string name = terminal_name;
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t launcher = fork();
  if (launcher == 0) {
    // Make the terminal this launcher's controlling terminal.
    close(report[0]);
    if (setsid() < 0 || ioctl(terminal, TIOCSCTTY, 0) < 0) _exit(2);
    const long launcher_tty = StatField(getpid(), kTtyNr);
    absl::StatusOr<Daemon> daemon = Detach(DetachOptions());
    if (!daemon.ok()) _exit(3);
    if (!daemon->in_launcher()) {
      ServeUntilKilled(*daemon, [&] {
        if (open(name.c_str(), O_RDWR) < 0) _exit(4);  // No O_NOCTTY.
      });
    }
    const long sent[2] = {launcher_tty, daemon->pid()};
    (void)!write(report[1], sent, sizeof sent);
    _exit(0);
  }
  close(report[1]);
  close(terminal);
  long received[2] = {0, 0};
  ASSERT_EQ(read(report[0], received, sizeof received),
            static_cast<ssize_t>(sizeof received));
  close(report[0]);
  int status;
  waitpid(launcher, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const pid_t daemon_pid = static_cast<pid_t>(received[1]);

  absl::Cleanup stop_daemon = [daemon_pid] { KillAndReap(daemon_pid); };
  EXPECT_NE(received[0], 0) << "the launcher had the terminal";
  WaitUntilReadyReturned(daemon_pid, 4);
  std::vector<int> daemon_fds = OpenFds(daemon_pid);
  ASSERT_EQ(daemon_fds.size(), 4u);
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", daemon_pid, "/fd/", daemon_fds[3])),
            name)
      << "the daemon opened the terminal";
  EXPECT_EQ(StatField(daemon_pid, kTtyNr), 0) << "but did not acquire it";
  close(master);
}

}  // namespace
}  // namespace daemonkit
