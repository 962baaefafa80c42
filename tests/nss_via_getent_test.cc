// The getent lookups against glibc's own, in this dynamically linked test:
// the same answers for the same keys.
#include "src/nss_via_getent.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace daemonkit::internal {
namespace {

constexpr char kUnknownUser[] = "daemonkit-no-such-user";

std::vector<std::string> Members(const struct group& entry) {
  std::vector<std::string> members;
  for (char** member = entry.gr_mem; *member != nullptr; ++member) {
    members.push_back(*member);
  }
  return members;
}

TEST(NssViaGetentTest, ThisTestIsLinkedDynamically) {
  EXPECT_FALSE(LinkedStatically());
}

TEST(NssViaGetentTest, UserByNameAndByIdAsGlibcHasIt) {
  struct passwd expected;
  struct passwd* found = nullptr;
  char expected_buffer[4096];
  ASSERT_EQ(getpwnam_r("root", &expected, expected_buffer,
                       sizeof expected_buffer, &found),
            0);
  ASSERT_NE(found, nullptr);
  for (const std::string key : {"root", "0"}) {
    struct passwd entry;
    char buffer[4096];
    const SysCallIntResult looked_up =
        GetentPasswd(key, &entry, buffer, sizeof buffer);
    ASSERT_EQ(looked_up.value, 1) << key << ": " << looked_up.error;
    EXPECT_STREQ(entry.pw_name, expected.pw_name);
    EXPECT_EQ(entry.pw_uid, expected.pw_uid);
    EXPECT_EQ(entry.pw_gid, expected.pw_gid);
    EXPECT_STREQ(entry.pw_dir, expected.pw_dir);
    EXPECT_STREQ(entry.pw_shell, expected.pw_shell);
  }
}

TEST(NssViaGetentTest, UnknownUserIsNotFoundWithoutError) {
  struct passwd entry;
  char buffer[4096];
  for (const std::string key : {kUnknownUser, "-x", "4000000000"}) {
    const SysCallIntResult looked_up =
        GetentPasswd(key, &entry, buffer, sizeof buffer);
    EXPECT_EQ(looked_up.value, 0) << key;
    EXPECT_EQ(looked_up.error, 0) << key;
  }
}

TEST(NssViaGetentTest, SmallBufferIsErange) {
  struct passwd entry;
  char buffer[8];
  const SysCallIntResult looked_up =
      GetentPasswd("root", &entry, buffer, sizeof buffer);
  EXPECT_EQ(looked_up.value, 0);
  EXPECT_EQ(looked_up.error, ERANGE);
}

TEST(NssViaGetentTest, GroupsAsGlibcHasThem) {
  // Every group of the machine, members included.
  setgrent();
  int compared = 0;
  while (struct group* expected = getgrent()) {
    const std::string name = expected->gr_name;
    const gid_t gid = expected->gr_gid;
    const std::vector<std::string> members = Members(*expected);
    struct group entry;
    char buffer[16384];
    const SysCallIntResult looked_up =
        GetentGroup(name, &entry, buffer, sizeof buffer);
    ASSERT_EQ(looked_up.value, 1) << name << ": " << looked_up.error;
    EXPECT_STREQ(entry.gr_name, name.c_str());
    EXPECT_EQ(entry.gr_gid, gid);
    EXPECT_EQ(Members(entry), members) << name;
    ++compared;
  }
  endgrent();
  EXPECT_GT(compared, 0);
}

TEST(NssViaGetentTest, GroupMembersNeedRoomToo) {
  struct group entry;
  char buffer[sizeof(char*)];  // Room for the members' array, not the name.
  const SysCallIntResult looked_up =
      GetentGroup("root", &entry, buffer, sizeof buffer);
  EXPECT_EQ(looked_up.value, 0);
  EXPECT_EQ(looked_up.error, ERANGE);
}

TEST(NssViaGetentTest, GroupListAsGetgrouplistHasIt) {
  for (const char* user : {"root", "nobody", kUnknownUser}) {
    gid_t expected[64];
    int expected_count = 64;
    ASSERT_GE(getgrouplist(user, 12345, expected, &expected_count), 0);
    gid_t groups[64];
    int count = 64;
    const SysCallIntResult listed =
        GetentGroupList(user, 12345, groups, &count);
    ASSERT_EQ(listed.value, expected_count) << user << ": " << listed.error;
    EXPECT_EQ(std::vector<gid_t>(groups, groups + count),
              std::vector<gid_t>(expected, expected + expected_count))
        << user;
  }
}

TEST(NssViaGetentTest, GroupListTooSmallSaysHowManyThereAre) {
  gid_t groups[1];
  int count = 0;
  const SysCallIntResult listed =
      GetentGroupList("root", 12345, groups, &count);
  EXPECT_EQ(listed.value, -1);
  EXPECT_EQ(listed.error, ERANGE);
  EXPECT_GE(count, 1);
}

}  // namespace
}  // namespace daemonkit::internal
