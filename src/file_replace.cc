#include "src/file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <sysexits.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

constexpr int kTempFlags =
    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;

// Creates `temp` in `dir_fd`, mode 0644 whatever the umask: anyone may read
// it.
SysCallIntResult CreateTemp(Os& os, int dir_fd, const std::string& temp) {
  const mode_t umask = os.Umask(022);
  const SysCallIntResult made = RetryOnEintr(
      [&] { return os.OpenAt(dir_fd, temp.c_str(), kTempFlags, 0644); });
  os.Umask(umask);
  return made;
}

// Creates `temp`, after removing one that a writer with the same pid (a
// crashed one; pids are reused) left.
absl::StatusOr<int> CreateFreshTemp(Os& os, int dir_fd, const std::string& temp,
                                    absl::string_view what) {
  SysCallIntResult made = CreateTemp(os, dir_fd, temp);
  if (made.error == EEXIST) {
    const SysCallIntResult removed = os.UnlinkAt(dir_fd, temp.c_str(), 0);
    if (!removed.ok()) {
      return ErrnoStatus(absl::StrCat("removing leftover ", what, " ", temp),
                         removed.error, EX_CANTCREAT);
    }
    made = CreateTemp(os, dir_fd, temp);
  }
  if (!made.ok()) {
    return ErrnoStatus(absl::StrCat("creating ", what, " ", temp), made.error,
                       EX_CANTCREAT);
  }
  return made.value;
}

// Writes all of `text` to `fd`; a write that makes no progress is EIO.
SysCallIntResult WriteAll(Os& os, int fd, absl::string_view text) {
  while (!text.empty()) {
    const SysCallSizeResult wrote =
        RetryOnEintr([&] { return os.Write(fd, text.data(), text.size()); });
    if (!wrote.ok()) return {-1, wrote.error};
    if (wrote.value == 0) return {-1, EIO};
    text.remove_prefix(static_cast<size_t>(wrote.value));
  }
  return {0, 0};
}

// Writes `text` to `fd`, open on `temp`, and closes it. A failed close fails
// too: NFS reports a failed write there.
absl::Status Fill(Os& os, int fd, const std::string& temp,
                  absl::string_view text, absl::string_view what) {
  const SysCallIntResult wrote = WriteAll(os, fd, text);
  const SysCallIntResult closed = os.Close(fd);
  const int error = wrote.ok() ? closed.error : wrote.error;
  if (error == 0) return absl::OkStatus();
  return ErrnoStatus(absl::StrCat("writing ", what, " ", temp), error,
                     EX_IOERR);
}

}  // namespace

absl::Status ReplaceFileAt(Os& os, int dir_fd, const std::string& name,
                           absl::string_view text, absl::string_view what) {
  const std::string temp = absl::StrCat(".", name, ".", os.GetPid(), ".tmp");
  const absl::StatusOr<int> fd = CreateFreshTemp(os, dir_fd, temp, what);
  if (!fd.ok()) return fd.status();
  absl::Status written = Fill(os, *fd, temp, text, what);
  if (written.ok()) {
    const SysCallIntResult renamed =
        os.RenameAt(dir_fd, temp.c_str(), dir_fd, name.c_str());
    if (!renamed.ok()) {
      written =
          ErrnoStatus(absl::StrCat("renaming ", temp, " to ", what, " ", name),
                      renamed.error, EX_CANTCREAT);
    }
  }
  // A failed write leaves the old file, and nothing else.
  if (!written.ok()) os.UnlinkAt(dir_fd, temp.c_str(), 0);
  return written;
}

absl::Status RemoveFileAt(Os& os, int dir_fd, const std::string& name,
                          absl::string_view what) {
  const SysCallIntResult removed = os.UnlinkAt(dir_fd, name.c_str(), 0);
  if (removed.ok() || removed.error == ENOENT) return absl::OkStatus();
  return ErrnoStatus(absl::StrCat("removing ", what, " ", name), removed.error,
                     EX_CANTCREAT);
}

}  // namespace daemonkit::internal
