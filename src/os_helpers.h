// Small patterns for calling Os that more than one part of daemonkit needs.
#ifndef DAEMONKIT_SRC_OS_HELPERS_H_
#define DAEMONKIT_SRC_OS_HELPERS_H_

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "daemonkit/os.h"

namespace daemonkit::internal {

// Repeats `call` while it fails with EINTR. Never use it for Close: a closed
// descriptor is gone even when close(2) reports EINTR.
template <typename Call>
auto RetryOnEintr(Call call) {
  decltype(call()) result;
  do {
    result = call();
  } while (result.error == EINTR);
  return result;
}

// Moves `fd` to 3 or above (close-on-exec) when it is 0, 1 or 2, which
// happens when the process started with those closed: a daemon's dup2 onto
// its standard streams must never land on a descriptor it still needs.
inline SysCallIntResult MoveAboveStdio(Os& os, int fd) {
  if (fd > STDERR_FILENO) return {fd, 0};
  const SysCallIntResult moved =
      os.Fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  os.Close(fd);
  return moved;
}

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_OS_HELPERS_H_
