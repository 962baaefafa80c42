// daemonkit::PidFile: the pid file that keeps a daemon single-instance.
//
// The launcher acquires it before the first fork, so that "already running as
// pid N" reaches the user while the launcher still has its terminal. The lock
// is an open-file-description lock (fcntl F_OFD_SETLK): like the flock(2) of
// FreeBSD's pidfile(3) it belongs to the descriptor, so it travels through
// fork to the daemon and lasts for the daemon's whole life; the descriptor is
// close-on-exec, so nothing the daemon runs inherits it. Staleness is judged
// by the lock alone: a pid file nobody holds is taken over, whatever it holds.
// Only a write lock counts: any user can open the 0644 file and take a read
// lock, so a file that only read locks hold is replaced by a new one, and
// ReadPidFile reports it stale. A locked file whose pid is not proven to hold
// the lock (see PidFileState) is not taken over, and the refusal says why.
//
// The file is mode 0644 and holds the decimal pid and a newline, written with
// one write(2): what start-stop-daemon, systemd's PIDFile= and
// `kill $(cat FILE)` expect. A path that is a symbolic link is refused. The
// file's directory is held open too, so that a daemon can still remove the
// file after chdir(2). Not after chroot(2): a directory descriptor outside
// the jail is a way out of it (fchdir), so EnteredChroot() closes it; a file
// inside the jail is then removed by its path there, and one outside is left
// at a clean stop, unlocked: the next start takes it over, and ReadPidFile
// calls it stale.
#ifndef DAEMONKIT_PID_FILE_H_
#define DAEMONKIT_PID_FILE_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit {

class PidFile {
 public:
  // Opens (creating it when missing), locks and empties the pid file at
  // `path`. Fails with kAlreadyExists, "already running as pid N", when
  // another process holds it.
  static absl::StatusOr<PidFile> Acquire(const std::string& path,
                                         Os& os = PosixOs::Default());
  // As above, for a daemon that will run as `owner`. A file, or a directory
  // where others may replace it, that a user other than root, the caller and
  // `owner` controls is refused (kFailedPrecondition, EX_CANTCREAT), and so
  // is a file with more than one name: the pid file is emptied, and emptying
  // a hard link to another file would empty that file.
  static absl::StatusOr<PidFile> Acquire(const std::string& path,
                                         std::optional<uid_t> owner,
                                         Os& os = PosixOs::Default());

  PidFile(PidFile&& other) noexcept = default;
  PidFile& operator=(PidFile&& other) noexcept = default;
  // Closes this descriptor; the lock lasts while another one shares it.
  ~PidFile() = default;

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  // The directory's descriptor; -1 after EnteredChroot().
  int dir_fd() const { return dir_fd_.get(); }

  // Records `pid`. Allocates nothing, so the daemon can call it after fork.
  SysCallIntResult Write(pid_t pid);

  // Call right after chroot(2) to `new_root`, spelled as for chroot: closes
  // the directory descriptor, a way out of the jail. The file is inside the
  // jail when its path, as given to Acquire, starts with `new_root` (both
  // then resolve from the same place); Remove() then finds it by the rest of
  // the path, from the new root. Allocates nothing, for use after fork.
  void EnteredChroot(absl::string_view new_root);

  // Removes the file if its path still names the locked file (and not one
  // that replaced it), then closes the descriptor. When that cannot be told
  // (fstat(2) of the file or of its name fails), the file stays and Remove()
  // fails. After EnteredChroot(), a file outside the jail is out of reach: it
  // is left, unlocked, and Remove() succeeds.
  absl::Status Remove();

 private:
  PidFile(Os& os, std::string path, std::string name, UniqueFd dir_fd);

  Os* os_;
  std::string path_;
  std::string name_;  // The last component of path_, in dir_fd_.
  // After EnteredChroot(): where the part of path_ inside the jail starts,
  // or npos when the file lies outside it.
  size_t in_jail_ = std::string::npos;
  UniqueFd dir_fd_;
  UniqueFd fd_;  // Declared last, so that it is closed first.
};

// What a pid file says about its daemon, read without taking its lock.
//
// A pid is believed only when proven: the process it names must itself hold
// the file's write lock, as /proc/PID/fd and /proc/PID/fdinfo show, or be the
// child of the process that holds it leading a process group of its own in
// that process's session (a supervisor's program, supervisor.h: no one can
// make their process a child of another's, and a container's init, whose
// children are every orphan of the container, shares its session with none
// but its own). Whoever
// can write the file (the daemon's user, say) could otherwise make root's
// --stop signal any process by writing its pid there; and a worker that
// inherited the lock outlives the main process it does not name.
struct PidFileState {
  enum Kind {
    kNotRunning,  // No pid file.
    kStale,       // A pid file nobody holds: its daemon is dead.
    kRunning,     // A pid file whose write lock the pid it names holds.
    kUnproven,    // Write-locked, but the pid it names is not shown to hold
                  // the lock: gone, someone else, none, or not ours to see.
  };
  Kind kind;
  pid_t pid;  // The pid the file names, or 0.
  // kRunning: the lock holder when it is not `pid` but `pid`'s parent, the
  // supervisor that stops the service; else 0.
  pid_t supervisor = 0;
  // kUnproven: the processes seen holding the lock, and one line saying
  // what was found.
  std::vector<pid_t> holders = {};
  std::string problem = {};
};

absl::StatusOr<PidFileState> ReadPidFile(const std::string& path,
                                         Os& os = PosixOs::Default());

}  // namespace daemonkit

#endif  // DAEMONKIT_PID_FILE_H_
