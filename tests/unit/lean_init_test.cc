// LeanInit (src/lean_init.h) against a MockOs: the program's status once
// nothing is left, signals passed on to its group only while it runs, the
// stop (SIGTERM and SIGCONT to every process, SIGKILL after the timeout),
// the terminal given to the program, and one line for each failure.

#include "src/lean_init.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace daemonkit::internal {
namespace {

using ::testing::_;
using ::testing::AnyNumber;
using ::testing::Args;
using ::testing::Invoke;
using ::testing::IsNull;
using ::testing::NotNull;
using ::testing::Return;
using ::testing::StrictMock;

constexpr int kSignals = 5;        // The signalfd.
constexpr pid_t kProgram = 2;      // The program, leader of its group.
constexpr int64_t kTimeout = 300;  // The stop timeout, ms.

char kPath[] = "/usr/bin/app";
char* const kArgv[] = {kPath, nullptr};
char* const kEnvp[] = {nullptr};

// write(2)'s buffer and size hold exactly `text`.
MATCHER_P(Holds, text, "") {
  return std::string(static_cast<const char*>(std::get<0>(arg)),
                     std::get<1>(arg)) == text;
}

// waitpid(2) reaping `pid`, which ended with wait status `status`.
auto Reaped(pid_t pid, int status) {
  return [pid, status](pid_t, int* where, int) {
    *where = status;
    return SysCallSuccess(pid);
  };
}

// A read of the signalfd that brings `signal`.
auto Brings(int signal) {
  return [signal](int, void* buffer, size_t size) {
    auto* info = static_cast<struct signalfd_siginfo*>(buffer);
    *info = {};
    info->ssi_signo = static_cast<uint32_t>(signal);
    return SysCallSizeResult{static_cast<ssize_t>(size), 0};
  };
}

const SysCallSizeResult kDrained = {-1, EAGAIN};

class LeanInitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The monotonic clock stands still at 1 s unless a test moves it.
    EXPECT_CALL(os_, ClockGetTime(CLOCK_MONOTONIC, NotNull()))
        .Times(AnyNumber())
        .WillRepeatedly(Invoke([this](clockid_t, struct timespec* now) {
          now->tv_sec = now_ms_ / 1000;
          now->tv_nsec = (now_ms_ % 1000) * 1000000;
          return SysCallSuccess();
        }));
  }

  void ExpectSignalsTaken() {
    EXPECT_CALL(os_, SigAction(SIGPIPE, NotNull(), NotNull()))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SigProcMask(SIG_BLOCK, NotNull(), NotNull()))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SignalFd(-1, NotNull(), SFD_CLOEXEC | SFD_NONBLOCK))
        .WillOnce(Return(SysCallSuccess(kSignals)));
  }

  // Signals taken, no terminal, the program forked as kProgram.
  void ExpectStarted() {
    ExpectSignalsTaken();
    EXPECT_CALL(os_, TcGetPgrp(STDIN_FILENO))
        .WillOnce(Return(SysCallFailure(ENOTTY)));
    EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(kProgram)));
    EXPECT_CALL(os_, SetPgid(kProgram, kProgram))
        .WillOnce(Return(SysCallSuccess()));
  }

  void ExpectSaid(const std::string& line) {
    EXPECT_CALL(os_, Write(STDERR_FILENO, _, _))
        .With(Args<1, 2>(Holds(line)))
        .WillOnce(Return(SysCallSizeResult{0, 0}));
  }

  int Run() { return LeanInit(os_, kTimeout).Run(kArgv, kEnvp); }

  StrictMock<MockOs> os_;
  int64_t now_ms_ = 1000;
};

TEST_F(LeanInitTest, ExitsWithTheProgramsStatusOnceNothingIsLeft) {
  ExpectStarted();
  EXPECT_CALL(os_, WaitPid(-1, NotNull(), WNOHANG))
      .WillOnce(Return(SysCallSuccess(0)))  // Running.
      .WillOnce(Invoke(Reaped(kProgram, 7 << 8)))
      .WillOnce(Return(SysCallFailure(ECHILD)));
  // No deadline: it sleeps until a signal comes.
  EXPECT_CALL(os_, Poll(NotNull(), 1, -1)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Read(kSignals, NotNull(), sizeof(signalfd_siginfo)))
      .WillOnce(Invoke(Brings(SIGCHLD)))
      .WillOnce(Return(kDrained));
  EXPECT_EQ(Run(), 7);
}

TEST_F(LeanInitTest, AProgramKilledBySignalNGives128PlusN) {
  ExpectStarted();
  EXPECT_CALL(os_, WaitPid(-1, NotNull(), WNOHANG))
      .WillOnce(Invoke(Reaped(kProgram, SIGUSR2)))
      .WillOnce(Return(SysCallFailure(ECHILD)));
  EXPECT_EQ(Run(), 128 + SIGUSR2);
}

// HUP too: the lean init has no output of its own to reopen.
TEST_F(LeanInitTest, OtherSignalsGoToTheProgramsGroup) {
  ExpectStarted();
  EXPECT_CALL(os_, WaitPid(-1, NotNull(), WNOHANG))
      .WillOnce(Return(SysCallSuccess(0)))
      .WillOnce(Invoke(Reaped(kProgram, 0)))
      .WillOnce(Return(SysCallFailure(ECHILD)));
  EXPECT_CALL(os_, Poll(NotNull(), 1, -1)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Read(kSignals, NotNull(), sizeof(signalfd_siginfo)))
      .WillOnce(Invoke(Brings(SIGUSR1)))
      .WillOnce(Invoke(Brings(SIGHUP)))
      .WillOnce(Invoke(Brings(SIGWINCH)))
      .WillOnce(Invoke(Brings(SIGCHLD)))
      .WillOnce(Return(kDrained));
  for (const int signal : {SIGUSR1, SIGHUP, SIGWINCH}) {
    EXPECT_CALL(os_, Kill(-kProgram, signal))
        .WillOnce(Return(SysCallSuccess()));
  }
  EXPECT_EQ(Run(), 0);
}

// The program ended, leaving a process behind: that one is stopped gently,
// and nothing more goes to the program's group, whose number another
// process may take once the program is reaped.
TEST_F(LeanInitTest, WhatTheProgramLeftIsStoppedAndGetsNoSignalOfItsOwn) {
  ExpectStarted();
  EXPECT_CALL(os_, WaitPid(-1, NotNull(), WNOHANG))
      .WillOnce(Invoke(Reaped(kProgram, 5 << 8)))
      .WillOnce(Return(SysCallSuccess(0)))  // The other one runs.
      .WillOnce(Invoke(Reaped(9, SIGTERM)))
      .WillOnce(Return(SysCallFailure(ECHILD)));
  EXPECT_CALL(os_, Kill(-1, SIGTERM)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Kill(-1, SIGCONT)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Poll(NotNull(), 1, kTimeout))
      .WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Read(kSignals, NotNull(), sizeof(signalfd_siginfo)))
      .WillOnce(Invoke(Brings(SIGUSR1)))  // Not passed on.
      .WillOnce(Invoke(Brings(SIGCHLD)))
      .WillOnce(Return(kDrained));
  EXPECT_EQ(Run(), 5);
}

// SIGTERM on a tree that ignores it: SIGKILL once the timeout has passed,
// counted from the SIGTERM; the exit status is still the program's.
TEST_F(LeanInitTest, TermStopsEverythingAndKillsWhatIsLeftAfterTheTimeout) {
  ExpectStarted();
  EXPECT_CALL(os_, WaitPid(-1, NotNull(), WNOHANG))
      .WillOnce(Return(SysCallSuccess(0)))
      .WillOnce(Return(SysCallSuccess(0)))  // TERM ignored.
      .WillOnce(Return(SysCallSuccess(0)))  // Still, 100 ms later.
      .WillOnce(Return(SysCallSuccess(0)))  // SIGKILL sent.
      .WillOnce(Invoke(Reaped(kProgram, SIGKILL)))
      .WillOnce(Return(SysCallFailure(ECHILD)));
  EXPECT_CALL(os_, Poll(NotNull(), 1, -1)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Read(kSignals, NotNull(), sizeof(signalfd_siginfo)))
      .WillOnce(Invoke(Brings(SIGTERM)))
      .WillOnce(Return(kDrained))
      .WillOnce(Invoke(Brings(SIGTERM)))  // A second one changes nothing.
      .WillOnce(Return(kDrained))
      .WillOnce(Invoke(Brings(SIGCHLD)))
      .WillOnce(Return(kDrained));
  EXPECT_CALL(os_, Kill(-1, SIGTERM)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Kill(-1, SIGCONT)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Poll(NotNull(), 1, kTimeout))
      .WillOnce(Invoke([this](struct pollfd*, nfds_t, int) {
        now_ms_ += 100;
        return SysCallSuccess(1);
      }));
  EXPECT_CALL(os_, Poll(NotNull(), 1, kTimeout - 100))
      .WillOnce(Invoke([this](struct pollfd*, nfds_t, int) {
        now_ms_ += kTimeout - 100;
        return SysCallSuccess(0);
      }));
  EXPECT_CALL(os_, Kill(-1, SIGKILL)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Poll(NotNull(), 1, LeanInit::kStopKillWaitMs))
      .WillOnce(Return(SysCallSuccess(1)));
  EXPECT_EQ(Run(), 128 + SIGKILL);
}

TEST_F(LeanInitTest, AProcessThatOutlivesSigkillEndsTheInitWithASoftwareError) {
  ExpectStarted();
  EXPECT_CALL(os_, WaitPid(-1, NotNull(), WNOHANG))
      .Times(3)
      .WillRepeatedly(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Poll(NotNull(), 1, -1)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os_, Read(kSignals, NotNull(), sizeof(signalfd_siginfo)))
      .WillOnce(Invoke(Brings(SIGINT)))
      .WillOnce(Return(kDrained));
  EXPECT_CALL(os_, Kill(-1, SIGTERM)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Kill(-1, SIGCONT)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Poll(NotNull(), 1, kTimeout))
      .WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os_, Kill(-1, SIGKILL)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Poll(NotNull(), 1, LeanInit::kStopKillWaitMs))
      .WillOnce(Return(SysCallSuccess(0)));
  ExpectSaid(
      "daemonize: still running after SIGKILL: a process of the container\n");
  EXPECT_EQ(Run(), EX_SOFTWARE);
}

TEST_F(LeanInitTest, EachFailureToTakeTheSignalsIsSaidAndNothingStarts) {
  for (int failing = 0; failing < 3; ++failing) {
    StrictMock<MockOs> os;
    EXPECT_CALL(os, SigAction(SIGPIPE, NotNull(), NotNull()))
        .WillOnce(
            Return(failing == 0 ? SysCallFailure(EINVAL) : SysCallSuccess()));
    if (failing >= 1) {
      EXPECT_CALL(os, SigProcMask(SIG_BLOCK, NotNull(), NotNull()))
          .WillOnce(
              Return(failing == 1 ? SysCallFailure(EFAULT) : SysCallSuccess()));
    }
    if (failing == 2) {
      EXPECT_CALL(os, SignalFd(-1, NotNull(), SFD_CLOEXEC | SFD_NONBLOCK))
          .WillOnce(Return(SysCallFailure(EMFILE)));
    }
    const std::string said[] = {
        "daemonize: ignoring SIGPIPE failed: Invalid argument\n",
        "daemonize: blocking signals failed: Bad address\n",
        "daemonize: opening a signalfd failed: Too many open files\n"};
    EXPECT_CALL(os, Write(STDERR_FILENO, _, _))
        .With(Args<1, 2>(Holds(said[failing])))
        .WillOnce(Return(SysCallSizeResult{0, 0}));
    EXPECT_EQ(LeanInit(os, kTimeout).Run(kArgv, kEnvp), EX_OSERR);
  }
}

TEST_F(LeanInitTest, AFailedForkIsSaid) {
  ExpectSignalsTaken();
  EXPECT_CALL(os_, TcGetPgrp(STDIN_FILENO))
      .WillOnce(Return(SysCallFailure(ENOTTY)));
  EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallFailure(EAGAIN)));
  ExpectSaid(
      "daemonize: starting /usr/bin/app failed: Resource temporarily "
      "unavailable\n");
  EXPECT_EQ(Run(), EX_OSERR);
}

// The child: its own group, which takes the terminal's foreground when the
// init's group holds it, SIGPIPE and the signal mask given back, then the
// program; a program that cannot run is said, with a shell's status.
TEST_F(LeanInitTest, TheChildTakesTheTerminalOnlyFromTheInitsGroup) {
  for (const bool init_holds_terminal : {true, false}) {
    for (const int error : {ENOENT, EACCES}) {
      StrictMock<MockOs> os;
      ::testing::InSequence in_order;
      EXPECT_CALL(os, SigAction(SIGPIPE, NotNull(), NotNull()))
          .WillOnce(Return(SysCallSuccess()));
      EXPECT_CALL(os, SigProcMask(SIG_BLOCK, NotNull(), NotNull()))
          .WillOnce(Return(SysCallSuccess()));
      EXPECT_CALL(os, SignalFd(-1, NotNull(), SFD_CLOEXEC | SFD_NONBLOCK))
          .WillOnce(Return(SysCallSuccess(kSignals)));
      EXPECT_CALL(os, TcGetPgrp(STDIN_FILENO))
          .WillOnce(Return(SysCallSuccess(init_holds_terminal ? 1 : 30)));
      EXPECT_CALL(os, GetPgrp()).WillOnce(Return(1));
      EXPECT_CALL(os, Fork()).WillOnce(Return(SysCallSuccess(0)));
      EXPECT_CALL(os, SetPgid(0, 0)).WillOnce(Return(SysCallSuccess()));
      if (init_holds_terminal) {
        EXPECT_CALL(os, GetPid()).WillOnce(Return(kProgram));
        EXPECT_CALL(os, TcSetPgrp(STDIN_FILENO, kProgram))
            .WillOnce(Return(SysCallSuccess()));
      }
      EXPECT_CALL(os, SigAction(SIGPIPE, NotNull(), IsNull()))
          .WillOnce(Return(SysCallSuccess()));
      EXPECT_CALL(os, SigProcMask(SIG_SETMASK, NotNull(), IsNull()))
          .WillOnce(Return(SysCallSuccess()));
      EXPECT_CALL(os, ExecVe(kPath, kArgv, kEnvp))
          .WillOnce(Return(SysCallFailure(error)));
      EXPECT_CALL(os, Write(STDERR_FILENO, _, _))
          .With(Args<1, 2>(Holds(std::string("daemonize: executing "
                                             "/usr/bin/app failed: ") +
                                 strerror(error) + "\n")))
          .WillOnce(Return(SysCallSizeResult{0, 0}));
      EXPECT_CALL(os, Exit(error == ENOENT ? 127 : 126));
      LeanInit(os, kTimeout).Run(kArgv, kEnvp);
    }
  }
}

}  // namespace
}  // namespace daemonkit::internal
