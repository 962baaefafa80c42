// The user database as getent(1) prints it, for a statically linked program.
//
// glibc loads the name service modules nsswitch.conf names (systemd, sss,
// ldap, ...) with dlopen, which a static program cannot do safely: there,
// looking up a user that is not in /etc/passwd crashes in libnss_systemd.
// getent, dynamically linked, asks the same modules and prints the answer.
// It runs through Os (pipe, fork, exec, read, wait), so tests reach every
// step of it with a mock or the fault-injecting Os.
#ifndef DAEMONKIT_SRC_GETENT_USER_DATABASE_H_
#define DAEMONKIT_SRC_GETENT_USER_DATABASE_H_

#include "daemonkit/os.h"
#include "daemonkit/user_database.h"

namespace daemonkit::internal {

// Debian's libc-bin, which is Essential, always has it here.
inline constexpr char kGetentPath[] = "/usr/bin/getent";

// Whether this program was linked statically (it has no program interpreter),
// so that glibc's own name service lookups are unsafe in it.
bool LinkedStatically();

class GetentUserDatabase : public UserDatabase {
 public:
  // `os` must outlive the database.
  explicit GetentUserDatabase(Os& os) : os_(os) {}

  LookupResult<UserEntry> UserByName(const std::string& name) override;
  LookupResult<UserEntry> UserById(uid_t uid) override;
  LookupResult<GroupEntry> GroupByName(const std::string& name) override;
  LookupResult<std::vector<gid_t>> GroupsOf(const std::string& user,
                                            gid_t group) override;

 private:
  // Runs `getent DATABASE -- KEY`: the first line it printed when it found
  // KEY, nothing when it did not (exit status 2), or why it could not run.
  LookupResult<std::string> Run(const char* database, const std::string& key);

  Os& os_;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_GETENT_USER_DATABASE_H_
