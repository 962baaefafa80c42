// User and group lookups through getent(1), for a statically linked process.
//
// glibc loads the name service modules nsswitch.conf names (systemd, sss,
// ldap, ...) with dlopen, which a static program cannot do safely: there,
// looking up a user that is not in /etc/passwd crashes in libnss_systemd.
// getent, dynamically linked, asks the same modules and prints the answer;
// these functions run it and return what getpwnam_r(3) and friends would.
#ifndef DAEMONKIT_SRC_NSS_VIA_GETENT_H_
#define DAEMONKIT_SRC_NSS_VIA_GETENT_H_

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>

#include <string>

#include "daemonkit/os.h"

namespace daemonkit::internal {

// Whether this program was linked statically (it has no program interpreter),
// so that glibc's own name service lookups are unsafe in it.
bool LinkedStatically();

// As getpwnam_r (a name) or getpwuid_r (a decimal uid) in Os::GetPwNam's
// terms: value 1 when found, 0 when not; error ERANGE when `size` is too
// small, or why getent could not be run.
SysCallIntResult GetentPasswd(const std::string& key, struct passwd* entry,
                              char* buffer, size_t size);

// As getgrnam_r, like GetentPasswd.
SysCallIntResult GetentGroup(const std::string& key, struct group* entry,
                             char* buffer, size_t size);

// As getgrouplist(3) in Os::GetGroupList's terms: `group` first, then the
// user's other groups; ERANGE when *count is too small (then *count says how
// many there are).
SysCallIntResult GetentGroupList(const char* user, gid_t group, gid_t* groups,
                                 int* count);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_NSS_VIA_GETENT_H_
