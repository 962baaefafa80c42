#include "src/close_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include <algorithm>
#include <climits>

#include "daemonkit/unique_fd.h"
#include "src/dir_entries.h"

namespace daemonkit::internal {
namespace {

constexpr int kFirstFd = 3;

bool IsKept(absl::Span<const int> keep, int fd) {
  return std::binary_search(keep.begin(), keep.end(), fd);
}

// close_range over each gap between the kept descriptors.
SysCallIntResult CloseWithCloseRange(Os& os, absl::Span<const int> keep) {
  unsigned first = kFirstFd;
  for (int kept : keep) {
    if (static_cast<unsigned>(kept) > first) {
      const SysCallIntResult result = os.CloseRange(first, kept - 1, 0);
      if (!result.ok()) return result;
    }
    first = static_cast<unsigned>(kept) + 1;
  }
  return os.CloseRange(first, UINT_MAX, 0);
}

// Closes the descriptors /proc/self/fd lists. Closing while reading is safe:
// the directory is read by descriptor number, not by a snapshot.
SysCallIntResult CloseListedInProc(Os& os, absl::Span<const int> keep) {
  const SysCallIntResult opened =
      os.Open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (!opened.ok()) return opened;
  const UniqueFd dir(os, opened.value);
  return ForEachDirEntry(os, dir.get(), [&](const char* name) {
    const int fd = ParseNumberName(name);
    if (fd >= kFirstFd && fd != dir.get() && !IsKept(keep, fd)) {
      os.Close(fd);  // Never retried: the descriptor is gone either way.
    }
    return true;
  });
}

// The last resort: one close per possible descriptor.
SysCallIntResult CloseUpToLimit(Os& os, absl::Span<const int> keep) {
  struct rlimit limit;
  const SysCallIntResult got = os.GetRLimit(RLIMIT_NOFILE, &limit);
  if (!got.ok()) return got;
  const rlim_t end = std::min<rlim_t>(limit.rlim_cur, INT_MAX);
  for (int fd = kFirstFd; static_cast<rlim_t>(fd) < end; ++fd) {
    if (!IsKept(keep, fd)) os.Close(fd);
  }
  return {0, 0};
}

}  // namespace

SysCallIntResult CloseInheritedFds(Os& os, absl::Span<const int> keep) {
  const SysCallIntResult ranged = CloseWithCloseRange(os, keep);
  // ENOSYS: a kernel before 5.9; EPERM: a seccomp filter that forbids it.
  if (ranged.error != ENOSYS && ranged.error != EPERM) return ranged;
  const SysCallIntResult listed = CloseListedInProc(os, keep);
  if (listed.ok()) return listed;
  return CloseUpToLimit(os, keep);
}

}  // namespace daemonkit::internal
