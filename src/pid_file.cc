#include "daemonkit/pid_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "daemonkit/exit_code.h"
#include "src/errno_status.h"
#include "src/file_trust.h"
#include "src/lock_holders.h"
#include "src/os_helpers.h"
#include "src/path_parts.h"
#include "src/process_tree.h"

namespace daemonkit {
namespace {

using internal::ErrnoStatus;
using internal::RetryOnEintr;

// A holder empties the file when it locks it and writes its pid soon after;
// a reader waits this long for the pid to appear.
constexpr int kPidWaitSteps = 200;
constexpr int kPidWaitStepMs = 10;

// Another holder may replace the file while we lock it; retry this often.
constexpr int kAcquireAttempts = 10;

constexpr int kOpenFlags = O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;

struct flock WholeFile(short type) {
  struct flock lock = {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  return lock;  // l_start 0 and l_len 0: the whole file.
}

// The pid in `text` when it is one whole line: digits and a newline. A file
// still being written, or holding anything else, has none.
pid_t ParsePid(absl::string_view text) {
  if (text.size() < 2 || text.back() != '\n') return 0;
  text.remove_suffix(1);
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
  }
  int pid = 0;
  if (!absl::SimpleAtoi(text, &pid) || pid <= 0) return 0;
  return pid;
}

pid_t ReadPid(Os& os, int fd) {
  char text[32];
  const SysCallSizeResult got =
      RetryOnEintr([&] { return os.PRead(fd, text, sizeof text, 0); });
  return got.ok()
             ? ParsePid(absl::string_view(text, static_cast<size_t>(got.value)))
             : 0;
}

// The pid a locked pid file holds, once its holder has written it; 0 when it
// writes none in time.
pid_t AwaitPid(Os& os, int fd) {
  for (int step = 0; step < kPidWaitSteps; ++step) {
    if (const pid_t pid = ReadPid(os, fd); pid > 0) return pid;
    os.Poll(nullptr, 0, kPidWaitStepMs);
  }
  return 0;
}

// What a file of mode `mode` is, for a message ("a FIFO"); null when it is
// none of the kinds named here.
const char* KindOfFile(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    default:
      return nullptr;
  }
}

// Refuses `info` unless it describes a regular file, naming what it is.
absl::Status MustBeRegular(const std::string& path, const struct stat& info) {
  if (S_ISREG(info.st_mode)) return absl::OkStatus();
  const char* kind = KindOfFile(info.st_mode);
  return WithExitCode(
      absl::FailedPreconditionError(
          absl::StrCat("pid file ", path, " is ", kind != nullptr ? kind : "",
                       kind != nullptr ? ", " : "", "not a regular file")),
      EX_CANTCREAT);
}

// Refuses `info` unless it is a regular file that no one but root, the
// caller and the daemon's user controls, with one name: emptying a hard link
// to another file (made where fs.protected_hardlinks is 0) would empty that
// file.
absl::Status MustBeOurs(const std::string& path, const struct stat& info,
                        const internal::FileTrust& trust) {
  if (absl::Status regular = MustBeRegular(path, info); !regular.ok()) {
    return regular;
  }
  std::string why;
  if (!trust.Trusts(info.st_uid)) {
    why = absl::StrCat("is owned by user ", info.st_uid,
                       "; refusing a file another user controls");
  } else if (info.st_nlink > 1) {
    why = absl::StrCat("has ", info.st_nlink,
                       " names; refusing a file that may be another one");
  }
  if (why.empty()) return absl::OkStatus();
  return WithExitCode(
      absl::FailedPreconditionError(absl::StrCat("pid file ", path, " ", why)),
      EX_CANTCREAT);
}

// Whether a write lock is held on `fd`'s file (value 1, else 0), asked with
// F_OFD_GETLK, which never takes one. It asks about a read lock, which only a
// write lock conflicts with: any user can open the 0644 file and take a read
// lock, and a read lock proves no daemon.
SysCallIntResult AskWriteLocked(Os& os, int fd) {
  struct flock lock = WholeFile(F_RDLCK);
  const SysCallIntResult asked = os.FcntlLock(fd, F_OFD_GETLK, &lock);
  if (!asked.ok()) return asked;
  return {lock.l_type == F_UNLCK ? 0 : 1, 0};
}

// ", held by pid 12, 13" or what stands for it when none was seen.
std::string HoldersText(const std::vector<pid_t>& holders) {
  if (holders.empty()) return "; no process this user may look at holds it";
  return absl::StrCat("; its lock is held by pid ",
                      absl::StrJoin(holders, ", "));
}

// The supervisor of `pid`, when `pid` is its worker (supervisor.h): a child
// of the process that holds the write lock on `info`, leading a process
// group of its own in that process's session. Not any child: the lock holder
// may be PID 1, a container's init (daemonize --init), whose children are
// every orphan of the container, those of `docker exec` sessions too; their
// sessions are not the init's. Nor a process group that another of the
// service's processes made: the worker's cannot leave the session.
pid_t LockHoldingParent(Os& os, pid_t pid, const struct stat& info) {
  const std::optional<internal::ProcessStat> stat =
      internal::ReadProcessStat(os, pid);
  if (!stat.has_value() || stat->ppid <= 0 || stat->pgrp != pid) return 0;
  const SysCallIntResult held = internal::HoldsWriteLock(os, stat->ppid, info);
  if (!held.ok() || held.value != 1) return 0;
  const std::optional<internal::ProcessStat> parent =
      internal::ReadProcessStat(os, stat->ppid);
  return parent.has_value() && parent->session == stat->session ? stat->ppid
                                                                : 0;
}

// What a write-locked pid file at `path`, open at `fd` on `info`, says: its
// daemon when the pid it names holds the lock, or is the child of the
// process that does; else what was found.
PidFileState JudgeWriteLocked(Os& os, const std::string& path, int fd,
                              const struct stat& info) {
  const pid_t pid = AwaitPid(os, fd);
  SysCallIntResult held = {0, 0};
  if (pid > 0) held = internal::HoldsWriteLock(os, pid, info);
  if (held.ok() && held.value == 1) return {PidFileState::kRunning, pid};
  if (pid > 0 && held.ok() && held.value == 0) {
    if (const pid_t supervisor = LockHoldingParent(os, pid, info);
        supervisor != 0) {
      PidFileState state = {PidFileState::kRunning, pid};
      state.supervisor = supervisor;
      return state;
    }
  }
  PidFileState state = {PidFileState::kUnproven, pid};
  if (!held.ok() && held.error != ENOENT) {
    state.problem = absl::StrCat(
        "cannot tell whether pid ", pid, " holds the lock of pid file ", path,
        ": /proc/", pid, "/fd: ", internal::ErrnoText(held.error));
    return state;
  }
  state.holders = internal::WriteLockHolders(os, info);
  state.problem = absl::StrCat(
      "pid file ", path,
      pid == 0 ? " is locked but names no pid"
      : held.error == ENOENT
          ? absl::StrCat(" names pid ", pid, ", which is gone")
          : absl::StrCat(" names pid ", pid, ", which does not hold its lock"),
      HoldersText(state.holders));
  return state;
}

// Unlinks `name` in `dir_fd` if it still names `file`, and not one that
// replaced it; succeeds without unlinking when it names another file or none.
// Fails when what it names cannot be checked.
SysCallIntResult UnlinkIfStillNamed(Os& os, int dir_fd, const std::string& name,
                                    const struct stat& file) {
  struct stat named;
  const SysCallIntResult checked =
      os.FStatAt(dir_fd, name.c_str(), &named, AT_SYMLINK_NOFOLLOW);
  if (checked.error == ENOENT) return {0, 0};
  if (!checked.ok()) return checked;
  if (!internal::SameFile(named, file)) return {0, 0};
  return os.UnlinkAt(dir_fd, name.c_str(), 0);
}

// After chroot: unlinks `inside`, a path from the new root whose last
// component is `name`, if it still names `file`. Its directory is opened
// first, so that the name checked is the name removed. A path that names
// nothing in the jail has nothing to remove.
SysCallIntResult UnlinkInJail(Os& os, const std::string& inside,
                              const std::string& name,
                              const struct stat& file) {
  const std::string directory = internal::SplitPath(inside).directory;
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (opened.error == ENOENT || opened.error == ENOTDIR) return {0, 0};
  if (!opened.ok()) return opened;
  const UniqueFd dir_fd(os, opened.value);
  return UnlinkIfStillNamed(os, dir_fd.get(), name, file);
}

// The file at `name` in `dir_fd` is `locked` but only read locks hold it, so
// it can never be write-locked: removes it while the path still names it (so
// that the next attempt creates a new one) and sets `replaced`.
absl::Status RemoveReadLocked(Os& os, const std::string& path, int dir_fd,
                              const std::string& name,
                              const struct stat& locked, bool* replaced) {
  const SysCallIntResult gone = UnlinkIfStillNamed(os, dir_fd, name, locked);
  if (!gone.ok() && gone.error != ENOENT) {
    return ErrnoStatus(
        absl::StrCat("removing pid file ", path, " (read-locked by others)"),
        gone.error, EX_CANTCREAT);
  }
  *replaced = true;
  return absl::OkStatus();
}

absl::Status CannotUse(const std::string& path, int error) {
  if (error == ELOOP) {
    return WithExitCode(
        absl::FailedPreconditionError(absl::StrCat(
            "pid file ", path, " is a symbolic link; refusing to follow it")),
        EX_CANTCREAT);
  }
  return ErrnoStatus(absl::StrCat("opening pid file ", path), error,
                     EX_CANTCREAT);
}

// Locks `fd`, just opened at `path`, and empties the file. Sets `replaced`
// when the path no longer names that file: the holder we raced with removed
// it while we waited, and a lock on a file nobody can find is worthless; or
// when only others' read locks stood in the way, and the file was removed.
absl::Status LockOpened(Os& os, const std::string& path, int dir_fd,
                        const std::string& name, int fd,
                        const internal::FileTrust& trust, bool* replaced) {
  struct stat locked;
  if (const SysCallIntResult got = os.FStat(fd, &locked); !got.ok()) {
    return ErrnoStatus(absl::StrCat("checking pid file ", path), got.error,
                       EX_CANTCREAT);
  }
  if (absl::Status usable = MustBeOurs(path, locked, trust); !usable.ok()) {
    return usable;
  }
  struct flock lock = WholeFile(F_WRLCK);
  const SysCallIntResult taken =
      RetryOnEintr([&] { return os.FcntlLock(fd, F_OFD_SETLK, &lock); });
  if (taken.error == EAGAIN || taken.error == EACCES) {
    const SysCallIntResult write_locked = AskWriteLocked(os, fd);
    if (write_locked.ok() && write_locked.value == 0) {
      return RemoveReadLocked(os, path, dir_fd, name, locked, replaced);
    }
    const PidFileState holder = JudgeWriteLocked(os, path, fd, locked);
    return WithExitCode(
        absl::AlreadyExistsError(
            holder.kind == PidFileState::kRunning
                ? absl::StrCat("already running as pid ", holder.pid)
                : absl::StrCat("not starting: ", holder.problem)),
        EX_UNAVAILABLE);
  }
  if (!taken.ok()) {
    return ErrnoStatus(absl::StrCat("locking pid file ", path), taken.error,
                       EX_CANTCREAT);
  }
  struct stat named;
  const SysCallIntResult found =
      os.FStatAt(dir_fd, name.c_str(), &named, AT_SYMLINK_NOFOLLOW);
  if (found.error == ENOENT ||
      (found.ok() && !internal::SameFile(named, locked))) {
    *replaced = true;
    return absl::OkStatus();
  }
  if (!found.ok()) {
    return ErrnoStatus(absl::StrCat("checking pid file ", path), found.error,
                       EX_CANTCREAT);
  }
  // Whatever a stale file held is no one's pid now.
  if (const SysCallIntResult emptied = os.FTruncate(fd, 0); !emptied.ok()) {
    return ErrnoStatus(absl::StrCat("emptying pid file ", path), emptied.error,
                       EX_CANTCREAT);
  }
  return absl::OkStatus();
}

// Refuses a pid file in `directory` (open at `dir_fd`) when a user `trust`
// does not trust could replace it there.
absl::Status CheckDirectory(Os& os, const std::string& path,
                            const std::string& directory, int dir_fd,
                            const internal::FileTrust& trust) {
  struct stat info;
  if (const SysCallIntResult got = os.FStat(dir_fd, &info); !got.ok()) {
    return ErrnoStatus(
        absl::StrCat("checking the directory of pid file ", path), got.error,
        EX_CANTCREAT);
  }
  if (!trust.OthersMayReplace(info)) return absl::OkStatus();
  return WithExitCode(absl::FailedPreconditionError(
                          absl::StrCat("pid file ", path, " is in ", directory,
                                       ", where other users may replace it")),
                      EX_CANTCREAT);
}

// Creates the file at `path` exclusively (setting `created`), to know whether
// a failed start must remove it, with mode 0644 whatever the caller's umask;
// opens it when it exists. ENOENT: it was removed in between.
SysCallIntResult OpenOrCreate(Os& os, const std::string& path, bool* created) {
  const mode_t umask = os.Umask(022);
  const SysCallIntResult made = RetryOnEintr([&] {
    return os.Open(path.c_str(), O_CREAT | O_EXCL | kOpenFlags, 0644);
  });
  os.Umask(umask);
  *created = made.ok();
  if (made.error != EEXIST) return made;
  return RetryOnEintr([&] { return os.Open(path.c_str(), kOpenFlags, 0); });
}

}  // namespace

PidFile::PidFile(Os& os, std::string path, std::string name, UniqueFd dir_fd)
    : os_(&os),
      path_(std::move(path)),
      name_(std::move(name)),
      dir_fd_(std::move(dir_fd)) {}

absl::StatusOr<PidFile> PidFile::Acquire(const std::string& path, Os& os) {
  return Acquire(path, std::nullopt, os);
}

absl::StatusOr<PidFile> PidFile::Acquire(const std::string& path,
                                         std::optional<uid_t> owner, Os& os) {
  const internal::PathParts parts = internal::SplitPath(path);
  if (!internal::NamesAFile(parts)) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            "pid file path '", path, "' names no file")),
                        EX_USAGE);
  }
  const std::string& name = parts.name;
  const std::string& directory = parts.directory;
  SysCallIntResult dir_fd = RetryOnEintr([&] {
    return os.Open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  });
  if (dir_fd.ok()) dir_fd = internal::MoveAboveStdio(os, dir_fd.value);
  if (!dir_fd.ok()) return CannotUse(path, dir_fd.error);
  PidFile file(os, path, name, UniqueFd(os, dir_fd.value));
  const internal::FileTrust trust = {os.GetUid(), owner};
  if (absl::Status checked =
          CheckDirectory(os, path, directory, file.dir_fd_.get(), trust);
      !checked.ok()) {
    return checked;
  }

  for (int attempt = 0; attempt < kAcquireAttempts; ++attempt) {
    bool created = false;
    SysCallIntResult opened = OpenOrCreate(os, path, &created);
    if (opened.error == ENOENT) continue;  // Removed in between.
    if (opened.ok()) opened = internal::MoveAboveStdio(os, opened.value);
    if (!opened.ok()) return CannotUse(path, opened.error);
    file.fd_ = UniqueFd(os, opened.value);

    bool replaced = false;
    const absl::Status locked = LockOpened(os, path, file.dir_fd_.get(), name,
                                           file.fd_.get(), trust, &replaced);
    if (replaced) continue;
    if (!locked.ok()) {
      // A file that another launcher locked first is that launcher's.
      if (created && !absl::IsAlreadyExists(locked)) {
        file.Remove().IgnoreError();
      }
      return locked;
    }
    return file;
  }
  return WithExitCode(
      absl::UnavailableError(absl::StrCat(
          "pid file ", path, " kept being replaced while it was locked")),
      EX_TEMPFAIL);
}

SysCallIntResult PidFile::Write(pid_t pid) {
  char digits[16];
  size_t count = 0;
  unsigned value = static_cast<unsigned>(pid);
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  char line[16];
  size_t length = 0;
  while (count > 0) line[length++] = digits[--count];
  line[length++] = '\n';
  const SysCallIntResult emptied = os_->FTruncate(fd_.get(), 0);
  if (!emptied.ok()) return emptied;
  // One write: a reader sees no pid or the whole pid, never part of it.
  const SysCallSizeResult written =
      RetryOnEintr([&] { return os_->PWrite(fd_.get(), line, length, 0); });
  if (!written.ok()) return {-1, written.error};
  if (static_cast<size_t>(written.value) != length) return {-1, EIO};
  return {0, 0};
}

void PidFile::EnteredChroot(absl::string_view new_root) {
  while (!new_root.empty() && new_root.back() == '/') new_root.remove_suffix(1);
  const bool inside = path_.size() > new_root.size() &&
                      path_[new_root.size()] == '/' &&
                      absl::StartsWith(path_, new_root);
  in_jail_ = inside ? new_root.size() : std::string::npos;
  dir_fd_.reset();
}

absl::Status PidFile::Remove() {
  if (!fd_.valid()) {
    return absl::FailedPreconditionError("pid file already closed");
  }
  // A file outside the jail entered is out of reach: it stays, and closing
  // fd_ unlocks it.
  const bool reachable = dir_fd_.valid() || in_jail_ != std::string::npos;
  struct stat locked;
  absl::Status removed;
  if (reachable) {
    // Without the locked file's identity, no name is proven ours: it stays.
    SysCallIntResult gone = os_->FStat(fd_.get(), &locked);
    if (gone.ok()) {
      gone = dir_fd_.valid()
                 ? UnlinkIfStillNamed(*os_, dir_fd_.get(), name_, locked)
                 : UnlinkInJail(*os_, path_.substr(in_jail_), name_, locked);
    }
    if (!gone.ok()) {
      removed = ErrnoStatus(absl::StrCat("removing pid file ", path_),
                            gone.error, EX_CANTCREAT);
    }
  }
  fd_.reset();
  dir_fd_.reset();
  return removed;
}

absl::StatusOr<PidFileState> ReadPidFile(const std::string& path, Os& os) {
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(path.c_str(),
                   O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                   0);
  });
  if (opened.error == ENOENT) return PidFileState{PidFileState::kNotRunning, 0};
  if (!opened.ok()) return CannotUse(path, opened.error);
  const UniqueFd file(os, opened.value);
  struct stat info;
  if (const SysCallIntResult got = os.FStat(file.get(), &info); !got.ok()) {
    return ErrnoStatus(absl::StrCat("checking pid file ", path), got.error,
                       EX_CANTCREAT);
  }
  if (absl::Status regular = MustBeRegular(path, info); !regular.ok()) {
    return regular;
  }
  // Asked without taking a lock: a reader that locked, even briefly, could
  // make a starting daemon fail.
  const SysCallIntResult asked = AskWriteLocked(os, file.get());
  if (!asked.ok()) {
    return ErrnoStatus(absl::StrCat("checking the lock of pid file ", path),
                       asked.error, EX_SOFTWARE);
  }
  if (asked.value == 1) return JudgeWriteLocked(os, path, file.get(), info);
  return PidFileState{PidFileState::kStale, ReadPid(os, file.get())};
}

}  // namespace daemonkit
