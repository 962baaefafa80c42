// daemonkit::internal::LeanInit: process 1 of a container when nothing of the
// supervisor is asked for but its duties as an init (daemonize --init with no
// pid file, ready file, readiness protocol, restarts, watchdog or captured
// output). It is the whole of the daemonize-init program, which is linked to
// the shared C library and nothing else of size, so that an idle init costs
// what tini's or dumb-init's does (docs/benchmarks.md, "Container init").
//
// It starts a program as its child, in a process group of its own that takes
// the terminal's foreground when the init's group holds it; reaps every
// process that ends, as soon as its SIGCHLD arrives (a signalfd read in
// poll(2), no timer); passes every signal it takes on to the program's group
// while the program runs (SIGHUP too); and on SIGTERM or SIGINT, or when the
// program ends, stops what is left: SIGTERM and SIGCONT to every process,
// SIGKILL after the stop timeout. Once nothing is left it returns the
// program's exit status, or 128+N when signal N killed it; EX_SOFTWARE when
// a process outlived SIGKILL by kStopKillWait.
//
// It must be process 1 of its PID namespace: it signals "every process" with
// kill(-1), which there reaches the container's processes and no other.
// Nothing here allocates: the child between fork and exec may not.
#ifndef DAEMONKIT_SRC_LEAN_INIT_H_
#define DAEMONKIT_SRC_LEAN_INIT_H_

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <initializer_list>

#include "daemonkit/os.h"
#include "src/job_control.h"

namespace daemonkit::internal {

class LeanInit {
 public:
  // `os` must outlive this.
  LeanInit(Os& os, int64_t stop_timeout_ms);

  // Runs `argv` (argv[0] a path, as execve(2) takes it) with `envp`; returns
  // the init's exit status once nothing is left, or EX_OSERR when it could
  // not start the program (said in one line on stderr).
  int Run(char* const argv[], char* const envp[]);

  // How long a process may outlive SIGKILL (supervisor.h's kStopKillWait).
  static constexpr int64_t kStopKillWaitMs = 5000;

 private:
  enum class Phase { kRunning, kTerminating, kKilling };

  // Blocks and takes the signals; false (said) when it cannot.
  bool TakeSignals();
  // The child's part: its group, the terminal, the signals given back, then
  // the program. Never returns.
  void BecomeProgram(char* const argv[], char* const envp[]);
  // Reaps whatever ended; false once no child is left.
  bool ReapAll();
  // Sleeps until a signal or the stop's deadline, and handles it.
  void Wait();
  void Handle(int signal);
  // SIGTERM and SIGCONT to every process, SIGKILL due after the timeout.
  void BeginStop();
  void OnDeadline();
  int64_t NowMs();
  // One line on stderr: "daemonize: STEP WHAT failed: ERRNO TEXT".
  void SayFailed(const char* step, const char* what, int error);
  // One line on stderr, of `parts`; cut short past 510 bytes.
  void Say(std::initializer_list<const char*> parts);

  Os& os_;
  const int64_t stop_timeout_ms_;
  int signals_ = -1;  // The signalfd.
  sigset_t original_mask_;
  struct sigaction original_pipe_ = {};
  JobControl job_control_;  // Whether the program takes the terminal.
  pid_t program_ = 0;       // 0 once reaped.
  int program_status_ = 0;
  Phase phase_ = Phase::kRunning;
  int64_t deadline_ms_ = -1;  // -1: none.
  int exit_status_ = -1;      // Set when the init ends before the last child.
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_LEAN_INIT_H_
