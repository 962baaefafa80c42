#include "src/nss_user_database.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>

#include <string>

namespace daemonkit::internal {
namespace {

constexpr size_t kFirstBufferSize = 4096;
constexpr size_t kLargestBufferSize = 1 << 20;

// Runs a getpw*_r/getgr*_r style `lookup` with `buffer`, grown on ERANGE;
// returns what the last call returned. The entry points into `buffer`.
template <typename Lookup>
int WithGrowingBuffer(std::string& buffer, Lookup lookup) {
  buffer.resize(kFirstBufferSize);
  for (;;) {
    const int error = lookup(buffer.data(), buffer.size());
    if (error != ERANGE || buffer.size() >= kLargestBufferSize) return error;
    buffer.resize(buffer.size() * 2);
  }
}

// getpwnam_r and friends report "no such entry" in several ways.
bool MeansNotFound(int error) {
  return error == 0 || error == ENOENT || error == ESRCH || error == EBADF ||
         error == EPERM;
}

template <typename Entry>
LookupResult<Entry> Result(bool found, int error, Entry entry) {
  if (found) return {std::move(entry), 0};
  if (MeansNotFound(error)) return {};
  return {std::nullopt, error};
}

template <typename Lookup>
LookupResult<UserEntry> FindUser(Lookup lookup) {
  struct passwd entry;
  struct passwd* found = nullptr;
  std::string strings;
  const int error = WithGrowingBuffer(strings, [&](char* buffer, size_t size) {
    return lookup(&entry, buffer, size, &found);
  });
  if (found == nullptr) return Result(false, error, UserEntry());
  return Result(true, 0,
                UserEntry{found->pw_name, found->pw_uid, found->pw_gid});
}

}  // namespace

LookupResult<UserEntry> NssUserDatabase::UserByName(const std::string& name) {
  return FindUser([&](struct passwd* entry, char* buffer, size_t size,
                      struct passwd** found) {
    return getpwnam_r(name.c_str(), entry, buffer, size, found);
  });
}

LookupResult<UserEntry> NssUserDatabase::UserById(uid_t uid) {
  return FindUser([&](struct passwd* entry, char* buffer, size_t size,
                      struct passwd** found) {
    return getpwuid_r(uid, entry, buffer, size, found);
  });
}

LookupResult<GroupEntry> NssUserDatabase::GroupByName(const std::string& name) {
  struct group entry;
  struct group* found = nullptr;
  std::string strings;
  const int error = WithGrowingBuffer(strings, [&](char* buffer, size_t size) {
    return getgrnam_r(name.c_str(), &entry, buffer, size, &found);
  });
  if (found == nullptr) return Result(false, error, GroupEntry());
  return Result(true, 0, GroupEntry{found->gr_name, found->gr_gid});
}

LookupResult<std::vector<gid_t>> NssUserDatabase::GroupsOf(
    const std::string& user, gid_t group) {
  std::vector<gid_t> groups(32);
  for (;;) {
    int count = static_cast<int>(groups.size());
    const int listed = getgrouplist(user.c_str(), group, groups.data(), &count);
    if (listed >= 0) {
      groups.resize(static_cast<size_t>(listed));
      return {std::move(groups), 0};
    }
    // Too small: count now says how many there are.
    if (count <= static_cast<int>(groups.size())) return {std::nullopt, ERANGE};
    groups.resize(static_cast<size_t>(count));
  }
}

}  // namespace daemonkit::internal
