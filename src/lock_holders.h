// Which processes hold a file's write lock, as /proc shows them: the proof
// that the pid a pid file names is its daemon (see pid_file.h).
//
// An open-file-description lock belongs to a descriptor, not to a process;
// F_OFD_GETLK reports no pid for it (l_pid is -1), and neither does
// /proc/locks. /proc/PID/fdinfo/FD lists the locks held through that one
// descriptor ("lock: 1: OFDLCK ADVISORY WRITE ..."), and /proc/PID/fd/FD is
// the file it is open on. Looking at another user's process needs the right
// to trace it (root, or the same user), so a proof may not be possible.
#ifndef DAEMONKIT_SRC_LOCK_HOLDERS_H_
#define DAEMONKIT_SRC_LOCK_HOLDERS_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <vector>

#include "daemonkit/os.h"

namespace daemonkit::internal {

// Whether `a` and `b` describe the same file (device and inode).
inline bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Whether process `pid` holds an open-file-description write lock on `file`
// through one of its descriptors: value 1 when it does, 0 when it does not.
// Fails as /proc does: ENOENT when `pid` is gone, EACCES when this process may
// not look at its descriptors.
SysCallIntResult HoldsWriteLock(Os& os, pid_t pid, const struct stat& file);

// The processes holding that lock among those this process may look at, in
// /proc's order.
std::vector<pid_t> WriteLockHolders(Os& os, const struct stat& file);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_LOCK_HOLDERS_H_
