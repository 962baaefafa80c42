// How daemonkit words a failed system call: "<step> failed: <errno text>".
#ifndef DAEMONKIT_SRC_STEP_FAILED_H_
#define DAEMONKIT_SRC_STEP_FAILED_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace daemonkit::internal {

// The text of an errno value, without allocating.
const char* ErrnoText(int error);

// "<step> failed: <errno text>", with the status code errno maps to and
// `exit_code` (from sysexits.h) attached.
absl::Status StepFailed(absl::string_view step, int error, int exit_code);

// A step that failed after fork, described without allocating, for the
// launcher to word: "<step> <subject> failed: <reason or errno text>".
struct FailedStep {
  const char* step = nullptr;     // Null: nothing failed.
  const char* subject = nullptr;  // Optional: a path, a stream's name.
  int error = 0;                  // errno, when a system call failed.
  const char* reason = nullptr;   // Said instead of the errno text.

  bool failed() const { return step != nullptr; }
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_STEP_FAILED_H_
