// How daemonkit words a failed system call: "<step> failed: <errno text>".
#ifndef DAEMONKIT_SRC_ERRNO_STATUS_H_
#define DAEMONKIT_SRC_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace daemonkit::internal {

// The text of an errno value, without allocating.
const char* ErrnoText(int error);

// "<step> failed: <errno text>", with the status code errno maps to and
// `exit_code` (from sysexits.h) attached.
absl::Status ErrnoStatus(absl::string_view step, int error, int exit_code);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_ERRNO_STATUS_H_
