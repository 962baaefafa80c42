#include "src/errno_status.h"

#include <string.h>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"

namespace daemonkit::internal {

const char* ErrnoText(int error) {
  // strerrordesc_np reads a static table (glibc 2.32+); strerror may allocate.
  const char* text = strerrordesc_np(error);
  return text != nullptr ? text : "Unknown error";
}

absl::Status ErrnoStatus(absl::string_view step, int error, int exit_code) {
  return WithExitCode(
      absl::Status(absl::ErrnoToStatusCode(error),
                   absl::StrCat(step, " failed: ", ErrnoText(error))),
      exit_code);
}

}  // namespace daemonkit::internal
