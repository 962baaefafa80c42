// daemonkit::UserDatabase: users and groups by name or id, as the system's
// name service (nsswitch.conf: files, systemd, sss, ldap, ...) knows them.
//
// These lookups are not system calls, so they are not in Os: glibc answers
// them through modules it loads at run time, which a statically linked
// program cannot do safely (looking up a user who is not in /etc/passwd
// crashes in libnss_systemd). The system's database therefore asks glibc in a
// dynamically linked program, and runs getent(1) through Os in a static one,
// where tests reach it like every other path. Tests of code that looks users
// up inject a MockUserDatabase (@daemonkit//mocks:mock_user_database).
#ifndef DAEMONKIT_USER_DATABASE_H_
#define DAEMONKIT_USER_DATABASE_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"

namespace daemonkit {

struct UserEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;  // The user's primary group.
};

struct GroupEntry {
  std::string name;
  gid_t gid = 0;
};

// What a lookup found: `found` unset with `error` 0 means there is no such
// entry; `error` is the errno when the lookup itself failed.
template <typename T>
struct LookupResult {
  std::optional<T> found;
  int error = 0;

  bool ok() const { return error == 0; }
};

class UserDatabase {
 public:
  virtual ~UserDatabase() = default;

  virtual LookupResult<UserEntry> UserByName(const std::string& name) = 0;
  virtual LookupResult<UserEntry> UserById(uid_t uid) = 0;
  virtual LookupResult<GroupEntry> GroupByName(const std::string& name) = 0;
  // The groups initgroups(3) would give `user`: `group` first, then each
  // other group that lists the user as a member. Always found when ok.
  virtual LookupResult<std::vector<gid_t>> GroupsOf(const std::string& user,
                                                    gid_t group) = 0;
};

// The system's database: glibc's lookups in a dynamically linked program,
// getent(1) run through `os` (which must outlive it) in a static one.
std::unique_ptr<UserDatabase> SystemUserDatabase(Os& os = PosixOs::Default());

}  // namespace daemonkit

#endif  // DAEMONKIT_USER_DATABASE_H_
