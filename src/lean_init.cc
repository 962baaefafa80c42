#include "src/lean_init.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "src/os_helpers.h"
#include "src/signal_routes.h"
#include "src/wait_status.h"

namespace daemonkit::internal {
namespace {

// Appends `text` to the line in `buffer` (`used` bytes of `size`), cutting
// it short rather than overflowing.
void Append(char* buffer, size_t size, size_t& used, const char* text) {
  const size_t length = strnlen(text, size - used);
  memcpy(buffer + used, text, length);
  used += length;
}

}  // namespace

LeanInit::LeanInit(Os& os, int64_t stop_timeout_ms)
    : os_(os), stop_timeout_ms_(stop_timeout_ms), job_control_(os) {
  sigemptyset(&original_mask_);
}

int LeanInit::Run(char* const argv[], char* const envp[]) {
  if (!TakeSignals()) return EX_OSERR;
  // As the supervisor's worker does: the program gets the terminal only
  // when this init's group has it, never from a shell's background job.
  job_control_.Start();
  const SysCallIntResult forked = os_.Fork();
  if (!forked.ok()) {
    SayFailed("starting ", argv[0], forked.error);
    return EX_OSERR;
  }
  if (forked.value == 0) {
    BecomeProgram(argv, envp);
    return EX_SOFTWARE;  // Only a mock Exit returns.
  }
  program_ = forked.value;
  // Also here, so that no signal passed on finds the group not made yet;
  // EACCES once the program has exec'd, which is as good.
  os_.SetPgid(program_, program_);
  while (exit_status_ < 0 && ReapAll()) {
    // What the program left behind is stopped as on SIGTERM.
    if (program_ == 0 && phase_ == Phase::kRunning) BeginStop();
    Wait();
  }
  return exit_status_ >= 0 ? exit_status_ : ShellExitStatus(program_status_);
}

bool LeanInit::TakeSignals() {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  if (const SysCallIntResult ignored =
          os_.SigAction(SIGPIPE, &ignore, &original_pipe_);
      !ignored.ok()) {
    SayFailed("ignoring SIGPIPE", "", ignored.error);
    return false;
  }
  const sigset_t taken = SupervisedSignals();
  if (const SysCallIntResult masked =
          os_.SigProcMask(SIG_BLOCK, &taken, &original_mask_);
      !masked.ok()) {
    SayFailed("blocking signals", "", masked.error);
    return false;
  }
  SysCallIntResult opened =
      os_.SignalFd(-1, &taken, SFD_CLOEXEC | SFD_NONBLOCK);
  if (opened.ok()) opened = MoveAboveStdio(os_, opened.value);
  if (!opened.ok()) {
    SayFailed("opening a signalfd", "", opened.error);
    return false;
  }
  signals_ = opened.value;
  return true;
}

void LeanInit::BecomeProgram(char* const argv[], char* const envp[]) {
  os_.SetPgid(0, 0);
  // SIGTTOU is still blocked: a process group not in the foreground may
  // take the foreground.
  if (job_control_.has_terminal()) os_.TcSetPgrp(STDIN_FILENO, os_.GetPid());
  os_.SigAction(SIGPIPE, &original_pipe_, nullptr);
  os_.SigProcMask(SIG_SETMASK, &original_mask_, nullptr);
  const SysCallIntResult executed = os_.ExecVe(argv[0], argv, envp);
  SayFailed("executing ", argv[0], executed.error);
  // As a shell says it: 127 for a program not found, 126 for one that
  // cannot run.
  os_.Exit(executed.error == ENOENT ? 127 : 126);
}

bool LeanInit::ReapAll() {
  for (;;) {
    int status = 0;
    const SysCallIntResult reaped = os_.WaitPid(-1, &status, WNOHANG);
    if (!reaped.ok()) return reaped.error != ECHILD;
    if (reaped.value == 0) return true;
    if (reaped.value == program_) {
      program_ = 0;
      program_status_ = status;
    }
  }
}

void LeanInit::Wait() {
  int timeout = -1;
  if (deadline_ms_ >= 0) {
    const int64_t left = deadline_ms_ - NowMs();
    timeout = left <= 0 ? 0 : static_cast<int>(left);
  }
  struct pollfd readable = {signals_, POLLIN, 0};
  const SysCallIntResult polled = os_.Poll(&readable, 1, timeout);
  if (polled.ok() && polled.value == 0) {
    OnDeadline();
    return;
  }
  struct signalfd_siginfo info;
  while (os_.Read(signals_, &info, sizeof info).value ==
         static_cast<ssize_t>(sizeof info)) {
    Handle(static_cast<int>(info.ssi_signo));
  }
}

void LeanInit::Handle(int signal) {
  switch (RouteSignal(signal)) {
    case SignalRoute::kStop:
      BeginStop();
      return;
    case SignalRoute::kReap:  // The loop reaps before it waits again.
      return;
    case SignalRoute::kReopen:  // No output of its own: SIGHUP is passed on.
    case SignalRoute::kForward:
      // The group is the program's pid, which no other process can take
      // while the program is unreaped.
      if (program_ > 0) os_.Kill(-program_, signal);
      return;
  }
}

void LeanInit::BeginStop() {
  if (phase_ != Phase::kRunning) return;
  phase_ = Phase::kTerminating;
  // Process 1's kill(-1) reaches every other process of its namespace.
  os_.Kill(-1, SIGTERM);
  os_.Kill(-1, SIGCONT);
  deadline_ms_ = NowMs() + stop_timeout_ms_;
}

void LeanInit::OnDeadline() {
  if (phase_ == Phase::kTerminating) {
    os_.Kill(-1, SIGKILL);
    phase_ = Phase::kKilling;
    deadline_ms_ = NowMs() + kStopKillWaitMs;
    return;
  }
  Say({"daemonize: still running after SIGKILL: a process of the container"});
  exit_status_ = EX_SOFTWARE;
}

int64_t LeanInit::NowMs() {
  struct timespec now = {};
  // CLOCK_MONOTONIC cannot fail with a valid pointer; a zero time would
  // only make the deadline come sooner.
  os_.ClockGetTime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

void LeanInit::SayFailed(const char* step, const char* what, int error) {
  Say({"daemonize: ", step, what, " failed: ", strerror(error)});
}

void LeanInit::Say(std::initializer_list<const char*> parts) {
  char line[512];
  size_t used = 0;
  for (const char* part : parts) Append(line, sizeof line - 1, used, part);
  line[used++] = '\n';
  os_.Write(STDERR_FILENO, line, used);
}

}  // namespace daemonkit::internal
