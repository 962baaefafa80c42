// Who may decide what a daemon's file is (its pid file, its output): root,
// the caller's user, and the daemon's user, whose files are its own. Any
// other user who owns the file, or may replace it, could choose what the
// daemon writes to (docs/security.md).
#ifndef DAEMONKIT_SRC_FILE_TRUST_H_
#define DAEMONKIT_SRC_FILE_TRUST_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>

namespace daemonkit::internal {

struct FileTrust {
  uid_t caller;
  std::optional<uid_t> owner;  // The daemon's user.

  bool Trusts(uid_t uid) const {
    return uid == 0 || uid == caller || (owner.has_value() && uid == *owner);
  }
  // Whether a user it does not trust may create, rename or remove entries of
  // `directory`. Group write access is the administrator's grant: trusted.
  bool OthersMayWrite(const struct stat& directory) const {
    return (directory.st_mode & S_IWOTH) != 0 || !Trusts(directory.st_uid);
  }
  // Whether they may also replace the files of others there: they may not
  // in a sticky directory (as /tmp).
  bool OthersMayReplace(const struct stat& directory) const {
    return OthersMayWrite(directory) && (directory.st_mode & S_ISVTX) == 0;
  }
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_FILE_TRUST_H_
