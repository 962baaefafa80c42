// The user and groups a daemon runs as: resolved from names before the first
// fork (the daemon may be in a chroot without /etc by then), applied after it.
#ifndef DAEMONKIT_SRC_CREDENTIALS_H_
#define DAEMONKIT_SRC_CREDENTIALS_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/user_database.h"
#include "src/after_fork_failure.h"

namespace daemonkit::internal {

struct Credentials {
  std::optional<uid_t> uid;   // Unset: keep the user.
  gid_t gid = 0;              // The primary group.
  std::vector<gid_t> groups;  // Supplementary groups.
  std::string name;           // The user's name, for messages.
};

// Resolves `user` and `group` (names or numeric ids; either may be empty)
// in `users`.
// With a user, the group defaults to the user's own and the supplementary
// groups are the user's; with a group alone, it is the only group. Unknown
// names, and the id (uid_t)-1 that belongs to no one, fail with kNotFound and
// EX_NOUSER. Returns nullopt when both are empty, or when a caller other than
// root names its own user and group: there is nothing to change. Any other
// change needs root, and says so before anything forks.
absl::StatusOr<std::optional<Credentials>> ResolveCredentials(
    Os& os, UserDatabase& users, const std::string& user,
    const std::string& group);

// Whether `credentials` may create and remove files in the directory `info`
// describes.
bool CanWriteDirectory(const Credentials& credentials, const struct stat& info);

// Switches to `credentials`: supplementary groups, then the group, then the
// user, in that order; then checks that the old ids cannot be regained.
// Allocates nothing: for the daemon, after fork.
AfterForkFailure DropPrivileges(Os& os, const Credentials& credentials);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_CREDENTIALS_H_
