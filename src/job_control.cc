#include "src/job_control.h"

#include <signal.h>
#include <unistd.h>

namespace daemonkit::internal {

void JobControl::Start() {
  const SysCallIntResult foreground = os_.TcGetPgrp(STDIN_FILENO);
  terminal_ = foreground.ok() && foreground.value == os_.GetPgrp();
}

void JobControl::ProgramStopped(pid_t group) {
  if (!terminal_ || os_.GetPid() == 1) return;
  // Taken back only from the program: after a shell's bg, the shell has it.
  // SIGTTOU is blocked here (a supervised signal): taking it from the
  // background is allowed.
  const SysCallIntResult foreground = os_.TcGetPgrp(STDIN_FILENO);
  if (foreground.ok() && foreground.value == group) {
    os_.TcSetPgrp(STDIN_FILENO, os_.GetPgrp());
  }
  stopped_ = true;
  os_.Kill(os_.GetPid(), SIGSTOP);
}

void JobControl::Continuing(pid_t group) {
  if (!stopped_) return;
  stopped_ = false;
  // Only a shell's fg gives this process's group the terminal: after a bg,
  // the shell keeps it.
  const SysCallIntResult foreground = os_.TcGetPgrp(STDIN_FILENO);
  if (foreground.ok() && foreground.value == os_.GetPgrp()) {
    os_.TcSetPgrp(STDIN_FILENO, group);
  }
}

}  // namespace daemonkit::internal
