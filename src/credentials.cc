#include "src/credentials.h"

#include <errno.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "src/after_fork_failure.h"
#include "src/errno_status.h"

namespace daemonkit::internal {
namespace {

bool IsNumber(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

absl::Status UnknownUser(const std::string& what, const std::string& name) {
  return WithExitCode(
      absl::NotFoundError(absl::StrCat("unknown ", what, " '", name, "'")),
      EX_NOUSER);
}

// Fills in the user's id, name and primary group; with a numeric id that has
// no passwd entry, the id alone.
absl::Status ResolveUser(UserDatabase& users, const std::string& user,
                         Credentials& credentials,
                         std::optional<gid_t>& user_group) {
  LookupResult<UserEntry> found;
  credentials.name = user;
  if (IsNumber(user)) {
    uid_t uid;
    // (uid_t)-1 is no one's id: to setuid(2) and chown(2) it means "no change".
    if (!absl::SimpleAtoi(user, &uid) || uid == static_cast<uid_t>(-1)) {
      return UnknownUser("user", user);
    }
    credentials.uid = uid;
    found = users.UserById(uid);
  } else {
    found = users.UserByName(user);
    if (found.ok() && !found.found.has_value()) {
      return UnknownUser("user", user);
    }
  }
  if (!found.ok()) {
    return ErrnoStatus(absl::StrCat("looking up user ", user), found.error,
                       EX_OSERR);
  }
  if (found.found.has_value()) {
    credentials.uid = found.found->uid;
    credentials.name = found.found->name;
    user_group = found.found->gid;
  }
  return absl::OkStatus();
}

absl::Status ResolveGroup(UserDatabase& users, const std::string& group,
                          Credentials& credentials) {
  if (IsNumber(group)) {
    if (!absl::SimpleAtoi(group, &credentials.gid) ||
        credentials.gid == static_cast<gid_t>(-1)) {
      return UnknownUser("group", group);
    }
    return absl::OkStatus();
  }
  const LookupResult<GroupEntry> found = users.GroupByName(group);
  if (!found.ok()) {
    return ErrnoStatus(absl::StrCat("looking up group ", group), found.error,
                       EX_OSERR);
  }
  if (!found.found.has_value()) return UnknownUser("group", group);
  credentials.gid = found.found->gid;
  return absl::OkStatus();
}

// For a caller other than root, which can change neither its ids nor its
// groups (even setgroups(2) to the same list needs CAP_SETGID): naming its
// own user and group is fine and changes nothing; anything else is refused
// now, rather than by EPERM after the fork.
absl::Status CheckOwnIdentity(Os& os, const Credentials& credentials,
                              const std::string& user,
                              const std::string& group) {
  if (credentials.uid.value_or(os.GetUid()) == os.GetUid() &&
      credentials.gid == os.GetGid()) {
    return absl::OkStatus();
  }
  return WithExitCode(
      absl::PermissionDeniedError(absl::StrCat(
          "running as ", user.empty() ? "group " + group : "user " + user,
          " needs root")),
      EX_NOPERM);
}

}  // namespace

absl::StatusOr<std::optional<Credentials>> ResolveCredentials(
    Os& os, UserDatabase& users, const std::string& user,
    const std::string& group) {
  if (user.empty() && group.empty()) return std::nullopt;
  Credentials credentials;
  std::optional<gid_t> user_group;
  if (!user.empty()) {
    if (absl::Status found = ResolveUser(users, user, credentials, user_group);
        !found.ok()) {
      return found;
    }
  }
  if (!group.empty()) {
    if (absl::Status found = ResolveGroup(users, group, credentials);
        !found.ok()) {
      return found;
    }
  } else if (user_group.has_value()) {
    credentials.gid = *user_group;
  } else {
    return WithExitCode(
        absl::NotFoundError(absl::StrCat("user ", user,
                                         " has no passwd entry: name a group "
                                         "for it too")),
        EX_NOUSER);
  }
  if (os.GetUid() != 0) {
    absl::Status own = CheckOwnIdentity(os, credentials, user, group);
    if (!own.ok()) return own;
    return std::nullopt;  // Nothing to change.
  }
  credentials.groups = {credentials.gid};
  if (user_group.has_value()) {
    // The user's supplementary groups, as initgroups(3) would set them.
    LookupResult<std::vector<gid_t>> listed =
        users.GroupsOf(credentials.name, credentials.gid);
    if (!listed.ok()) {
      return ErrnoStatus(absl::StrCat("listing the groups of ", user),
                         listed.error, EX_OSERR);
    }
    credentials.groups = *std::move(listed.found);
  }
  return credentials;
}

bool CanWriteDirectory(const Credentials& credentials,
                       const struct stat& info) {
  const uid_t uid = credentials.uid.value_or(0);
  if (uid == 0) return true;
  const bool member =
      std::find(credentials.groups.begin(), credentials.groups.end(),
                info.st_gid) != credentials.groups.end();
  const mode_t needed = info.st_uid == uid ? S_IWUSR | S_IXUSR
                        : member           ? S_IWGRP | S_IXGRP
                                           : S_IWOTH | S_IXOTH;
  return (info.st_mode & needed) == needed;
}

AfterForkFailure DropPrivileges(Os& os, const Credentials& credentials) {
  const uid_t old_uid = os.GetUid();
  const gid_t old_gid = os.GetGid();
  if (const SysCallIntResult set =
          os.SetGroups(credentials.groups.size(), credentials.groups.data());
      !set.ok()) {
    return {"setgroups", nullptr, set.error};
  }
  if (const SysCallIntResult set = os.SetGid(credentials.gid); !set.ok()) {
    return {"setgid", nullptr, set.error};
  }
  if (credentials.uid.has_value()) {
    if (const SysCallIntResult set = os.SetUid(*credentials.uid); !set.ok()) {
      return {"setuid", nullptr, set.error};
    }
  }
  // Checked, not assumed: a process that can take its old ids back has not
  // dropped anything.
  if (credentials.uid.has_value() && *credentials.uid != old_uid &&
      os.SetUid(old_uid).ok()) {
    return {"dropping privileges", nullptr, 0, "the old user id came back"};
  }
  const bool left_root = old_uid == 0 && credentials.uid.value_or(0) != 0;
  if (left_root && credentials.gid != old_gid && os.SetGid(old_gid).ok()) {
    return {"dropping privileges", nullptr, 0, "the old group id came back"};
  }
  return {};
}

}  // namespace daemonkit::internal
