// The timestamp example, run as a user runs it: a real binary, real daemons.
// The test is a child subreaper, so each daemon ends up its child and is
// stopped and reaped here.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"
#include "tests/support/timestamp_example.h"

namespace {

using ::daemonkit::test::DaemonPid;
using ::daemonkit::test::Exists;
using ::daemonkit::test::ExpectNoChildLeft;
using ::daemonkit::test::kRfc3339;
using ::daemonkit::test::Lines;
using ::daemonkit::test::LineTime;
using ::daemonkit::test::PerTestPath;
using ::daemonkit::test::ProgramRun;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::Runfile;
using ::daemonkit::test::RunProgram;
using ::daemonkit::test::StartProgram;
using ::daemonkit::test::StatFields;
using ::daemonkit::test::Timestamp;
using ::daemonkit::test::WaitForLines;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

ProgramRun RunLauncher(const std::vector<std::string>& args) {
  return RunProgram(Timestamp(args));
}

pid_t Start(const std::vector<std::string>& args, int* out, int* err) {
  return StartProgram(Timestamp(args), out, err);
}

int ExitStatus(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

class TimestampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    base_ = PerTestPath();
    log_ = base_ + ".log";
    pid_file_ = base_ + ".pid";
  }

  void TearDown() override {
    // A daemon that failed to start exits on its own; give it a moment, then
    // insist that nothing is left.
    ExpectNoChildLeft();
  }

  std::string base_;
  std::string log_;
  std::string pid_file_;
};

// `timestamp ... | true`: the reader of the launcher's output is gone before
// it prints "Daemon PID N". The daemon started, so the launcher says so with
// exit status 0 rather than dying of SIGPIPE.
TEST_F(TimestampTest, LauncherWhoseOutputIsClosedStillExitsZero) {
  int out = -1;
  int err = -1;
  const pid_t launcher = StartProgram(
      Timestamp({"--interval=1s", "--log=" + log_, "--pid-file=" + pid_file_}),
      &out, &err);
  ASSERT_GT(launcher, 0);
  close(out);
  int status = -1;
  ASSERT_EQ(waitpid(launcher, &status, 0), launcher);
  close(err);
  EXPECT_EQ(ExitStatus(status), 0) << "wait status " << status;
  const ProgramRun stop = RunLauncher({"--pid-file=" + pid_file_, "--stop"});
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
}

TEST_F(TimestampTest, DaemonAppendsATimestampEveryIntervalUntilTerminated) {
  const ProgramRun run = RunLauncher({"--interval=100ms", "--log=" + log_});
  ASSERT_TRUE(WIFEXITED(run.status));
  ASSERT_EQ(WEXITSTATUS(run.status), 0) << run.err;
  ASSERT_THAT(run.out, MatchesRegex("Daemon PID [0-9]+\n"));
  const pid_t pid = DaemonPid(run.out);

  ASSERT_TRUE(WaitForLines(log_, 3)) << ReadFile(log_);
  const std::vector<std::string> fields = StatFields(pid);
  ASSERT_GE(fields.size(), 5u);
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

TEST_F(TimestampTest, ForegroundTellsTheServiceManagerItIsReady) {
  // What systemd does for Type=notify: a datagram socket in NOTIFY_SOCKET.
  // sun_path holds 108 bytes, too few for TEST_TMPDIR; and test runs in
  // other PID namespaces may share this pid, so the name must be unique.
  char directory[] = "/tmp/daemonkit-ts-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  const std::string address = absl::StrCat(directory, "/notify");
  const int manager = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un bound = {};
  bound.sun_family = AF_UNIX;
  ASSERT_LT(address.size(), sizeof bound.sun_path);
  memcpy(bound.sun_path, address.data(), address.size());
  ASSERT_EQ(
      bind(manager, reinterpret_cast<struct sockaddr*>(&bound), sizeof bound),
      0);
  setenv("NOTIFY_SOCKET", address.c_str(), 1);
  int out, err;
  const pid_t pid = Start({"--foreground", "--interval=1s", "--log=" + log_,
                           "--pid-file=" + pid_file_},
                          &out, &err);
  unsetenv("NOTIFY_SOCKET");
  ASSERT_GT(pid, 0);
  struct pollfd readable = {manager, POLLIN, 0};
  ASSERT_EQ(poll(&readable, 1, 5000), 1);
  char datagram[256];
  const ssize_t got = recv(manager, datagram, sizeof datagram, 0);
  EXPECT_EQ(std::string(datagram, got > 0 ? got : 0), "READY=1");
  EXPECT_EQ(ReadFile(pid_file_), absl::StrCat(pid, "\n"))
      << "written before READY=1";
  EXPECT_TRUE(std::ifstream(log_).good()) << "the log was opened (created)";
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(ExitStatus(status), 0);
  EXPECT_EQ(ReadFile(pid_file_), "") << "removed at a clean stop";
  close(manager);
  close(out);
  close(err);
  unlink(address.c_str());
  rmdir(directory);
}

TEST_F(TimestampTest, LogThatCannotBeCreatedIsReportedByTheLauncher) {
  const std::string log = log_ + ".d/missing/x.log";
  const ProgramRun run = RunLauncher({"--log=" + log});
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), EX_CANTCREAT);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, absl::StrCat("timestamp: opening log ", log,
                                  " failed: No such file or directory\n"));
}

// The default log is /tmp/daemon-log: in a directory like /tmp, a symbolic
// link in the log's place is never followed, whatever fs.protected_symlinks
// says, and the launcher reports it.
TEST_F(TimestampTest, LogLinkedFromAStickyWorldWritableDirectoryIsRefused) {
  const std::string shared = base_ + ".tmp";
  ASSERT_EQ(mkdir(shared.c_str(), 0755), 0);
  ASSERT_EQ(chmod(shared.c_str(), 01777), 0);
  const std::string target = base_ + ".target";
  const std::string log = shared + "/daemon-log";
  ASSERT_EQ(symlink(target.c_str(), log.c_str()), 0);
  const ProgramRun run = RunLauncher({"--log=" + log});
  EXPECT_EQ(run.exit_status(), EX_CANTCREAT);
  EXPECT_EQ(run.err, absl::StrCat("timestamp: log ", log,
                                  " is a symbolic link in ", shared,
                                  ", where other users may write; refusing "
                                  "to follow it\n"));
  EXPECT_FALSE(Exists(target)) << "the link was followed";
  unlink(log.c_str());
  rmdir(shared.c_str());
}

TEST_F(TimestampTest, PidFileStatusAndStop) {
  const std::string pid_flag = "--pid-file=" + pid_file_;
  ProgramRun run = RunLauncher({"--interval=1s", "--log=" + log_, pid_flag});
  ASSERT_EQ(ExitStatus(run.status), 0) << run.err;
  const pid_t pid = DaemonPid(run.out);
  EXPECT_EQ(ReadFile(pid_file_), absl::StrCat(pid, "\n"))
      << "in place when the launcher returns";

  run = RunLauncher({pid_flag, "--status"});
  EXPECT_EQ(ExitStatus(run.status), 0);
  EXPECT_EQ(run.out, absl::StrCat("running as pid ", pid, "\n"));
  // The spelling of earlier versions, which scripts may still use.
  run = RunLauncher({"--pid_file=" + pid_file_, "--status"});
  EXPECT_EQ(ExitStatus(run.status), 0) << run.err;
  EXPECT_EQ(run.out, absl::StrCat("running as pid ", pid, "\n"));

  run = RunLauncher({pid_flag, "--stop"});
  EXPECT_EQ(ExitStatus(run.status), 0) << run.err;
  EXPECT_EQ(run.out, absl::StrCat("stopped pid ", pid, "\n"));
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(ExitStatus(status), 0) << "a clean stop";
  EXPECT_EQ(ReadFile(pid_file_), "") << "the pid file is gone";

  run = RunLauncher({pid_flag, "--status"});
  EXPECT_EQ(ExitStatus(run.status), 3);
  EXPECT_EQ(run.out, "not running\n");
  run = RunLauncher({pid_flag, "--stop"});
  EXPECT_EQ(ExitStatus(run.status), 0);
  EXPECT_EQ(run.out, "not running\n");

  std::ofstream(pid_file_) << pid << "\n";  // Left by a daemon that died.
  run = RunLauncher({pid_flag, "--status"});
  EXPECT_EQ(ExitStatus(run.status), 1);
  EXPECT_EQ(run.out, absl::StrCat("not running, but pid file ", pid_file_,
                                  " remains\n"));
}

TEST_F(TimestampTest, LogRotationLosesNoLine) {
  constexpr absl::Duration kInterval = absl::Milliseconds(200);
  const ProgramRun run = RunLauncher({"--interval=200ms", "--log=" + log_});
  ASSERT_EQ(ExitStatus(run.status), 0) << run.err;
  const pid_t pid = DaemonPid(run.out);
  ASSERT_TRUE(WaitForLines(log_, 3));
  // What logrotate does: move the log away, then SIGHUP.
  const std::string rotated = log_ + ".1";
  ASSERT_EQ(rename(log_.c_str(), rotated.c_str()), 0);
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  ASSERT_TRUE(WaitForLines(log_, 3)) << "new lines go to a new file";
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(ExitStatus(status), 0);

  std::vector<std::string> lines = Lines(ReadFile(rotated));
  const size_t before_rotation = lines.size();
  for (const std::string& line : Lines(ReadFile(log_))) lines.push_back(line);
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_THAT(lines[i], MatchesRegex(kRfc3339)) << "line " << i;
    if (i == 0) continue;
    // One line per tick, each at most a little late: a lost line would leave
    // a gap of two intervals.
    const absl::Duration gap = LineTime(lines[i]) - LineTime(lines[i - 1]);
    EXPECT_GT(gap, absl::ZeroDuration()) << "line " << i;
    EXPECT_LT(gap, 1.9 * kInterval)
        << "line " << i
        << (i == before_rotation ? " (first after SIGHUP)" : "");
  }
  EXPECT_EQ(ReadFile(rotated).back(), '\n');
  EXPECT_EQ(ReadFile(log_).back(), '\n');
}

// Twenty launchers started at once with one pid file: exactly one daemon.
TEST_F(TimestampTest, TwentyLaunchersAtOnceStartOneDaemon) {
  constexpr int kLaunchers = 20;
  int barrier[2];
  ASSERT_EQ(pipe(barrier), 0);
  std::vector<pid_t> launchers;
  for (int i = 0; i < kLaunchers; ++i) {
    const pid_t child = fork();
    if (child == 0) {
      close(barrier[1]);
      char byte;
      (void)!read(barrier[0], &byte, 1);  // Returns when the barrier opens.
      const int out = open(absl::StrCat(base_, ".out", i).c_str(),
                           O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(absl::StrCat(base_, ".err", i).c_str(),
                           O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
      const std::string binary = Runfile("examples/timestamp");
      const std::string log = "--log=" + log_;
      const std::string pid_file = "--pid-file=" + pid_file_;
      execl(binary.c_str(), binary.c_str(), log.c_str(), pid_file.c_str(),
            "--interval=1s", nullptr);
      _exit(127);
    }
    launchers.push_back(child);
  }
  close(barrier[0]);
  close(barrier[1]);  // Opens the barrier for all at once.
  int started = 0;
  pid_t daemon = -1;
  std::vector<int> statuses;
  for (pid_t launcher : launchers) {
    int status;
    ASSERT_EQ(waitpid(launcher, &status, 0), launcher);
    statuses.push_back(ExitStatus(status));
  }
  for (int i = 0; i < kLaunchers; ++i) {
    if (statuses[i] == 0) {
      ++started;
      daemon = DaemonPid(ReadFile(absl::StrCat(base_, ".out", i)));
    }
  }
  ASSERT_EQ(started, 1);
  EXPECT_EQ(ReadFile(pid_file_), absl::StrCat(daemon, "\n"));
  for (int i = 0; i < kLaunchers; ++i) {
    if (statuses[i] == 0) continue;
    EXPECT_EQ(statuses[i], EX_UNAVAILABLE) << "launcher " << i;
    EXPECT_EQ(ReadFile(absl::StrCat(base_, ".err", i)),
              absl::StrCat("timestamp: already running as pid ", daemon, "\n"))
        << "launcher " << i;
  }
  // The only process left is that daemon.
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), 0);
  kill(daemon, SIGTERM);
  int status;
  ASSERT_EQ(waitpid(daemon, &status, 0), daemon);
  EXPECT_EQ(ExitStatus(status), 0);
}

// Bad input: a clear message, a sysexits code, no daemon left (TearDown
// checks), nothing created or clobbered.
struct BadInput {
  std::vector<std::string> args;  // "$T" stands for the test's file prefix.
  int exit_code;
  std::string error;  // The whole of stderr, "$T" as above.
};

class TimestampBadInputTest : public TimestampTest,
                              public ::testing::WithParamInterface<BadInput> {};

std::string Expand(const std::string& text, const std::string& base) {
  return absl::StrReplaceAll(text, {{"$T", base}});
}

TEST_P(TimestampBadInputTest, IsRefusedClearly) {
  // Things for the cases to trip over.
  std::ofstream(base_ + ".file") << "a file, not a directory\n";
  std::ofstream(base_ + ".target") << "precious\n";
  ASSERT_EQ(symlink((base_ + ".target").c_str(), (base_ + ".link").c_str()), 0);

  std::vector<std::string> args;
  for (const std::string& arg : GetParam().args) {
    args.push_back(Expand(arg, base_));
  }
  args.push_back("--log=" + log_);
  const ProgramRun run = RunLauncher(args);
  EXPECT_EQ(ExitStatus(run.status), GetParam().exit_code);
  EXPECT_EQ(run.err, Expand(GetParam().error, base_));
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(ReadFile(log_), "") << "no daemon ran";
  EXPECT_EQ(ReadFile(base_ + ".target"), "precious\n");
  EXPECT_FALSE(Exists(pid_file_)) << "no pid file left";
}

// Every duration: more than 0 and at most 24h.
std::string DurationError(const std::string& flag, const std::string& value) {
  return "timestamp: " + flag +
         " takes a duration more than 0 and at most 24h, such as 30s or "
         "500ms, not '" +
         value + "' (see --help)\n";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TimestampBadInputTest,
    ::testing::Values(
        BadInput{{"--chdir=$T.missing"},
                 EX_NOINPUT,
                 "timestamp: opening working directory $T.missing failed: No "
                 "such file or directory\n"},
        BadInput{{"--chdir=$T.file"},
                 EX_NOINPUT,
                 "timestamp: opening working directory $T.file failed: Not a "
                 "directory\n"},
        BadInput{{"--pid-file=$T.d/missing/x.pid"},
                 EX_CANTCREAT,
                 "timestamp: opening pid file $T.d/missing/x.pid failed: No "
                 "such file or directory\n"},
        BadInput{{"--pid-file=$T.link"},
                 EX_CANTCREAT,
                 "timestamp: pid file $T.link is a symbolic link; refusing to "
                 "follow it\n"},
        BadInput{{"--umask=0999"},
                 EX_USAGE,
                 "timestamp: --umask must be an octal mode such as 022, got "
                 "'0999'\n"},
        BadInput{{"--umask=01000"},
                 EX_USAGE,
                 "timestamp: umask 01000 is out of range (0 to 0777)\n"},
        BadInput{
            {"--interval=0s"}, EX_USAGE, DurationError("--interval", "0s")},
        BadInput{
            {"--interval=-5s"}, EX_USAGE, DurationError("--interval", "-5s")},
        BadInput{
            {"--interval=soon"}, EX_USAGE, DurationError("--interval", "soon")},
        // It used to start a daemon that wrote one line and no more.
        BadInput{{"--interval=inf", "--pid-file=$T.pid"},
                 EX_USAGE,
                 DurationError("--interval", "inf")},
        BadInput{
            {"--interval=25h"}, EX_USAGE, DurationError("--interval", "25h")},
        BadInput{{"--interval=1e30h"},
                 EX_USAGE,
                 DurationError("--interval", "1e30h")},
        BadInput{{"--pid-file=$T.pid", "--stop", "--stop-timeout=-1s"},
                 EX_USAGE,
                 DurationError("--stop-timeout", "-1s")},
        BadInput{{"--pid-file=$T.pid", "--stop", "--stop_timeout=inf"},
                 EX_USAGE,
                 DurationError("--stop-timeout", "inf")},
        // Empty values, which were taken for "not given".
        BadInput{{"--user=", "--pid-file=$T.pid"},
                 EX_USAGE,
                 "timestamp: --user needs a value (see --help)\n"},
        BadInput{{"--group", ""},
                 EX_USAGE,
                 "timestamp: --group needs a value (see --help)\n"},
        BadInput{{"--chroot="},
                 EX_USAGE,
                 "timestamp: --chroot needs a value (see --help)\n"},
        BadInput{{"--pid-file="},
                 EX_USAGE,
                 "timestamp: --pid-file needs a value (see --help)\n"},
        BadInput{{"--chdir="},
                 EX_USAGE,
                 "timestamp: --chdir needs a value (see --help)\n"},
        BadInput{{"--log="},
                 EX_USAGE,
                 "timestamp: --log needs a value (see --help)\n"},
        BadInput{{"--umask="},
                 EX_USAGE,
                 "timestamp: --umask needs a value (see --help)\n"},
        // (uid_t)-1 means "no change" to setuid(2): it used to fail in the
        // daemon (setuid: Invalid argument, exit 71).
        BadInput{{"--user=4294967295", "--group=0", "--pid-file=$T.pid"},
                 EX_NOUSER,
                 "timestamp: unknown user '4294967295'\n"},
        BadInput{{"--group=4294967295", "--pid-file=$T.pid"},
                 EX_NOUSER,
                 "timestamp: unknown group '4294967295'\n"},
        BadInput{{"--user=-1"}, EX_NOUSER, "timestamp: unknown user '-1'\n"},
        // User input cannot break the line or drive the terminal.
        BadInput{{"--chdir=$T.no\nsuch\x1b[2J"},
                 EX_NOINPUT,
                 "timestamp: opening working directory $T.no\\nsuch\\x1b[2J "
                 "failed: No such file or directory\n"},
        BadInput{{"--bogus\r"},
                 EX_USAGE,
                 "timestamp: unknown flag --bogus\\r (see --help)\n"},
        BadInput{{"--bogus"},
                 EX_USAGE,
                 "timestamp: unknown flag --bogus (see --help)\n"},
        BadInput{{"stray"},
                 EX_USAGE,
                 "timestamp: unexpected argument 'stray' (see --help)\n"},
        BadInput{{"--stop"},
                 EX_USAGE,
                 "timestamp: --stop and --status need --pid-file\n"}));

// Without root, setgroups(2) fails even for the caller's own groups. In a
// user namespace where this test's root is 4242, the example is a caller
// other than root.
TEST_F(TimestampTest, CallerOtherThanRootNamingItselfChangesNothing) {
  std::vector<std::string> argv = {"/usr/bin/unshare", "--user",
                                   "--map-user=4242", "--map-group=4242"};
  for (const std::string& arg :
       Timestamp({"--user=4242", "--group=4242", "--interval=1s",
                  "--log=" + log_, "--pid-file=" + pid_file_})) {
    argv.push_back(arg);
  }
  const ProgramRun run = RunProgram(argv);
  ASSERT_EQ(ExitStatus(run.status), 0) << run.err;
  EXPECT_EQ(run.err, "");
  const pid_t pid = DaemonPid(run.out);
  ASSERT_TRUE(WaitForLines(log_, 1));
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(ExitStatus(status), 0);
  EXPECT_FALSE(Exists(pid_file_)) << "removed at a clean stop";
}

}  // namespace
