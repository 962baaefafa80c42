// daemonize --ready=notify with its supervisor's NOTIFY_SOCKET, with real
// processes: what COMMAND says (READY=1, STATUS=, EXTEND_TIMEOUT_USEC=,
// BARRIER=1, WATCHDOG=1, WATCHDOG=trigger) and whose words count, the
// watchdog, a failed start leaving nothing, and the socket against other
// local users played by real ones (`nobody`, the service's user, and uid
// 12345, a stranger) through setpriv(1).
//
// COMMAND is tests/support/notify_steps, copied where `nobody` can run it.
// The test is a child subreaper: each supervisor becomes its child, and
// TearDown fails a test that leaves a process or a socket directory behind.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
using ::daemonkit::test::FinishProgram;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::ParentOf;
using ::daemonkit::test::PidsIn;
using ::daemonkit::test::ProgramRun;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::Runfile;
using ::daemonkit::test::RunProgram;
using ::daemonkit::test::Runs;
using ::daemonkit::test::StartProgram;
using ::daemonkit::test::StatFields;
using ::daemonkit::test::StatusField;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr uid_t kNobody = 65534;
constexpr uid_t kStranger = 12345;

// The directory part of a path.
std::string DirectoryOf(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

// lstat(2), zeroed when nothing is there.
struct stat Lstat(const std::string& path) {
  struct stat info = {};
  if (lstat(path.c_str(), &info) != 0) info = {};
  return info;
}

void Touch(const std::string& path) { std::ofstream(path) << ""; }

// The path of each Unix socket in /proc/net/unix, by inode: "" for an
// unnamed one, "@name" for an abstract one.
std::map<std::string, std::string> UnixSocketPaths() {
  std::map<std::string, std::string> paths;
  std::istringstream table(ReadFile("/proc/net/unix"));
  std::string line;
  std::getline(table, line);  // The header.
  while (std::getline(table, line)) {
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 7) continue;
    paths[fields[6]] = fields.size() > 7 ? fields[7] : "";
  }
  return paths;
}

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getuid() != 0) GTEST_SKIP() << "needs root, for other users";
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    // SIGABRT from the watchdog writes no core file anywhere.
    const struct rlimit no_core = {0, 0};
    ASSERT_EQ(setrlimit(RLIMIT_CORE, &no_core), 0);
    // Not /tmp/daemonkit.*: those are the supervisors'.
    char directory[] = "/tmp/dk-notify-test-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    dir_ = directory;
    ASSERT_EQ(chmod(directory, 0755), 0);  // Others reach what is in it.
    steps_ = dir_ + "/notify_steps";
    {
      std::ifstream in(Runfile("tests/support/notify_steps"), std::ios::binary);
      std::ofstream out(steps_, std::ios::binary);
      out << in.rdbuf();
    }
    ASSERT_EQ(chmod(steps_.c_str(), 0755), 0);
    // Where COMMAND (maybe `nobody`) and strangers write what they saw.
    out_ = dir_ + "/out";
    ASSERT_EQ(mkdir(out_.c_str(), 0777), 0);
    ASSERT_EQ(chmod(out_.c_str(), 0777), 0);
    // Root's own: the pid file, the supervisor's stderr.
    run_ = dir_ + "/run";
    ASSERT_EQ(mkdir(run_.c_str(), 0755), 0);
    pid_file_ = run_ + "/service.pid";
    log_ = run_ + "/supervisor.log";
    // The supervisor's stderr for a --user=nobody service, which nobody
    // opens: in a directory of nobody's.
    const std::string nobodys = dir_ + "/nobody";
    ASSERT_EQ(mkdir(nobodys.c_str(), 0755), 0);
    ASSERT_EQ(chown(nobodys.c_str(), kNobody, 0), 0);
    nobody_log_ = nobodys + "/supervisor.log";
  }

  void TearDown() override {
    if (dir_.empty()) return;
    // A supervisor still running is stopped (a failure already said why);
    // then everything the test started must have been reaped.
    if (Exists(pid_file_)) {
      Daemonize({"--stop", "--stop-timeout=1s", "--pid-file", pid_file_});
    }
    bool all_reaped = false;
    for (int i = 0; i < 300 && !all_reaped; ++i) {
      const pid_t reaped = waitpid(-1, nullptr, WNOHANG);
      all_reaped = reaped < 0 && errno == ECHILD;
      if (reaped == 0) absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_TRUE(all_reaped) << "a process the test started is still running";
    for (const std::string& file : socket_files_) {
      if (Exists(file)) sockets_.push_back(ReadFile(file));
    }
    for (const std::string& socket : sockets_) {
      // A supervisor's, not what a stranger made at that name since.
      if (socket.empty() || Lstat(DirectoryOf(socket)).st_uid != 0 ||
          !Exists(DirectoryOf(socket))) {
        continue;
      }
      ADD_FAILURE() << "left behind: " << socket;
      remove_.push_back(DirectoryOf(socket));
    }
    if (HasFailure()) {
      std::cerr << "supervisor's stderr:\n" << ReadFile(log_);
    }
    remove_.push_back(dir_);
    EXPECT_EQ(
        system(absl::StrCat("rm -rf '", absl::StrJoin(remove_, "' '"), "'")
                   .c_str()),
        0);
  }

  ProgramRun Daemonize(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {Runfile("tools/daemonize")};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv);
  }

  // daemonize's arguments for a start with `options` of `command`, with
  // --ready=notify, the pid file and the supervisor's stderr in log_.
  std::vector<std::string> StartArgs(const std::vector<std::string>& options,
                                     const std::vector<std::string>& command) {
    if (std::find(options.begin(), options.end(), "--user=nobody") !=
        options.end()) {
      log_ = nobody_log_;
    }
    std::vector<std::string> argv = {Runfile("tools/daemonize"),
                                     "--ready=notify",
                                     "--pid-file",
                                     pid_file_,
                                     "--stderr",
                                     log_};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }

  ProgramRun Start(const std::vector<std::string>& options,
                   const std::vector<std::string>& command) {
    return RunProgram(StartArgs(options, command));
  }

  // A step that writes NOTIFY_SOCKET down, for TearDown to check that its
  // directory is gone.
  std::string NoteSocket() {
    socket_files_.push_back(
        Out(absl::StrCat("notify_socket.", socket_files_.size())));
    return "env:NOTIFY_SOCKET:" + socket_files_.back();
  }

  // notify_steps with `steps`, as a COMMAND, after NoteSocket().
  std::vector<std::string> Steps(const std::vector<std::string>& steps) {
    std::vector<std::string> argv = {steps_, NoteSocket()};
    argv.insert(argv.end(), steps.begin(), steps.end());
    return argv;
  }

  // A file for COMMAND (or a stranger) to write.
  std::string Out(const std::string& name) { return out_ + "/" + name; }

  // The file `path` once it is there (up to 5 s; "" then).
  std::string AwaitFile(const std::string& path) {
    EXPECT_TRUE(Eventually([&] { return Exists(path); })) << path;
    return ReadFile(path);
  }

  // NOTIFY_SOCKET as COMMAND saw it (written by its env:NOTIFY_SOCKET:FILE
  // step); TearDown checks that its directory is gone.
  std::string SocketFrom(const std::string& file) {
    const std::string socket = AwaitFile(file);
    if (!socket.empty()) sockets_.push_back(socket);
    return socket;
  }

  pid_t PidFromFile() {
    int pid = -1;
    if (!absl::SimpleAtoi(
            absl::StripTrailingAsciiWhitespace(ReadFile(pid_file_)), &pid)) {
      return -1;
    }
    return pid;
  }

  ProgramRun Status() {
    return Daemonize({"--status", "--pid-file", pid_file_});
  }

  void Stop() {
    const ProgramRun stop =
        Daemonize({"--stop", "--stop-timeout=1s", "--pid-file", pid_file_});
    EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  }

  // Waits up to 10 s for the supervisor, this test's child, to exit; its
  // wait status. One still running then is a failure, and is killed.
  int AwaitExit(pid_t supervisor) {
    int status = -1;
    const bool exited = Eventually(
        [&] { return waitpid(supervisor, &status, WNOHANG) == supervisor; },
        absl::Seconds(10));
    if (!exited) {
      ADD_FAILURE() << "supervisor " << supervisor << " did not exit";
      kill(supervisor, SIGKILL);
      waitpid(supervisor, nullptr, 0);
      return -1;
    }
    return status;
  }

  // Runs `command` as user and group `id`, without supplementary groups,
  // with NOTIFY_SOCKET set to `notify_socket` unless it is empty.
  ProgramRun RunAs(uid_t id, const std::vector<std::string>& command,
                   const std::string& notify_socket = "") {
    std::vector<std::string> argv = {
        "/usr/bin/setpriv", absl::StrCat("--reuid=", id),
        absl::StrCat("--regid=", id), "--clear-groups", "/usr/bin/env"};
    if (!notify_socket.empty())
      argv.push_back("NOTIFY_SOCKET=" + notify_socket);
    argv.insert(argv.end(), command.begin(), command.end());
    return RunProgram(argv);
  }

  // Sends `text` to `socket` as root, from no process of the service, and
  // waits for the supervisor to have read it (a barrier).
  void SendAsOutsider(const std::string& socket, const std::string& text) {
    const ProgramRun sent =
        RunProgram({"/usr/bin/env", "NOTIFY_SOCKET=" + socket, steps_,
                    "send:" + text, "barrier"});
    EXPECT_EQ(sent.exit_status(), 0) << sent.err;
  }

  std::string dir_;
  std::string steps_;
  std::string out_;
  std::string run_;
  std::string pid_file_;
  std::string log_;  // The supervisor's stderr.
  std::string nobody_log_;
  std::vector<std::string> sockets_;       // Whose directories must be gone.
  std::vector<std::string> socket_files_;  // Where Steps() wrote more.
  std::vector<std::string> remove_;        // What strangers made, for TearDown.
};

// --- Readiness -------------------------------------------------------------

// The start waits for READY=1, not for the exec; meanwhile the pid file names
// the supervisor, then COMMAND. NOTIFY_SOCKET is a path in a directory of
// root's, mode 0711, under /tmp.
TEST_F(NotifyTest, StartWaitsForReadyWhileThePidFileNamesTheSupervisor) {
  const std::string command_pid = Out("command.pid");
  const std::string go = Out("go");
  int out, err;
  const pid_t daemonize = StartProgram(
      StartArgs(
          {}, Steps({"env:NOTIFY_SOCKET:" + Out("socket"), "pid:" + command_pid,
                     "await:" + go, "sleep:300", "send:READY=1", "pause"})),
      &out, &err);
  ASSERT_GT(daemonize, 0);
  const std::string socket = SocketFrom(Out("socket"));
  ASSERT_TRUE(Eventually([&] { return PidsIn(command_pid).size() == 1; }));
  const pid_t command = PidsIn(command_pid)[0];
  const pid_t supervisor = ParentOf(command);
  EXPECT_EQ(PidFromFile(), supervisor) << "the supervisor, while not ready";
  EXPECT_EQ(ReadFile(absl::StrCat("/proc/", supervisor, "/comm")),
            "daemonize\n");
  EXPECT_EQ(waitpid(daemonize, nullptr, WNOHANG), 0) << "returned early";

  Touch(go);
  const ProgramRun run = FinishProgram(daemonize, out, err);
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_GE(run.took, absl::Milliseconds(300)) << "returned before READY=1";
  EXPECT_EQ(PidFromFile(), command);
  EXPECT_EQ(ParentOf(command), supervisor);

  EXPECT_THAT(socket, StartsWith("/tmp/daemonkit."));
  EXPECT_EQ(socket.size(), std::string("/tmp/daemonkit.XXXXXX/notify").size())
      << socket;
  EXPECT_EQ(DirectoryOf(DirectoryOf(socket)), "/tmp");
  const struct stat directory = Lstat(DirectoryOf(socket));
  EXPECT_TRUE(S_ISDIR(directory.st_mode));
  EXPECT_EQ(directory.st_uid, 0u);
  EXPECT_EQ(directory.st_mode & 07777, 0711u);
  const struct stat bound = Lstat(socket);
  EXPECT_TRUE(S_ISSOCK(bound.st_mode));
  EXPECT_EQ(bound.st_uid, 0u) << "no --user: the supervisor's own";
  EXPECT_EQ(bound.st_mode & 07777, 0755u);

  Stop();
  EXPECT_EQ(AwaitExit(supervisor), 0);
  EXPECT_FALSE(Exists(DirectoryOf(socket)));
}

// With --respawn, each instance must say READY=1 again: until it does, the
// pid file names the supervisor.
TEST_F(NotifyTest, EachRespawnedInstanceIsNamedOnlyOnceReady) {
  const std::string starts = Out("starts");
  const std::string go = Out("go");
  const std::string end = Out("end");
  int out, err;
  const pid_t daemonize =
      StartProgram(StartArgs({"--respawn", "--respawn-delay=10ms"},
                             Steps({"pid:" + starts, "await:" + go,
                                    "send:READY=1", "await:" + end, "exit:1"})),
                   &out, &err);
  ASSERT_TRUE(Eventually([&] { return PidsIn(starts).size() == 1; }));
  Touch(go);
  const ProgramRun run = FinishProgram(daemonize, out, err);
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t first = PidsIn(starts)[0];
  const pid_t supervisor = ParentOf(first);
  EXPECT_EQ(PidFromFile(), first);

  ASSERT_EQ(unlink(go.c_str()), 0);
  Touch(end);  // The first instance fails; the second waits for `go`.
  ASSERT_TRUE(Eventually([&] { return PidsIn(starts).size() == 2; }));
  const pid_t second = PidsIn(starts)[1];
  EXPECT_FALSE(Runs(first));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(PidFromFile(), supervisor) << "named before READY=1";

  ASSERT_EQ(unlink(end.c_str()), 0);
  Touch(go);
  EXPECT_TRUE(Eventually([&] { return PidFromFile() == second; }));
  const ProgramRun status = Status();
  EXPECT_EQ(status.exit_status(), 0);
  EXPECT_THAT(status.out, HasSubstr(absl::StrCat("running as pid ", second)));
  EXPECT_THAT(status.out, HasSubstr("restarted 1 time"));
}

TEST_F(NotifyTest, StatusTextIsShownByStatusButNotAnOutsidersText) {
  const std::string go = Out("go");
  const ProgramRun run =
      Start({}, Steps({"env:NOTIFY_SOCKET:" + Out("socket"),
                       "send:STATUS=starting\\nREADY=1", "await:" + go,
                       "send:STATUS=serving 42 clients", "barrier",
                       "env:NOTIFY_SOCKET:" + Out("sent"), "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string socket = SocketFrom(Out("socket"));
  const pid_t command = PidFromFile();
  ProgramRun status = Status();
  EXPECT_EQ(status.exit_status(), 0);
  EXPECT_THAT(status.out, HasSubstr(absl::StrCat("running as pid ", command)));
  EXPECT_THAT(status.out, HasSubstr("; status: starting\n"));

  Touch(go);
  AwaitFile(Out("sent"));  // After the barrier: the supervisor has read it.
  status = Status();
  EXPECT_THAT(status.out, HasSubstr("; status: serving 42 clients\n"));

  // Root, but no process of the service: its words do not count.
  SendAsOutsider(socket, "STATUS=forged");
  status = Status();
  EXPECT_THAT(status.out, HasSubstr("; status: serving 42 clients\n"));
  EXPECT_THAT(status.out, Not(HasSubstr("forged")));
}

// A READY=1 from COMMAND's child is not COMMAND's: the start times out (69)
// and says whose it was.
TEST_F(NotifyTest, ReadyFromAChildIsRefusedNamingItsPid) {
  const std::string child_pid = Out("child.pid");
  // The child waits for the supervisor to have read its READY=1 (a
  // barrier), so that the refusal does not depend on when it exits.
  const absl::Time start = absl::Now();
  const ProgramRun run =
      Start({"--ready-timeout=500ms"},
            {"/bin/sh", "-c",
             absl::StrCat("\"$0\" pid:", child_pid, " ", NoteSocket(),
                          " send:READY=1 barrier; sleep 60"),
             steps_});
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(run.exit_status(), 69);
  ASSERT_EQ(PidsIn(child_pid).size(), 1u);
  EXPECT_EQ(run.err,
            absl::StrCat("daemonize: /bin/sh did not report READY=1 within "
                         "500ms; READY=1 came from pid ",
                         PidsIn(child_pid)[0],
                         ", which is not the main process (see "
                         "--notify-access=all)\n"));
  EXPECT_GE(took, absl::Milliseconds(500));
  EXPECT_LT(took, absl::Seconds(5)) << "the stop took its time";
  EXPECT_FALSE(Exists(pid_file_));
  EXPECT_FALSE(Exists(pid_file_ + ".status"));
}

// With --notify-access=all, the same READY=1 (its sender waiting on a
// barrier, as sd_notify_barrier(3) users do) starts the service.
TEST_F(NotifyTest, ReadyFromAChildThatAwaitsTheBarrierCountsWithAccessAll) {
  const ProgramRun run = Start(
      {"--ready-timeout=5s", "--notify-access=all"},
      {"/bin/sh", "-c",
       absl::StrCat("\"$0\" ", NoteSocket(), " send:READY=1 barrier; sleep 60"),
       steps_});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_LT(run.took, absl::Seconds(4));
  const pid_t command = PidFromFile();
  EXPECT_EQ(ReadFile(absl::StrCat("/proc/", command, "/cmdline")).substr(0, 8),
            std::string("/bin/sh\0", 8))
      << "the pid file names COMMAND, not the child";
}

// EXTEND_TIMEOUT_USEC= lets a start slower than --ready-timeout succeed;
// without it, the same start times out.
TEST_F(NotifyTest, ExtendTimeoutLetsASlowStartSucceed) {
  ProgramRun run = Start({"--ready-timeout=300ms"},
                         Steps({"sleep:700", "send:READY=1", "pause"}));
  EXPECT_EQ(run.exit_status(), 69) << "the control: too slow without it";
  EXPECT_LT(run.took, absl::Milliseconds(700));
  EXPECT_FALSE(Exists(pid_file_));

  run = Start({"--ready-timeout=300ms"},
              Steps({"send:EXTEND_TIMEOUT_USEC=2000000", "sleep:700",
                     "send:READY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_GE(run.took, absl::Milliseconds(700));
  EXPECT_TRUE(Runs(PidFromFile()));
}

// Once EXTEND_TIMEOUT_USEC= extended the wait, the timeout's message names
// the time the instance was given (it once named --ready-timeout, "within
// 300ms", though the start waited about 1 s).
TEST_F(NotifyTest, TimeoutMessageSaysHowLongItWaitedAfterAnExtension) {
  const ProgramRun run =
      Start({"--ready-timeout=300ms"},
            Steps({"send:EXTEND_TIMEOUT_USEC=1000000", "pause"}));
  EXPECT_EQ(run.exit_status(), 69);
  EXPECT_GE(run.took, absl::Milliseconds(1000));
  EXPECT_THAT(run.err, Not(HasSubstr("within 300ms"))) << run.err;
}

// COMMAND exits before READY=1: 70, its wait status in the message, and
// nothing left: no supervisor, no COMMAND, no pid file, no record, no socket
// directory.
TEST_F(NotifyTest, ACommandThatDiesBeforeReadyLeavesNothing) {
  const ProgramRun run =
      Start({}, Steps({"env:NOTIFY_SOCKET:" + Out("socket"),
                       "ppid:" + Out("supervisor.pid"),
                       "pid:" + Out("command.pid"), "exit:3"}));
  EXPECT_EQ(run.exit_status(), 70);
  EXPECT_EQ(run.err, absl::StrCat("daemonize: ", steps_,
                                  " exited before it was ready: exit status "
                                  "3\n"));
  const std::string socket = SocketFrom(Out("socket"));
  ASSERT_THAT(socket, StartsWith("/tmp/daemonkit."));
  EXPECT_FALSE(Exists(DirectoryOf(socket)));
  EXPECT_FALSE(Exists(pid_file_));
  EXPECT_FALSE(Exists(pid_file_ + ".status"));
  ASSERT_EQ(PidsIn(Out("supervisor.pid")).size(), 1u);
  EXPECT_FALSE(Runs(PidsIn(Out("supervisor.pid"))[0]));
  ASSERT_EQ(PidsIn(Out("command.pid")).size(), 1u);
  EXPECT_FALSE(Runs(PidsIn(Out("command.pid"))[0]));
  // daemonize reaped its supervisor: nothing came back to the test.
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
}

// A COMMAND that says READY=1 and exits at once (a oneshot-like service, or
// one that fails just after starting) started: the supervisor reads the
// notify socket before the SIGCHLD that follows, as systemd does. (It once
// read the signalfd first, forgot the reaped worker and refused its READY=1:
// "exited before it was ready: exit status 0", 13 runs in 20.) Here the
// supervisor is stopped while COMMAND sends and exits, which makes both
// wait at once.
TEST_F(NotifyTest, ReadyThenExitAtOnceIsStillAStart) {
  const std::string command_pid = Out("command.pid");
  const std::string go = Out("go");
  int out, err;
  const pid_t daemonize =
      StartProgram(StartArgs({}, Steps({"pid:" + command_pid, "await:" + go,
                                        "send:READY=1", "exit:0"})),
                   &out, &err);
  ASSERT_TRUE(Eventually([&] { return PidsIn(command_pid).size() == 1; }));
  const pid_t command = PidsIn(command_pid)[0];
  const pid_t supervisor = ParentOf(command);
  ASSERT_EQ(kill(supervisor, SIGSTOP), 0);
  Touch(go);
  EXPECT_TRUE(Eventually([&] { return !Runs(command); }));
  ASSERT_EQ(kill(supervisor, SIGCONT), 0);
  const ProgramRun run = FinishProgram(daemonize, out, err);
  EXPECT_EQ(run.exit_status(), 0) << run.err;
}

// A stop while the start still waits for READY=1 ends the start (69) and
// leaves nothing: the pid file then names the supervisor, which stops.
TEST_F(NotifyTest, AStopWhileWaitingForReadyEndsTheStartLeavingNothing) {
  const std::string command_pid = Out("command.pid");
  int out, err;
  const pid_t daemonize =
      StartProgram(StartArgs({"--ready-timeout=10s"},
                             Steps({"env:NOTIFY_SOCKET:" + Out("socket"),
                                    "pid:" + command_pid, "pause"})),
                   &out, &err);
  const std::string socket = SocketFrom(Out("socket"));
  ASSERT_TRUE(Eventually([&] { return PidsIn(command_pid).size() == 1; }));
  const pid_t command = PidsIn(command_pid)[0];
  const pid_t supervisor = ParentOf(command);
  const ProgramRun stop = Daemonize({"--stop", "--pid-file", pid_file_});
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_EQ(stop.out, absl::StrCat("stopped pid ", supervisor, "\n"));
  const ProgramRun run = FinishProgram(daemonize, out, err);
  EXPECT_EQ(run.exit_status(), 69);
  EXPECT_EQ(run.err, absl::StrCat("daemonize: stopped by a signal before ",
                                  steps_, " was ready\n"));
  EXPECT_LT(run.took, absl::Seconds(5));
  EXPECT_FALSE(Runs(command));
  EXPECT_FALSE(Runs(supervisor));
  EXPECT_FALSE(Exists(pid_file_));
  EXPECT_FALSE(Exists(pid_file_ + ".status"));
  EXPECT_FALSE(Exists(DirectoryOf(socket)));
}

// A COMMAND that floods its NOTIFY_SOCKET does not outlive a stop: the
// supervisor takes a bounded batch of datagrams per wake-up (and writes the
// record once per batch), then its signals. (It once read until none waited,
// each STATUS= rewriting the record, slower than a sendto(2): the SIGTERM of
// `daemonize --stop` stayed pending as long as the flood lasted.)
TEST_F(NotifyTest, AFloodOfMessagesDoesNotKeepTheServiceFromStopping) {
  const std::string command_pid = Out("command.pid");
  const ProgramRun run = Start({}, Steps({"pid:" + command_pid, "send:READY=1",
                                          "repeat:0:STATUS=flooding"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t command = PidsIn(command_pid)[0];
  const pid_t supervisor = ParentOf(command);
  const ProgramRun stop =
      Daemonize({"--stop", "--stop-timeout=500ms", "--pid-file", pid_file_});
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_FALSE(Runs(command));
  // Whatever happened, the flood ends here, and with it the supervisor.
  kill(command, SIGKILL);
  EXPECT_EQ(AwaitExit(supervisor), 0);
}

// sd_notify_barrier(3): the descriptor sent with BARRIER=1 is closed on
// receipt, before and after READY=1; notify_steps exits 3 otherwise.
TEST_F(NotifyTest, BarrierCompletes) {
  const absl::Time start = absl::Now();
  const ProgramRun run =
      Start({}, Steps({"barrier", "send:READY=1", "barrier",
                       "env:NOTIFY_SOCKET:" + Out("after"), "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_FALSE(AwaitFile(Out("after")).empty()) << "the barrier never came";
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(Runs(PidFromFile())) << "notify_steps exits 3 without POLLHUP";
}

// --- Watchdog --------------------------------------------------------------

// No WATCHDOG=1 within --watchdog once ready: SIGABRT; a failure, which
// --respawn restarts.
TEST_F(NotifyTest, WatchdogWithoutPingsAbortsAndRespawns) {
  const std::string starts = Out("starts");
  const std::string signals = Out("signals");
  const ProgramRun run = Start(
      {"--watchdog=200ms", "--respawn", "--respawn-delay=10ms"},
      Steps({"signals:" + signals, "pid:" + starts, "send:READY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t first = PidFromFile();
  const pid_t supervisor = ParentOf(first);
  ASSERT_TRUE(Eventually([&] { return PidsIn(starts).size() >= 2; }));
  EXPECT_EQ(PidsIn(starts)[0], first);
  EXPECT_FALSE(Runs(first));
  EXPECT_THAT(ReadFile(signals), StartsWith("ABRT\n"));
  EXPECT_THAT(ReadFile(log_),
              HasSubstr(absl::StrCat("supervisor: ending pid ", first,
                                     ": no WATCHDOG=1 within 200ms\n")));
  const pid_t second = PidsIn(starts)[1];
  EXPECT_EQ(ParentOf(second), supervisor);
  EXPECT_NE(second, first);
}

// COMMAND ignores SIGABRT: the stop follows, --stop-timeout later.
TEST_F(NotifyTest, WatchdogAbortIgnoredIsFollowedByTheStop) {
  const ProgramRun run =
      Start({"--watchdog=200ms", "--stop-timeout=300ms"},
            {"/bin/sh", "-c",
             absl::StrCat("trap '' ABRT; exec \"$0\" ", NoteSocket(),
                          " send:READY=1 pause"),
             steps_});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const absl::Time ready = absl::Now();
  const pid_t command = PidFromFile();
  const pid_t supervisor = ParentOf(command);
  const int status = AwaitExit(supervisor);
  const absl::Duration lived = absl::Now() - ready;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM)
      << status;
  EXPECT_GE(lived, absl::Milliseconds(450)) << "200ms, then 300ms";
  EXPECT_LT(lived, absl::Seconds(3));
  EXPECT_THAT(ReadFile(log_),
              HasSubstr(absl::StrCat("supervisor: ending pid ", command,
                                     ": no WATCHDOG=1 within 200ms\n")));
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(NotifyTest, PingsKeepTheServiceAlivePastSeveralPeriods) {
  const std::string signals = Out("signals");
  const ProgramRun run =
      Start({"--watchdog=200ms"},
            Steps({"signals:" + signals, "send:READY=1", "ping:40"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t command = PidFromFile();
  absl::SleepFor(absl::Milliseconds(1000));  // Five periods.
  EXPECT_TRUE(Runs(command));
  EXPECT_EQ(PidFromFile(), command);
  EXPECT_EQ(ReadFile(signals), "");
  EXPECT_THAT(ReadFile(log_), Not(HasSubstr("ending pid")));
}

// WATCHDOG=trigger ends the instance at once with SIGABRT, long before the
// watchdog's period; without --respawn the service ends (128+6), leaving
// nothing.
TEST_F(NotifyTest, WatchdogTriggerEndsTheInstance) {
  const std::string signals = Out("signals");
  const std::string go = Out("go");
  const ProgramRun run = Start(
      {"--watchdog=10s"},
      Steps({"env:NOTIFY_SOCKET:" + Out("socket"), "signals:" + signals,
             "send:READY=1", "await:" + go, "send:WATCHDOG=trigger", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string socket = SocketFrom(Out("socket"));
  const pid_t command = PidFromFile();
  const pid_t supervisor = ParentOf(command);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(Runs(command));
  const absl::Time triggered = absl::Now();
  Touch(go);
  const int status = AwaitExit(supervisor);
  EXPECT_LT(absl::Now() - triggered, absl::Seconds(3));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGABRT)
      << status;
  EXPECT_EQ(ReadFile(signals), "ABRT\n");
  EXPECT_FALSE(Runs(command));
  EXPECT_FALSE(Exists(pid_file_));
  EXPECT_FALSE(Exists(pid_file_ + ".status"));
  EXPECT_FALSE(Exists(DirectoryOf(socket)));
}

TEST_F(NotifyTest, WatchdogVariablesNameThePeriodAndTheCommand) {
  const ProgramRun run =
      Start({"--watchdog=1500ms"},
            Steps({"env:WATCHDOG_USEC:" + Out("usec"),
                   "env:WATCHDOG_PID:" + Out("pid"),
                   "pid:" + Out("command.pid"), "send:READY=1", "ping:100"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_EQ(AwaitFile(Out("usec")), "1500000");
  const pid_t command = PidFromFile();
  EXPECT_EQ(AwaitFile(Out("pid")), absl::StrCat(command));
  EXPECT_EQ(PidsIn(Out("command.pid")), std::vector<pid_t>{command});
}

// Without --watchdog, the caller's own WATCHDOG_USEC and WATCHDOG_PID (a
// daemonize run by a systemd unit with WatchdogSec=) do not reach COMMAND,
// which would then believe it has a watchdog to ping (sd_watchdog_enabled
// says yes when WATCHDOG_PID is absent). systemd's children never see their
// parent's either.
TEST_F(NotifyTest, WithoutWatchdogTheCallersVariablesDoNotLeak) {
  ASSERT_EQ(setenv("WATCHDOG_USEC", "1000000", 1), 0);
  ASSERT_EQ(setenv("WATCHDOG_PID", "1", 1), 0);
  const ProgramRun run = Start(
      {}, Steps({"env:WATCHDOG_USEC:" + Out("usec"),
                 "env:WATCHDOG_PID:" + Out("pid"), "send:READY=1", "pause"}));
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  EXPECT_EQ(AwaitFile(Out("usec")), "<unset>");
  EXPECT_EQ(AwaitFile(Out("pid")), "<unset>");
}

// --- Other users -----------------------------------------------------------

// With --user nobody the socket is nobody's, in root's directory (0711), so
// nobody can send to it (the start succeeded) but can neither remove nor
// replace it, nor the directory.
TEST_F(NotifyTest, TheSocketIsTheUsersInARootDirectoryItCannotChange) {
  const ProgramRun run = Start(
      {"--user=nobody"},
      Steps({"env:NOTIFY_SOCKET:" + Out("socket"), "send:READY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string socket = SocketFrom(Out("socket"));
  const std::string directory = DirectoryOf(socket);
  EXPECT_EQ(DirectoryOf(directory), "/tmp");
  const struct stat folder = Lstat(directory);
  EXPECT_TRUE(S_ISDIR(folder.st_mode));
  EXPECT_EQ(folder.st_uid, 0u);
  EXPECT_EQ(folder.st_mode & 07777, 0711u);
  const struct stat bound = Lstat(socket);
  EXPECT_TRUE(S_ISSOCK(bound.st_mode));
  EXPECT_EQ(bound.st_uid, kNobody);
  EXPECT_EQ(bound.st_mode & 07777, 0755u);

  const std::string mine = Out("nobodys");
  EXPECT_NE(RunAs(kNobody, {"/bin/rm", "-f", socket}).exit_status(), 0);
  EXPECT_NE(RunAs(kNobody, {"/bin/sh", "-c",
                            "touch \"$0\" && mv -f \"$0\" "
                            "\"$1\"",
                            mine, socket})
                .exit_status(),
            0);
  EXPECT_NE(RunAs(kNobody, {"/bin/ln", "-sf", mine, socket}).exit_status(), 0);
  EXPECT_NE(RunAs(kNobody, {"/bin/mv", directory, Out("moved")}).exit_status(),
            0);
  EXPECT_NE(RunAs(kNobody, {"/bin/rmdir", directory}).exit_status(), 0);
  EXPECT_EQ(Lstat(socket).st_ino, bound.st_ino) << "replaced";
  EXPECT_EQ(Lstat(directory).st_ino, folder.st_ino) << "replaced";
  EXPECT_FALSE(Exists(Out("moved")));

  // The kernel lets nobody send, from any process; the supervisor listens
  // to COMMAND only.
  const ProgramRun sent = RunAs(
      kNobody, {steps_, "send:STATUS=from another process", "barrier"}, socket);
  EXPECT_EQ(sent.exit_status(), 0) << sent.err;
  EXPECT_THAT(Status().out, Not(HasSubstr("another process")));
}

// A third user can neither send to the socket (EACCES) nor list its
// directory; and when nobody (the service's user, who owns the socket)
// opens it to all, what the stranger sends still does not count.
TEST_F(NotifyTest, AStrangerCanNeitherSendNorListNorBeHeard) {
  const ProgramRun run =
      Start({"--user=nobody"}, Steps({"env:NOTIFY_SOCKET:" + Out("socket"),
                                      "send:STATUS=fine\\nREADY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string socket = SocketFrom(Out("socket"));

  ProgramRun sent = RunAs(kStranger, {steps_, "send:STATUS=forged"}, socket);
  EXPECT_EQ(sent.exit_status(), 4);
  EXPECT_EQ(sent.err, "notify_steps: send: Permission denied\n");
  const ProgramRun listed = RunAs(kStranger, {"/bin/ls", DirectoryOf(socket)});
  EXPECT_NE(listed.exit_status(), 0);
  EXPECT_THAT(listed.err, HasSubstr("Permission denied"));

  EXPECT_EQ(RunAs(kNobody, {"/bin/chmod", "0777", socket}).exit_status(), 0);
  sent = RunAs(kStranger, {steps_, "send:STATUS=forged", "barrier"}, socket);
  EXPECT_EQ(sent.exit_status(), 0) << "the control: now the kernel lets it";
  const ProgramRun status = Status();
  EXPECT_THAT(status.out, HasSubstr("; status: fine"));
  EXPECT_THAT(status.out, Not(HasSubstr("forged")));
}

// After the stop the socket's name is gone; a stranger who makes that name
// again is not heard from: the next start takes a fresh name.
TEST_F(NotifyTest, AfterTheStopTheNameIsGoneAndIsNotTakenAgain) {
  ProgramRun run = Start(
      {"--user=nobody"},
      Steps({"env:NOTIFY_SOCKET:" + Out("first"), "send:READY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  // Not SocketFrom: the stranger makes its name again.
  const std::string first = AwaitFile(Out("first"));
  ASSERT_THAT(first, StartsWith("/tmp/daemonkit."));
  Stop();
  EXPECT_FALSE(Exists(first));
  EXPECT_FALSE(Exists(DirectoryOf(first)));

  remove_.push_back(DirectoryOf(first));
  ASSERT_EQ(RunAs(kStranger, {"/bin/sh", "-c",
                              "mkdir -m 0777 \"$0\" && mkfifo -m 0666 \"$1\"",
                              DirectoryOf(first), first})
                .exit_status(),
            0);
  run = Start({"--user=nobody"}, Steps({"env:NOTIFY_SOCKET:" + Out("second"),
                                        "send:READY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string second = SocketFrom(Out("second"));
  EXPECT_NE(DirectoryOf(second), DirectoryOf(first));
  EXPECT_EQ(Lstat(DirectoryOf(first)).st_uid, kStranger);
  EXPECT_TRUE(S_ISFIFO(Lstat(first).st_mode)) << "the stranger's, untouched";
  EXPECT_EQ(Lstat(DirectoryOf(second)).st_uid, 0u);
}

// A stranger who makes many /tmp/daemonkit.* names (directories open to all,
// symbolic links to a directory of its own) neither fails the start nor gets
// the socket: names are drawn at random.
TEST_F(NotifyTest, ManyPreCreatedNamesDoNotMatter) {
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::mt19937 random(static_cast<unsigned>(getpid()));
  std::vector<std::string> directories, links;
  for (int i = 0; i < 200; ++i) {
    std::string name = "/tmp/daemonkit.";
    for (int j = 0; j < 6; ++j) name += kLetters[random() % 32];
    if (Exists(name)) continue;
    (i % 8 == 0 ? links : directories).push_back(name);
    remove_.push_back(name);
  }
  const std::string lair = Out("lair");
  std::vector<std::string> make = {
      "/bin/sh", "-c",
      "mkdir -m 0777 \"$0\" && cd \"$0\" && for link; do ln -s \"$0\" "
      "\"$link\" || exit 1; done && mkdir -m 0777 " +
          absl::StrJoin(directories, " "),
      lair};
  make.insert(make.end(), links.begin(), links.end());
  const ProgramRun made = RunAs(kStranger, make);
  ASSERT_EQ(made.exit_status(), 0) << made.err;

  const ProgramRun run = Start(
      {"--user=nobody"},
      Steps({"env:NOTIFY_SOCKET:" + Out("socket"), "send:READY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string socket = SocketFrom(Out("socket"));
  const std::string directory = DirectoryOf(socket);
  EXPECT_EQ(std::count(directories.begin(), directories.end(), directory) +
                std::count(links.begin(), links.end(), directory),
            0);
  EXPECT_TRUE(S_ISDIR(Lstat(directory).st_mode));
  EXPECT_EQ(Lstat(directory).st_uid, 0u);
  EXPECT_FALSE(Exists(lair + "/notify"));
}

// The name the supervisor draws first is one a stranger made (a symbolic
// link to a directory of its own): it draws again rather than fail or
// follow. /dev/urandom is, in a private mount namespace, a FIFO the test
// fills: six 0 bytes ("aaaaaa"), six 1 bytes ("bbbbbb"), then 2s.
TEST_F(NotifyTest, APreCreatedNameThatTheStartDrawsIsPassedOver) {
  const std::string taken = "/tmp/daemonkit.aaaaaa";
  const std::string fresh = "/tmp/daemonkit.bbbbbb";
  ASSERT_FALSE(Exists(taken)) << "left by another run";
  ASSERT_FALSE(Exists(fresh)) << "left by another run";
  const std::string lair = Out("lair");
  remove_.push_back(taken);
  ASSERT_EQ(RunAs(kStranger,
                  {"/bin/sh", "-c",
                   "mkdir -m 0777 \"$0\" && ln -s \"$0\" \"$1\"", lair, taken})
                .exit_status(),
            0);
  const std::string fifo = run_ + "/urandom";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Read and write: never blocks, and keeps the pipe (and what is in it)
  // while the supervisor opens and closes it.
  const int feed = open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(feed, 0);
  std::string bytes(6, '\0');
  bytes += std::string(6, '\1');
  bytes += std::string(60, '\2');
  ASSERT_EQ(write(feed, bytes.data(), bytes.size()),
            static_cast<ssize_t>(bytes.size()));
  std::vector<std::string> argv = {
      "/usr/bin/unshare",
      "--mount",
      "/bin/sh",
      "-c",
      "mount --bind \"$0\" /dev/urandom && exec \"$@\"",
      fifo};
  const std::vector<std::string> start = StartArgs(
      {"--user=nobody"},
      Steps({"env:NOTIFY_SOCKET:" + Out("socket"), "send:READY=1", "pause"}));
  argv.insert(argv.end(), start.begin(), start.end());
  const ProgramRun run = RunProgram(argv);
  close(feed);
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string socket = SocketFrom(Out("socket"));
  EXPECT_EQ(socket, fresh + "/notify");
  EXPECT_EQ(ReadLink(taken), lair) << "the stranger's link, untouched";
  EXPECT_FALSE(Exists(lair + "/notify"));
  EXPECT_EQ(Lstat(fresh).st_uid, 0u);
}

// NOTIFY_SOCKET is a path, never an abstract name ('@'), which any local user
// could bind once it is free: and the supervisor's only named Unix socket is
// bound at that path.
TEST_F(NotifyTest, NoAbstractSocketIsUsed) {
  const ProgramRun run = Start({}, Steps({"env:NOTIFY_SOCKET:" + Out("socket"),
                                          "send:READY=1", "pause"}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string socket = SocketFrom(Out("socket"));
  EXPECT_THAT(socket, StartsWith("/"));
  const pid_t supervisor = ParentOf(PidFromFile());
  const std::map<std::string, std::string> paths = UnixSocketPaths();
  int named = 0;
  for (const int fd : OpenFds(supervisor)) {
    const std::string target =
        ReadLink(absl::StrCat("/proc/", supervisor, "/fd/", fd));
    if (!absl::StartsWith(target, "socket:[")) continue;
    const std::string inode = target.substr(8, target.size() - 9);
    const auto found = paths.find(inode);
    if (found == paths.end() || found->second.empty()) continue;
    EXPECT_EQ(found->second, socket) << "fd " << fd;
    ++named;
  }
  EXPECT_EQ(named, 1) << "the notify socket, bound at NOTIFY_SOCKET";
}

// --- In a chroot jail ------------------------------------------------------

class NotifyJailTest : public NotifyTest {
 protected:
  void SetUp() override {
    NotifyTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (absl::StrContains(ReadFile(steps_), "/ld-linux")) {
      GTEST_SKIP() << "notify_steps is dynamic here (sanitizers): no jail";
    }
    jail_ = dir_ + "/jail";
    for (const char* sub : {"", "/bin", "/tmp", "/out"}) {
      ASSERT_EQ(mkdir((jail_ + sub).c_str(), 0755), 0) << sub;
    }
    ASSERT_EQ(chmod((jail_ + "/tmp").c_str(), 01777), 0);
    ASSERT_EQ(chmod((jail_ + "/out").c_str(), 0777), 0);
    ASSERT_EQ(link(steps_.c_str(), (jail_ + "/bin/notify_steps").c_str()), 0);
  }

  std::string jail_;
};

// Under --chroot the socket is in the jail's /tmp, NOTIFY_SOCKET its path
// inside; it is gone after the stop.
TEST_F(NotifyJailTest, TheSocketIsInTheJailsTmp) {
  const ProgramRun run =
      Start({"--chroot", jail_, "--user=nobody"},
            {"/bin/notify_steps", "env:NOTIFY_SOCKET:/out/socket",
             "send:READY=1", "pause"});
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const std::string inside = AwaitFile(jail_ + "/out/socket");
  ASSERT_THAT(inside, StartsWith("/tmp/daemonkit."));
  const std::string outside = jail_ + inside;
  EXPECT_TRUE(S_ISSOCK(Lstat(outside).st_mode));
  EXPECT_EQ(Lstat(outside).st_uid, kNobody);
  EXPECT_EQ(Lstat(DirectoryOf(outside)).st_uid, 0u);
  EXPECT_FALSE(Exists("/tmp" + inside.substr(4))) << "the host's /tmp";
  Stop();
  EXPECT_FALSE(Exists(DirectoryOf(outside)));
}

// When the jail's /tmp belongs to the service's user (its scratch space),
// that user could rename the supervisor's directory away and plant a
// symbolic link in its place, for root's supervisor to follow at the stop
// and delete a "notify" file anywhere. Such a /tmp is refused (one owned by
// root or the caller, sticky when others may write, is needed), and the
// removal goes through the directory's own descriptor and its inode, never
// a path. Either outcome passes: the start refused, or the victim untouched.
TEST_F(NotifyJailTest, TheUserWhoOwnsTheJailsTmpCannotRedirectTheRemoval) {
  ASSERT_EQ(chown((jail_ + "/tmp").c_str(), kNobody, 0), 0);
  ASSERT_EQ(chmod((jail_ + "/tmp").c_str(), 0755), 0);
  const std::string victim = run_ + "/victim";
  ASSERT_EQ(mkdir(victim.c_str(), 0755), 0);
  Touch(victim + "/notify");
  const ProgramRun run =
      Start({"--chroot", jail_, "--user=nobody"},
            {"/bin/notify_steps", "env:NOTIFY_SOCKET:/out/socket",
             "send:READY=1", "pause"});
  if (run.exit_status() != 0) return;  // Refused: fine.
  const std::string inside = AwaitFile(jail_ + "/out/socket");
  ASSERT_THAT(inside, StartsWith("/tmp/daemonkit."));
  const std::string outside = jail_ + inside;
  const ProgramRun planted = RunAs(
      kNobody, {"/bin/sh", "-c", "mv \"$0\" \"$1\" && ln -s \"$2\" \"$0\"",
                DirectoryOf(outside), jail_ + "/tmp/moved", victim});
  ASSERT_EQ(planted.exit_status(), 0) << planted.err;
  Stop();
  EXPECT_TRUE(Exists(victim + "/notify")) << "root removed it through a link";
}

}  // namespace
