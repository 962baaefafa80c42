// After fork only the calling thread exists, and locks the other threads held
// stay held forever: Detach refuses to run beside other threads.
#ifndef DAEMONKIT_SRC_SINGLE_THREAD_CHECK_H_
#define DAEMONKIT_SRC_SINGLE_THREAD_CHECK_H_

#include "absl/status/status.h"
#include "daemonkit/os.h"

namespace daemonkit::internal {

// Ok when this process has one thread, as /proc/self/stat counts them;
// kFailedPrecondition (EX_SOFTWARE) with the count when it has more.
absl::Status CheckSingleThreaded(Os& os);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SINGLE_THREAD_CHECK_H_
