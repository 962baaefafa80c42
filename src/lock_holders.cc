#include "src/lock_holders.h"

#include <fcntl.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "daemonkit/unique_fd.h"
#include "src/dir_entries.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

// An fdinfo file is a few short lines, one per lock held through it.
constexpr size_t kMaxFdInfo = 64 * 1024;

// The text of /proc/PID/fdinfo/FD; empty when it cannot be read (the
// descriptor was closed meanwhile, say).
std::string ReadFdInfo(Os& os, pid_t pid, const char* fd) {
  const std::string path = absl::StrCat("/proc/", pid, "/fdinfo/", fd);
  const SysCallIntResult opened = RetryOnEintr(
      [&] { return os.Open(path.c_str(), O_RDONLY | O_CLOEXEC, 0); });
  if (!opened.ok()) return "";
  const UniqueFd info(os, opened.value);
  std::string text;
  char buffer[4096];
  while (text.size() < kMaxFdInfo) {
    const SysCallSizeResult got = RetryOnEintr(
        [&] { return os.Read(info.get(), buffer, sizeof buffer); });
    if (!got.ok() || got.value == 0) break;
    text.append(buffer, static_cast<size_t>(got.value));
  }
  return text;
}

// Whether fdinfo `text` lists an open-file-description write lock.
bool ListsOfdWriteLock(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "lock:") &&
        absl::StrContains(line, " OFDLCK ") &&
        absl::StrContains(line, " WRITE ")) {
      return true;
    }
  }
  return false;
}

}  // namespace

SysCallIntResult HoldsWriteLock(Os& os, pid_t pid, const struct stat& file) {
  const std::string fds = absl::StrCat("/proc/", pid, "/fd");
  const SysCallIntResult opened =
      RetryOnEintr([&] { return os.Open(fds.c_str(), kDirectoryFlags, 0); });
  if (!opened.ok()) return opened;
  const UniqueFd dir(os, opened.value);
  bool holds = false;
  const SysCallIntResult listed =
      ForEachDirEntry(os, dir.get(), [&](const char* name) {
        struct stat open_file;
        // Without AT_SYMLINK_NOFOLLOW: the file the descriptor is open on.
        if (ParseNumberName(name) < 0 ||
            !os.FStatAt(dir.get(), name, &open_file, 0).ok() ||
            !SameFile(open_file, file)) {
          return true;
        }
        holds = ListsOfdWriteLock(ReadFdInfo(os, pid, name));
        return !holds;
      });
  if (!listed.ok()) return listed;
  return {holds ? 1 : 0, 0};
}

std::vector<pid_t> WriteLockHolders(Os& os, const struct stat& file) {
  std::vector<pid_t> holders;
  const SysCallIntResult opened = os.Open("/proc", kDirectoryFlags, 0);
  if (!opened.ok()) return holders;
  const UniqueFd proc(os, opened.value);
  ForEachDirEntry(os, proc.get(), [&](const char* name) {
    const int pid = ParseNumberName(name);
    if (pid > 0) {
      const SysCallIntResult held = HoldsWriteLock(os, pid, file);
      if (held.ok() && held.value == 1) holders.push_back(pid);
    }
    return true;
  });
  return holders;
}

}  // namespace daemonkit::internal
