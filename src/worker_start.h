// Starting one instance of a supervisor's worker (supervisor.h): fork, a
// process group of its own, its set-up, exec; and hearing whether the exec
// succeeded, through a close-on-exec pipe as Detach's launcher does.
#ifndef DAEMONKIT_SRC_WORKER_START_H_
#define DAEMONKIT_SRC_WORKER_START_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"
#include "src/daemon_setup.h"

namespace daemonkit::internal {

struct StartedWorker {
  pid_t pid = 0;
  UniqueFd pidfd;  // The worker's, for signals that cannot reach another.
};

// What a supervisor adds to a worker's environment: NOTIFY_SOCKET,
// WATCHDOG_USEC; and WATCHDOG_PID, the worker's own pid, when asked.
struct WorkerEnvironment {
  std::vector<std::pair<std::string, std::string>> variables;
  bool watchdog_pid = false;
};

// The worker's stdout and stderr when they are captured: the write ends of
// pipes, which the worker moves onto 1 and 2. Invalid: the supervisor's own.
struct WorkerStreams {
  UniqueFd out;
  UniqueFd err;
  // The worker's process group becomes the foreground one of the terminal
  // on stdin (see SupervisorOptions::init).
  bool take_terminal = false;
};

// Forks a worker that sets itself up as `plan` says (SetUpWorker), with
// `extra` in its environment too, in a process group of its own, asks for
// SIGTERM when the supervisor dies, and execs `argv` (argv[0] searched in
// PATH when it holds no '/') with `streams` as its stdout and stderr (the
// supervisor's copies are closed before this returns). Returns once the
// exec succeeded. Otherwise the
// worker is reaped and the failure returned: "cannot run <argv[0]>: <errno
// text>" with exit code 127 (not found) or 126, or the set-up step that failed
// (EX_OSERR).
absl::StatusOr<StartedWorker> StartWorker(Os& os, const DaemonPlan& plan,
                                          const std::vector<std::string>& argv,
                                          const WorkerEnvironment& extra = {},
                                          WorkerStreams streams = {});

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_WORKER_START_H_
