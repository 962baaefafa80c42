// The daemonize tool with real commands: what its exit status promises, what
// the command gets (seen from /proc), and that a failed start leaves nothing.
// The test is a child subreaper, so every daemon becomes its child.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"

namespace {

using ::daemonkit::test::ChildrenOf;
using ::daemonkit::test::Exists;
using ::daemonkit::test::ExpectNoChildLeft;
using ::daemonkit::test::FinishProgram;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::PerTestPath;
using ::daemonkit::test::ProgramRun;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::Runfile;
using ::daemonkit::test::RunProgram;
using ::daemonkit::test::StartProgram;
using ::daemonkit::test::StatFields;
using ::daemonkit::test::StatusField;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// daemonize's command line with `args`, run to its end.
ProgramRun Daemonize(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Runfile("tools/daemonize")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

class DaemonizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    base_ = PerTestPath();
    pid_file_ = base_ + ".pid";
  }

  void TearDown() override {
    // Whatever a test started is gone once it ends, or it is a failure.
    ExpectNoChildLeft();
  }

  // The pid the pid file names.
  pid_t PidFromFile() {
    int pid = -1;
    EXPECT_TRUE(absl::SimpleAtoi(
        absl::StripTrailingAsciiWhitespace(ReadFile(pid_file_)), &pid));
    return pid;
  }

  void Stop(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }

  std::string base_;
  std::string pid_file_;
};

TEST_F(DaemonizeTest, RunsTheCommandAsADaemon) {
  const ProgramRun run =
      Daemonize({"--pid-file", pid_file_, "--", "/bin/sleep", "60"});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "");
  const pid_t pid = PidFromFile();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/exe")), "/usr/bin/sleep");
  const std::vector<std::string> fields = StatFields(pid);
  ASSERT_GE(fields.size(), 5u);
  EXPECT_NE(fields[3], absl::StrCat(pid)) << "not a session leader";
  EXPECT_EQ(fields[4], "0") << "no controlling terminal";
  // 0, 1 and 2: the pid file's lock is its supervisor's, and lasts as long
  // as the service (supervisor_integration_test).
  EXPECT_THAT(OpenFds(pid), ElementsAre(0, 1, 2));
  const ProgramRun second =
      Daemonize({"--pid-file", pid_file_, "--", "/bin/sleep", "60"});
  EXPECT_EQ(second.exit_status(), EX_UNAVAILABLE);
  EXPECT_EQ(second.err,
            absl::StrCat("daemonize: already running as pid ", pid, "\n"));
  Stop(pid);
}

TEST_F(DaemonizeTest, FindsTheCommandInPath) {
  const ProgramRun run = Daemonize({"-p", pid_file_, "sleep", "60"});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t pid = PidFromFile();
  EXPECT_EQ(ReadFile(absl::StrCat("/proc/", pid, "/comm")), "sleep\n");
  Stop(pid);
}

struct CannotRun {
  std::string name;
  std::string content;  // Empty: no file at all.
  mode_t mode;
  int exit_status;
  std::string error;
};

class DaemonizeCannotRunTest : public DaemonizeTest,
                               public ::testing::WithParamInterface<CannotRun> {
};

TEST_P(DaemonizeCannotRunTest, SaysWhyAndLeavesNothing) {
  const std::string command = base_ + "." + GetParam().name;
  if (!GetParam().content.empty()) {
    std::ofstream(command) << GetParam().content;
    ASSERT_EQ(chmod(command.c_str(), GetParam().mode), 0);
  }
  const ProgramRun run = Daemonize({"--pid-file=" + pid_file_, "--", command});
  EXPECT_EQ(run.exit_status(), GetParam().exit_status);
  EXPECT_EQ(run.err, absl::StrCat("daemonize: cannot run ", command, ": ",
                                  GetParam().error, "\n"));
  EXPECT_FALSE(Exists(pid_file_)) << "a failed start leaves no pid file";
}

INSTANTIATE_TEST_SUITE_P(
    Commands, DaemonizeCannotRunTest,
    ::testing::Values(
        CannotRun{"missing", "", 0, 127, "No such file or directory"},
        CannotRun{"not-executable", "#!/bin/sh\nsleep 60\n", 0644, 126,
                  "Permission denied"},
        // Passes access(X_OK) and stat(2): only execve(2) fails, after the
        // forks, where bmc's daemonize and start-stop-daemon --background
        // have already exited 0.
        CannotRun{"bad-interpreter", "#!/nonexistent/interpreter\n", 0755, 127,
                  "No such file or directory"}));

TEST_F(DaemonizeTest, ACommandThatExitsAtOnceStillStarted) {
  // --ready=exec promises that the command ran, no more.
  const ProgramRun run = Daemonize({"--", "/bin/true"});
  EXPECT_EQ(run.exit_status(), 0) << run.err;
}

TEST_F(DaemonizeTest, NotifyWaitsForReady) {
  const ProgramRun run =
      Daemonize({"--ready=notify", "--pid-file", pid_file_, "--",
                 Runfile("tests/support/notify_ready_helper"), "300"});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_GE(run.took, absl::Milliseconds(300)) << "returned before READY=1";
  const pid_t pid = PidFromFile();
  EXPECT_EQ(ReadFile(absl::StrCat("/proc/", pid, "/comm")), "notify_ready_he\n")
      << "the pid file names the command";
  Stop(pid);
}

TEST_F(DaemonizeTest, NotifyTimesOutAndStopsTheCommand) {
  const ProgramRun run = Daemonize(
      {"--ready=notify", "--ready-timeout=300ms", "--pid-file", pid_file_, "--",
       Runfile("tests/support/notify_ready_helper"), "0", "never"});
  EXPECT_EQ(run.exit_status(), EX_UNAVAILABLE);
  EXPECT_EQ(run.err, absl::StrCat("daemonize: ",
                                  Runfile("tests/support/notify_ready_helper"),
                                  " did not report READY=1 within 300ms\n"));
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(DaemonizeTest, NotifyReportsACommandKilledBeforeReady) {
  const ProgramRun run = Daemonize({"--ready=notify", "--pid-file", pid_file_,
                                    "--", "/bin/sh", "-c", "kill -9 $$"});
  EXPECT_EQ(run.exit_status(), EX_SOFTWARE);
  EXPECT_EQ(run.err,
            "daemonize: /bin/sh exited before it was ready: killed by signal 9 "
            "(Killed)\n");
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(DaemonizeTest, NotifyCommandStartsWithAnEmptySignalMask) {
  // daemonize blocks the signals that interrupt its wait; COMMAND must not
  // inherit that.
  const ProgramRun run =
      Daemonize({"--ready=notify", "--pid-file", pid_file_, "--",
                 Runfile("tests/support/notify_ready_helper"), "0"});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t pid = PidFromFile();
  EXPECT_EQ(StatusField(pid, "SigBlk"), "0000000000000000");
  Stop(pid);
}

// daemonize --ready=notify, waiting for READY=1 from notify_ready_helper.
class DaemonizeWaitingTest : public DaemonizeTest {
 protected:
  // Starts `wrapper` (a program that execs its arguments, or nothing) with
  // daemonize and notify_ready_helper `helper_args`. Returns daemonize's pid
  // once its supervisor waits for READY=1: until then the pid file names the
  // supervisor, whose child the helper is.
  pid_t StartWaiting(std::vector<std::string> wrapper,
                     const std::vector<std::string>& helper_args) {
    wrapper.insert(wrapper.end(), {Runfile("tools/daemonize"), "--ready=notify",
                                   "--pid-file", pid_file_, "--", kHelper});
    wrapper.insert(wrapper.end(), helper_args.begin(), helper_args.end());
    const pid_t daemonize = StartProgram(wrapper, &out_, &err_);
    for (int i = 0; i < 1000; ++i) {
      if (!ReadFile(pid_file_).empty()) {
        for (const auto& [child, state] : ChildrenOf(PidFromFile())) {
          if (ReadFile(absl::StrCat("/proc/", child, "/comm")) ==
              "notify_ready_he\n") {
            command_ = child;
            return daemonize;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "daemonize never waited for READY=1";
    return daemonize;
  }

  const std::string kHelper = Runfile("tests/support/notify_ready_helper");
  int out_ = -1;
  int err_ = -1;
  pid_t command_ = -1;
};

struct Interruption {
  int signal;
  std::string description;  // As strsignal(3) gives it.
};

void PrintTo(const Interruption& interruption, std::ostream* out) {
  *out << "SIG" << sigabbrev_np(interruption.signal);
}

class DaemonizeInterruptedTest
    : public DaemonizeWaitingTest,
      public ::testing::WithParamInterface<Interruption> {};

// ^C, SIGTERM or a closed terminal's SIGHUP while daemonize waits for
// READY=1: COMMAND is stopped, the pid file removed, and daemonize exits
// 128+signal, as a shell reports the signal, instead of dying of it.
TEST_P(DaemonizeInterruptedTest, StopsTheCommandAndLeavesNothing) {
  const int signal = GetParam().signal;
  const pid_t daemonize = StartWaiting({}, {"0", "never"});
  ASSERT_GT(daemonize, 0);
  ASSERT_EQ(kill(daemonize, signal), 0);
  const ProgramRun run = FinishProgram(daemonize, out_, err_);
  EXPECT_TRUE(WIFEXITED(run.status)) << "wait status " << run.status;
  EXPECT_EQ(run.exit_status(), 128 + signal);
  EXPECT_EQ(run.err, absl::StrCat("daemonize: interrupted by signal ", signal,
                                  " (", GetParam().description,
                                  ") while waiting for the daemon to be ready; "
                                  "the half-started daemon was stopped\n"));
  EXPECT_FALSE(Exists(pid_file_)) << "the pid file outlived its start";
  // daemonize, its subreaper, reaped it: not even a zombie is left.
  const bool command_gone = !Exists(absl::StrCat("/proc/", command_));
  EXPECT_TRUE(command_gone) << "COMMAND (pid " << command_ << ") runs on";
  EXPECT_THAT(ChildrenOf(getpid()), IsEmpty()) << "a process is left";
  if (!command_gone) Stop(command_);
}

INSTANTIATE_TEST_SUITE_P(
    Signals, DaemonizeInterruptedTest,
    ::testing::Values(Interruption{SIGINT, "Interrupt"},
                      Interruption{SIGTERM, "Terminated"},
                      Interruption{SIGHUP, "Hangup"}),
    [](const ::testing::TestParamInfo<Interruption>& info) {
      return std::string(sigabbrev_np(info.param.signal));
    });

// As under nohup: a caller that ignores SIGHUP (the shell's trap '' leaves it
// ignored across its exec) keeps daemonize from watching it, since a blocked
// signal is queued even when ignored.
TEST_F(DaemonizeWaitingTest, SighupTheCallerIgnoresDoesNotInterrupt) {
  const pid_t daemonize = StartWaiting(
      {"/bin/sh", "-c", "trap '' HUP; exec \"$0\" \"$@\""}, {"2000"});
  ASSERT_GT(daemonize, 0);
  // SIGINT (bit 1) and SIGTERM (bit 14) are watched, SIGHUP (bit 0) is not.
  EXPECT_EQ(StatusField(daemonize, "SigBlk"), "0000000000004002");
  ASSERT_EQ(kill(daemonize, SIGHUP), 0);
  const ProgramRun run = FinishProgram(daemonize, out_, err_);
  EXPECT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(PidFromFile(), command_);
  Stop(command_);
}

TEST_F(DaemonizeTest, OptionsReachTheCommand) {
  const std::string out = base_ + ".out";
  const std::string directory = base_ + ".d";
  ASSERT_EQ(mkdir(directory.c_str(), 0755), 0);
  const int kept = open("/dev/null", O_RDONLY);  // Not close-on-exec.
  ASSERT_GE(kept, 3);
  setenv("DAEMONIZE_TEST_DROPPED", "1", 1);
  const ProgramRun run = Daemonize(
      {"-p", pid_file_, "--chdir=" + directory, "--umask=027", "--stdout", out,
       "--keep-fd", absl::StrCat(kept), "--clear-env", "--env=GREETING=hi",
       "--", "/bin/sh", "-c", "echo started; exec sleep 60"});
  unsetenv("DAEMONIZE_TEST_DROPPED");
  close(kept);
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t pid = PidFromFile();
  for (int i = 0; i < 500 && ReadFile(out).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ReadFile(out), "started\n");
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/cwd")), directory);
  EXPECT_EQ(StatusField(pid, "Umask"), "0027");
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/fd/", kept)), "/dev/null");
  const std::vector<std::string> environment =
      absl::StrSplit(ReadFile(absl::StrCat("/proc/", pid, "/environ")), '\0',
                     absl::SkipEmpty());
  // The shell adds PWD by itself; nothing else may be there.
  EXPECT_THAT(environment,
              UnorderedElementsAre("GREETING=hi", "PWD=" + directory));
  Stop(pid);
}

// Every multi-word option, spelled with dashes or, as the timestamp example
// once spelled its flags, with underscores.
class DaemonizeSpellingTest
    : public DaemonizeTest,
      public ::testing::WithParamInterface<const char*> {
 protected:
  // "--pid-file" or "--pid_file", for "pid-file".
  std::string Option(absl::string_view dashed) {
    return absl::StrCat("--", absl::StrReplaceAll(dashed, {{"-", GetParam()}}));
  }
};

TEST_P(DaemonizeSpellingTest, PidFileKeepFdAndClearEnvTakeEffect) {
  const int kept = open("/dev/null", O_RDONLY);  // Not close-on-exec.
  ASSERT_GE(kept, 3);
  const ProgramRun run =
      Daemonize({Option("pid-file") + "=" + pid_file_, Option("keep-fd"),
                 absl::StrCat(kept), Option("clear-env"), "--env=ONLY=this",
                 "--", "/bin/sleep", "60"});
  close(kept);
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t pid = PidFromFile();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/exe")), "/usr/bin/sleep");
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/fd/", kept)), "/dev/null");
  const std::vector<std::string> environment =
      absl::StrSplit(ReadFile(absl::StrCat("/proc/", pid, "/environ")), '\0',
                     absl::SkipEmpty());
  EXPECT_THAT(environment, ElementsAre("ONLY=this"));
  Stop(pid);
}

TEST_P(DaemonizeSpellingTest, ReadyTimeoutTakesEffect) {
  const ProgramRun run =
      Daemonize({"--ready=notify", Option("ready-timeout"), "300ms", "--",
                 Runfile("tests/support/notify_ready_helper"), "0", "never"});
  EXPECT_EQ(run.exit_status(), EX_UNAVAILABLE);
  EXPECT_EQ(run.err, absl::StrCat("daemonize: ",
                                  Runfile("tests/support/notify_ready_helper"),
                                  " did not report READY=1 within 300ms\n"));
}

INSTANTIATE_TEST_SUITE_P(DashesAndUnderscores, DaemonizeSpellingTest,
                         ::testing::Values("-", "_"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(
                               *info.param == '-' ? "Dashes" : "Underscores");
                         });

struct BadUsage {
  std::vector<std::string> args;
  std::string error;
};

class DaemonizeBadUsageTest : public DaemonizeTest,
                              public ::testing::WithParamInterface<BadUsage> {};

TEST_P(DaemonizeBadUsageTest, IsRefusedWithoutStartingAnything) {
  std::vector<std::string> args = {"-p", pid_file_};
  args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
  const ProgramRun run = Daemonize(args);
  EXPECT_EQ(run.exit_status(), EX_USAGE);
  EXPECT_EQ(run.err, "daemonize: " + GetParam().error + " (see --help)\n");
  EXPECT_EQ(run.out, "");
  EXPECT_FALSE(Exists(pid_file_));
}

// Every duration: more than 0 and at most 24h.
std::string DurationError(const std::string& value) {
  return "--ready-timeout takes a duration more than 0 and at most 24h, such "
         "as 30s or 500ms, not '" +
         value + "'";
}

INSTANTIATE_TEST_SUITE_P(
    Options, DaemonizeBadUsageTest,
    ::testing::Values(
        BadUsage{{}, "no command given"},
        BadUsage{{"--bogus", "sleep"}, "unknown option '--bogus'"},
        BadUsage{{"-x", "sleep"}, "unknown option '-x'"},
        BadUsage{{"--pid-file"}, "option '--pid-file' needs a value"},
        BadUsage{{"--pid_file"}, "option '--pid-file' needs a value"},
        BadUsage{{"-p"}, "option '-p' needs a value"},
        BadUsage{{"--umask=0999", "sleep"},
                 "--umask takes an octal mode from 0 to 0777, not '0999'"},
        BadUsage{{"--keep-fd=1", "sleep"},
                 "--keep-fd takes a descriptor number of 3 or more, not '1'"},
        BadUsage{{"--env=NOEQUALS", "sleep"},
                 "--env takes NAME=VALUE, not 'NOEQUALS'"},
        BadUsage{{"--ready=soon", "sleep"},
                 "--ready takes 'exec' or 'notify', not 'soon'"},
        BadUsage{{"--ready-timeout=0s", "sleep"}, DurationError("0s")},
        BadUsage{{"--ready_timeout=0s", "sleep"}, DurationError("0s")},
        BadUsage{{"--respawn-limit=5/10s", "sleep"},
                 "--respawn-limit is for --respawn, which is not given"},
        // Captured output: options that would do nothing, a bad priority.
        BadUsage{{"--timestamps", "sleep"},
                 "--timestamps is for --stdout or --stderr to a file"},
        BadUsage{{"--timestamps", "--stdout=syslog", "sleep"},
                 "--timestamps is for --stdout or --stderr to a file"},
        BadUsage{{"--syslog-tag=app", "--stdout=/dev/null", "sleep"},
                 "--syslog-tag is for --stdout=syslog or --stderr=syslog"},
        BadUsage{{"--syslog-socket=/tmp/log", "sleep"},
                 "--syslog-socket is for --stdout=syslog or --stderr=syslog"},
        BadUsage{{"--stderr=syslog:nowhere", "sleep"},
                 "--stderr: syslog priority 'nowhere' is not "
                 "FACILITY.SEVERITY (such as daemon.info)"},
        BadUsage{{"--reopen", "sleep"},
                 "--stop, --status, --reload and --reopen take no COMMAND"},
        BadUsage{{"--stop", "--reopen"},
                 "--stop, --status, --reload and --reopen go one at a time"},
        BadUsage{{"--init", "--status"},
                 "--init starts COMMAND; --stop, --status, --reload and "
                 "--reopen control a started one"},
        BadUsage{{"--ready-file=", "sleep"},
                 "option '--ready-file' needs a value"},
        BadUsage{{"--init-child", "sleep"},
                 "--init-child is for daemonize-init, with --init"},
        // A wait that never ends, or ends at once through an overflow.
        BadUsage{{"--ready-timeout=-1s", "sleep"}, DurationError("-1s")},
        BadUsage{{"--ready-timeout=inf", "sleep"}, DurationError("inf")},
        BadUsage{{"--ready-timeout=24h0m1s", "sleep"},
                 DurationError("24h0m1s")},
        BadUsage{{"--ready-timeout=9999999999999h", "sleep"},
                 DurationError("9999999999999h")},
        BadUsage{{"--ready-timeout=1e30h", "sleep"}, DurationError("1e30h")},
        // Empty values, which were taken for "not given".
        BadUsage{{"--user=", "sleep"}, "option '--user' needs a value"},
        BadUsage{{"-u", "", "sleep"}, "option '--user' needs a value"},
        BadUsage{{"--group=", "sleep"}, "option '--group' needs a value"},
        BadUsage{{"--chroot=", "sleep"}, "option '--chroot' needs a value"},
        BadUsage{{"--pid-file=", "sleep"}, "option '--pid-file' needs a value"},
        BadUsage{{"--chdir=", "sleep"}, "option '--chdir' needs a value"},
        BadUsage{{"--stdout=", "sleep"}, "option '--stdout' needs a value"},
        BadUsage{{"--stderr", "", "sleep"}, "option '--stderr' needs a value"},
        BadUsage{{"--env=", "sleep"}, "option '--env' needs a value"},
        BadUsage{{"--", ""}, "COMMAND is empty"},
        // The caller's working directory means nothing inside a chroot.
        BadUsage{{"--chroot=/", "--", "./bin/x"},
                 "with --chroot, COMMAND is an absolute path inside it or a "
                 "name in PATH, not './bin/x'"},
        BadUsage{{"--bogus\n\x1b[2J", "sleep"},
                 "unknown option '--bogus\\n\\x1b[2J'"}));

// A descriptor daemonize opens before Detach checks the kept ones (the
// notify socket), or one Detach opens later (pid file, readiness pipe), is
// not the caller's: keeping it is refused, whichever number it gets.
class DaemonizeOwnFdTest : public DaemonizeTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(DaemonizeOwnFdTest, IsNotKept) {
  // A shell that closes 3 first, so that it is the next one opened.
  const ProgramRun run = RunProgram(
      {"/bin/sh", "-c", "exec 3<&-; exec \"$0\" \"$@\"",
       Runfile("tools/daemonize"), GetParam(), "--keep-fd=3", "-p", pid_file_,
       "--", Runfile("tests/support/notify_ready_helper"), "0"});
  EXPECT_EQ(run.exit_status(), EX_USAGE);
  EXPECT_EQ(run.err, "daemonize: --keep-fd 3 is not open (see --help)\n");
  EXPECT_FALSE(Exists(pid_file_));
}

INSTANTIATE_TEST_SUITE_P(ReadyModes, DaemonizeOwnFdTest,
                         ::testing::Values("--ready=exec", "--ready=notify"));

struct BadId {
  std::vector<std::string> args;
  std::string error;
};

class DaemonizeBadIdTest : public DaemonizeTest,
                           public ::testing::WithParamInterface<BadId> {};

// (uid_t)-1 means "no change" to setuid(2): it used to reach the daemon and
// fail there (setuid or setgroups: Invalid argument, exit 71).
TEST_P(DaemonizeBadIdTest, IsNoUserBeforeAnyFork) {
  std::vector<std::string> args = {"-p", pid_file_};
  args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
  args.insert(args.end(), {"--", "/bin/sleep", "60"});
  const ProgramRun run = Daemonize(args);
  EXPECT_EQ(run.exit_status(), EX_NOUSER);
  EXPECT_EQ(run.err, "daemonize: " + GetParam().error + "\n");
  EXPECT_FALSE(Exists(pid_file_));
}

INSTANTIATE_TEST_SUITE_P(
    Ids, DaemonizeBadIdTest,
    ::testing::Values(
        BadId{{"--user=no-such-user"}, "unknown user 'no-such-user'"},
        BadId{{"--user=4294967295"}, "unknown user '4294967295'"},
        BadId{{"--user=4294967295", "--group=0"}, "unknown user '4294967295'"},
        BadId{{"--user=-1"}, "unknown user '-1'"},
        BadId{{"--user=4294967296"}, "unknown user '4294967296'"},
        BadId{{"--group=4294967295"}, "unknown group '4294967295'"},
        BadId{{"--user=0", "--group=-1"}, "unknown group '-1'"},
        BadId{{"--user=a\nb"}, "unknown user 'a\\nb'"}));

// Without root, setgroups(2) fails even for the caller's own groups. A user
// namespace in which this test's root is 4242 makes it a caller other than
// root.
std::vector<std::string> As4242(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/unshare", "--user",
                                   "--map-user=4242", "--map-group=4242",
                                   Runfile("tools/daemonize")};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

TEST_F(DaemonizeTest, CallerOtherThanRootNamingItselfChangesNothing) {
  const ProgramRun run =
      RunProgram(As4242({"--user=4242", "--group=4242", "-p", pid_file_, "--",
                         "/bin/sleep", "60"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_EQ(run.err, "");
  const pid_t pid = PidFromFile();
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/exe")), "/usr/bin/sleep");
  Stop(pid);
}

TEST_F(DaemonizeTest, CallerOtherThanRootNamingAnotherIsRefusedBeforeAnyFork) {
  const ProgramRun run = RunProgram(
      As4242({"--user=4243", "--group=4242", "-p", pid_file_, "--", "sleep"}));
  EXPECT_EQ(run.exit_status(), EX_NOPERM);
  EXPECT_EQ(run.err, "daemonize: running as user 4243 needs root\n");
  EXPECT_FALSE(Exists(pid_file_));
}

// A shell runs `./bin/x` from its working directory; the daemon's is "/".
TEST_F(DaemonizeTest, RelativeCommandIsTheCallersOwn) {
  const std::string directory = base_ + ".d";
  ASSERT_EQ(mkdir(directory.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((directory + "/bin").c_str(), 0755), 0);
  std::ofstream(directory + "/bin/x") << "#!/bin/sh\nexec sleep \"$@\"\n";
  ASSERT_EQ(chmod((directory + "/bin/x").c_str(), 0755), 0);
  const ProgramRun run = RunProgram(
      {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory,
       Runfile("tools/daemonize"), "-p", pid_file_, "--", "./bin/x", "60"});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t pid = PidFromFile();
  // Ready is the exec of the script: its own exec of sleep comes after.
  const std::string sleeping(
      "sleep\0"
      "60\0",
      9);
  const std::string cmdline = absl::StrCat("/proc/", pid, "/cmdline");
  for (int i = 0; i < 500 && ReadFile(cmdline) != sleeping; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ReadFile(cmdline), sleeping);
  EXPECT_EQ(ReadLink(absl::StrCat("/proc/", pid, "/cwd")), "/");
  Stop(pid);
}

TEST_F(DaemonizeTest, RelativeCommandNeedsAWorkingDirectory) {
  const std::string directory = base_ + ".gone";
  const ProgramRun run = RunProgram(
      {"/bin/sh", "-c",
       "mkdir \"$0\" && cd \"$0\" && rmdir \"$0\" && exec \"$@\"", directory,
       Runfile("tools/daemonize"), "-p", pid_file_, "--", "./x"});
  EXPECT_EQ(run.exit_status(), EX_OSERR);
  EXPECT_EQ(run.err,
            "daemonize: resolving ./x against the working directory: No such "
            "file or directory\n");
  EXPECT_FALSE(Exists(pid_file_));
}

// A newline or an escape sequence in user input can neither break the
// failure's line nor reach the terminal.
TEST_F(DaemonizeTest, ControlCharactersInMessagesAreEscaped) {
  const ProgramRun run =
      Daemonize({"-p", pid_file_, "--", "/nonexistent/a\nb\x1b[2J\\"});
  EXPECT_EQ(run.exit_status(), 127);
  EXPECT_EQ(run.err,
            "daemonize: cannot run /nonexistent/a\\nb\\x1b[2J\\\\: No "
            "such file or directory\n");
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(DaemonizeTest, HelpAndVersion) {
  ProgramRun run = Daemonize({"--help"});
  EXPECT_EQ(run.exit_status(), 0);
  EXPECT_THAT(run.out, HasSubstr("Usage: daemonize [OPTIONS] [--] COMMAND"));
  EXPECT_THAT(run.out, HasSubstr("128+N interrupted by signal N"));
  run = Daemonize({"--version"});
  EXPECT_EQ(run.exit_status(), 0);
  EXPECT_THAT(run.out, HasSubstr("daemonize (daemonkit)"));
}

TEST_F(DaemonizeTest, ForegroundBecomesTheCommandInPlace) {
  const ProgramRun run =
      Daemonize({"--foreground", "--", "/bin/sh", "-c", "echo in place $PPID"});
  EXPECT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("in place")) << "standard streams stay";
}

}  // namespace
