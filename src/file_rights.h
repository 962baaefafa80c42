// Opening a daemon's files with the daemon's rights, in a launcher that runs
// as root: a file only root may write (reached, say, through a symbolic link
// in a directory the daemon's user owns) stays out of that user's reach.
#ifndef DAEMONKIT_SRC_FILE_RIGHTS_H_
#define DAEMONKIT_SRC_FILE_RIGHTS_H_

#include <functional>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"
#include "src/credentials.h"

namespace daemonkit::internal {

// Runs `open` with the filesystem user and group ids and the supplementary
// groups of `credentials`' user, then takes root's back. Runs it as is when
// there is no user to switch to or this process is not root.
absl::StatusOr<UniqueFd> OpenWithRightsOf(
    Os& os, const Credentials& credentials,
    const std::function<absl::StatusOr<UniqueFd>()>& open);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_FILE_RIGHTS_H_
