#include "daemonkit/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "src/errno_status.h"
#include "src/file_trust.h"
#include "src/os_helpers.h"
#include "src/path_parts.h"

namespace daemonkit {
namespace {

using internal::ErrnoStatus;
using internal::RetryOnEintr;

// O_NONBLOCK: opening a FIFO nobody reads fails (ENXIO) instead of waiting.
constexpr int kOpenFlags =
    O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;

absl::Status Refuse(const std::string& what, const std::string& path,
                    const std::string& why) {
  return WithExitCode(
      absl::FailedPreconditionError(absl::StrCat(what, " ", path, " ", why)),
      EX_CANTCREAT);
}

// Why opening failed with `error` on `entry` (null: not known).
absl::Status DescribeOpenFailure(const std::string& what,
                                 const std::string& path,
                                 const struct stat* entry, int error) {
  if (error == ENXIO && entry != nullptr) {
    if (S_ISSOCK(entry->st_mode)) return Refuse(what, path, "is a socket");
    if (S_ISFIFO(entry->st_mode)) {
      return Refuse(what, path, "is a FIFO that no process reads");
    }
  }
  return ErrnoStatus(absl::StrCat("opening ", what, " ", path), error,
                     EX_CANTCREAT);
}

// Checks what was opened at `fd` against who may control it, in a directory
// others may write to (`shared`) or not.
absl::Status CheckOpened(Os& os, const std::string& what,
                         const std::string& path, int fd,
                         const internal::FileTrust& trusted, bool shared) {
  struct stat info;
  if (const SysCallIntResult got = os.FStat(fd, &info); !got.ok()) {
    return ErrnoStatus(absl::StrCat("checking ", what, " ", path), got.error,
                       EX_CANTCREAT);
  }
  if (!trusted.Trusts(info.st_uid)) {
    return Refuse(what, path,
                  absl::StrCat("is owned by user ", info.st_uid,
                               "; refusing a file another user controls"));
  }
  if (shared && S_ISREG(info.st_mode) && info.st_nlink > 1) {
    return Refuse(what, path,
                  absl::StrCat("has ", info.st_nlink,
                               " names in a directory other users may write "
                               "to; refusing a file that may be another one"));
  }
  return absl::OkStatus();
}

// Opens `parts.name` in `dir_fd`, never through a symbolic link there when
// the directory is `shared`. The kernel answers O_NOFOLLOW on a link with
// ELOOP, or with EACCES when O_CREAT is given too: the entry itself tells.
absl::StatusOr<int> OpenIn(Os& os, const std::string& what,
                           const std::string& path, int dir_fd,
                           const internal::PathParts& parts, bool shared) {
  SysCallIntResult opened = RetryOnEintr([&] {
    return os.OpenAt(dir_fd, parts.name.c_str(), kOpenFlags | O_NOFOLLOW, 0644);
  });
  if (opened.ok()) return opened.value;
  struct stat entry;
  const bool known =
      os.FStatAt(dir_fd, parts.name.c_str(), &entry, AT_SYMLINK_NOFOLLOW).ok();
  if (!known || !S_ISLNK(entry.st_mode)) {
    return DescribeOpenFailure(what, path, known ? &entry : nullptr,
                               opened.error);
  }
  if (shared) {
    return Refuse(what, path,
                  absl::StrCat("is a symbolic link in ", parts.directory,
                               ", where other users may write; refusing to "
                               "follow it"));
  }
  opened =
      RetryOnEintr([&] { return os.Open(path.c_str(), kOpenFlags, 0644); });
  if (opened.ok()) return opened.value;
  return DescribeOpenFailure(what, path, nullptr, opened.error);
}

// Makes `fd` blocking again, so that writes wait rather than fail.
SysCallIntResult MakeBlocking(Os& os, int fd) {
  const SysCallIntResult flags = os.Fcntl(fd, F_GETFL, 0);
  if (!flags.ok()) return flags;
  return os.Fcntl(fd, F_SETFL, flags.value & ~O_NONBLOCK);
}

}  // namespace

absl::StatusOr<UniqueFd> OpenOutputFile(const std::string& what,
                                        const std::string& path,
                                        std::optional<uid_t> owner, Os& os) {
  const internal::PathParts parts = internal::SplitPath(path);
  if (!internal::NamesAFile(parts)) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            what, " path '", path, "' names no file")),
                        EX_USAGE);
  }
  const SysCallIntResult dir_opened = RetryOnEintr([&] {
    return os.Open(parts.directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC,
                   0);
  });
  if (!dir_opened.ok()) {
    return ErrnoStatus(absl::StrCat("opening ", what, " ", path),
                       dir_opened.error, EX_CANTCREAT);
  }
  const UniqueFd directory(os, dir_opened.value);
  struct stat dir_info;
  if (const SysCallIntResult got = os.FStat(directory.get(), &dir_info);
      !got.ok()) {
    return ErrnoStatus(
        absl::StrCat("checking the directory of ", what, " ", path), got.error,
        EX_CANTCREAT);
  }
  const internal::FileTrust trusted = {os.GetUid(), owner};
  const bool shared = trusted.OthersMayWrite(dir_info);
  if (trusted.OthersMayReplace(dir_info)) {
    return Refuse(what, path,
                  absl::StrCat("is in ", parts.directory,
                               ", where other users may replace it"));
  }
  const absl::StatusOr<int> opened =
      OpenIn(os, what, path, directory.get(), parts, shared);
  if (!opened.ok()) return opened.status();
  UniqueFd file(os, *opened);
  if (absl::Status checked =
          CheckOpened(os, what, path, file.get(), trusted, shared);
      !checked.ok()) {
    return checked;
  }
  if (const SysCallIntResult blocking = MakeBlocking(os, file.get());
      !blocking.ok()) {
    return ErrnoStatus(absl::StrCat("opening ", what, " ", path),
                       blocking.error, EX_CANTCREAT);
  }
  return file;
}

}  // namespace daemonkit
