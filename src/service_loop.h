// The supervisor's life (supervisor.h), once Detach made it: start the
// worker, tell the launcher once it is ready, then sleep in poll(2) on a
// signalfd (and the notify socket) until a signal, a child's end, a message
// or a deadline (a restart, a ready timeout, the watchdog) says what to do
// next. No timer runs while nothing is due: an idle supervisor never wakes.
#ifndef DAEMONKIT_SRC_SERVICE_LOOP_H_
#define DAEMONKIT_SRC_SERVICE_LOOP_H_

#include <sys/signalfd.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/os.h"
#include "daemonkit/respawn_policy.h"
#include "daemonkit/supervisor.h"
#include "src/daemon_setup.h"
#include "src/job_control.h"
#include "src/notify_socket.h"
#include "src/process_tree.h"
#include "src/ready_file.h"
#include "src/service_output.h"
#include "src/service_record.h"
#include "src/worker_start.h"

namespace daemonkit::internal {

class ServiceLoop {
 public:
  // `daemon` is the supervisor's own handle, before Ready(); `signal_fd`
  // reads the signals of supervisor_signals.h; `stdout_path` and
  // `stderr_path` are the files a captured stream is reopened from. All
  // must outlive the loop.
  ServiceLoop(Os& os, Daemon& daemon, const DaemonPlan& worker,
              const SupervisorOptions& options, int signal_fd,
              const std::string& stdout_path, const std::string& stderr_path);

  // Runs the service to its end; returns the supervisor's exit status.
  int Run();

 private:
  // Starts an instance; it is ready at once without `notify`.
  absl::Status Launch();
  // A restart's time came: an instance that cannot start counts as failed.
  void Restart();
  // The instance is ready: the pid file names it; the first one's launcher
  // hears of it.
  void InstanceReady();
  // The first instance failed: everything is stopped and the launcher told.
  void FailStart(const absl::Status& why);
  // The supervisor ends the instance for `why` (no READY=1, no WATCHDOG=1)
  // with `signal`: a failure, whatever the wait status.
  void EndInstance(const std::string& why, int signal);
  // Sleeps until a signal, a message or the next deadline; takes them.
  void Wait();
  absl::Time NextDeadline() const;
  void OnDeadlines();
  void Route(const struct signalfd_siginfo& info);
  // Passes `signal` on to the program: to its process group as an init.
  void Forward(int signal);
  // With a terminal: whether the program stopped (job_control.h), or ended.
  void NoticeProgramStop();
  void TakeMessages();
  // Whether `sender` may speak for the service; `tree` caches the scan of
  // the service's processes that --notify-access=all needs.
  bool MayNotify(pid_t sender, std::optional<std::vector<ProcessId>>& tree);
  void Obey(const NotifyMessage& message);
  void Reaped(pid_t pid, int status);
  // The worker ended: schedules a restart, or ends the service (exit_).
  void WorkerEnded(int status);
  // Stops everything under the supervisor; then removes the pid file, or
  // leaves it unlocked when `keep_pid_file`. Returns the exit status: 0, or
  // EX_SOFTWARE when a process outlived SIGKILL.
  int StopAll(bool keep_pid_file = false);
  // The supervisor's exit status once the service stopped with `stopped`
  // (StopAll's), the program's last wait status being `program`.
  int ExitAfterStop(int stopped, std::optional<int> program) const;
  // The ready file, if any, says whether an instance is ready; a failure is
  // said, not fatal.
  void ShowReady(bool ready);
  // The pid file names `pid`.
  absl::Status Name(pid_t pid);
  // Writes the status record beside the pid file (service_record.h), for
  // --status.
  void Record();
  // The service ended: removes the record and the pid file, and the notify
  // socket; says on stderr what it cannot remove.
  void RemovePidFileAndRecord();
  void RemoveNotifySocket();
  // One line on the supervisor's stderr, or its captured stderr's sink.
  void Say(absl::string_view what);
  absl::Time Now();

  Os& os_;
  Daemon& daemon_;
  const DaemonPlan& plan_;
  const SupervisorOptions& options_;
  int signal_fd_;
  absl::Duration stop_timeout_;
  std::optional<RespawnPolicy> respawn_;
  std::optional<NotifySocket> notify_;
  std::optional<ReadyFile> ready_file_;
  JobControl job_control_;
  WorkerEnvironment environment_;
  std::optional<StartedWorker> worker_;  // Until reaped.
  std::optional<int> ended_status_;      // The worker's, once reaped.
  bool reported_ = false;                // The launcher heard of the start.
  bool instance_ready_ = false;
  std::string refused_;  // Whose READY=1 did not count, for the timeout.
  std::optional<std::string> imposed_end_;  // Why the supervisor ended it.
  absl::Time ready_deadline_ = absl::InfiniteFuture();
  absl::Duration ready_allowed_;  // ready_timeout, and what extended it.
  absl::Time watchdog_deadline_ = absl::InfiniteFuture();
  absl::Time next_start_ = absl::InfiniteFuture();
  // After EndInstance: when the stop follows, should the signal not do.
  absl::Time end_deadline_ = absl::InfiniteFuture();
  // When the last StopAll began: the output's last writes count from there.
  absl::Time stop_began_ = absl::InfinitePast();
  absl::Time last_now_;  // The monotonic clock's last reading (Now()).
  bool stop_asked_ = false;
  std::optional<int> exit_;  // The service ended: the supervisor's status.
  ServiceRecord record_;
  ServiceOutput output_;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SERVICE_LOOP_H_
