// daemonkit::Supervise: run a program as a daemon that a supervisor process
// watches for its whole life, as FreeBSD's daemon(8) does when it is asked
// for a pid file.
//
//   launcher ── Detach ──> supervisor ── fork ──> worker ── exec ──> program
//
// The supervisor is Detach's daemon, with its pid file; it keeps the caller's
// user and root directory, so that the program (which may be hostile) can
// neither signal, trace nor rewrite it. The worker takes its own process
// group and does the rest of DetachOptions (chroot, working directory,
// umask, environment, core dumps, user and groups) before it execs the
// program; it inherits the supervisor's standard streams and keep_fds, and
// never the pid file's descriptor. Once the program runs, the pid file names
// it (what systemd's PIDFile=, start-stop-daemon and `kill $(cat FILE)`
// expect) and the launcher's Supervise returns.
//
// The supervisor is a child subreaper: whatever the program starts, even
// after setsid and a double fork, stays under it. It ends the service
// leaving nothing behind:
//   - on SIGTERM or SIGINT it stops the service (below), exits 0 when all of
//     it went, EX_SOFTWARE when a process outlived SIGKILL;
//   - when the program ends and is not restarted (`respawn`), it stops what
//     the program left, and exits with the program's exit status (128+N when
//     killed by signal N).
// A stop sends SIGTERM and SIGCONT to the program's process group and to
// every process under the supervisor, SIGKILL to whatever is left after
// stop_timeout, waits up to kStopKillWait, reaps them all, and removes the
// pid file. SIGHUP is the
// supervisor's own (it reopens the output files it writes, below), SIGPIPE
// is ignored, and every other signal it can catch is forwarded to the
// program.
// Should the supervisor itself be killed, the program gets SIGTERM.
#ifndef DAEMONKIT_SUPERVISOR_H_
#define DAEMONKIT_SUPERVISOR_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/respawn_policy.h"
#include "daemonkit/syslog_message.h"
#include "daemonkit/user_database.h"

namespace daemonkit {

// Where one of the program's output streams goes.
struct CapturedStream {
  enum class To {
    // The supervisor's own stream, as DetachOptions says, not read by it.
    kInherited,
    // A pipe the supervisor reads, each line written whole to its own
    // stream, the file DetachOptions names (stdout_path, stderr_path; give
    // an absolute path: the supervisor works from "/"). SIGHUP opens that
    // path again (after logrotate moved the file), without a restart.
    kFile,
    // A pipe the supervisor reads, each line a syslog message (RFC 3164)
    // with `priority`, from the program's pid.
    kSyslog,
  };
  To to = To::kInherited;
  SyslogPriority priority;
};

// How long a stop waits, after SIGKILL, for the last processes to go: only
// one stuck in the kernel outlives it.
inline constexpr absl::Duration kStopKillWait = absl::Seconds(5);

struct SupervisorOptions {
  // The program and its arguments; argv[0] is searched in PATH when it holds
  // no '/', as execvp(3) does.
  std::vector<std::string> command;
  // How long a stop waits after SIGTERM before it sends SIGKILL. A SIGTERM
  // or SIGINT sent with sigqueue(3) (as StopDaemon does) may carry another,
  // in milliseconds, for that stop.
  absl::Duration stop_timeout = absl::Seconds(10);
  // Restart the program when it fails (see RespawnPolicy): the pid file then
  // names the supervisor while it waits, and each new instance once it runs.
  // Past the start limit the supervisor stops what is left and exits,
  // leaving the pid file, unlocked, to say the service died.
  std::optional<RespawnOptions> respawn;

  // Readiness. false: the program is ready once its exec succeeded. true:
  // once it sends READY=1 (sd_notify(3)) within ready_timeout, which each
  // EXTEND_TIMEOUT_USEC= it sends extends; every respawned instance again.
  // The supervisor makes NOTIFY_SOCKET for the program and keeps it for the
  // whole service: a socket in a private directory under /tmp (the jail's
  // /tmp with chroot_directory) that only the program's user can send to.
  // It also takes STATUS= (shown by --status), WATCHDOG=1, WATCHDOG=trigger
  // and BARRIER=1 (sd_notify_barrier(3)).
  bool notify = false;
  absl::Duration ready_timeout = absl::Seconds(30);
  // Whose messages count, as systemd's NotifyAccess=: the program's alone,
  // or those of any process of the service. A READY=1 refused is named when
  // the wait times out.
  enum class NotifyAccess { kMain, kAll };
  NotifyAccess notify_access = NotifyAccess::kMain;
  // The program gets WATCHDOG_USEC and WATCHDOG_PID; once it is ready, a
  // WATCHDOG=1 must come within each `watchdog`, or it gets SIGABRT (and the
  // stop, SIGTERM then SIGKILL, stop_timeout later): a failure, respawned
  // under `respawn`. Zero: no watchdog.
  absl::Duration watchdog = absl::ZeroDuration();

  // Captured output (output_capture.h): every line whole, in order, once;
  // a partial last line completed when the program dies; a line over 16 KiB
  // split, each piece but the last ending " [line continues]"; the program
  // never blocked for long by a slow or failing sink (past 1 MiB waiting,
  // lines are dropped and counted in a line of their own). The supervisor's
  // own messages go to the stderr sink when stderr is captured.
  CapturedStream stdout_capture;
  CapturedStream stderr_capture = {CapturedStream::To::kInherited, {3, 3}};
  // Each line written to a file starts with the time it was read, RFC 3339
  // with microseconds, in the local time zone.
  bool timestamps = false;
  std::string syslog_socket = "/dev/log";
  // The syslog TAG; empty: the base name of command[0].
  std::string syslog_tag;

  // A file (an absolute path) there exactly while an instance is ready,
  // holding its pid: made when it is ready, removed when it ends, when the
  // supervisor ends it (no READY=1 in time, the watchdog) and when a stop
  // begins. One left by a supervisor that was killed is removed at the
  // start. Its directory must be one that only root and the caller's user
  // may create files in (not /tmp: another user could make a file there
  // that a probe would believe). Empty: none.
  std::string ready_file;

  // The supervisor is a container's init (daemonize --init), in the
  // foreground (DetachOptions::foreground), as PID 1 of its PID namespace
  // or, when not, a child subreaper in its place. Then:
  //   - every signal it may catch but SIGTERM, SIGINT and SIGCHLD goes to
  //     the program's whole process group, SIGHUP too (after it reopened the
  //     output files), as tini -g and dumb-init do;
  //   - with a terminal on stdin whose foreground it is, the program's group
  //     becomes the foreground: it may read the terminal, and the
  //     terminal's interrupt, quit and suspend keys reach it as they would
  //     from a shell. When the program stops (^Z) and
  //     the supervisor is not PID 1, it takes the terminal back and stops
  //     too, so that the shell that started it gets it; SIGCONT (the shell's
  //     fg) gives it back to the program and continues it;
  //   - after a stop (SIGTERM, SIGINT) it exits with the program's status
  //     (128+N when killed by signal N), as after the program's own end.
  bool init = false;
};

// Detaches a supervisor as `daemon` says (see detach.h; foreground mode makes
// the calling process the supervisor) and starts the program under it.
// Returns in the launcher only: the supervisor's pid once the program runs
// (its exec succeeded), or why it does not, with nothing left behind (no
// supervisor, no program, no pid file). The supervisor exits when the
// service ends.
absl::StatusOr<pid_t> Supervise(const DetachOptions& daemon,
                                const SupervisorOptions& supervision,
                                Os& os = PosixOs::Default());
// As above, looking users up in `users`.
absl::StatusOr<pid_t> Supervise(const DetachOptions& daemon,
                                const SupervisorOptions& supervision, Os& os,
                                UserDatabase& users);

}  // namespace daemonkit

#endif  // DAEMONKIT_SUPERVISOR_H_
