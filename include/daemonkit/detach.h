// daemonkit::Detach: turn the calling process into a SysV daemon, and tell the
// launcher whether the daemon really started.
//
//   launcher ── pipe ── fork ─┬─ launcher: waits for the daemon's first word
//                             └─ middle: setsid ── fork ─┬─ middle: _exit(0)
//                                                        └─ daemon: umask,
//   chdir, default signal dispositions, empty signal mask, stdio redirected,
//   every other inherited descriptor closed; the program runs, then calls
//   Ready(): only then does the launcher return success.
//
// The second fork leaves the daemon outside the session leader role, so it can
// never acquire a controlling terminal again. Every option is checked before
// the first fork, while the launcher still owns its terminal. All system calls
// go through `Os`, so tests can mock them or inject failures.
//
//   absl::StatusOr<daemonkit::Daemon> daemon = daemonkit::Detach(options);
//   if (!daemon.ok()) { /* launcher: what failed, and why */ }
//   if (daemon->in_launcher()) { /* the daemon is ready: daemon->pid() */ }
//   ... open the log, bind the socket ...
//   daemon->Ready();
#ifndef DAEMONKIT_DETACH_H_
#define DAEMONKIT_DETACH_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemonkit/os.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/unique_fd.h"
#include "daemonkit/user_database.h"

namespace daemonkit {

struct DetachOptions {
  // The daemon's working directory (inside chroot_directory, when set, and
  // then from its root even when relative); "/" so that it keeps no mount
  // busy.
  std::string working_directory = "/";
  // The daemon's file mode creation mask, 0 to 0777.
  int umask = 0;
  // Where the daemon's standard streams go: stdin is opened for reading,
  // stdout and stderr for appending (created with mode 0644). Empty means
  // /dev/null, or, in foreground mode, the stream stays as it is (a service
  // manager or container runtime reads it). The launcher opens them, so
  // relative paths start from its working directory and a file that cannot
  // be opened is reported before anything forks.
  std::string stdin_path;
  std::string stdout_path;
  std::string stderr_path;
  // Descriptors (3 or above) the daemon keeps, e.g. a listening socket.
  std::vector<int> keep_fds;
  // A pid file (see pid_file.h), or empty for none. The launcher acquires it
  // before the first fork; the daemon writes its pid there before Ready(), so
  // it is in place when the launcher returns; a failed start removes it.
  // With `user`, the file is handed to that user and its directory must be
  // writable by it, so that the daemon can remove it at a clean stop. With
  // chroot_directory, see there.
  std::string pid_file;

  // Run as this user (a name or a numeric id) and, with it, its own group
  // and supplementary groups, unless `group` names another group. The daemon
  // sets the supplementary groups, then the group, then the user, and checks
  // that it cannot take the old ids back. Needs root, but for a caller that
  // names its own user and group, which changes nothing. Unknown names and
  // ids, and the id -1 (4294967295), fail with EX_NOUSER.
  std::string user;
  std::string group;
  // chroot(2) to this directory before changing to working_directory inside
  // it. Needs root. A chroot is a jail: the daemon keeps no descriptor of a
  // directory, which would lead out of it (fchdir). So the pid file's
  // directory is closed right after chroot, and a directory among keep_fds
  // or the standard streams is refused before any fork (EX_USAGE). A pid
  // file whose path starts with this one's lies inside the jail, and the
  // daemon removes it at a clean stop by the rest of its path; one outside
  // is out of reach and stays, unlocked: ReadPidFile calls it stale (LSB
  // status 1), and the next start takes it over. Against root inside the
  // jail no chroot holds (a second chroot leaves it): set `user` too.
  std::string chroot_directory;
  // Set RLIMIT_CORE to 0: the daemon never dumps core.
  bool disable_core_dumps = false;
  // Start from an empty environment, keeping only the variables named in
  // keep_environment; then set those in set_environment ("NAME=VALUE").
  bool clear_environment = false;
  std::vector<std::string> keep_environment;
  std::vector<std::string> set_environment;

  // Everything but the forks and setsid: the calling process becomes the
  // daemon in place, for systemd Type=notify, containers and debugging.
  // Ready() then tells the service manager (NOTIFY_SOCKET), if any.
  bool foreground = false;
};

class Daemon;
namespace internal {
struct DaemonPlan;
absl::StatusOr<Daemon> DetachProcess(const DetachOptions&, Os&, UserDatabase&,
                                     DaemonPlan*, absl::Duration);
}  // namespace internal

// The daemon, as seen from either process that Detach returns in.
class Daemon {
 public:
  Daemon(Daemon&& other) noexcept = default;
  Daemon& operator=(Daemon&& other) noexcept = default;
  // In the daemon, destroying it before Ready() tells the launcher that the
  // daemon gave up without saying why.
  ~Daemon() = default;

  // True in the launcher, once the daemon is ready; false in the daemon.
  bool in_launcher() const { return !in_daemon_; }
  // The daemon's process id.
  pid_t pid() const { return pid_; }

  // In the daemon: the daemon is ready; the launcher's Detach returns it.
  // When the launcher had NOTIFY_SOCKET set, the service manager hears
  // "READY=1" too (with "MAINPID=<pid>" unless in foreground mode). When the
  // launcher is gone (killed before the daemon was ready), no one will hear
  // of this start: Ready() removes the pid file and fails with "reporting
  // readiness failed: Broken pipe" (EX_OSERR); the daemon should exit. So
  // in foreground mode when the service manager cannot be told: Ready()
  // removes the pid file and fails with "notifying <socket> failed: ...".
  absl::Status Ready();
  // In the daemon: the daemon cannot start; the launcher's Detach returns
  // `why` (with `exit_code`, from sysexits.h, for a launcher that exits). The
  // daemon should exit next: the launcher stops one still running a second
  // later, so that a failed start leaves no daemon behind.
  absl::Status Fail(const absl::Status& why, int exit_code);

  // In the daemon: replaces it with the program `argv[0]` (searched in PATH
  // when it holds no '/', as execvp(3) does), run with `argv` and the
  // daemon's environment. Readiness is the exec itself: the launcher's Detach
  // returns ok once the exec succeeded. When it fails, the launcher gets
  // "cannot run <argv[0]>: <errno text>" with exit code 127 (not found) or
  // 126 (not runnable), as from a shell, and so does the caller. The pid
  // file's descriptor stays open across the exec, so that its lock lasts as
  // long as the program; nothing else of daemonkit's does.
  absl::Status Exec(const std::vector<std::string>& argv);

  // In the daemon, when it stops cleanly: removes the pid file, if any, as
  // long as its path still names the file this daemon holds.
  absl::Status RemovePidFile();

  // In the daemon: its pid file, or null when it has none (or removed it).
  // A supervisor (supervisor.h) names its worker there.
  PidFile* pid_file() { return pid_file_.has_value() ? &*pid_file_ : nullptr; }

  // In the daemon: sends `state` ("STATUS=...", "STOPPING=1", ...) to the
  // service manager, when the launcher had NOTIFY_SOCKET set.
  absl::Status Notify(absl::string_view state);

 private:
  friend absl::StatusOr<Daemon> internal::DetachProcess(const DetachOptions&,
                                                        Os&, UserDatabase&,
                                                        internal::DaemonPlan*,
                                                        absl::Duration);
  friend Daemon DetachOrExit(const DetachOptions&, Os&);

  // The launcher's view of a ready daemon.
  static Daemon InLauncher(Os& os, pid_t pid);
  // The daemon's own, with the readiness pipe's write end (none in
  // foreground mode), its pid file, and the service manager's socket. A
  // `supervisor`'s Ready() never removes the pid file: the supervisor does,
  // once it has stopped what it started and removed its status record.
  static Daemon InDaemon(Os& os, pid_t pid, UniqueFd report,
                         std::optional<PidFile> pid_file,
                         std::string notify_socket, bool supervisor);
  Daemon(Os& os, pid_t pid, bool in_daemon)
      : os_(&os), pid_(pid), in_daemon_(in_daemon) {}

  Os* os_;
  pid_t pid_;
  bool in_daemon_;
  bool ready_ = false;               // Ready() or Fail() was called.
  bool supervisor_ = false;          // See InDaemon().
  std::optional<PidFile> pid_file_;  // The daemon's, until it removes it.
  std::string notify_socket_;        // NOTIFY_SOCKET, as the launcher had it.
  // Last, so that it is closed first: a launcher waiting on the pipe learns
  // as early as possible that the daemon gave up.
  UniqueFd report_;
};

// Detaches the calling process; returns in the launcher once the daemon is
// ready (or failed), and in the daemon once it is set up. Fails with
// kFailedPrecondition when the process has more than one thread.
//
// A launcher that is a child subreaper (prctl PR_SET_CHILD_SUBREAPER) learns
// how a daemon that died before Ready() ended, and must reap the daemon later.
//
// Interrupted: from its start until it returns, the launcher blocks SIGINT,
// SIGTERM and SIGHUP (those not ignored; the caller's mask is given back
// before it returns). One that arrives before the daemon is ready stops the
// start: the middle process and the daemon's process group are killed, the
// pid file is removed, and Detach fails with kCancelled, "interrupted by
// signal N (...) while waiting for the daemon to be ready", exit code
// 128+N. The signal is taken, not delivered: a handler of the caller's does
// not run for it. Foreground mode waits for nothing and blocks nothing.
//
// Launcher killed (SIGKILL) before Ready(): the daemon learns it at Ready(),
// which removes the pid file and fails; the daemon should then exit.
absl::StatusOr<Daemon> Detach(const DetachOptions& options,
                              Os& os = PosixOs::Default());
// As above, looking `user` and `group` up in `users` rather than in the
// system's database (SystemUserDatabase(os)).
absl::StatusOr<Daemon> Detach(const DetachOptions& options, Os& os,
                              UserDatabase& users);

// Detach for programs whose launcher has nothing more to do: the launcher
// exits 0 once the daemon is ready, or writes "daemonkit: <what failed>" to
// stderr and exits with a sysexits.h code. Returns only in the daemon.
Daemon DetachOrExit(const DetachOptions& options, Os& os = PosixOs::Default());

}  // namespace daemonkit

#endif  // DAEMONKIT_DETACH_H_
