// The supervisor's life (supervisor.h), once Detach made it: start the
// worker, tell the launcher, then sleep in poll(2) on a signalfd until a
// signal, a child's end or a restart's time says what to do next. No timer
// runs while nothing happens: an idle supervisor never wakes.
#ifndef DAEMONKIT_SRC_SERVICE_LOOP_H_
#define DAEMONKIT_SRC_SERVICE_LOOP_H_

#include <sys/signalfd.h>
#include <sys/types.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/os.h"
#include "daemonkit/respawn_policy.h"
#include "daemonkit/supervisor.h"
#include "src/daemon_setup.h"
#include "src/service_record.h"
#include "src/worker_start.h"

namespace daemonkit::internal {

class ServiceLoop {
 public:
  // `daemon` is the supervisor's own handle, before Ready(); `signal_fd`
  // reads the signals of supervisor_signals.h. All must outlive the loop.
  ServiceLoop(Os& os, Daemon& daemon, const DaemonPlan& worker,
              const SupervisorOptions& options, int signal_fd);

  // Runs the service to its end; returns the supervisor's exit status.
  int Run();

 private:
  // Starts the first worker and reports to the launcher: ready once it
  // runs, or the failure, with nothing left.
  bool StartFirst();
  // Starts a worker and names it in the pid file.
  absl::Status StartWorkerNamed();
  // A restart's time came: a worker that cannot start counts as failed.
  void Restart();
  // Sleeps until a signal comes or the next restart is due; takes them.
  void Wait();
  void Route(const struct signalfd_siginfo& info);
  void Reaped(pid_t pid, int status);
  // The worker ended: schedules a restart (false), or returns true with the
  // exit status in `exit_status` when the service ends.
  bool WorkerEnded(int* exit_status);
  // Stops everything under the supervisor; then removes the pid file, or
  // leaves it unlocked when `keep_pid_file`. Returns the exit status: 0, or
  // EX_SOFTWARE when a process outlived SIGKILL.
  int StopAll(bool keep_pid_file = false);
  // The pid file names `pid`.
  absl::Status Name(pid_t pid);
  // Writes the status record beside the pid file (service_record.h), for
  // --status; removes it when the service ends.
  void Record();
  void RemoveRecord();
  absl::Time Now();

  Os& os_;
  Daemon& daemon_;
  const DaemonPlan& plan_;
  const SupervisorOptions& options_;
  int signal_fd_;
  absl::Duration stop_timeout_;
  std::optional<RespawnPolicy> respawn_;
  std::optional<StartedWorker> worker_;  // Until reaped.
  std::optional<int> ended_status_;      // The worker's, once reaped.
  absl::Time next_start_ = absl::InfiniteFuture();
  ServiceRecord record_;
  bool stop_asked_ = false;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SERVICE_LOOP_H_
