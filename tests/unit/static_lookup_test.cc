// In a statically linked program the system's user database runs getent:
// glibc's own lookups would load libnss_systemd into it and crash on a name
// that is not in /etc/passwd.
#include <memory>

#include "daemonkit/user_database.h"
#include "gtest/gtest.h"
#include "src/getent_user_database.h"

namespace daemonkit {
namespace {

class StaticLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!internal::LinkedStatically()) {
      GTEST_SKIP() << "sanitizer builds are not linked statically";
    }
  }
  std::unique_ptr<UserDatabase> users_ = SystemUserDatabase();
};

TEST_F(StaticLookupTest, TheSystemDatabaseIsGetent) {
  EXPECT_NE(dynamic_cast<internal::GetentUserDatabase*>(users_.get()), nullptr);
}

TEST_F(StaticLookupTest, UnknownUserAndGroupAreNotFound) {
  const LookupResult<UserEntry> user =
      users_->UserByName("daemonkit-no-such-user");
  EXPECT_FALSE(user.found.has_value());
  EXPECT_EQ(user.error, 0);
  const LookupResult<GroupEntry> group =
      users_->GroupByName("daemonkit-no-such-group");
  EXPECT_FALSE(group.found.has_value());
  EXPECT_EQ(group.error, 0);
}

TEST_F(StaticLookupTest, KnownUserGroupAndGroupList) {
  const LookupResult<UserEntry> nobody = users_->UserByName("nobody");
  ASSERT_TRUE(nobody.found.has_value()) << nobody.error;
  EXPECT_EQ(nobody.found->name, "nobody");
  const LookupResult<UserEntry> root = users_->UserById(0);
  ASSERT_TRUE(root.found.has_value()) << root.error;
  EXPECT_EQ(root.found->name, "root");
  const LookupResult<GroupEntry> group = users_->GroupByName("root");
  ASSERT_TRUE(group.found.has_value()) << group.error;
  EXPECT_EQ(group.found->gid, 0u);
  const LookupResult<std::vector<gid_t>> groups =
      users_->GroupsOf("nobody", nobody.found->gid);
  ASSERT_TRUE(groups.found.has_value()) << groups.error;
  EXPECT_EQ(groups.found->front(), nobody.found->gid);
}

}  // namespace
}  // namespace daemonkit
