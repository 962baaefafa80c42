// Reading a directory through Os, entry by entry, without allocating, so
// that the daemon can walk /proc/self/fd after fork as well as a reader can
// walk /proc.
#ifndef DAEMONKIT_SRC_DIR_ENTRIES_H_
#define DAEMONKIT_SRC_DIR_ENTRIES_H_

#include <dirent.h>
#include <limits.h>

#include "daemonkit/os.h"

namespace daemonkit::internal {

// The number a directory entry's name spells ("42" in /proc or /proc/PID/fd);
// -1 for any other name, "." and ".." among them.
inline int ParseNumberName(const char* name) {
  if (*name == '\0') return -1;
  int number = 0;
  for (; *name != '\0'; ++name) {
    if (*name < '0' || *name > '9' || number > (INT_MAX - 9) / 10) return -1;
    number = number * 10 + (*name - '0');
  }
  return number;
}

// Calls `visit(name)` for each entry of the directory open at `dir_fd`, until
// it returns false. Fails as getdents64(2) fails; entries added or removed
// while it reads may or may not be seen.
template <typename Visit>
SysCallIntResult ForEachDirEntry(Os& os, int dir_fd, Visit visit) {
  alignas(struct dirent64) char buffer[4096];
  for (;;) {
    const SysCallSizeResult got = os.GetDents(dir_fd, buffer, sizeof buffer);
    if (!got.ok() || got.value == 0) return {got.ok() ? 0 : -1, got.error};
    for (ssize_t offset = 0; offset < got.value;) {
      const auto* entry = reinterpret_cast<struct dirent64*>(buffer + offset);
      offset += entry->d_reclen;
      if (!visit(static_cast<const char*>(entry->d_name))) return {0, 0};
    }
  }
}

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_DIR_ENTRIES_H_
