// The user database as glibc's getpwnam_r(3) and friends see it: for a
// dynamically linked program (see daemonkit/user_database.h).
#ifndef DAEMONKIT_SRC_NSS_USER_DATABASE_H_
#define DAEMONKIT_SRC_NSS_USER_DATABASE_H_

#include "daemonkit/user_database.h"

namespace daemonkit::internal {

class NssUserDatabase : public UserDatabase {
 public:
  LookupResult<UserEntry> UserByName(const std::string& name) override;
  LookupResult<UserEntry> UserById(uid_t uid) override;
  LookupResult<GroupEntry> GroupByName(const std::string& name) override;
  LookupResult<std::vector<gid_t>> GroupsOf(const std::string& user,
                                            gid_t group) override;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_NSS_USER_DATABASE_H_
