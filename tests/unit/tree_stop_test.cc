// The supervisor's stop schedule (src/tree_stop.h), against a fake kernel: a
// process table that /proc shows, pidfds bound to a process's identity,
// process groups, a signalfd that coalesces SIGCHLD as the kernel does, and a
// monotonic clock that moves only while the supervisor sleeps in poll(2).
// Every system call goes through a StrictMock<MockOs>, so a call the fake
// does not model fails the test.

#include "src/tree_stop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemonkit/supervisor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "src/process_tree.h"
#include "tests/support/proc_expectations.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::DirectoryEntries;
using ::daemonkit::test::StatLine;
using ::testing::_;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::Return;
using ::testing::StrictMock;

constexpr pid_t kSelf = 1000;  // The supervisor.
constexpr int kSignalFd = 40;
constexpr int kProcFd = 60;
constexpr pid_t kWorker = 100;  // The worker, leader of process group 100.

std::string SignalName(int signal) {
  switch (signal) {
    case SIGTERM:
      return "TERM";
    case SIGCONT:
      return "CONT";
    case SIGKILL:
      return "KILL";
    default:
      return absl::StrCat(signal);
  }
}

// How a process of the service takes the stop.
enum class Reaction {
  kEndsOnTerm,    // SIGTERM's default action.
  kIgnoresTerm,   // Ends only at SIGKILL.
  kOutlivesKill,  // Stuck in the kernel (state D): nothing ends it.
};

struct FakeProcess {
  FakeProcess(pid_t pid, pid_t ppid, pid_t pgrp, unsigned long long start_ticks)
      : pid(pid), ppid(ppid), pgrp(pgrp), start_ticks(start_ticks) {}

  pid_t pid;
  pid_t ppid;
  pid_t pgrp;
  unsigned long long start_ticks;
  Reaction reaction = Reaction::kEndsOnTerm;
  bool stopped = false;   // SIGSTOPped: acts on nothing but SIGKILL/SIGCONT.
  bool stranger = false;  // Not the service's: must never be signalled.
  // The fake kernel's state.
  bool zombie = false;
  int ending_signal = 0;  // Set: it ends at the next wait in poll(2).
  std::vector<int> held;  // Signals held while stopped.
};

// A service process, child of `ppid`, in group `pgrp`.
FakeProcess Service(pid_t pid, pid_t ppid, pid_t pgrp,
                    Reaction reaction = Reaction::kEndsOnTerm) {
  FakeProcess process(pid, ppid, pgrp,
                      static_cast<unsigned long long>(pid) * 10);
  process.reaction = reaction;
  return process;
}

// The kernel as StopDescendants sees it through Os.
class FakeKernel {
 public:
  // Called in poll(2) with its timeout: returns true when it did what the
  // wait does (moved the clock, ended processes, queued signals).
  using PollHook = std::function<bool(int timeout_ms)>;

  explicit FakeKernel(StrictMock<MockOs>& os) : start_(now_) {
    // Init, the supervisor, and a stranger, none of them the service's.
    AddStranger(FakeProcess(1, 0, 1, 1));
    AddStranger(FakeProcess(kSelf, 1, kSelf, 5000));
    AddStranger(FakeProcess(500, 1, 500, 4000));
    EXPECT_CALL(os, GetPid()).WillRepeatedly(Return(kSelf));
    EXPECT_CALL(os, ClockGetTime(_, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::ClockGetTime));
    EXPECT_CALL(os, Open(_, _, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::Open));
    EXPECT_CALL(os, GetDents(_, _, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::GetDents));
    EXPECT_CALL(os, Read(_, _, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::Read));
    EXPECT_CALL(os, Close(_)).WillRepeatedly(Invoke(this, &FakeKernel::Close));
    EXPECT_CALL(os, PidFdOpen(_, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::PidFdOpen));
    EXPECT_CALL(os, PidFdSendSignal(_, _, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::PidFdSendSignal));
    EXPECT_CALL(os, Kill(_, _)).WillRepeatedly(Invoke(this, &FakeKernel::Kill));
    EXPECT_CALL(os, WaitPid(_, _, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::WaitPid));
    EXPECT_CALL(os, Poll(_, _, _))
        .WillRepeatedly(Invoke(this, &FakeKernel::Poll));
  }

  void Add(const FakeProcess& process) { processes_.push_back(process); }
  void AddStranger(FakeProcess process) {
    process.stranger = true;
    processes_.push_back(process);
  }

  // The next pidfd_open of `pid` finds it reused: the process ended and was
  // reaped, and a stranger took its pid.
  void ReuseAtPidFdOpen(pid_t pid) { reused_at_open_.insert(pid); }
  void OnPoll(PollHook hook) { on_poll_ = std::move(hook); }
  void AfterReap(std::function<void(pid_t)> hook) {
    after_reap_ = std::move(hook);
  }

  void Advance(absl::Duration duration) { now_ += duration; }
  void Queue(int signal) {
    struct signalfd_siginfo info = {};
    info.ssi_signo = static_cast<uint32_t>(signal);
    queue_.push_back(info);
  }
  // `pid` ends, as if by `signal`.
  void EndProcess(pid_t pid, int signal) {
    for (size_t i = 0; i < processes_.size(); ++i) {
      if (processes_[i].pid != pid) continue;
      processes_[i].ending_signal = signal;
      End(i);
    }
  }
  // What a wait lets happen: the processes signalled to death end.
  void EndSignalled() {
    for (size_t i = 0; i < processes_.size(); ++i) {
      if (!processes_[i].zombie && processes_[i].ending_signal != 0) End(i);
    }
  }

  // What the supervisor did, in order: "kill(-100, TERM)" for a group,
  // "pidfd(101, TERM)" through a pidfd, "poll(10000)".
  const std::vector<std::string>& events() const { return events_; }
  // The polls' timeouts, in milliseconds.
  std::vector<int> poll_timeouts() const { return poll_timeouts_; }
  // When the first SIGKILL went, after the stop began.
  absl::Duration first_kill() const { return first_kill_ - start_; }
  absl::Duration elapsed() const { return now_ - start_; }
  // Descriptors opened and never closed.
  const std::set<int>& open_fds() const { return open_; }
  bool HasProcess(pid_t pid) const { return Find(pid) != nullptr; }

 private:
  const FakeProcess* Find(pid_t pid) const {
    for (const FakeProcess& process : processes_) {
      if (process.pid == pid) return &process;
    }
    return nullptr;
  }
  FakeProcess* Find(pid_t pid) {
    return const_cast<FakeProcess*>(std::as_const(*this).Find(pid));
  }

  int NewFd() {
    const int fd = next_fd_++;
    open_.insert(fd);
    return fd;
  }

  void QueueSigchld() {
    // A standard signal is pending once, however often it is sent.
    for (const struct signalfd_siginfo& info : queue_) {
      if (info.ssi_signo == SIGCHLD) return;
    }
    Queue(SIGCHLD);
  }

  void End(size_t index) {
    FakeProcess& process = processes_[index];
    process.zombie = true;
    // The supervisor is a child subreaper: orphans come to it.
    for (FakeProcess& child : processes_) {
      if (child.ppid != process.pid || &child == &process) continue;
      child.ppid = kSelf;
      if (child.zombie) QueueSigchld();
    }
    if (process.ppid == kSelf) QueueSigchld();
  }

  void Act(FakeProcess& process, int signal) {
    if (signal == SIGTERM && process.reaction == Reaction::kEndsOnTerm &&
        process.ending_signal == 0) {
      process.ending_signal = SIGTERM;
    }
  }

  void Deliver(FakeProcess& process, int signal) {
    if (process.stranger) {
      ADD_FAILURE() << "signal " << SignalName(signal) << " reached pid "
                    << process.pid << ", which is not the service's";
    }
    if (process.zombie) return;
    if (signal == SIGKILL) {
      if (process.reaction != Reaction::kOutlivesKill) {
        process.ending_signal = SIGKILL;
      }
    } else if (signal == SIGCONT) {
      process.stopped = false;
      for (int held : std::exchange(process.held, {})) Act(process, held);
    } else if (process.stopped) {
      process.held.push_back(signal);
    } else {
      Act(process, signal);
    }
  }

  void Sent(const std::string& event, int signal) {
    events_.push_back(event);
    if (signal == SIGKILL && first_kill_ == absl::InfinitePast()) {
      first_kill_ = now_;
    }
  }

  SysCallIntResult ClockGetTime(clockid_t clock, struct timespec* now) {
    EXPECT_EQ(clock, CLOCK_MONOTONIC);
    *now = absl::ToTimespec(now_);
    return SysCallSuccess();
  }

  SysCallIntResult Open(const char* path, int, mode_t) {
    absl::string_view name = path;
    if (name == "/proc") {
      listed_ = false;
      open_.insert(kProcFd);
      return SysCallSuccess(kProcFd);
    }
    pid_t pid = 0;
    if (!absl::StartsWith(name, "/proc/") || !absl::EndsWith(name, "/stat") ||
        !absl::SimpleAtoi(name.substr(6, name.size() - 11), &pid)) {
      ADD_FAILURE() << "unexpected open of " << path;
      return SysCallFailure(ENOENT);
    }
    const FakeProcess* process = Find(pid);
    if (process == nullptr) return SysCallFailure(ENOENT);
    const char state = process->zombie ? 'Z' : process->stopped ? 'T' : 'S';
    const int fd = NewFd();
    stat_lines_[fd] = StatLine({pid, state, process->ppid, process->pgrp,
                                process->pgrp, process->start_ticks});
    return SysCallSuccess(fd);
  }

  SysCallSizeResult GetDents(int fd, void* buffer, size_t size) {
    EXPECT_EQ(fd, kProcFd);
    if (std::exchange(listed_, true)) return {0, 0};
    std::vector<std::string> names = {".", "..", "self", "sys"};
    for (const FakeProcess& process : processes_) {
      names.push_back(absl::StrCat(process.pid));
    }
    const std::vector<char> entries = DirectoryEntries(names);
    EXPECT_GE(size, entries.size());
    memcpy(buffer, entries.data(), entries.size());
    return {static_cast<ssize_t>(entries.size()), 0};
  }

  SysCallSizeResult Read(int fd, void* buffer, size_t size) {
    if (fd == kSignalFd) {
      EXPECT_EQ(size, sizeof(struct signalfd_siginfo));
      if (queue_.empty()) return {-1, EAGAIN};
      memcpy(buffer, &queue_.front(), sizeof(struct signalfd_siginfo));
      queue_.pop_front();
      return {sizeof(struct signalfd_siginfo), 0};
    }
    const auto line = stat_lines_.find(fd);
    if (line == stat_lines_.end()) {
      ADD_FAILURE() << "read of descriptor " << fd;
      return {-1, EBADF};
    }
    EXPECT_GE(size, line->second.size());
    memcpy(buffer, line->second.data(), line->second.size());
    return {static_cast<ssize_t>(line->second.size()), 0};
  }

  SysCallIntResult Close(int fd) {
    EXPECT_EQ(open_.erase(fd), 1u)
        << "closing descriptor " << fd << ", which is not open";
    stat_lines_.erase(fd);
    pidfds_.erase(fd);
    return SysCallSuccess();
  }

  SysCallIntResult PidFdOpen(pid_t pid, unsigned flags) {
    EXPECT_EQ(flags, 0u);
    if (reused_at_open_.erase(pid) == 1) {
      FakeProcess* process = Find(pid);
      EXPECT_NE(process, nullptr);
      FakeProcess stranger(pid, 1, pid, process->start_ticks + 1000);
      stranger.stranger = true;
      *process = stranger;
    }
    const FakeProcess* process = Find(pid);
    if (process == nullptr) return SysCallFailure(ESRCH);
    const int fd = NewFd();
    pidfds_[fd] = {pid, process->start_ticks};
    return SysCallSuccess(fd);
  }

  SysCallIntResult PidFdSendSignal(int fd, int signal, siginfo_t* info) {
    EXPECT_EQ(info, nullptr);
    const auto target = pidfds_.find(fd);
    if (target == pidfds_.end()) {
      ADD_FAILURE() << "signal through descriptor " << fd
                    << ", which is no pidfd";
      return SysCallFailure(EBADF);
    }
    const auto [pid, start_ticks] = target->second;
    Sent(absl::StrCat("pidfd(", pid, ", ", SignalName(signal), ")"), signal);
    FakeProcess* process = Find(pid);
    // A pidfd names one process: once it is reaped, no other.
    if (process == nullptr || process->start_ticks != start_ticks) {
      return SysCallFailure(ESRCH);
    }
    Deliver(*process, signal);
    return SysCallSuccess();
  }

  SysCallIntResult Kill(pid_t pid, int signal) {
    Sent(absl::StrCat("kill(", pid, ", ", SignalName(signal), ")"), signal);
    if (pid >= 0) {
      ADD_FAILURE() << "kill(" << pid << ", ...) names no process group";
      return SysCallFailure(EPERM);
    }
    bool found = false;
    for (FakeProcess& process : processes_) {
      if (process.pgrp != -pid) continue;
      found = true;
      Deliver(process, signal);
    }
    return found ? SysCallSuccess() : SysCallFailure(ESRCH);
  }

  SysCallIntResult WaitPid(pid_t pid, int* status, int options) {
    EXPECT_EQ(pid, -1);
    EXPECT_EQ(options, WNOHANG);
    bool children = false;
    for (auto it = processes_.begin(); it != processes_.end(); ++it) {
      if (it->ppid != kSelf) continue;
      children = true;
      if (!it->zombie) continue;
      const pid_t reaped = it->pid;
      *status = it->ending_signal;  // Killed by it: W_EXITCODE(0, signal).
      processes_.erase(it);
      if (after_reap_) after_reap_(reaped);
      return SysCallSuccess(reaped);
    }
    if (!children) return SysCallFailure(ECHILD);
    if (options != WNOHANG) ADD_FAILURE() << "a wait that would block";
    return SysCallSuccess(0);
  }

  SysCallIntResult Poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
    EXPECT_EQ(count, 1u);
    EXPECT_EQ(fds[0].fd, kSignalFd);
    EXPECT_EQ(fds[0].events, POLLIN);
    events_.push_back(absl::StrCat("poll(", timeout_ms, ")"));
    poll_timeouts_.push_back(timeout_ms);
    if (poll_timeouts_.size() > 50) {
      ADD_FAILURE() << "polls without end";
      now_ += absl::Hours(1);
      return SysCallSuccess(0);
    }
    if (!on_poll_ || !on_poll_(timeout_ms)) {
      EndSignalled();
      if (queue_.empty()) {
        if (timeout_ms < 0) ADD_FAILURE() << "a poll that would never end";
        now_ += absl::Milliseconds(timeout_ms);
      } else {
        now_ += absl::Milliseconds(10);  // A signal came.
      }
    }
    fds[0].revents = queue_.empty() ? 0 : POLLIN;
    return SysCallSuccess(queue_.empty() ? 0 : 1);
  }

  // A monotonic clock's time, not a whole number of milliseconds.
  absl::Time now_ = absl::FromUnixNanos(86400'000'123'456);
  const absl::Time start_;
  absl::Time first_kill_ = absl::InfinitePast();
  std::vector<FakeProcess> processes_;
  std::deque<struct signalfd_siginfo> queue_;
  std::set<int> open_;
  std::map<int, std::string> stat_lines_;
  std::map<int, std::pair<pid_t, unsigned long long>> pidfds_;
  std::set<pid_t> reused_at_open_;
  bool listed_ = false;
  int next_fd_ = 200;
  PollHook on_poll_;
  std::function<void(pid_t)> after_reap_;
  std::vector<std::string> events_;
  std::vector<int> poll_timeouts_;
};

class TreeStopTest : public ::testing::Test {
 protected:
  // StopDescendants with process group `group` and `timeout`; keeps what it
  // passes to its callbacks.
  std::vector<ProcessId> Stop(pid_t group = kWorker,
                              absl::Duration timeout = absl::Seconds(10)) {
    std::vector<ProcessId> left = StopDescendants(
        os_, kSignalFd, group, timeout,
        [&](const struct signalfd_siginfo& info) {
          taken_.push_back(static_cast<int>(info.ssi_signo));
        },
        [&](pid_t pid, int status) { reaped_.emplace_back(pid, status); });
    EXPECT_THAT(kernel_.open_fds(), IsEmpty()) << "descriptors left open";
    return left;
  }

  // A worker (100) whose child (101, stopped) is in its group, and whose
  // grandchild (102) made a session of its own: all of them end on SIGTERM
  // unless told otherwise.
  void AddService(Reaction worker = Reaction::kEndsOnTerm,
                  Reaction child = Reaction::kEndsOnTerm,
                  Reaction grandchild = Reaction::kEndsOnTerm) {
    kernel_.Add(Service(kWorker, kSelf, kWorker, worker));
    FakeProcess stopped = Service(101, kWorker, kWorker, child);
    stopped.stopped = true;
    kernel_.Add(stopped);
    kernel_.Add(Service(102, 101, 102, grandchild));
  }

  StrictMock<MockOs> os_;
  FakeKernel kernel_{os_};
  std::vector<int> taken_;
  std::vector<std::pair<pid_t, int>> reaped_;
};

TEST_F(TreeStopTest, SendsTermThenContToTheGroupAndToEachDescendant) {
  AddService();
  EXPECT_THAT(Stop(), IsEmpty());
  // 101 is stopped: without SIGCONT it would act on SIGTERM only once
  // SIGKILL came.
  EXPECT_THAT(
      kernel_.events(),
      ElementsAre("kill(-100, TERM)", "pidfd(100, TERM)", "pidfd(101, TERM)",
                  "pidfd(102, TERM)", "kill(-100, CONT)", "pidfd(100, CONT)",
                  "pidfd(101, CONT)", "pidfd(102, CONT)", "poll(10000)"));
}

TEST_F(TreeStopTest, SendsNoSigkillWhenAllWentBeforeTheTimeout) {
  AddService(Reaction::kEndsOnTerm, Reaction::kEndsOnTerm,
             Reaction::kIgnoresTerm);
  int polls = 0;
  kernel_.OnPoll([&](int) {
    if (++polls == 1) {
      // The worker and its child go at once...
      kernel_.Advance(absl::Seconds(2));
      kernel_.EndSignalled();
    } else {
      // ... the grandchild after cleaning up for 9.9 s.
      kernel_.Advance(absl::Milliseconds(7900));
      kernel_.EndProcess(102, SIGTERM);
    }
    return true;
  });
  EXPECT_THAT(Stop(), IsEmpty());
  EXPECT_THAT(kernel_.events(), Not(Contains(HasSubstr("KILL"))));
  EXPECT_THAT(kernel_.poll_timeouts(), ElementsAre(10000, 8000));
  EXPECT_EQ(kernel_.elapsed(), absl::Milliseconds(9900));
}

TEST_F(TreeStopTest, ReapsEachChildAsSigchldSaysAndReportsIt) {
  AddService();
  EXPECT_THAT(Stop(), IsEmpty());
  // One SIGCHLD for three children (the kernel coalesces it): each is reaped
  // all the same, with its wait status.
  EXPECT_THAT(reaped_, ElementsAre(Pair(100, SIGTERM), Pair(101, SIGTERM),
                                   Pair(102, SIGTERM)));
  for (const auto& [pid, status] : reaped_) {
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << pid;
  }
  EXPECT_FALSE(kernel_.HasProcess(100));
  EXPECT_FALSE(kernel_.HasProcess(101));
  EXPECT_FALSE(kernel_.HasProcess(102));
}

TEST_F(TreeStopTest, PollsForTheTimeLeftRoundedUpAndNeverKillsEarly) {
  kernel_.Add(Service(kWorker, kSelf, kWorker, Reaction::kIgnoresTerm));
  int polls = 0;
  kernel_.OnPoll([&](int) {
    ++polls;
    if (polls == 1) {
      // Another signal wakes the supervisor after 1.2345678 s.
      kernel_.Advance(absl::Nanoseconds(1'234'567'800));
      kernel_.Queue(SIGUSR1);
      return true;
    }
    if (polls == 2) {
      // A wake-up 0.4322 ms before the deadline, with nothing to read.
      kernel_.Advance(absl::Milliseconds(8765));
      return true;
    }
    return false;
  });
  EXPECT_THAT(Stop(), IsEmpty());
  // 10 s - 1.2345678 s = 8.7654322 s: 8766 ms, not 8765; then 0.4322 ms
  // left: 1 ms, not 0 (a poll that returns at once) nor SIGKILL.
  EXPECT_THAT(kernel_.poll_timeouts(), ElementsAre(10000, 8766, 1, 5000));
  EXPECT_GE(kernel_.first_kill(), absl::Seconds(10));
  EXPECT_EQ(kernel_.first_kill(), absl::Nanoseconds(10'000'567'800));
}

TEST_F(TreeStopTest, SigkillsWhatIsLeftAfterTheTimeout) {
  AddService(Reaction::kIgnoresTerm, Reaction::kEndsOnTerm,
             Reaction::kIgnoresTerm);
  EXPECT_THAT(Stop(), IsEmpty());
  EXPECT_EQ(kernel_.first_kill(), absl::Seconds(10));
  // 101 went at SIGTERM, a zombie its parent does not reap; the worker,
  // still unreaped, keeps its group's id.
  EXPECT_THAT(
      kernel_.events(),
      ElementsAre("kill(-100, TERM)", "pidfd(100, TERM)", "pidfd(101, TERM)",
                  "pidfd(102, TERM)", "kill(-100, CONT)", "pidfd(100, CONT)",
                  "pidfd(101, CONT)", "pidfd(102, CONT)", "poll(10000)",
                  "kill(-100, KILL)", "pidfd(100, KILL)", "pidfd(102, KILL)",
                  "poll(5000)"));
  // 101, a zombie until its parent went, got no SIGKILL through a pidfd.
  EXPECT_THAT(reaped_, ElementsAre(Pair(100, SIGKILL), Pair(101, SIGTERM),
                                   Pair(102, SIGKILL)));
}

TEST_F(TreeStopTest, SendsNoGroupSigkillOnceTheGroupLeaderIsReaped) {
  AddService(Reaction::kEndsOnTerm, Reaction::kEndsOnTerm,
             Reaction::kIgnoresTerm);
  // Once the worker and the rest of its group are reaped, a new process may
  // take its pid and make a group of that id.
  kernel_.AfterReap([&](pid_t pid) {
    if (pid == 101)
      kernel_.AddStranger(FakeProcess(kWorker, 1, kWorker, 99999));
  });
  EXPECT_THAT(Stop(), IsEmpty());
  EXPECT_THAT(kernel_.events(), Not(Contains("kill(-100, KILL)")));
  EXPECT_THAT(kernel_.events(), Contains("pidfd(102, KILL)"));
  EXPECT_THAT(reaped_, ElementsAre(Pair(100, SIGTERM), Pair(101, SIGTERM),
                                   Pair(102, SIGKILL)));
}

TEST_F(TreeStopTest, NeverSignalsAProcessThatTookADescendantsPid) {
  kernel_.Add(Service(kWorker, kSelf, kWorker));
  kernel_.Add(Service(103, kSelf, 103));  // An orphan of the service.
  // Between the scan and its pidfd, 103 ended and its pid went to a
  // stranger: the pidfd then names the stranger, whose start time differs.
  kernel_.ReuseAtPidFdOpen(103);
  EXPECT_THAT(Stop(), IsEmpty());
  EXPECT_THAT(kernel_.events(), Not(Contains(HasSubstr("pidfd(103"))));
  EXPECT_THAT(kernel_.events(), Contains("pidfd(100, TERM)"));
}

TEST_F(TreeStopTest, ReturnsWhatOutlivedSigkillAfterTheKillWait) {
  kernel_.Add(Service(kWorker, kSelf, kWorker));
  kernel_.Add(Service(102, kWorker, 102, Reaction::kOutlivesKill));
  std::vector<ProcessId> left = Stop(kWorker, absl::Seconds(3));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].pid, 102);
  EXPECT_EQ(left[0].start_ticks, 1020u);
  EXPECT_EQ(kernel_.first_kill(), absl::Seconds(3));
  EXPECT_EQ(kernel_.elapsed(), absl::Seconds(3) + kStopKillWait);
  EXPECT_THAT(kernel_.poll_timeouts(), ElementsAre(3000, 2990, 5000));
  EXPECT_THAT(kernel_.events(), Contains("pidfd(102, KILL)"));
}

TEST_F(TreeStopTest, PassesTheSignalsItReadsToTaken) {
  AddService();
  int polls = 0;
  kernel_.OnPoll([&](int) {
    if (++polls > 1) return false;
    kernel_.Queue(SIGUSR1);
    kernel_.Queue(SIGHUP);
    kernel_.Advance(absl::Milliseconds(5));
    kernel_.EndSignalled();
    kernel_.Queue(SIGINT);
    return true;
  });
  EXPECT_THAT(Stop(), IsEmpty());
  EXPECT_THAT(taken_, ElementsAre(SIGUSR1, SIGHUP, SIGCHLD, SIGINT));
}

TEST_F(TreeStopTest, SignalsNoGroupWithoutOne) {
  // The worker was reaped already: what it left is stopped, no group.
  kernel_.Add(Service(102, kSelf, 102));
  kernel_.Add(Service(103, 102, 103));
  EXPECT_THAT(Stop(/*group=*/0), IsEmpty());
  EXPECT_THAT(
      kernel_.events(),
      ElementsAre("pidfd(102, TERM)", "pidfd(103, TERM)", "pidfd(102, CONT)",
                  "pidfd(103, CONT)", "poll(10000)"));
}

TEST_F(TreeStopTest, EndsAtOnceWhenNothingIsLeft) {
  EXPECT_THAT(Stop(), IsEmpty());
  EXPECT_THAT(kernel_.poll_timeouts(), IsEmpty());
  EXPECT_EQ(kernel_.elapsed(), absl::ZeroDuration());
}

TEST(ReapEndedChildrenTest, ReapsEveryEndedChildWithoutWaiting) {
  StrictMock<MockOs> os;
  {
    ::testing::InSequence in_order;
    EXPECT_CALL(os, WaitPid(-1, _, WNOHANG))
        .WillOnce(Invoke([](pid_t, int* status, int) {
          *status = W_EXITCODE(3, 0);
          return SysCallSuccess(100);
        }))
        .WillOnce(Return(SysCallFailure(EINTR)))
        .WillOnce(Invoke([](pid_t, int* status, int) {
          *status = SIGKILL;
          return SysCallSuccess(101);
        }))
        .WillOnce(Return(SysCallSuccess(0)));  // The others still run.
  }
  std::vector<std::pair<pid_t, int>> reaped;
  ReapEndedChildren(
      os, [&](pid_t pid, int status) { reaped.emplace_back(pid, status); });
  EXPECT_THAT(reaped,
              ElementsAre(Pair(100, W_EXITCODE(3, 0)), Pair(101, SIGKILL)));
}

TEST(ReapEndedChildrenTest, StopsWhenNoChildIsLeft) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, WaitPid(-1, _, WNOHANG))
      .WillOnce(Return(SysCallFailure(ECHILD)));
  ReapEndedChildren(
      os, [](pid_t pid, int) { ADD_FAILURE() << "reported " << pid; });
}

}  // namespace
}  // namespace daemonkit::internal
