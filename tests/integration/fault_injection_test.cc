// Every system call in the detach path failing, one at a time, against the
// real kernel (FaultInjectingOs over PosixOs), plus the real kernel failing
// fork on its own (seccomp).
//
// Each start runs in a helper process (the launcher) that is a child
// subreaper like DetachOrExit's, so that it must reap what it started. The
// test process is a subreaper too, so nothing can escape it: after every
// start it checks that nothing is left running.

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/os_wrapper.h"
#include "daemonkit/posix_os.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/fault_injecting_os.h"
#include "tests/support/proc_view.h"

namespace daemonkit {
namespace {

using Call = FaultInjectingOs::Call;
using Fault = FaultInjectingOs::Fault;
using ::daemonkit::test::ChildrenOf;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::ReadFile;
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
  bool leaked_fds;
  int zombies;  // Children the launcher left unreaped.
  char message[512];
};

// Runs Detach in a helper process that plays the launcher; the daemon reports
// ready and exits once Ready() returned, so that every call it makes is
// recorded before the test reads the record (the launcher may return while
// Ready() still restores SIGPIPE's disposition). Returns false (and says why)
// when the launcher hung.
bool Launch(Os& os, const DetachOptions& options, Outcome* outcome,
            std::string* why) {
  int result[2];
  if (pipe2(result, O_CLOEXEC) != 0) return false;
  const pid_t helper = fork();
  if (helper == 0) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    const std::vector<int> before = OpenFds(getpid());
    absl::StatusOr<Daemon> daemon = Detach(options, os);
    if (daemon.ok() && !daemon->in_launcher()) {
      _exit(daemon->Ready().ok() ? 0 : kReadyFailedExit);
    }
    Outcome seen = {};
    seen.ok = daemon.ok();
    seen.daemon_pid = daemon.ok() ? daemon->pid() : 0;
    seen.exit_code = ExitCodeOf(daemon.status());
    seen.leaked_fds = OpenFds(getpid()) != before;
    // A ready daemon exits by itself (see above): only another child counts.
    for (const auto& [pid, state] : Children()) {
      seen.zombies += state == 'Z' && pid != seen.daemon_pid;
    }
    snprintf(seen.message, sizeof seen.message, "%s",
             std::string(daemon.status().message()).c_str());
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

// An errno the kernel really returns for each call.
int RealisticErrno(Call call) {
  switch (call) {
    case Call::kFork:
      return EAGAIN;
    case Call::kSetSid:
      return EPERM;
    case Call::kChdir:
      return EACCES;
    case Call::kOpen:
      return EMFILE;
    case Call::kClose:
      return EIO;
    case Call::kDup2:
      return EBADF;
    case Call::kFcntl:
      return EBADF;
    case Call::kCloseRange:
      return EINVAL;
    case Call::kGetDents:
      return ENOENT;
    case Call::kGetRLimit:
      return EFAULT;
    case Call::kPipe:
      return ENFILE;
    case Call::kRead:
      return EIO;
    case Call::kWrite:
      return EPIPE;
    case Call::kPoll:
      return ENOMEM;
    case Call::kWaitPid:
      return ECHILD;
    case Call::kKill:
      return ESRCH;
    case Call::kPidFdOpen:
      return EMFILE;
    case Call::kSigAction:
      return EFAULT;
    case Call::kSigProcMask:
      return EFAULT;
    case Call::kPrctl:
      return EINVAL;
    default:
      return EIO;
  }
}

// Whether a failure of call `index` of `calls` (one process's sequence) is
// one the design tolerates: close(2) (the descriptor is gone either way),
// reaping the middle process (ECHILD: someone reaped it already), and the
// best-effort parts of sending a report (ignoring SIGPIPE around the write;
// the middle process's note of the daemon's pid, which Ready() repeats); and
// in the launcher, the watch for interrupting signals: asking whether one is
// ignored (unknown: it is watched), polling the pipe with the signalfd (the
// read that follows reports a failure), giving the mask back (it cannot fail
// with valid arguments).
bool Tolerated(const std::vector<Call>& calls, size_t index, int process) {
  const Call call = calls[index];
  if (call == Call::kClose || call == Call::kWaitPid) return true;
  if (process == 0) {
    if (call == Call::kSigAction && index < 3) return true;
    if (call == Call::kPoll) return true;
    if (call == Call::kSigProcMask &&
        std::find(calls.begin(), calls.begin() + index, call) !=
            calls.begin() + index) {
      return true;  // Not the first: the mask given back.
    }
  }
  if (call == Call::kWrite) return process == 1;
  if (call == Call::kSigAction) {
    const bool before_write =
        index + 1 < calls.size() && calls[index + 1] == Call::kWrite;
    const bool after_write = index > 0 && calls[index - 1] == Call::kWrite;
    return before_write || after_write;
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

TEST_F(FaultInjectionTest, EveryFailingCallEndsInAClearErrorWithNothingLeft) {
  FaultInjectingOs os(PosixOs::Default());
  Outcome clean;
  std::string why;
  ASSERT_TRUE(Launch(os, options_, &clean, &why)) << why;
  ASSERT_TRUE(clean.ok) << clean.message;
  EXPECT_EQ(ReapEverything(), "");  // All ended: all their calls recorded.
  const std::vector<FaultInjectingOs::Record> recorded = os.calls();
  unlink(options_.pid_file.c_str());

  std::map<int, std::vector<Call>> by_process;
  for (const auto& record : recorded) {
    by_process[record.process].push_back(record.call);
  }
  int k = 0;
  for (const auto& [process, calls] : by_process) {
    for (Call call : calls) k += FaultInjectingOs::CanFail(call);
  }
  std::cout << "Sweep: K = " << k << " calls that can fail, of "
            << recorded.size() << " in a successful start (launcher "
            << by_process[0].size() << ", middle " << by_process[1].size()
            << ", daemon " << by_process[2].size() << ")\n";
  ASSERT_EQ(by_process.size(), 3u);

  int failures = 0, tolerated = 0;
  for (const auto& [process, calls] : by_process) {
    int nth = 0;
    for (size_t index = 0; index < calls.size(); ++index) {
      const Call call = calls[index];
      if (!FaultInjectingOs::CanFail(call)) continue;
      ++nth;
      const int error = RealisticErrno(call);
      const std::string where = absl::StrCat("process ", process, " call ", nth,
                                             " (", FaultInjectingOs::Name(call),
                                             ", ", strerror(error), ")");
      SCOPED_TRACE(where);
      os.Inject(Fault::NthCall(nth, error).InProcess(process));
      Outcome outcome;
      ASSERT_TRUE(Launch(os, options_, &outcome, &why)) << why;
      // Every process of the run has ended, so its calls are all recorded.
      const std::string left_running = ReapEverything();
      EXPECT_EQ(left_running, "") << "left running";
      EXPECT_TRUE(os.fired()) << "the run took another path";
      EXPECT_FALSE(outcome.leaked_fds) << "the launcher leaked a descriptor";
      if (call != Call::kWaitPid) {  // A failed reap leaves one, by nature.
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
      if (outcome.ok) {
        ++tolerated;
        EXPECT_TRUE(Tolerated(calls, index, process))
            << "a failure nobody reported";
        continue;
      }
      ++failures;
      std::cout << "  " << where << " -> " << outcome.message << "\n";
      EXPECT_NE(outcome.exit_code, 0);
      if (process == 2 && call == Call::kWrite) {
        EXPECT_EQ(std::string(outcome.message),
                  absl::StrCat("daemon exited before it was ready: exit "
                               "status ",
                               kReadyFailedExit));
      } else {
        EXPECT_THAT(outcome.message,
                    HasSubstr(absl::StrCat("failed: ", strerror(error))));
      }
    }
  }
  std::cout << "Sweep: " << failures << " reported failures, " << tolerated
            << " tolerated by design\n";
}

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
