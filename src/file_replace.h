// Small files others read, replaced whole (the supervisor's status record,
// the ready file): a reader sees the old text or the new one, never a mix,
// and never a file in the making.
#ifndef DAEMONKIT_SRC_FILE_REPLACE_H_
#define DAEMONKIT_SRC_FILE_REPLACE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "daemonkit/os.h"

namespace daemonkit::internal {

// Replaces `name` in the directory open at `dir_fd` with `text`, atomically:
// written whole to a fresh temporary name in the same directory,
// ".<name>.<pid>.tmp" (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644 whatever the
// umask: it sets the umask for a moment, so call it from a single-threaded
// process), then renamed over `name`. A temporary left by a crashed writer
// of the same pid is removed first; a failed write removes its own and
// leaves the old file as it was. Errors name the file as `what` ("service
// record") and carry EX_CANTCREAT (creating, renaming) or EX_IOERR
// (writing).
absl::Status ReplaceFileAt(Os& os, int dir_fd, const std::string& name,
                           absl::string_view text, absl::string_view what);

// Removes `name` in `dir_fd` (and nothing else); missing is fine.
absl::Status RemoveFileAt(Os& os, int dir_fd, const std::string& name,
                          absl::string_view what);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_FILE_REPLACE_H_
