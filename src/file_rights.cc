#include "src/file_rights.h"

#include <sysexits.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "src/errno_status.h"

namespace daemonkit::internal {
namespace {

// This process's supplementary groups; fails as getgroups(2) does.
SysCallIntResult SavedGroups(Os& os, std::vector<gid_t>* groups) {
  const SysCallIntResult count = os.GetGroups(0, nullptr);
  if (!count.ok()) return count;
  groups->resize(static_cast<size_t>(count.value));
  const SysCallIntResult got = os.GetGroups(count.value, groups->data());
  if (got.ok()) groups->resize(static_cast<size_t>(got.value));
  return got;
}

// Sets the filesystem ids; setfsuid(2) reports no failure, but asking again
// with the same id returns it when it took.
bool SetFsIds(Os& os, uid_t uid, gid_t gid) {
  os.SetFsGid(gid);
  os.SetFsUid(uid);
  return static_cast<gid_t>(os.SetFsGid(gid)) == gid &&
         static_cast<uid_t>(os.SetFsUid(uid)) == uid;
}

}  // namespace

absl::StatusOr<UniqueFd> OpenWithRightsOf(
    Os& os, const Credentials& credentials,
    const std::function<absl::StatusOr<UniqueFd>()>& open) {
  if (!credentials.uid.has_value() || os.GetUid() != 0) return open();
  const std::string step =
      absl::StrCat("taking the rights of user ", credentials.name);
  std::vector<gid_t> saved;
  if (const SysCallIntResult got = SavedGroups(os, &saved); !got.ok()) {
    return ErrnoStatus(step, got.error, EX_OSERR);
  }
  if (const SysCallIntResult set =
          os.SetGroups(credentials.groups.size(), credentials.groups.data());
      !set.ok()) {
    return ErrnoStatus(step, set.error, EX_OSERR);
  }
  absl::StatusOr<UniqueFd> opened =
      SetFsIds(os, *credentials.uid, credentials.gid)
          ? open()
          : ErrnoStatus(step, EPERM, EX_OSERR);
  // Root's own rights back: nothing after this is done as the user, and a
  // launcher that could not take them back says so rather than go on.
  const bool ids_back = SetFsIds(os, 0, os.GetGid());
  const SysCallIntResult groups_back = os.SetGroups(saved.size(), saved.data());
  if (!ids_back || !groups_back.ok()) {
    return ErrnoStatus("taking root's rights back",
                       groups_back.ok() ? EPERM : groups_back.error, EX_OSERR);
  }
  return opened;
}

}  // namespace daemonkit::internal
