#include "src/ready_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "src/errno_status.h"
#include "src/file_replace.h"
#include "src/file_trust.h"
#include "src/os_helpers.h"
#include "src/path_parts.h"

namespace daemonkit::internal {
namespace {

constexpr char kWhat[] = "ready file";

}  // namespace

absl::StatusOr<ReadyFile> ReadyFile::Open(Os& os, const std::string& path) {
  const PathParts parts = SplitPath(path);
  if (!NamesAFile(parts)) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            "ready file path '", path, "' names no file")),
                        EX_USAGE);
  }
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(parts.directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC,
                   0);
  });
  if (!opened.ok()) {
    return ErrnoStatus(
        absl::StrCat("opening the directory of ready file ", path),
        opened.error, EX_CANTCREAT);
  }
  UniqueFd directory(os, opened.value);
  struct stat info;
  if (const SysCallIntResult got = os.FStat(directory.get(), &info);
      !got.ok()) {
    return ErrnoStatus(
        absl::StrCat("checking the directory of ready file ", path), got.error,
        EX_CANTCREAT);
  }
  // Not even a sticky one (/tmp): there another user could make a file of
  // that name while the program is not ready, and a probe would believe it.
  if (FileTrust{os.GetUid(), std::nullopt}.OthersMayWrite(info)) {
    return WithExitCode(absl::FailedPreconditionError(absl::StrCat(
                            "ready file ", path, " is in ", parts.directory,
                            ", where other users may create files")),
                        EX_CANTCREAT);
  }
  ReadyFile file(os, std::move(directory), parts.name);
  file.present_ = true;  // Perhaps, left by a supervisor that was killed.
  if (absl::Status cleared = file.Clear(); !cleared.ok()) return cleared;
  return file;
}

ReadyFile::ReadyFile(Os& os, UniqueFd directory, std::string name)
    : os_(&os), directory_(std::move(directory)), name_(std::move(name)) {}

absl::Status ReadyFile::Set(pid_t pid) {
  absl::Status set = ReplaceFileAt(*os_, directory_.get(), name_,
                                   absl::StrCat(pid, "\n"), kWhat);
  if (set.ok()) present_ = true;
  return set;
}

absl::Status ReadyFile::Clear() {
  if (!present_) return absl::OkStatus();
  absl::Status removed = RemoveFileAt(*os_, directory_.get(), name_, kWhat);
  if (removed.ok()) present_ = false;
  return removed;
}

}  // namespace daemonkit::internal
