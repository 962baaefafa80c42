// Privileges, chroot, core dumps and the environment, as /proc shows them for
// a real daemon. Needs real root: the test runs outside Bazel's sandbox,
// whose user namespace maps root alone (tags = ["no-sandbox"]), so it stops
// and reaps every process it starts itself.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
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
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::StartServingDaemon;
using ::daemonkit::test::StatusField;
using ::daemonkit::test::StopWithSigterm;
using ::testing::UnorderedElementsAre;

class PrivilegesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char directory[] = "/tmp/daemonkit-privileges-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    directory_ = directory;
  }

  void TearDown() override {
    if (directory_.empty()) return;
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is left";
    const std::string remove = absl::StrCat("rm -rf ", directory_);
    EXPECT_EQ(system(remove.c_str()), 0);
  }

  pid_t Start(const DetachOptions& options) {
    return StartServingDaemon(options);
  }
  // SIGTERM; the daemon's wait status (0: it exited 0).
  int Stop(pid_t pid) { return StopWithSigterm(pid); }

  std::string directory_;
};

TEST_F(PrivilegesTest, RunsAsNobodyAndCannotComeBack) {
  // The pid file's directory belongs to nobody, so the daemon can remove it.
  const std::string run = directory_ + "/run";
  ASSERT_EQ(mkdir(run.c_str(), 0755), 0);
  ASSERT_EQ(chown(run.c_str(), 65534, 65534), 0);
  DetachOptions options;
  options.user = "nobody";
  options.pid_file = run + "/app.pid";
  const pid_t pid = Start(options);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(StatusField(pid, "Uid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(StatusField(pid, "Gid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(StatusField(pid, "Groups"), "65534");
  EXPECT_EQ(ReadFile(options.pid_file), absl::StrCat(pid, "\n"));
  EXPECT_EQ(Stop(pid), 0);
  EXPECT_FALSE(Exists(options.pid_file)) << "removed as nobody";
}

TEST_F(PrivilegesTest, NamedGroupReplacesTheUsersOwn) {
  DetachOptions options;
  options.user = "nobody";
  options.group = "daemon";  // Debian's gid 1.
  const pid_t pid = Start(options);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(StatusField(pid, "Gid"), "1\t1\t1\t1");
  EXPECT_EQ(Stop(pid), 0);
}

TEST_F(PrivilegesTest, PidFileWhereTheUserCannotRemoveItIsRefused) {
  DetachOptions options;
  options.user = "nobody";
  options.pid_file = directory_ + "/app.pid";  // mkdtemp: root's, 0700.
  absl::StatusOr<Daemon> daemon = Detach(options);
  ASSERT_FALSE(daemon.ok());
  EXPECT_EQ(daemon.status().message(),
            absl::StrCat("pid file directory ", directory_,
                         " is not writable by user nobody, so the daemon "
                         "could not remove its pid file at a clean stop; use a "
                         "directory that user owns (such as systemd's "
                         "RuntimeDirectory=)"));
  EXPECT_THAT(daemon, HasExitCode(EX_CANTCREAT));
  EXPECT_FALSE(Exists(options.pid_file));
}

TEST_F(PrivilegesTest, UnknownUserIsRefusedBeforeAnyFork) {
  DetachOptions options;
  options.user = "no-such-user-here";
  absl::StatusOr<Daemon> daemon = Detach(options);
  EXPECT_THAT(daemon, HasMessage("unknown user 'no-such-user-here'"));
  EXPECT_THAT(daemon, HasExitCode(EX_NOUSER));
  options.user = "";
  options.group = "no-such-group-here";
  daemon = Detach(options);
  EXPECT_THAT(daemon, HasMessage("unknown group 'no-such-group-here'"));
  EXPECT_THAT(daemon, HasExitCode(EX_NOUSER));
}

TEST_F(PrivilegesTest, ChrootThenWorkingDirectoryInside) {
  const std::string root = directory_ + "/root";
  ASSERT_EQ(mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root + "/srv").c_str(), 0755), 0);
  DetachOptions options;
  options.chroot_directory = root;
  options.working_directory = "/srv";
  const pid_t pid = Start(options);
  ASSERT_GT(pid, 0);
  char target[4096];
  ssize_t length = readlink(absl::StrCat("/proc/", pid, "/root").c_str(),
                            target, sizeof target);
  EXPECT_EQ(std::string(target, length > 0 ? length : 0), root);
  length = readlink(absl::StrCat("/proc/", pid, "/cwd").c_str(), target,
                    sizeof target);
  EXPECT_EQ(std::string(target, length > 0 ? length : 0), root + "/srv");
  EXPECT_EQ(Stop(pid), 0);
  // What the jailed daemon holds, and its pid file: chroot_jail_test.
}

TEST_F(PrivilegesTest, ChrootDirectoryThatDoesNotExist) {
  DetachOptions options;
  options.chroot_directory = directory_ + "/missing";
  absl::StatusOr<Daemon> daemon = Detach(options);
  EXPECT_EQ(daemon.status().message(),
            absl::StrCat("opening chroot directory ", directory_,
                         "/missing failed: No such file or directory"));
  EXPECT_THAT(daemon, HasExitCode(EX_NOINPUT));
}

TEST_F(PrivilegesTest, NoCoreDumps) {
  DetachOptions options;
  options.disable_core_dumps = true;
  const pid_t pid = Start(options);
  ASSERT_GT(pid, 0);
  std::istringstream limits(ReadFile(absl::StrCat("/proc/", pid, "/limits")));
  std::string core;
  for (std::string line; std::getline(limits, line);) {
    if (absl::StartsWith(line, "Max core file size")) core = line;
  }
  const std::vector<std::string> fields =
      absl::StrSplit(core, ' ', absl::SkipEmpty());
  ASSERT_EQ(fields.size(), 7u) << core;
  EXPECT_EQ(fields[4], "0") << core;  // Soft limit.
  EXPECT_EQ(fields[5], "0") << core;  // Hard limit.
  EXPECT_EQ(Stop(pid), 0);
}

TEST_F(PrivilegesTest, CleanEnvironmentKeepsOnlyWhatIsNamed) {
  setenv("DAEMONKIT_KEEP", "kept", 1);
  setenv("DAEMONKIT_DROP", "dropped", 1);
  DetachOptions options;
  options.clear_environment = true;
  options.keep_environment = {"DAEMONKIT_KEEP", "DAEMONKIT_UNSET"};
  options.set_environment = {"GREETING=hello=world"};
  absl::StatusOr<Daemon> daemon = Detach(options);
  if (daemon.ok() && !daemon->in_launcher()) {
    // /proc/PID/environ shows what a program was started with: start one.
    if (!daemon->Ready().ok()) _exit(1);
    execl("/bin/sleep", "sleep", "60", nullptr);
    _exit(127);
  }
  unsetenv("DAEMONKIT_KEEP");
  unsetenv("DAEMONKIT_DROP");
  ASSERT_THAT(daemon, IsOk());
  const pid_t pid = daemon->pid();
  // Ready() comes just before the exec: wait for the program to be sleep.
  for (int i = 0; i < 500; ++i) {
    if (ReadFile(absl::StrCat("/proc/", pid, "/comm")) == "sleep\n") break;
    usleep(10000);
  }
  const std::string environ_text =
      ReadFile(absl::StrCat("/proc/", pid, "/environ"));
  const std::vector<std::string> variables =
      absl::StrSplit(environ_text, '\0', absl::SkipEmpty());
  EXPECT_THAT(variables, UnorderedElementsAre("DAEMONKIT_KEEP=kept",
                                              "GREETING=hello=world"));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace
}  // namespace daemonkit
