// daemonkit::OpenOutputFile: open a file a daemon writes to (its stdout or
// stderr, a log) so that no other local user can choose what it writes to.
//
// Refused, each with one line saying what was found (EX_CANTCREAT):
//  - a file another user owns: they control what it holds;
//  - a file in a directory another user may write to, unless the directory is
//    sticky (as /tmp is): they could replace the file at any moment;
//  - in a directory others may write to, a symbolic link (followed, it would
//    let them choose the file, whatever fs.protected_symlinks says) and a
//    file with more than one name (a hard link to a file of root's, made
//    where fs.protected_hardlinks is 0);
//  - a socket, and a FIFO no process reads (opening it would wait for one).
// "Another user" is anyone but root, the caller's user, and `owner`: the
// daemon's user, whose files are its own. A symbolic link elsewhere is
// followed: a directory only trusted users write to is their choice.
//
// A missing file is created with mode 0644. The descriptor is O_APPEND,
// close-on-exec and blocking (a FIFO with a reader is a fine output).
#ifndef DAEMONKIT_OUTPUT_FILE_H_
#define DAEMONKIT_OUTPUT_FILE_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit {

// Opens `path` for appending; `what` names it in messages ("log", "stdout
// file").
absl::StatusOr<UniqueFd> OpenOutputFile(
    const std::string& what, const std::string& path,
    std::optional<uid_t> owner = std::nullopt, Os& os = PosixOs::Default());

}  // namespace daemonkit

#endif  // DAEMONKIT_OUTPUT_FILE_H_
