// In a statically linked program PosixOs looks users and groups up through
// getent: glibc's own lookups would load libnss_systemd into it and crash on
// a name that is not in /etc/passwd.
#include <grp.h>
#include <pwd.h>

#include "daemonkit/posix_os.h"
#include "gtest/gtest.h"
#include "src/nss_via_getent.h"

namespace daemonkit {
namespace {

class StaticLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!internal::LinkedStatically()) {
      GTEST_SKIP() << "sanitizer builds are not linked statically";
    }
  }
  Os& os_ = PosixOs::Default();
};

TEST_F(StaticLookupTest, UnknownUserAndGroupAreNotFound) {
  struct passwd user;
  struct group group;
  char buffer[4096];
  EXPECT_EQ(os_.GetPwNam("daemonkit-no-such-user", &user, buffer, sizeof buffer)
                .value,
            0);
  EXPECT_EQ(
      os_.GetGrNam("daemonkit-no-such-group", &group, buffer, sizeof buffer)
          .value,
      0);
}

TEST_F(StaticLookupTest, KnownUserGroupAndGroupList) {
  struct passwd user;
  char buffer[4096];
  ASSERT_EQ(os_.GetPwNam("nobody", &user, buffer, sizeof buffer).value, 1);
  EXPECT_STREQ(user.pw_name, "nobody");
  const gid_t nobody_group = user.pw_gid;
  ASSERT_EQ(os_.GetPwUid(0, &user, buffer, sizeof buffer).value, 1);
  EXPECT_STREQ(user.pw_name, "root");
  struct group group;
  ASSERT_EQ(os_.GetGrNam("root", &group, buffer, sizeof buffer).value, 1);
  EXPECT_EQ(group.gr_gid, 0u);
  gid_t groups[64];
  int count = 64;
  ASSERT_GE(os_.GetGroupList("nobody", nobody_group, groups, &count).value, 1);
  EXPECT_EQ(groups[0], nobody_group);
}

}  // namespace
}  // namespace daemonkit
