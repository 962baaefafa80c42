// Exit codes from sysexits.h carried on an absl::Status.
//
// A launcher that ends its process turns the failure it met into an exit
// status that init scripts and service managers understand: EX_OSERR for a
// failed system call, EX_USAGE for a bad option, EX_CANTCREAT for an output
// file that cannot be created, ...
#ifndef DAEMONKIT_EXIT_CODE_H_
#define DAEMONKIT_EXIT_CODE_H_

#include "absl/status/status.h"

namespace daemonkit {

// Returns `status` with `exit_code` attached; an ok status stays as it is.
absl::Status WithExitCode(absl::Status status, int exit_code);

// The exit code for `status`: 0 when ok, the attached code when there is one,
// EX_USAGE for kInvalidArgument, and EX_SOFTWARE otherwise.
int ExitCodeOf(const absl::Status& status);

}  // namespace daemonkit

#endif  // DAEMONKIT_EXIT_CODE_H_
