// The consumer's own daemon logic: one heartbeat line per call, written
// through daemonkit::Os so that a test can mock it.
#ifndef CONSUMER_HEARTBEAT_H_
#define CONSUMER_HEARTBEAT_H_

#include "absl/status/status.h"
#include "daemonkit/os.h"

namespace consumer {

// Writes "beat N\n" to `fd` in one write(2).
absl::Status Beat(daemonkit::Os& os, int fd, int n);

}  // namespace consumer

#endif  // CONSUMER_HEARTBEAT_H_
