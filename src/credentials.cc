#include "src/credentials.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"

namespace daemonkit::internal {
namespace {

constexpr size_t kFirstBufferSize = 4096;
constexpr size_t kLargestBufferSize = 1 << 20;

bool IsNumber(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

// getpwnam_r and friends report "no such entry" in several ways.
bool NotFound(const SysCallIntResult& looked_up) {
  return looked_up.value == 0 &&
         (looked_up.error == 0 || looked_up.error == ENOENT ||
          looked_up.error == ESRCH || looked_up.error == EBADF ||
          looked_up.error == EPERM);
}

// Runs a getpw*_r/getgr*_r style `lookup` with a buffer that grows on ERANGE.
template <typename Lookup>
SysCallIntResult WithBuffer(std::string& buffer, Lookup lookup) {
  buffer.resize(kFirstBufferSize);
  for (;;) {
    const SysCallIntResult looked_up = lookup(buffer.data(), buffer.size());
    if (looked_up.error != ERANGE || buffer.size() >= kLargestBufferSize) {
      return looked_up;
    }
    buffer.resize(buffer.size() * 2);
  }
}

absl::Status UnknownUser(const std::string& what, const std::string& name) {
  return WithExitCode(
      absl::NotFoundError(absl::StrCat("unknown ", what, " '", name, "'")),
      EX_NOUSER);
}

}  // namespace

absl::StatusOr<std::optional<Credentials>> ResolveCredentials(
    Os& os, const std::string& user, const std::string& group) {
  if (user.empty() && group.empty()) return std::nullopt;
  Credentials credentials;
  std::string buffer;
  std::optional<gid_t> user_group;
  if (!user.empty()) {
    struct passwd entry;
    SysCallIntResult found;
    if (IsNumber(user)) {
      uid_t uid;
      if (!absl::SimpleAtoi(user, &uid)) return UnknownUser("user", user);
      credentials.uid = uid;
      found = WithBuffer(buffer, [&](char* data, size_t size) {
        return os.GetPwUid(uid, &entry, data, size);
      });
    } else {
      found = WithBuffer(buffer, [&](char* data, size_t size) {
        return os.GetPwNam(user.c_str(), &entry, data, size);
      });
      if (NotFound(found)) return UnknownUser("user", user);
    }
    if (!found.ok() && !NotFound(found)) {
      return StepFailed(absl::StrCat("looking up user ", user), found.error,
                        EX_OSERR);
    }
    credentials.name = user;
    if (found.value == 1) {
      credentials.uid = entry.pw_uid;
      credentials.name = entry.pw_name;
      user_group = entry.pw_gid;
    }
  }
  if (!group.empty()) {
    if (IsNumber(group)) {
      if (!absl::SimpleAtoi(group, &credentials.gid)) {
        return UnknownUser("group", group);
      }
    } else {
      struct group entry;
      const SysCallIntResult found =
          WithBuffer(buffer, [&](char* data, size_t size) {
            return os.GetGrNam(group.c_str(), &entry, data, size);
          });
      if (NotFound(found)) return UnknownUser("group", group);
      if (!found.ok()) {
        return StepFailed(absl::StrCat("looking up group ", group), found.error,
                          EX_OSERR);
      }
      credentials.gid = entry.gr_gid;
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
  credentials.groups = {credentials.gid};
  if (user_group.has_value()) {
    // The user's supplementary groups, as initgroups(3) would set them.
    int count = 32;
    for (;;) {
      credentials.groups.resize(static_cast<size_t>(count));
      const SysCallIntResult listed =
          os.GetGroupList(credentials.name.c_str(), credentials.gid,
                          credentials.groups.data(), &count);
      if (listed.ok()) {
        credentials.groups.resize(static_cast<size_t>(listed.value));
        break;
      }
      if (listed.error != ERANGE || count <= 0) {
        return StepFailed(absl::StrCat("listing the groups of ", user),
                          listed.error, EX_OSERR);
      }
    }
  }
  const bool same_user =
      !credentials.uid.has_value() || *credentials.uid == os.GetUid();
  if (os.GetUid() != 0 && (!same_user || credentials.gid != os.GetGid())) {
    return WithExitCode(
        absl::PermissionDeniedError(absl::StrCat(
            "running as ", user.empty() ? "group " + group : "user " + user,
            " needs root")),
        EX_NOPERM);
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

FailedStep DropPrivileges(Os& os, const Credentials& credentials) {
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
