// daemonize --init as a container's init: PID 1 of a real PID namespace
// (unshare --pid --fork --mount-proc, as a container engine makes one),
// signalled from outside it as `docker kill` would; and in a terminal made
// with forkpty(3), as `docker run -it` or a shell gives one.

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"

namespace {

using ::daemonkit::test::Eventually;
using ::daemonkit::test::Exists;
using ::daemonkit::test::ExpectNoChildLeft;
using ::daemonkit::test::FinishProgram;
using ::daemonkit::test::ParentOf;
using ::daemonkit::test::PerTestPath;
using ::daemonkit::test::ProgramRun;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::Runfile;
using ::daemonkit::test::RunProgram;
using ::daemonkit::test::StartProgram;
using ::daemonkit::test::StatFields;

// The direct children of `pid`, from the kernel's own list (one file, not a
// scan of /proc: a scan of a thousand processes takes longer than the
// zombies this looks for live).
std::vector<pid_t> DirectChildren(pid_t pid) {
  std::vector<pid_t> children;
  const std::string list =
      ReadFile(absl::StrCat("/proc/", pid, "/task/", pid, "/children"));
  for (absl::string_view field : absl::StrSplit(list, ' ')) {
    pid_t child;
    if (absl::SimpleAtoi(field, &child)) children.push_back(child);
  }
  return children;
}

// The state letter of `pid` (R, S, T, Z...), or '?' once it is gone.
char StateOf(pid_t pid) {
  const std::vector<std::string> fields = StatFields(pid);
  return fields.empty() || fields[0].empty() ? '?' : fields[0][0];
}

// The foreground process group of the terminal of `pid` (stat's tpgid).
pid_t TerminalForeground(pid_t pid) {
  const std::vector<std::string> fields = StatFields(pid);
  pid_t group = -1;
  if (fields.size() > 5) (void)absl::SimpleAtoi(fields[5], &group);
  return group;
}

// Whether `text` holds `line` as a whole line.
bool HasLine(const std::string& text, absl::string_view line) {
  for (absl::string_view each : absl::StrSplit(text, '\n')) {
    if (each == line) return true;
  }
  return false;
}

struct ZombieWatch {
  int seen = 0;  // Zombies seen, each once however many times.
  // The longest time between two sightings of the same zombie: how long,
  // at least, it waited for its reaping.
  absl::Duration longest;
};

// Watches the children of `init` until `done` holds.
ZombieWatch WatchZombies(pid_t init, const std::function<bool()>& done) {
  ZombieWatch watch;
  std::map<pid_t, absl::Time> first_seen;
  while (!done()) {
    std::map<pid_t, absl::Time> still;
    for (const pid_t child : DirectChildren(init)) {
      if (StateOf(child) != 'Z') continue;
      const absl::Time now = absl::Now();
      const auto seen = first_seen.find(child);
      const absl::Time first = seen == first_seen.end() ? now : seen->second;
      if (seen == first_seen.end()) ++watch.seen;
      watch.longest = std::max(watch.longest, now - first);
      still.emplace(child, first);
    }
    // A pid gone from the list was reaped: seen again, it is another.
    first_seen = std::move(still);
  }
  return watch;
}

class InitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = PerTestPath() + "-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr) << std::strerror(errno);
    dir_ = dir;
  }

  void TearDown() override {
    if (unshare_ > 0) {
      // The namespace ends with its init, and everything in it.
      if (init_ > 0) kill(init_, SIGKILL);
      FinishProgram(unshare_, out_, err_);
    }
    ExpectNoChildLeft();
    RunProgram({"/bin/rm", "-rf", dir_});
  }

  std::string Path(absl::string_view name) const {
    return absl::StrCat(dir_, "/", name);
  }

  // Starts `daemonize --init ARGS -- /bin/sh -c SCRIPT` as PID 1 of a new
  // PID namespace with its own /proc; returns whether it started, and
  // init_, its pid as the test sees it, unless it ended at once.
  bool StartInit(const std::vector<std::string>& args,
                 const std::string& script) {
    std::vector<std::string> argv = {
        "/usr/bin/unshare",         "--pid", "--fork", "--mount-proc",
        Runfile("tools/daemonize"), "--init"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", "/bin/sh", "-c", script});
    unshare_ = StartProgram(argv, &out_, &err_);
    if (unshare_ <= 0) return false;
    // A COMMAND that exits at once may take the init with it before the
    // first look: unshare is then a zombie, and there is nothing to wait for.
    Eventually([&] {
      return !DirectChildren(unshare_).empty() || StateOf(unshare_) == 'Z';
    });
    const std::vector<pid_t> children = DirectChildren(unshare_);
    init_ = children.empty() ? -1 : children[0];
    return true;
  }

  // Sends `signal` to the init from outside its namespace, as `docker kill`
  // does.
  void Signal(int signal) {
    ASSERT_GT(init_, 0) << "the init ended at once";
    ASSERT_EQ(kill(init_, signal), 0) << std::strerror(errno);
  }

  // Waits for the init to end: unshare exits with its status.
  ProgramRun Finish() {
    const ProgramRun run = FinishProgram(unshare_, out_, err_);
    unshare_ = init_ = -1;
    return run;
  }

  // COMMAND, PID 2 in the namespace, as the test sees it.
  pid_t Command() {
    Eventually([&] { return !DirectChildren(init_).empty(); });
    const std::vector<pid_t> children = DirectChildren(init_);
    return children.empty() ? -1 : children[0];
  }

  std::string dir_;
  pid_t unshare_ = -1;
  pid_t init_ = -1;
  int out_ = -1;
  int err_ = -1;
};

// The program that is process 1: daemonize-init when nothing of the
// supervisor is asked for, the supervisor when something is.
enum class Init { kLean, kSupervisor };

std::string InitName(const ::testing::TestParamInfo<Init>& info) {
  return info.param == Init::kLean ? "Lean" : "Supervisor";
}

// The duties of an init, done by each: the supervisor is asked for by a
// ready file, which changes nothing else here.
class InitDutiesTest : public InitTest,
                       public ::testing::WithParamInterface<Init> {
 protected:
  bool StartInit(std::vector<std::string> args, const std::string& script) {
    if (GetParam() == Init::kSupervisor) {
      args.push_back(absl::StrCat("--ready-file=", Path("ready")));
    }
    return InitTest::StartInit(args, script);
  }
};

INSTANTIATE_TEST_SUITE_P(Inits, InitDutiesTest,
                         ::testing::Values(Init::kLean, Init::kSupervisor),
                         InitName);

// The base name of the program `pid` runs.
std::string ProgramOf(pid_t pid) {
  const std::string path = ReadLink(absl::StrCat("/proc/", pid, "/exe"));
  return path.substr(path.rfind('/') + 1);
}

TEST_P(InitDutiesTest, ProcessOneIsTheLeanInitUnlessTheSupervisorIsAsked) {
  ASSERT_TRUE(StartInit({}, "exec sleep 1000"));
  const std::string expected =
      GetParam() == Init::kLean ? "daemonize-init" : "daemonize";
  EXPECT_TRUE(Eventually([&] { return ProgramOf(init_) == expected; }))
      << ProgramOf(init_);
  EXPECT_TRUE(Eventually([&] { return ProgramOf(Command()) == "sleep"; }));
  Signal(SIGTERM);
  EXPECT_EQ(Finish().exit_status(), 128 + SIGTERM);
}

// Without daemonize-init beside it (a copy of daemonize alone), the
// supervisor is process 1, and does the same.
TEST_F(InitTest, WithoutDaemonizeInitBesideItTheSupervisorIsProcessOne) {
  const std::string alone = Path("daemonize");
  ASSERT_EQ(
      RunProgram({"/bin/cp", Runfile("tools/daemonize"), alone}).exit_status(),
      0);
  std::vector<std::string> argv = {"/usr/bin/unshare",
                                   "--pid",
                                   "--fork",
                                   "--mount-proc",
                                   alone,
                                   "--init",
                                   "--",
                                   "/bin/sh",
                                   "-c",
                                   "exec sleep 1000"};
  unshare_ = StartProgram(argv, &out_, &err_);
  ASSERT_GT(unshare_, 0);
  ASSERT_TRUE(Eventually([&] { return !DirectChildren(unshare_).empty(); }));
  init_ = DirectChildren(unshare_)[0];
  EXPECT_TRUE(Eventually([&] { return ProgramOf(Command()) == "sleep"; }));
  EXPECT_EQ(ProgramOf(init_), "daemonize");
  Signal(SIGTERM);
  EXPECT_EQ(Finish().exit_status(), 128 + SIGTERM);
}

// Root runs a daemonize it put in a shared sticky directory (as /tmp);
// nobody has put a daemonize-init beside it (a working one, so that only
// the check of who made it can keep it from running as root). Process 1 is
// the supervisor.
TEST_F(InitTest, ADaemonizeInitAnotherUserPutBesideItNeverRuns) {
  char shared[] = "/tmp/daemonkit-init-XXXXXX";
  ASSERT_NE(mkdtemp(shared), nullptr);
  ASSERT_EQ(chmod(shared, 01777), 0);
  const std::string daemonize = absl::StrCat(shared, "/daemonize");
  const std::string copy = absl::StrCat(shared, "/copy");
  ASSERT_EQ(RunProgram({"/bin/cp", Runfile("tools/daemonize"), daemonize})
                .exit_status(),
            0);
  ASSERT_EQ(RunProgram({"/bin/cp", Runfile("tools/daemonize-init"), copy})
                .exit_status(),
            0);
  const ProgramRun plant = RunProgram(
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
       "/bin/cp", copy, absl::StrCat(shared, "/daemonize-init")});
  ASSERT_EQ(plant.exit_status(), 0) << plant.err;
  unshare_ = StartProgram(
      {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", daemonize,
       "--init", "--", "/bin/sh", "-c", "exec sleep 1000"},
      &out_, &err_);
  ASSERT_GT(unshare_, 0);
  ASSERT_TRUE(Eventually([&] { return !DirectChildren(unshare_).empty(); }));
  init_ = DirectChildren(unshare_)[0];
  EXPECT_TRUE(Eventually([&] { return ProgramOf(Command()) == "sleep"; }));
  EXPECT_EQ(ProgramOf(init_), "daemonize") << "nobody's daemonize-init runs";
  Signal(SIGTERM);
  EXPECT_EQ(Finish().exit_status(), 128 + SIGTERM);
  RunProgram({"/bin/rm", "-rf", shared});
}

// daemonize-init signals "every process" with kill(-1): outside a PID
// namespace of its own that would be every process of its user.
TEST(DaemonizeInitTest, RefusesToRunAsAnyProcessButProcessOne) {
  const ProgramRun run =
      RunProgram({Runfile("tools/daemonize-init"), "--stop-timeout-ms=100",
                  "--", "/bin/true"});
  EXPECT_EQ(run.exit_status(), 64);
  EXPECT_EQ(run.err,
            "daemonize-init: not process 1 of a PID namespace: use daemonize "
            "--init\n");
  const ProgramRun bad = RunProgram({Runfile("tools/daemonize-init"), "--"});
  EXPECT_EQ(bad.exit_status(), 64);
  EXPECT_NE(bad.err.find("usage: daemonize-init"), std::string::npos)
      << bad.err;
}

// COMMAND is the init's child, in the caller's working directory and with
// its umask (the image's WORKDIR, the runtime's umask), not / and 022.
TEST_P(InitDutiesTest, IsPidOneAndExitsWithCommandsStatus) {
  const mode_t mask = umask(027);
  ASSERT_TRUE(StartInit(
      {}, absl::StrCat("echo $$ > ", Path("pid"), "; pwd > ", Path("cwd"),
                       "; umask > ", Path("umask"), "; exit 7")));
  umask(mask);
  const ProgramRun run = Finish();
  EXPECT_EQ(run.exit_status(), 7) << run.err;
  EXPECT_EQ(ReadFile(Path("pid")), "2\n");
  char cwd[PATH_MAX];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_EQ(ReadFile(Path("cwd")), absl::StrCat(cwd, "\n"));
  EXPECT_EQ(ReadFile(Path("umask")), "0027\n");
}

TEST_P(InitDutiesTest, ExitsWith128PlusTheSignalThatKilledCommand) {
  ASSERT_TRUE(StartInit({}, "kill -USR2 $$"));
  const ProgramRun run = Finish();
  EXPECT_EQ(run.exit_status(), 128 + SIGUSR2) << run.err;
}

// Orphans of every shape, a thousand of them ending at once: none waits
// for its reaping, as no init that polls could manage (tini: once a second).
TEST_P(InitDutiesTest, ReapsEveryOrphanAsSoonAsItEnds) {
  const std::string go = Path("go");
  ASSERT_EQ(mkfifo(go.c_str(), 0600), 0);
  // Each orphan opens the FIFO, which blocks until the test opens it to
  // write: then all end together.
  const std::string wait_go = absl::StrCat(": < ", go);
  const std::string script = absl::StrCat(
      "i=0; while [ $i -lt 1000 ]; do (", wait_go, " &); i=$((i+1)); done; ",
      // A double fork through a new session, and a grandchild of a child
      // that exits first.
      "setsid sh -c '", wait_go, " &'; sh -c 'sh -c \"", wait_go,
      " &\" &'; : > ", Path("started"), "; exec sleep 1000");
  ASSERT_TRUE(StartInit({}, script));
  // The init as the sole real-time process: the bound below is about when
  // it reaps, not about how busy a CI machine is.
  const struct sched_param priority = {1};
  if (sched_setscheduler(init_, SCHED_FIFO, &priority) != 0) {
    std::cerr << "the init runs at normal priority: " << std::strerror(errno)
              << "\n";
  }
  ASSERT_TRUE(
      Eventually([&] { return Exists(Path("started")); }, absl::Seconds(60)));
  ASSERT_TRUE(Eventually([&] { return DirectChildren(init_).size() >= 1003; },
                         absl::Seconds(20)))
      << DirectChildren(init_).size() << " children of the init";

  std::atomic<bool> released{false};
  ZombieWatch watch;
  std::thread watcher([&] {
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    watch = WatchZombies(init_, [&] {
      return (released && DirectChildren(init_).size() <= 1) ||
             absl::Now() > give_up;
    });
  });
  const absl::Time opened = absl::Now();
  const int fifo = open(go.c_str(), O_WRONLY);
  released = true;
  close(fifo);
  watcher.join();
  const absl::Duration all_gone = absl::Now() - opened;
  std::cerr << "1003 orphans ended together: " << watch.seen
            << " seen as zombies, the longest for " << watch.longest
            << "; all reaped within " << all_gone << "\n";
  EXPECT_GE(fifo, 0);
  EXPECT_EQ(DirectChildren(init_).size(), 1u) << "COMMAND alone is left";
  EXPECT_LE(watch.longest, absl::Milliseconds(10));
}

// SIGTERM from outside the namespace (docker stop): the stop schedule, on a
// tree that ignores SIGTERM: SIGKILL after --stop-timeout, exit 128+9.
TEST_P(InitDutiesTest, TermStopsATreeThatIgnoresItWithinTheStopTimeout) {
  ASSERT_TRUE(StartInit({"--stop-timeout", "300ms"},
                        absl::StrCat("trap '' TERM; sleep 1000 & sleep 1000 & "
                                     ": > ",
                                     Path("started"), "; wait")));
  ASSERT_TRUE(Eventually([&] { return Exists(Path("started")); }));
  const absl::Time sent = absl::Now();
  Signal(SIGTERM);
  const ProgramRun run = Finish();
  const absl::Duration took = absl::Now() - sent;
  std::cerr << "TERM to exit with SIGKILL needed: " << took << "\n";
  EXPECT_EQ(run.exit_status(), 128 + SIGKILL) << run.err;
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Milliseconds(300) + absl::Seconds(3));
}

// A COMMAND that obeys SIGTERM: the init exits with its status, at once.
TEST_P(InitDutiesTest, TermEndsACommandThatObeysItWithItsStatus) {
  ASSERT_GT(
      StartInit({}, absl::StrCat("trap 'exit 42' TERM; : > ", Path("started"),
                                 "; while :; do sleep 0.01; done")),
      0);
  ASSERT_TRUE(Eventually([&] { return Exists(Path("started")); }));
  Signal(SIGTERM);
  const ProgramRun run = Finish();
  EXPECT_EQ(run.exit_status(), 42) << run.err;
}

// Every other signal reaches COMMAND's whole process group.
TEST_P(InitDutiesTest, UsrAndWinchReachCommandsProcessGroup) {
  const std::string log = Path("log");
  const std::string script = absl::StrCat(
      "(trap 'echo child USR1 >> ", log, "' USR1; trap 'echo child WINCH >> ",
      log, "' WINCH; while :; do sleep 0.01; done) & trap 'echo USR1 >> ", log,
      "' USR1; trap 'echo WINCH >> ", log, "' WINCH; : > ", Path("started"),
      "; while :; do sleep 0.01; done");
  ASSERT_TRUE(StartInit({}, script));
  ASSERT_TRUE(Eventually([&] { return Exists(Path("started")); }));
  absl::SleepFor(absl::Milliseconds(50));  // The child's traps are set.
  for (const char* name : {"USR1", "WINCH"}) {
    Signal(name[0] == 'U' ? SIGUSR1 : SIGWINCH);
    EXPECT_TRUE(Eventually([&] {
      return HasLine(ReadFile(log), name) &&
             HasLine(ReadFile(log), absl::StrCat("child ", name));
    })) << ReadFile(log);
  }
  Signal(SIGTERM);
  EXPECT_EQ(Finish().exit_status(), 128 + SIGTERM);
}

// SIGHUP is COMMAND's too (its group's); SIGINT, as SIGTERM, starts the
// stop.
TEST_P(InitDutiesTest, HupReachesCommandAndIntStopsIt) {
  const std::string log = Path("log");
  ASSERT_TRUE(StartInit(
      {}, absl::StrCat("trap 'echo HUP >> ", log, "' HUP; : > ",
                       Path("started"), "; while :; do sleep 0.01; done")));
  ASSERT_TRUE(Eventually([&] { return Exists(Path("started")); }));
  Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] { return HasLine(ReadFile(log), "HUP"); }));
  Signal(SIGINT);
  const ProgramRun run = Finish();
  EXPECT_EQ(run.exit_status(), 128 + SIGTERM) << run.err;
}

// COMMAND ends while processes it started still run: they are stopped with
// SIGTERM (not the kernel's SIGKILL when the namespace ends), and the init
// exits with COMMAND's status.
TEST_P(InitDutiesTest, ACommandThatExitsLeavingChildrenEndsThemGently) {
  const std::string script =
      absl::StrCat("(trap 'echo stopped > ", Path("left"),
                   "; exit 0' TERM; : > ", Path("started"),
                   "; while :; do sleep 0.01; done) & "
                   "while [ ! -e ",
                   Path("started"), " ]; do sleep 0.01; done; exit 5");
  ASSERT_TRUE(StartInit({}, script));
  const ProgramRun run = Finish();
  EXPECT_EQ(run.exit_status(), 5) << run.err;
  EXPECT_EQ(ReadFile(Path("left")), "stopped\n");
}

// The ready file appears only once COMMAND said READY=1, holds its pid,
// and goes when the stop begins; one left from before is removed at once.
TEST_F(InitTest, TheReadyFileAppearsOnlyAfterReady) {
  const std::string ready = Path("ready");
  const std::string go = Path("go");
  std::ofstream(ready) << "99\n";  // A killed supervisor's.
  const std::string script =
      absl::StrCat("while [ ! -e ", go, " ]; do sleep 0.01; done; exec ",
                   Runfile("tests/support/notify_ready_helper"), " 0");
  ASSERT_TRUE(StartInit({"--ready=notify", "--ready-file", ready}, script));
  ASSERT_GT(Command(), 0);
  EXPECT_TRUE(Eventually([&] { return !Exists(ready); }, absl::Seconds(2)))
      << "the last run's ready file stays";
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_FALSE(Exists(ready)) << "ready before READY=1";
  std::ofstream(go).close();
  ASSERT_TRUE(Eventually([&] { return Exists(ready); }));
  EXPECT_EQ(ReadFile(ready), "2\n");
  Signal(SIGTERM);
  EXPECT_EQ(Finish().exit_status(), 128 + SIGTERM);
  EXPECT_FALSE(Exists(ready));
}

// daemonize --status inside the container, as a Kubernetes exec probe runs
// it (nsenter: the init's PID and mount namespaces).
TEST_F(InitTest, StatusWorksInsideTheContainer) {
  const std::string pid_file = Path("app.pid");
  ASSERT_TRUE(
      StartInit({"--pid-file", pid_file}, "while :; do sleep 0.01; done"));
  ASSERT_TRUE(Eventually([&] { return ReadFile(pid_file) == "2\n"; }))
      << ReadFile(pid_file);
  const std::string target = absl::StrCat(init_);
  const ProgramRun status = RunProgram({"/usr/bin/nsenter", "-t", target, "-p",
                                        "-m", Runfile("tools/daemonize"),
                                        "--status", "--pid-file", pid_file});
  EXPECT_EQ(status.exit_status(), 0) << status.out << status.err;
  EXPECT_NE(status.out.find("running as pid 2"), std::string::npos)
      << status.out;
  Signal(SIGTERM);
  EXPECT_EQ(Finish().exit_status(), 128 + SIGTERM);
  const ProgramRun after = RunProgram(
      {Runfile("tools/daemonize"), "--status", "--pid-file", pid_file});
  EXPECT_EQ(after.exit_status(), 3) << after.out << after.err;
}

// Whoever may write the pid file (root's, as a supervisor's pid file is:
// not the service's user, even with --user) names another child of the init
// there: the orphan of a `docker exec` session, root's. --reload (which
// signals the program the file names) refuses it; the worker it signals.
TEST_F(InitTest, ReloadNeverSignalsAnOrphanTheInitAdopted) {
  const std::string pid_file = Path("app.pid");
  const std::string log = Path("log");
  ASSERT_TRUE(StartInit(
      {"--pid-file", pid_file},
      absl::StrCat("trap 'echo HUP >> ", log, "' HUP; : > ", Path("started"),
                   "; while :; do sleep 0.01; done")));
  ASSERT_TRUE(Eventually([&] { return Exists(Path("started")); }));
  const std::string target = absl::StrCat(init_);
  auto in_container = [&](const std::vector<std::string>& argv) {
    std::vector<std::string> entered = {"/usr/bin/nsenter", "-t", target, "-p",
                                        "-m"};
    entered.insert(entered.end(), argv.begin(), argv.end());
    return RunProgram(entered);
  };
  const ProgramRun exec = in_container(
      {"/bin/sh", "-c", "setsid sleep 1000 > /dev/null 2>&1 & echo $!"});
  const std::string orphan(absl::StripAsciiWhitespace(exec.out));
  ASSERT_FALSE(orphan.empty()) << exec.err;
  const std::string orphan_stat = absl::StrCat("/proc/", orphan, "/stat");
  ASSERT_TRUE(Eventually([&] {
    return in_container(
               {"/bin/sh", "-c", absl::StrCat("cut -d' ' -f4 ", orphan_stat)})
               .out == "1\n";
  })) << "the orphan is the init's";

  std::ofstream(pid_file, std::ios::trunc) << orphan << "\n";
  const std::vector<std::string> reload = {Runfile("tools/daemonize"),
                                           "--reload", "--pid-file", pid_file};
  const ProgramRun refused = in_container(reload);
  EXPECT_EQ(refused.exit_status(), 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("which does not hold its lock"), std::string::npos)
      << refused.err;
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(in_container({"/bin/cat", orphan_stat}).exit_status(), 0)
      << "the orphan got SIGHUP";

  // The worker's pid back: the same reload reaches it.
  std::ofstream(pid_file, std::ios::trunc) << "2\n";
  const ProgramRun reloaded = in_container(reload);
  EXPECT_EQ(reloaded.exit_status(), 0) << reloaded.out << reloaded.err;
  EXPECT_TRUE(Eventually([&] { return HasLine(ReadFile(log), "HUP"); }));
  Signal(SIGTERM);
  EXPECT_EQ(Finish().exit_status(), 128 + SIGTERM);
}

// Not PID 1 (run from a shell, or beside another init): a child subreaper,
// to which COMMAND's orphans come, and which stops them with the rest.
TEST(InitOutsideANamespaceTest, OrphansComeToItAsASubreaper) {
  const std::string orphan_file = PerTestPath() + ".orphan";
  unlink(orphan_file.c_str());
  int out = -1;
  int err = -1;
  const pid_t init =
      StartProgram({Runfile("tools/daemonize"), "--init", "--", "/bin/sh", "-c",
                    absl::StrCat("(sleep 1000 & echo $! > ", orphan_file,
                                 ".new; mv ", orphan_file, ".new ", orphan_file,
                                 "); while :; do sleep 0.01; done")},
                   &out, &err);
  ASSERT_GT(init, 0);
  ASSERT_TRUE(Eventually([&] { return Exists(orphan_file); }));
  pid_t orphan = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::StripAsciiWhitespace(ReadFile(orphan_file)), &orphan));
  EXPECT_TRUE(Eventually([&] { return ParentOf(orphan) == init; }))
      << "the orphan's parent: " << ParentOf(orphan);
  ASSERT_EQ(kill(init, SIGTERM), 0);
  const ProgramRun run = FinishProgram(init, out, err);
  EXPECT_EQ(run.exit_status(), 128 + SIGTERM) << run.err;
  EXPECT_TRUE(StateOf(orphan) == '?' || StateOf(orphan) == 'Z')
      << "the orphan outlived the stop: " << StateOf(orphan);
  ExpectNoChildLeft();
}

// daemonize --init in a terminal of its own, whose foreground it is
// (forkpty: a new session), not PID 1: as `docker run -it` or a shell gives.
class InitTerminalTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (terminal_ >= 0) close(terminal_);
    ExpectNoChildLeft();
  }

  // Starts `daemonize --init -- /bin/sh -c SCRIPT` in the terminal; as
  // process 1 of a PID namespace of its own when `as_process_one` (unshare
  // is then pid_, in the terminal's foreground group as the init is).
  void Start(const std::string& script, bool as_process_one = false) {
    const std::string daemonize = Runfile("tools/daemonize");
    pid_ = forkpty(&terminal_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      if (as_process_one) {
        execl("/usr/bin/unshare", "unshare", "--pid", "--fork", "--mount-proc",
              daemonize.c_str(), "--init", "--", "/bin/sh", "-c",
              script.c_str(), nullptr);
      } else {
        execl(daemonize.c_str(), daemonize.c_str(), "--init", "--", "/bin/sh",
              "-c", script.c_str(), nullptr);
      }
      _exit(127);
    }
    ASSERT_GT(pid_, 0) << std::strerror(errno);
    fcntl(terminal_, F_SETFL, O_NONBLOCK);
  }

  // COMMAND, the child of `init` (pid_ unless given), once it holds the
  // terminal.
  pid_t CommandInForeground(pid_t init = -1) {
    pid_t command = -1;
    Eventually([&] {
      const std::vector<pid_t> children =
          DirectChildren(init > 0 ? init : pid_);
      command = children.empty() ? -1 : children[0];
      return command > 0 && TerminalForeground(command) == command;
    });
    return command;
  }

  void Type(absl::string_view keys) {
    ASSERT_EQ(write(terminal_, keys.data(), keys.size()),
              static_cast<ssize_t>(keys.size()));
  }

  // The init's exit status, reading what it writes to the terminal
  // meanwhile; -1 when it did not exit within 10 s.
  int ExitStatus() {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) != pid_) {
      char buffer[256];
      while (read(terminal_, buffer, sizeof buffer) > 0) {
      }
      if (absl::Now() > give_up) return -1;
      absl::SleepFor(absl::Milliseconds(5));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  pid_t pid_ = -1;
  int terminal_ = -1;
};

TEST_F(InitTerminalTest, CommandHoldsTheTerminalAndGetsItsInterruptKey) {
  // The trap set before the key comes: the worker takes the terminal
  // before its exec, the shell sets its trap after.
  const std::string started = PerTestPath() + ".started";
  unlink(started.c_str());
  Start(absl::StrCat("trap 'exit 5' INT; : > ", started,
                     "; while :; do sleep 0.01; done"));
  ASSERT_GT(CommandInForeground(), 0)
      << "the terminal's foreground: " << TerminalForeground(pid_);
  ASSERT_TRUE(Eventually([&] { return Exists(started); }));
  Type("\x03");  // ^C
  EXPECT_EQ(ExitStatus(), 5);
}

// As process 1 (docker run -it) the lean init gives COMMAND the terminal.
TEST_F(InitTerminalTest, AsProcessOneTheLeanInitGivesCommandTheTerminal) {
  const std::string started = PerTestPath() + ".started";
  unlink(started.c_str());
  Start(absl::StrCat("trap 'exit 5' INT; : > ", started,
                     "; while :; do sleep 0.01; done"),
        /*as_process_one=*/true);
  ASSERT_TRUE(Eventually([&] { return !DirectChildren(pid_).empty(); }));
  const pid_t init = DirectChildren(pid_)[0];
  ASSERT_GT(CommandInForeground(init), 0)
      << "the terminal's foreground: " << TerminalForeground(init);
  EXPECT_EQ(ProgramOf(init), "daemonize-init");
  ASSERT_TRUE(Eventually([&] { return Exists(started); }));
  Type("\x03");  // ^C
  EXPECT_EQ(ExitStatus(), 5);
}

// ^Z stops COMMAND; the init takes the terminal back and stops too, so
// that the shell that started it gets it; SIGCONT (fg) hands it on again.
TEST_F(InitTerminalTest, SuspendStopsTheInitTooAndContinueResumesBoth) {
  Start("exec sleep 1000");
  const pid_t command = CommandInForeground();
  ASSERT_GT(command, 0);
  // Past its exec: a worker stopped before it would hold the supervisor,
  // which waits for that exec (a gap this test does not look at).
  ASSERT_TRUE(Eventually([&] {
    return ReadFile(absl::StrCat("/proc/", command, "/comm")) == "sleep\n";
  }));
  Type("\x1a");  // ^Z
  EXPECT_TRUE(Eventually([&] {
    return StateOf(command) == 'T' && StateOf(pid_) == 'T';
  })) << StateOf(command)
      << StateOf(pid_);
  EXPECT_EQ(TerminalForeground(pid_), pid_);
  ASSERT_EQ(kill(pid_, SIGCONT), 0);
  EXPECT_TRUE(Eventually([&] {
    return StateOf(command) == 'S' && StateOf(pid_) == 'S' &&
           TerminalForeground(command) == command;
  })) << StateOf(command)
      << StateOf(pid_);
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  EXPECT_EQ(ExitStatus(), 128 + SIGTERM);
}

}  // namespace
