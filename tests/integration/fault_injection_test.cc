// Every system call in the detach path failing, one at a time, against the
// real kernel (FaultInjectingOs over PosixOs), with the options that add
// calls (user and group, chroot, environment, foreground mode); plus the real
// kernel failing fork on its own (seccomp).
//
// Each start runs in a helper process (the launcher) that is a child
// subreaper like DetachOrExit's, so that it must reap what it started. The
// test process is a subreaper too, so nothing can escape it: after every
// start it checks that nothing is left running.

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/os_wrapper.h"
#include "daemonkit/posix_os.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/fault_injecting_os.h"
#include "tests/support/proc_view.h"
#include "tests/support/realistic_errno.h"

namespace daemonkit {
namespace {

using Call = FaultInjectingOs::Call;
using Fault = FaultInjectingOs::Fault;
using ::daemonkit::test::ChildrenOf;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::RealisticErrno;
using ::testing::HasSubstr;

// The daemon's exit status when its own Ready() fails.
constexpr int kReadyFailedExit = 70;

// The children of this process, with their state letter from /proc.
std::map<pid_t, char> Children() { return ChildrenOf(getpid()); }

// What the launcher saw, sent from the helper process to the test.
struct Outcome {
  bool ok;
  pid_t daemon_pid;
  int exit_code;
  char opened[1024];  // What the descriptors the start left open point to.
  bool closed;        // A descriptor open before the start was closed.
  int zombies;        // Children the launcher left unreaped.
  char message[512];
};

// Fills in what this process has open that was not open `before` (/proc's
// names for it, sorted), and whether one that was is closed.
void CompareFds(const std::vector<int>& before, Outcome* seen) {
  const std::vector<int> after = OpenFds(getpid());
  std::vector<std::string> opened;
  for (int fd : after) {
    if (!std::binary_search(before.begin(), before.end(), fd)) {
      opened.push_back(ReadLink(absl::StrCat("/proc/self/fd/", fd)));
    }
  }
  std::sort(opened.begin(), opened.end());
  snprintf(seen->opened, sizeof seen->opened, "%s",
           absl::StrJoin(opened, ", ").c_str());
  seen->closed =
      !std::includes(after.begin(), after.end(), before.begin(), before.end());
}

// Runs Detach in a helper process that plays the launcher; the daemon reports
// ready and exits once Ready() returned, so that every call it makes is
// recorded before the test reads the record (the launcher may return while
// Ready() still restores SIGPIPE's disposition). In foreground mode the
// helper is the daemon: its outcome is Detach's, then Ready()'s. Returns
// false (and says why) when the launcher hung.
bool Launch(Os& os, const DetachOptions& options, Outcome* outcome,
            std::string* why) {
  int result[2];
  if (pipe2(result, O_CLOEXEC) != 0) return false;
  const pid_t helper = fork();
  if (helper == 0) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    DetachOptions helpers = options;
    // A foreground daemon closes what it does not keep: the answer's pipe too.
    if (options.foreground) helpers.keep_fds.push_back(result[1]);
    const std::vector<int> before = OpenFds(getpid());
    absl::StatusOr<Daemon> daemon = Detach(helpers, os);
    if (daemon.ok() && !daemon->in_launcher() && !options.foreground) {
      _exit(daemon->Ready().ok() ? 0 : kReadyFailedExit);
    }
    const absl::Status status =
        daemon.ok() && options.foreground ? daemon->Ready() : daemon.status();
    Outcome seen = {};
    seen.ok = status.ok();
    seen.daemon_pid = daemon.ok() ? daemon->pid() : 0;
    seen.exit_code = ExitCodeOf(status);
    CompareFds(before, &seen);
    // A ready daemon exits by itself (see above): only another child counts.
    for (const auto& [pid, state] : Children()) {
      seen.zombies += state == 'Z' && pid != seen.daemon_pid;
    }
    snprintf(seen.message, sizeof seen.message, "%s",
             std::string(status.message()).c_str());
    (void)!write(result[1], &seen, sizeof seen);
    _exit(0);
  }
  close(result[1]);
  struct pollfd readable = {result[0], POLLIN, 0};
  const bool answered = poll(&readable, 1, 10000) == 1 &&
                        read(result[0], outcome, sizeof *outcome) ==
                            static_cast<ssize_t>(sizeof *outcome);
  close(result[0]);
  if (!answered) {
    kill(helper, SIGKILL);
    *why = "the launcher hung (no answer within 10 s)";
  }
  waitpid(helper, nullptr, 0);
  return answered;
}

// Waits (boundedly) for every process a start made to end: a ready daemon
// exits by itself. Returns what was still running and had to be killed.
std::string ReapEverything() {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t reaped = waitpid(-1, nullptr, WNOHANG);
    if (reaped < 0) return "";  // No children left.
    if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::string left;
  for (const auto& [pid, state] : Children()) {
    absl::StrAppend(&left, " pid ", pid, " (", std::string(1, state), ")");
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  return left;
}

// What a process of a start does. Foreground mode has one process, which
// prepares the start and becomes the daemon itself: it waits for no one, so
// none of the launcher's tolerances apply to it.
enum class Role { kLauncher, kMiddle, kDaemon };

Role RoleOf(int process, bool foreground) {
  if (foreground) return Role::kDaemon;
  return process == 0   ? Role::kLauncher
         : process == 1 ? Role::kMiddle
                        : Role::kDaemon;
}

const char* RoleName(Role role) {
  return role == Role::kLauncher ? "launcher"
         : role == Role::kMiddle ? "middle"
                                 : "daemon";
}

// Whether a failure of call `index` of `calls` (one process's sequence) is
// one the design tolerates: close(2) (the descriptor is gone either way),
// reaping the middle process (ECHILD: someone reaped it already), and the
// best-effort parts of sending a report (ignoring SIGPIPE around the write;
// the middle process's note of the daemon's pid, which Ready() repeats); in
// the launcher, the watch for interrupting signals: asking whether one is
// ignored (unknown: it is watched), polling the pipe with the signalfd (the
// read that follows reports a failure), giving the mask back (it cannot fail
// with valid arguments); in the daemon, the check that the old ids cannot be
// taken back once dropped: its setuid and setgid must fail.
bool Tolerated(const std::vector<Call>& calls, size_t index, Role role) {
  const Call call = calls[index];
  const auto before = calls.begin() + static_cast<ptrdiff_t>(index);
  if (call == Call::kClose || call == Call::kWaitPid) return true;
  if (role == Role::kLauncher) {
    if (call == Call::kSigAction && index < 3) return true;
    if (call == Call::kPoll) return true;
    if (call == Call::kSigProcMask &&
        std::find(calls.begin(), before, call) != before) {
      return true;  // Not the first: the mask given back.
    }
  }
  if (call == Call::kWrite) return role == Role::kMiddle;
  if (call == Call::kSigAction) {
    const bool before_write =
        index + 1 < calls.size() && calls[index + 1] == Call::kWrite;
    const bool after_write = index > 0 && calls[index - 1] == Call::kWrite;
    return before_write || after_write;
  }
  if (call == Call::kSetUid || call == Call::kSetGid) {
    return std::find(calls.begin(), before, Call::kSetUid) != before;
  }
  return false;
}

class FaultInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    tmp_ = std::getenv("TEST_TMPDIR");
    options_.working_directory = tmp_;
    options_.stdout_path = tmp_ + "/daemon.out";
    options_.pid_file = tmp_ + "/daemon.pid";
    kept_ = open("/dev/null", O_RDONLY);  // Exercises the keep list.
    ASSERT_GE(kept_, 3);
    options_.keep_fds = {kept_};
  }
  void TearDown() override { close(kept_); }

  std::string tmp_;
  int kept_ = -1;
  DetachOptions options_;
};

// The options the sweep runs with, beside the fixture's own (working
// directory, stdout file, pid file, a kept descriptor).
enum class Variant { kPlain, kUser, kChroot, kEnvironment, kForeground };

std::string VariantName(Variant variant) {
  switch (variant) {
    case Variant::kPlain:
      return "plain";
    case Variant::kUser:
      return "user";
    case Variant::kChroot:
      return "chroot";
    case Variant::kEnvironment:
      return "environment";
    case Variant::kForeground:
      return "foreground";
  }
  return "?";
}

// Names the variant in gtest's messages.
void PrintTo(Variant variant, std::ostream* out) {
  *out << VariantName(variant);
}

// The sweep: one start records every call of every process; then each call
// that can fail fails in turn, in a start of its own.
class SweepTest : public FaultInjectionTest,
                  public ::testing::WithParamInterface<Variant> {
 protected:
  void SetUp() override;
  void TearDown() override;
  void SetUpUser();
  void SetUpChroot();
  void SetUpForeground();

  // Starts once without a fault; prints K. `by_process`: the calls of each
  // process, by its FaultInjectingOs number.
  void RecordCleanStart(FaultInjectingOs& os,
                        std::map<int, std::vector<Call>>* by_process);
  // Starts with the `nth` call that can fail of `process` failing, that is
  // `calls[index]`, and checks the start's end.
  void FailOne(FaultInjectingOs& os, int process,
               const std::vector<Call>& calls, size_t index, int nth);
  // Checks that a start, whether it failed or not, left nothing behind; but
  // a zombie when the reap failed.
  void CheckNothingLeft(const Outcome& outcome, bool reap_failed);
  // What the start may leave open in the process that called Detach.
  std::string ExpectedOpened(bool ok) const;
  // The notification waiting on the test's notify socket, or "".
  std::string TakeNotification();

  int notify_socket_ = -1;  // Foreground: the test plays the service manager.
  int reported_ = 0;
  int tolerated_ = 0;
  std::string user_directory_;  // The user variant's, in /tmp.
};

void SweepTest::SetUp() {
  ASSERT_NO_FATAL_FAILURE(FaultInjectionTest::SetUp());
  switch (GetParam()) {
    case Variant::kPlain:
      break;
    case Variant::kUser:
      SetUpUser();
      break;
    case Variant::kChroot:
      SetUpChroot();
      break;
    case Variant::kEnvironment:
      options_.clear_environment = true;
      // Both are set under `bazel test`: each is set again after the clear.
      options_.keep_environment = {"PATH", "TEST_TMPDIR"};
      options_.set_environment = {"LC_ALL=C", "SWEEP=environment"};
      break;
    case Variant::kForeground:
      SetUpForeground();
      break;
  }
}

void SweepTest::TearDown() {
  if (notify_socket_ >= 0) {
    close(notify_socket_);
    unsetenv("NOTIFY_SOCKET");
  }
  if (!user_directory_.empty()) {
    unlink(options_.stdout_path.c_str());
    unlink(options_.pid_file.c_str());
    rmdir(user_directory_.c_str());
  }
  FaultInjectionTest::TearDown();
}

void SweepTest::SetUpUser() {
  if (getuid() != 0) GTEST_SKIP() << "needs root, to switch users";
  const struct passwd* nobody = getpwnam("nobody");
  const struct group* nogroup = getgrnam("nogroup");
  if (nobody == nullptr || nogroup == nullptr) {
    GTEST_SKIP() << "no user nobody or no group nogroup";
  }
  // The daemon's user must be able to remove its pid file, and to reach its
  // stdout file (opened with its rights): a directory of its own, outside
  // TEST_TMPDIR, which lies under root's 0700 home.
  char run[] = "/tmp/daemonkit-sweep-XXXXXX";
  ASSERT_NE(mkdtemp(run), nullptr);
  user_directory_ = run;
  ASSERT_EQ(chmod(run, 0755), 0);
  if (chown(run, nobody->pw_uid, nogroup->gr_gid) != 0) {
    GTEST_SKIP() << "cannot give a directory to nobody (" << strerror(errno)
                 << "): run outside Bazel's sandbox, whose user namespace "
                    "maps no user but root";
  }
  options_.user = "nobody";
  options_.group = "nogroup";
  options_.pid_file = user_directory_ + "/daemon.pid";
  options_.stdout_path = user_directory_ + "/daemon.out";
}

void SweepTest::SetUpChroot() {
  if (getuid() != 0) GTEST_SKIP() << "needs root, for chroot";
  // The working directory is inside the chroot; stdout_path and pid_file are
  // the launcher's, opened before any fork.
  const std::string jail = tmp_ + "/jail";
  for (const std::string& directory : {jail, jail + "/srv"}) {
    ASSERT_TRUE(mkdir(directory.c_str(), 0755) == 0 || errno == EEXIST);
  }
  options_.chroot_directory = jail;
  options_.working_directory = "/srv";
}

void SweepTest::SetUpForeground() {
  options_.foreground = true;
  // Ready() tells NOTIFY_SOCKET. An abstract name: TEST_TMPDIR's path is too
  // long for sun_path.
  notify_socket_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(notify_socket_, 0);
  const std::string name = absl::StrCat("daemonkit-sweep-", getpid());
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path + 1, name.data(), name.size());
  const socklen_t length = static_cast<socklen_t>(
      offsetof(struct sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(bind(notify_socket_, reinterpret_cast<struct sockaddr*>(&address),
                 length),
            0);
  ASSERT_EQ(setenv("NOTIFY_SOCKET", ("@" + name).c_str(), 1), 0);
}

std::string SweepTest::TakeNotification() {
  char text[256];
  const ssize_t got = recv(notify_socket_, text, sizeof text, MSG_DONTWAIT);
  return got > 0 ? std::string(text, static_cast<size_t>(got)) : "";
}

std::string SweepTest::ExpectedOpened(bool ok) const {
  // A foreground daemon keeps its pid file and the file's directory open.
  if (!options_.foreground || !ok) return "";
  const size_t slash = options_.pid_file.rfind('/');
  char directory[PATH_MAX];
  if (realpath(options_.pid_file.substr(0, slash).c_str(), directory) ==
      nullptr) {
    return "?";
  }
  return absl::StrCat(directory, ", ", directory,
                      options_.pid_file.substr(slash));
}

void SweepTest::RecordCleanStart(FaultInjectingOs& os,
                                 std::map<int, std::vector<Call>>* by_process) {
  Outcome clean;
  std::string why;
  ASSERT_TRUE(Launch(os, options_, &clean, &why)) << why;
  ASSERT_TRUE(clean.ok) << clean.message;
  EXPECT_EQ(ReapEverything(), "");  // All ended: all their calls recorded.
  CheckNothingLeft(clean, /*reap_failed=*/false);
  const std::vector<FaultInjectingOs::Record> recorded = os.calls();
  int k = 0;
  for (const auto& record : recorded) {
    (*by_process)[record.process].push_back(record.call);
    k += FaultInjectingOs::CanFail(record.call);
  }
  std::string counts;
  for (const auto& [process, calls] : *by_process) {
    const char* role = options_.foreground
                           ? "one process"
                           : RoleName(RoleOf(process, /*foreground=*/false));
    absl::StrAppend(&counts, counts.empty() ? "" : ", ", role, " ",
                    calls.size());
  }
  std::cout << "Sweep [" << VariantName(GetParam()) << "]: K = " << k
            << " calls that can fail, of " << recorded.size()
            << " in a successful start (" << counts << ")\n";
}

void SweepTest::CheckNothingLeft(const Outcome& outcome, bool reap_failed) {
  EXPECT_EQ(std::string(outcome.opened), ExpectedOpened(outcome.ok))
      << "descriptors the start left open";
  // A foreground daemon closes what it inherited, by design.
  if (!options_.foreground) {
    EXPECT_FALSE(outcome.closed) << "the launcher closed a caller's descriptor";
  }
  if (!reap_failed) {
    EXPECT_EQ(outcome.zombies, 0) << "the launcher left a zombie";
  }
  if (outcome.ok) {
    EXPECT_EQ(ReadFile(options_.pid_file),
              absl::StrCat(outcome.daemon_pid, "\n"));
  } else {
    EXPECT_FALSE(std::ifstream(options_.pid_file).good())
        << "a failed start left its pid file";
  }
  unlink(options_.pid_file.c_str());  // Killed daemons leave theirs.
  if (notify_socket_ >= 0) {
    EXPECT_EQ(TakeNotification(), outcome.ok ? "READY=1" : "");
  }
}

void SweepTest::FailOne(FaultInjectingOs& os, int process,
                        const std::vector<Call>& calls, size_t index, int nth) {
  const Call call = calls[index];
  const Role role = RoleOf(process, options_.foreground);
  const int error = RealisticErrno(call);
  const std::string where =
      absl::StrCat("process ", process, " call ", nth, " (",
                   FaultInjectingOs::Name(call), ", ", strerror(error), ")");
  SCOPED_TRACE(where);
  Outcome outcome;
  // The launcher's last calls (its reads of the readiness pipe, its closes)
  // vary with when the reports arrive, more under the sanitizers: a run
  // where the call did not come is a clean start, and is tried again.
  for (int attempt = 0; attempt < 3 && (attempt == 0 || !os.fired());
       ++attempt) {
    os.Inject(Fault::NthCall(nth, error).InProcess(process));
    outcome = Outcome();
    std::string why;
    ASSERT_TRUE(Launch(os, options_, &outcome, &why)) << why;
    // Every process of the run has ended, so its calls are all recorded.
    EXPECT_EQ(ReapEverything(), "") << "left running";
  }
  EXPECT_TRUE(os.fired()) << "the run took another path";
  CheckNothingLeft(outcome, call == Call::kWaitPid);
  if (outcome.ok) {
    ++tolerated_;
    EXPECT_TRUE(Tolerated(calls, index, role)) << "a failure nobody reported";
    return;
  }
  ++reported_;
  std::cout << "  " << where << " -> " << outcome.message << "\n";
  EXPECT_NE(outcome.exit_code, 0);
  if (role == Role::kDaemon && call == Call::kWrite) {
    EXPECT_EQ(std::string(outcome.message),
              absl::StrCat("daemon exited before it was ready: exit status ",
                           kReadyFailedExit));
  } else {
    EXPECT_THAT(std::string(outcome.message),
                HasSubstr(absl::StrCat("failed: ", strerror(error))));
  }
}

TEST_P(SweepTest, EveryFailingCallEndsInAClearErrorWithNothingLeft) {
  FaultInjectingOs os(PosixOs::Default());
  std::map<int, std::vector<Call>> by_process;
  ASSERT_NO_FATAL_FAILURE(RecordCleanStart(os, &by_process));
  ASSERT_EQ(by_process.size(), options_.foreground ? 1u : 3u);
  for (const auto& [process, calls] : by_process) {
    int nth = 0;
    for (size_t index = 0; index < calls.size(); ++index) {
      if (!FaultInjectingOs::CanFail(calls[index])) continue;
      ASSERT_NO_FATAL_FAILURE(FailOne(os, process, calls, index, ++nth));
    }
  }
  std::cout << "Sweep [" << VariantName(GetParam()) << "]: " << reported_
            << " reported failures, " << tolerated_ << " tolerated by design\n";
}

INSTANTIATE_TEST_SUITE_P(Variants, SweepTest,
                         ::testing::Values(Variant::kPlain, Variant::kUser,
                                           Variant::kChroot,
                                           Variant::kEnvironment,
                                           Variant::kForeground),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return VariantName(info.param);
                         });

// Runs DetachOrExit in a helper with stderr captured; returns its wait status.
int RunDetachOrExit(Os& os, const DetachOptions& options,
                    const std::string& stderr_path) {
  const pid_t helper = fork();
  if (helper == 0) {
    const int err =
        open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, STDERR_FILENO);
    Daemon daemon = DetachOrExit(options, os);
    daemon.Ready().IgnoreError();
    _exit(0);
  }
  int status = -1;
  waitpid(helper, &status, 0);
  return status;
}

TEST_F(FaultInjectionTest, FirstForkFailsWithEagain) {
  FaultInjectingOs os(PosixOs::Default());
  os.Inject(Fault::NthOf(Call::kFork, 1, EAGAIN));
  const std::string err = tmp_ + "/launcher.err";
  const int status = RunDetachOrExit(os, options_, err);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), EX_OSERR);
  EXPECT_EQ(ReadFile(err),
            "daemonkit: first fork failed: Resource temporarily unavailable\n");
  EXPECT_EQ(ReapEverything(), "");
}

TEST_F(FaultInjectionTest, SecondForkFailsInTheMiddleProcess) {
  FaultInjectingOs os(PosixOs::Default());
  os.Inject(Fault::NthOf(Call::kFork, 2, EAGAIN));
  Outcome outcome;
  std::string why;
  ASSERT_TRUE(Launch(os, options_, &outcome, &why)) << why;
  EXPECT_FALSE(outcome.ok);
  EXPECT_STREQ(outcome.message,
               "second fork failed: Resource temporarily unavailable");
  EXPECT_EQ(outcome.exit_code, EX_OSERR);
  EXPECT_EQ(outcome.zombies, 0) << "the middle process was reaped";
  EXPECT_EQ(ReapEverything(), "");
}

TEST_F(FaultInjectionTest, SetSidFails) {
  FaultInjectingOs os(PosixOs::Default());
  os.Inject(Fault::NthOf(Call::kSetSid, 1, EPERM));
  Outcome outcome;
  std::string why;
  ASSERT_TRUE(Launch(os, options_, &outcome, &why)) << why;
  EXPECT_STREQ(outcome.message, "setsid failed: Operation not permitted");
  EXPECT_EQ(outcome.exit_code, EX_OSERR);
  EXPECT_EQ(outcome.zombies, 0);
  EXPECT_EQ(ReapEverything(), "");
}

// From here on the kernel itself refuses to fork: a seccomp filter answers
// EAGAIN to every way of making a process, as under RLIMIT_NPROC.
void RefuseForkFromNowOn() {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fork, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_vfork, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K,
               SECCOMP_RET_ERRNO | (EAGAIN & SECCOMP_RET_DATA)),
  };
  struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    _exit(EX_SOFTWARE);
  }
}

TEST_F(FaultInjectionTest, RealFirstForkFailureReadsLikeTheInjectedOne) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the seccomp filter is written for x86-64 system calls";
#endif
  // The timestamp example, with the kernel refusing its first fork.
  const std::string err = tmp_ + "/timestamp.err";
  const pid_t helper = fork();
  if (helper == 0) {
    const int fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDERR_FILENO);
    const std::string binary = absl::StrCat(std::getenv("TEST_SRCDIR"),
                                            "/daemonkit/examples/timestamp");
    const std::string log = "--log=" + tmp_ + "/timestamp.log";
    // Under --config=asan, LeakSanitizer needs to clone at exit.
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    RefuseForkFromNowOn();
    execl(binary.c_str(), binary.c_str(), log.c_str(), nullptr);
    _exit(127);
  }
  int status;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);

  // The same start with the decorator failing the fork instead.
  FaultInjectingOs os(PosixOs::Default());
  os.Inject(Fault::NthOf(Call::kFork, 1, EAGAIN));
  Outcome injected;
  std::string why;
  ASSERT_TRUE(Launch(os, options_, &injected, &why)) << why;

  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), injected.exit_code);
  EXPECT_EQ(ReadFile(err), absl::StrCat("timestamp: ", injected.message, "\n"));
  EXPECT_STREQ(injected.message,
               "first fork failed: Resource temporarily unavailable");
  EXPECT_EQ(ReapEverything(), "");
}

// An Os that turns the real fork off once it has made a new session: in
// Detach, that is in the middle process, just before the second fork.
class RefuseForkAfterSetSid : public OsWrapper {
 public:
  using OsWrapper::OsWrapper;
  SysCallIntResult SetSid() override {
    const SysCallIntResult session = OsWrapper::SetSid();
    RefuseForkFromNowOn();
    return session;
  }
};

TEST_F(FaultInjectionTest, RealSecondForkFailureReadsLikeTheInjectedOne) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the seccomp filter is written for x86-64 system calls";
#endif
  RefuseForkAfterSetSid real(PosixOs::Default());
  Outcome kernel;
  std::string why;
  ASSERT_TRUE(Launch(real, options_, &kernel, &why)) << why;
  EXPECT_EQ(ReapEverything(), "");

  FaultInjectingOs os(PosixOs::Default());
  os.Inject(Fault::NthOf(Call::kFork, 2, EAGAIN));
  Outcome injected;
  ASSERT_TRUE(Launch(os, options_, &injected, &why)) << why;
  EXPECT_EQ(ReapEverything(), "");

  EXPECT_FALSE(kernel.ok);
  EXPECT_STREQ(kernel.message, injected.message);
  EXPECT_EQ(kernel.exit_code, injected.exit_code);
  EXPECT_STREQ(kernel.message,
               "second fork failed: Resource temporarily unavailable");
}

}  // namespace
}  // namespace daemonkit
