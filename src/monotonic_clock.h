// The monotonic clock through Os, as absl::Time, for deadlines that a change
// of the wall clock must not move.
#ifndef DAEMONKIT_SRC_MONOTONIC_CLOCK_H_
#define DAEMONKIT_SRC_MONOTONIC_CLOCK_H_

#include <sysexits.h>
#include <time.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemonkit/os.h"
#include "src/errno_status.h"

namespace daemonkit::internal {

inline absl::StatusOr<absl::Time> MonotonicNow(Os& os) {
  struct timespec now;
  const SysCallIntResult got = os.ClockGetTime(CLOCK_MONOTONIC, &now);
  if (!got.ok()) {
    return ErrnoStatus("reading the monotonic clock", got.error, EX_OSERR);
  }
  return absl::TimeFromTimespec(now);
}

// poll(2)'s timeout for `deadline`, seen at `now`: -1 (none) for
// absl::InfiniteFuture(), otherwise the milliseconds left, rounded up so
// that a wake-up never comes before the deadline.
inline int PollTimeout(absl::Time now, absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - now;
  if (left <= absl::ZeroDuration()) return 0;
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_MONOTONIC_CLOCK_H_
