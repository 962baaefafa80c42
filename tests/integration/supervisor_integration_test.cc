// daemonize with a supervisor (a pid file, --respawn), with real process
// trees: the pid file names COMMAND and stays true, a stop leaves nothing of
// whatever COMMAND started, signals reach COMMAND, failures are restarted
// and a crash loop is given up. The test is a child subreaper, so each
// supervisor becomes its child, and TearDown fails a test that leaves one.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"

namespace {

using ::daemonkit::test::Eventually;
using ::daemonkit::test::Exists;
using ::daemonkit::test::ExpectNoChildLeft;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::ParentOf;
using ::daemonkit::test::PerTestPath;
using ::daemonkit::test::PidsIn;
using ::daemonkit::test::ProgramRun;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::Runfile;
using ::daemonkit::test::RunProgram;
using ::daemonkit::test::Runs;
using ::daemonkit::test::StatFields;
using ::daemonkit::test::StatusField;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ProgramRun Daemonize(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Runfile("tools/daemonize")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    base_ = PerTestPath();
    pid_file_ = base_ + ".pid";
  }

  void TearDown() override {
    // A supervisor still running is stopped (a failure already said why),
    // then everything the test started must have been reaped.
    if (Exists(pid_file_)) Daemonize({"--stop", "--pid-file", pid_file_});
    ExpectNoChildLeft();
  }

  // Starts `script` under a supervisor with `options`; expects success.
  void Start(const std::string& script,
             const std::vector<std::string>& options = {}) {
    std::vector<std::string> args = {"--pid-file", pid_file_};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"--", "/bin/sh", "-c", script});
    const ProgramRun run = Daemonize(args);
    ASSERT_EQ(run.exit_status(), 0) << run.err;
  }

  pid_t PidFromFile() {
    int pid = -1;
    absl::SimpleAtoi(absl::StripTrailingAsciiWhitespace(ReadFile(pid_file_)),
                     &pid);
    return pid;
  }

  // Waits for the supervisor, this test's child, to exit; its wait status.
  int AwaitExit(pid_t supervisor) {
    int status = -1;
    EXPECT_EQ(waitpid(supervisor, &status, 0), supervisor);
    return status;
  }

  std::string base_;
  std::string pid_file_;
};

TEST_F(SupervisorTest, PidFileNamesTheCommandWhoseParentHoldsTheLock) {
  Start("exec sleep 60");
  const pid_t command = PidFromFile();
  ASSERT_GT(command, 0);
  // Named once sh's exec succeeded; sh execs sleep next.
  EXPECT_TRUE(Eventually([&] {
    return ReadLink(absl::StrCat("/proc/", command, "/exe")) ==
           "/usr/bin/sleep";
  }));
  // COMMAND never gets the lock's descriptor: 0, 1 and 2 only.
  EXPECT_THAT(OpenFds(command), ElementsAre(0, 1, 2));
  const pid_t supervisor = ParentOf(command);
  EXPECT_EQ(ParentOf(supervisor), getpid()) << "orphaned to the test";
  bool holds = false;
  for (int fd : OpenFds(supervisor)) {
    holds |=
        ReadLink(absl::StrCat("/proc/", supervisor, "/fd/", fd)) == pid_file_;
  }
  EXPECT_TRUE(holds);
  // Its own process group, in the supervisor's session.
  const std::vector<std::string> fields = StatFields(command);
  ASSERT_GE(fields.size(), 4u);
  EXPECT_EQ(fields[2], absl::StrCat(command));
  EXPECT_EQ(fields[3], StatFields(supervisor)[3]);

  const ProgramRun status = Daemonize({"--status", "--pid-file", pid_file_});
  EXPECT_EQ(status.exit_status(), 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr(absl::StrCat("running as pid ", command)));
  const ProgramRun second =
      Daemonize({"--pid-file", pid_file_, "--", "/bin/sleep", "60"});
  EXPECT_EQ(second.exit_status(), 69) << second.err;

  const ProgramRun stop = Daemonize({"--stop", "--pid-file", pid_file_});
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_EQ(stop.out, absl::StrCat("stopped pid ", command, "\n"));
  EXPECT_EQ(AwaitExit(supervisor), 0) << "exit 0: all of it went";
  EXPECT_FALSE(Exists(pid_file_));
  EXPECT_FALSE(Runs(command));
  const ProgramRun after = Daemonize({"--status", "--pid-file", pid_file_});
  EXPECT_EQ(after.exit_status(), 3);
}

TEST_F(SupervisorTest, StopLeavesNothingOfATreeThatIgnoresTerm) {
  const std::string pids = base_ + ".pids";
  // A child that ignores TERM, and a grandchild in a session of its own
  // whose parent left at once (reparented to the supervisor).
  Start(absl::StrCat("trap '' TERM; sleep 60 & echo $! >> ", pids,
                     "; setsid sh -c 'sleep 70 & echo $! >> ", pids,
                     "' ; exec sleep 80"));
  ASSERT_TRUE(Eventually([&] { return PidsIn(pids).size() == 2; }));
  const pid_t command = PidFromFile();
  const pid_t supervisor = ParentOf(command);
  std::vector<pid_t> tree = PidsIn(pids);
  tree.push_back(command);
  for (pid_t pid : tree) EXPECT_TRUE(Runs(pid)) << pid;

  const absl::Time start = absl::Now();
  const ProgramRun stop =
      Daemonize({"--stop", "--stop-timeout", "500ms", "--pid-file", pid_file_});
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  // TERM was ignored: SIGKILL came after the stop's own timeout.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(500));
  EXPECT_EQ(AwaitExit(supervisor), 0);
  for (pid_t pid : tree) EXPECT_FALSE(Runs(pid)) << pid;
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(SupervisorTest, ACommandThatClosesItsDescriptorsKeepsItsPidFile) {
  Start("exec 0<&- 1>&- 2>&-; exec sleep 60");
  const ProgramRun second =
      Daemonize({"--pid-file", pid_file_, "--", "/bin/sleep", "60"});
  EXPECT_EQ(second.exit_status(), 69) << second.err;
  EXPECT_THAT(second.err, HasSubstr("already running"));
}

TEST_F(SupervisorTest, WhatACommandThatDaemonizedItselfLeftIsStopped) {
  const std::string pids = base_ + ".pids";
  // COMMAND forks a daemon of its own and exits 0, as forking daemons do:
  // the service ends, and nothing of it stays.
  const ProgramRun run =
      Daemonize({"--pid-file", pid_file_, "--", "/bin/sh", "-c",
                 absl::StrCat("setsid sh -c 'sleep 60 & echo $! >> ", pids,
                              "'; sleep 0.2")});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t supervisor = ParentOf(PidFromFile());
  ASSERT_GT(supervisor, 1);
  EXPECT_EQ(AwaitExit(supervisor), 0) << "COMMAND's own exit status";
  ASSERT_EQ(PidsIn(pids).size(), 1u);
  EXPECT_FALSE(Runs(PidsIn(pids)[0]));
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(SupervisorTest, TermToTheSupervisorStopsTheServiceAndExitsZero) {
  Start("exec sleep 60");
  const pid_t command = PidFromFile();
  const pid_t supervisor = ParentOf(command);
  ASSERT_EQ(kill(supervisor, SIGTERM), 0);
  const int status = AwaitExit(supervisor);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(Runs(command));
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(SupervisorTest, SignalsButHupAreForwardedToTheCommand) {
  const std::string got = base_ + ".got";
  Start(absl::StrCat("trap 'echo HUP >> ", got, "' HUP; trap 'echo USR1 >> ",
                     got, "' USR1; trap 'echo WINCH >> ", got, "' WINCH; : > ",
                     got, "; while :; do sleep 0.05; done"));
  // Once the traps are set: a signal before would end sh.
  ASSERT_TRUE(Eventually([&] { return Exists(got); }));
  const pid_t supervisor = ParentOf(PidFromFile());
  ASSERT_EQ(kill(supervisor, SIGHUP), 0);
  ASSERT_EQ(kill(supervisor, SIGUSR1), 0);
  ASSERT_TRUE(Eventually([&] { return ReadFile(got) == "USR1\n"; }))
      << ReadFile(got);
  ASSERT_EQ(kill(supervisor, SIGWINCH), 0);
  ASSERT_TRUE(Eventually([&] { return ReadFile(got) == "USR1\nWINCH\n"; }))
      << ReadFile(got);
}

TEST_F(SupervisorTest, ReloadSignalsTheCommandNotTheSupervisor) {
  const std::string got = base_ + ".got";
  Start(absl::StrCat("trap 'echo HUP >> ", got, "' HUP; trap 'echo USR2 >> ",
                     got, "' USR2; : > ", got,
                     "; while :; do sleep 0.05; done"));
  ASSERT_TRUE(Eventually([&] { return Exists(got); }));  // The traps are set.
  const pid_t command = PidFromFile();
  ProgramRun reload = Daemonize({"--reload", "--pid-file", pid_file_});
  EXPECT_EQ(reload.exit_status(), 0) << reload.err;
  EXPECT_EQ(reload.out,
            absl::StrCat("sent signal 1 (HUP) to pid ", command, "\n"));
  ASSERT_TRUE(Eventually([&] { return ReadFile(got) == "HUP\n"; }));
  reload = Daemonize(
      {"--reload", "--reload-signal", "sigusr2", "--pid-file", pid_file_});
  EXPECT_EQ(reload.exit_status(), 0) << reload.err;
  ASSERT_TRUE(Eventually([&] { return ReadFile(got) == "HUP\nUSR2\n"; }));
}

TEST_F(SupervisorTest, KillingTheSupervisorTerminatesTheCommand) {
  Start("exec sleep 60");
  const pid_t command = PidFromFile();
  const pid_t supervisor = ParentOf(command);
  ASSERT_EQ(kill(supervisor, SIGKILL), 0);
  AwaitExit(supervisor);
  // The parent-death signal; COMMAND is the test's child now.
  int status = -1;
  ASSERT_EQ(waitpid(command, &status, 0), command);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  const ProgramRun after = Daemonize({"--status", "--pid-file", pid_file_});
  EXPECT_EQ(after.exit_status(), 1) << "stale: " << after.out;
  unlink(pid_file_.c_str());
}

TEST_F(SupervisorTest, RespawnRestartsAFailedCommandUntilItRuns) {
  const std::string starts = base_ + ".starts";
  Start(absl::StrCat("echo $$ >> ", starts, "; [ $(wc -l < ", starts,
                     ") -ge 3 ] && exec sleep 60; exit 1"),
        {"--respawn", "--respawn-delay", "20ms"});
  ASSERT_TRUE(Eventually([&] { return PidsIn(starts).size() == 3; }));
  const pid_t third = PidsIn(starts)[2];
  ASSERT_TRUE(Eventually([&] { return PidFromFile() == third; }));
  // Named once its exec of sh succeeded; sh execs sleep next.
  EXPECT_TRUE(Eventually([&] {
    return ReadLink(absl::StrCat("/proc/", third, "/exe")) == "/usr/bin/sleep";
  }));
  const ProgramRun status = Daemonize({"--status", "--pid-file", pid_file_});
  EXPECT_EQ(status.exit_status(), 0) << status.out;
  const pid_t supervisor = ParentOf(third);
  EXPECT_EQ(Daemonize({"--stop", "--pid-file", pid_file_}).exit_status(), 0);
  EXPECT_EQ(AwaitExit(supervisor), 0);
}

TEST_F(SupervisorTest, ACleanExitEndsARespawnedService) {
  const std::string starts = base_ + ".starts";
  Start(absl::StrCat("echo $$ >> ", starts, "; sleep 0.2; exit 0"),
        {"--respawn", "--respawn-delay", "10ms"});
  const pid_t supervisor = ParentOf(PidFromFile());
  EXPECT_EQ(AwaitExit(supervisor), 0);
  EXPECT_EQ(PidsIn(starts).size(), 1u);
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(SupervisorTest, ACrashLoopIsGivenUpLeavingAStalePidFile) {
  const std::string starts = base_ + ".starts";
  Start(absl::StrCat("echo $$ >> ", starts, "; sleep 0.1; exit 3"),
        {"--respawn", "--respawn-delay", "10ms", "--respawn-limit", "3/10s"});
  const pid_t supervisor = ParentOf(PidFromFile());
  const int status = AwaitExit(supervisor);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << status;
  EXPECT_EQ(PidsIn(starts).size(), 3u);
  const ProgramRun after = Daemonize({"--status", "--pid-file", pid_file_});
  EXPECT_EQ(after.exit_status(), 1) << after.out;
  unlink(pid_file_.c_str());
}

TEST_F(SupervisorTest, ACommandThatCannotRunFailsTheStartLeavingNothing) {
  const ProgramRun run =
      Daemonize({"--pid-file", pid_file_, "--", base_ + ".missing"});
  EXPECT_EQ(run.exit_status(), 127);
  EXPECT_THAT(run.err, HasSubstr("cannot run"));
  EXPECT_FALSE(Exists(pid_file_));
}

// With --user, only COMMAND becomes that user: the supervisor and the pid
// file stay root's, so COMMAND, which the user may subvert, can neither
// kill its supervisor nor rewrite the pid file to aim a stop elsewhere.
TEST_F(SupervisorTest, ACommandOfAnotherUserCannotSubvertItsSupervisor) {
  // Somewhere nobody can write: TEST_TMPDIR is under root's 0700 home.
  char made[] = "/tmp/daemonkit-supervisor-XXXXXX";
  ASSERT_NE(mkdtemp(made), nullptr);
  const std::string directory = made;
  ASSERT_EQ(chmod(directory.c_str(), 01777), 0);  // As /tmp: sticky.
  const std::string report = directory + "/report";
  pid_file_ = directory + "/service.pid";  // Where nobody can reach it.
  Start(absl::StrCat("kill -KILL $PPID 2>/dev/null; echo kill=$? > ", report,
                     "; (echo 1 > ", pid_file_,
                     ") 2>/dev/null; echo write=$? >> ", report,
                     "; exec sleep 60"),
        {"--user", "nobody"});
  ASSERT_TRUE(Eventually(
      [&] { return ReadFile(report).find("write=") != std::string::npos; }));
  EXPECT_THAT(ReadFile(report),
              ::testing::MatchesRegex("kill=[1-9][0-9]*\nwrite=[1-9][0-9]*\n"));
  const pid_t command = PidFromFile();
  EXPECT_THAT(StatusField(command, "Uid"), ::testing::StartsWith("65534\t"));
  const pid_t supervisor = ParentOf(command);
  EXPECT_TRUE(Runs(supervisor));
  EXPECT_THAT(StatusField(supervisor, "Uid"), ::testing::StartsWith("0\t"));
  struct stat info;
  ASSERT_EQ(stat(pid_file_.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 0u) << "the pid file stays root's";
  EXPECT_EQ(Daemonize({"--stop", "--pid-file", pid_file_}).exit_status(), 0);
  EXPECT_EQ(AwaitExit(supervisor), 0);
  unlink(report.c_str());
  EXPECT_FALSE(Exists(pid_file_));
  rmdir(directory.c_str());
}

TEST_F(SupervisorTest, ControlCommandsNeedAPidFileAndNoCommand) {
  EXPECT_EQ(Daemonize({"--stop"}).exit_status(), 64);
  EXPECT_EQ(Daemonize({"--status", "--pid-file", pid_file_, "--", "/bin/true"})
                .exit_status(),
            64);
  EXPECT_EQ(
      Daemonize({"--respawn-delay", "1s", "--", "/bin/true"}).exit_status(),
      64);
  EXPECT_EQ(Daemonize({"--reload", "--reload-signal", "NOPE", "--pid-file",
                       pid_file_})
                .exit_status(),
            64);
  const ProgramRun nothing = Daemonize({"--stop", "--pid-file", pid_file_});
  EXPECT_EQ(nothing.exit_status(), 0);
  EXPECT_EQ(nothing.out, "not running\n");
  EXPECT_EQ(Daemonize({"--reload", "--pid-file", pid_file_}).exit_status(), 7);
}

}  // namespace
