// Closing every descriptor a daemon inherited, in time that does not grow with
// RLIMIT_NOFILE: close_range(2) first, then the list in /proc/self/fd, and a
// loop up to the limit only when neither is available.
#ifndef DAEMONKIT_SRC_CLOSE_FDS_H_
#define DAEMONKIT_SRC_CLOSE_FDS_H_

#include "absl/types/span.h"
#include "daemonkit/os.h"

namespace daemonkit::internal {

// Closes every descriptor from 3 up, except those in `keep` (sorted,
// ascending, each >= 3). Allocates nothing: safe after fork.
SysCallIntResult CloseInheritedFds(Os& os, absl::Span<const int> keep);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_CLOSE_FDS_H_
