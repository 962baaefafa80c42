// Resolving and dropping privileges, mock-driven: the order of the calls,
// each one failing, and the check that the old ids cannot come back.

#include "src/credentials.h"

#include <errno.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "daemonkit/exit_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "mocks/mock_user_database.h"
#include "src/after_fork_failure.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrictMock;

LookupResult<UserEntry> Nobody() { return {UserEntry{"nobody", 65534, 65534}}; }

TEST(ResolveCredentialsTest, UserBringsItsGroupAndSupplementaryGroups) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;
  EXPECT_CALL(users, UserByName("nobody")).WillOnce(Return(Nobody()));
  EXPECT_CALL(users, GroupsOf("nobody", 65534))
      .WillOnce(Return(LookupResult<std::vector<gid_t>>{{{65534, 100}}}));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "nobody", "");
  ASSERT_THAT(resolved, IsOk());
  ASSERT_TRUE(resolved->has_value());
  EXPECT_EQ((*resolved)->uid, 65534u);
  EXPECT_EQ((*resolved)->gid, 65534u);
  EXPECT_THAT((*resolved)->groups, ElementsAre(65534, 100));
}

TEST(ResolveCredentialsTest, NumericUserIsLookedUpById) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;
  EXPECT_CALL(users, UserById(65534)).WillOnce(Return(Nobody()));
  EXPECT_CALL(users, GroupsOf("nobody", 65534))
      .WillOnce(Return(LookupResult<std::vector<gid_t>>{{{65534}}}));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "65534", "");
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ((*resolved)->name, "nobody");
}

TEST(ResolveCredentialsTest, NumericUserWithoutEntryNeedsAGroup) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;
  EXPECT_CALL(users, UserById(4242))
      .WillRepeatedly(Return(LookupResult<UserEntry>{}));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "4242", "");
  EXPECT_THAT(
      resolved,
      HasMessage("user 4242 has no passwd entry: name a group for it too"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOUSER));
  resolved = ResolveCredentials(os, users, "4242", "4343");
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ((*resolved)->uid, 4242u);
  EXPECT_THAT((*resolved)->groups, ElementsAre(4343));
}

TEST(ResolveCredentialsTest, UnknownNamesAreNoUser) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;
  EXPECT_CALL(users, UserByName("ghost"))
      .WillOnce(Return(LookupResult<UserEntry>{}));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "ghost", "");
  EXPECT_THAT(resolved, HasMessage("unknown user 'ghost'"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOUSER));
  EXPECT_CALL(users, GroupByName("ghosts"))
      .WillOnce(Return(LookupResult<GroupEntry>{}));
  resolved = ResolveCredentials(os, users, "", "ghosts");
  EXPECT_THAT(resolved, HasMessage("unknown group 'ghosts'"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOUSER));
}

TEST(ResolveCredentialsTest, FailedLookupsNameTheirStepAndErrno) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;
  EXPECT_CALL(users, UserByName("nobody"))
      .WillOnce(Return(LookupResult<UserEntry>{std::nullopt, EIO}))
      .WillOnce(Return(Nobody()));
  EXPECT_CALL(users, GroupsOf("nobody", 65534))
      .WillOnce(Return(LookupResult<std::vector<gid_t>>{std::nullopt, EAGAIN}));
  EXPECT_CALL(users, GroupByName("staff"))
      .WillOnce(Return(LookupResult<GroupEntry>{std::nullopt, EMFILE}));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "nobody", "");
  EXPECT_THAT(resolved,
              HasMessage("looking up user nobody failed: Input/output error"));
  EXPECT_THAT(resolved, HasExitCode(EX_OSERR));
  resolved = ResolveCredentials(os, users, "nobody", "");
  EXPECT_THAT(
      resolved,
      HasMessage("listing the groups of nobody failed: Resource temporarily "
                 "unavailable"));
  resolved = ResolveCredentials(os, users, "", "staff");
  EXPECT_THAT(resolved,
              HasMessage("looking up group staff failed: Too many open files"));
}

TEST(ResolveCredentialsTest, NumericGroupAloneIsTheOnlyGroup) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "", "4242");
  ASSERT_THAT(resolved, IsOk());
  EXPECT_FALSE((*resolved)->uid.has_value());
  EXPECT_THAT((*resolved)->groups, ElementsAre(4242));
}

TEST(ResolveCredentialsTest, NumericIdsBeyondTheirTypeAreUnknown) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;  // Never asked.
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "4294967296", "");
  EXPECT_THAT(resolved, HasMessage("unknown user '4294967296'"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOUSER));
  resolved = ResolveCredentials(os, users, "", "4294967296");
  EXPECT_THAT(resolved, HasMessage("unknown group '4294967296'"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOUSER));
}

// (uid_t)-1 and (gid_t)-1 fit their types, but setuid(2), setgid(2) and
// chown(2) read them as "no change": no one has them.
TEST(ResolveCredentialsTest, IdMinusOneIsNoOnes) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;  // Never asked.
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "4294967295", "0");
  EXPECT_THAT(resolved, HasMessage("unknown user '4294967295'"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOUSER));
  resolved = ResolveCredentials(os, users, "", "4294967295");
  EXPECT_THAT(resolved, HasMessage("unknown group '4294967295'"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOUSER));
}

// Without root even setgroups(2) to the same list fails (EPERM): naming
// oneself must change nothing rather than fail after the fork.
TEST(ResolveCredentialsTest, CallerOtherThanRootNamingItselfChangesNothing) {
  NiceMock<MockOs> os;
  StrictMock<MockUserDatabase> users;  // GroupsOf is never asked.
  ON_CALL(os, GetUid()).WillByDefault(Return(1000));
  ON_CALL(os, GetGid()).WillByDefault(Return(1000));
  EXPECT_CALL(users, UserByName("me"))
      .WillOnce(Return(LookupResult<UserEntry>{UserEntry{"me", 1000, 1000}}));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "me", "");
  ASSERT_THAT(resolved, IsOk());
  EXPECT_FALSE(resolved->has_value());
  EXPECT_CALL(users, UserById(1000))
      .WillOnce(Return(LookupResult<UserEntry>{}));  // No passwd entry.
  resolved = ResolveCredentials(os, users, "1000", "1000");
  ASSERT_THAT(resolved, IsOk());
  EXPECT_FALSE(resolved->has_value());
  resolved = ResolveCredentials(os, users, "", "1000");
  ASSERT_THAT(resolved, IsOk());
  EXPECT_FALSE(resolved->has_value());
  resolved = ResolveCredentials(os, users, "", "1001");
  EXPECT_THAT(resolved, HasMessage("running as group 1001 needs root"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOPERM));
}

TEST(ResolveCredentialsTest, ChangingIdentityNeedsRoot) {
  NiceMock<MockOs> os;
  NiceMock<MockUserDatabase> users;
  ON_CALL(os, GetUid()).WillByDefault(Return(1000));
  ON_CALL(os, GetGid()).WillByDefault(Return(1000));
  EXPECT_CALL(users, UserByName("nobody")).WillOnce(Return(Nobody()));
  ON_CALL(users, GroupsOf)
      .WillByDefault(Return(LookupResult<std::vector<gid_t>>{{{65534}}}));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, users, "nobody", "");
  EXPECT_THAT(resolved, HasMessage("running as user nobody needs root"));
  EXPECT_THAT(resolved, HasExitCode(EX_NOPERM));
}

// A directory owned by uid 1000 and gid 2000 with `mode`.
struct stat Directory(mode_t mode) {
  struct stat info = {};
  info.st_mode = S_IFDIR | mode;
  info.st_uid = 1000;
  info.st_gid = 2000;
  return info;
}

TEST(CanWriteDirectoryTest, GoesByTheClassTheUserIsInAsTheKernelDoes) {
  Credentials owner;
  owner.uid = 1000;
  owner.groups = {2000};
  Credentials member;
  member.uid = 1001;
  member.groups = {3000, 2000};
  Credentials other;
  other.uid = 1002;
  other.groups = {3000};
  EXPECT_TRUE(CanWriteDirectory(owner, Directory(0700)));
  EXPECT_FALSE(CanWriteDirectory(owner, Directory(0500)));
  // The owner's bits decide for the owner, even when the group's allow.
  EXPECT_FALSE(CanWriteDirectory(owner, Directory(0570)));
  EXPECT_TRUE(CanWriteDirectory(member, Directory(0730)));
  EXPECT_FALSE(CanWriteDirectory(member, Directory(0707)));
  EXPECT_TRUE(CanWriteDirectory(other, Directory(0703)));
  EXPECT_FALSE(CanWriteDirectory(other, Directory(0702))) << "needs x too";
}

TEST(CanWriteDirectoryTest, RootAndAGroupAloneCanWriteAnywhere) {
  Credentials root;
  root.uid = 0;
  EXPECT_TRUE(CanWriteDirectory(root, Directory(0500)));
  Credentials group_only;  // No user to switch to: the launcher's, root.
  group_only.groups = {3000};
  EXPECT_TRUE(CanWriteDirectory(group_only, Directory(0500)));
}

class DropPrivilegesTest : public ::testing::Test {
 protected:
  DropPrivilegesTest() {
    credentials_.uid = 65534;
    credentials_.gid = 65534;
    credentials_.groups = {65534};
    credentials_.name = "nobody";
    EXPECT_CALL(os_, GetUid()).WillRepeatedly(Return(0));
    EXPECT_CALL(os_, GetGid()).WillRepeatedly(Return(0));
  }
  StrictMock<MockOs> os_;
  Credentials credentials_;
};

TEST_F(DropPrivilegesTest, GroupsThenGroupThenUserThenTheCheck) {
  InSequence in_order;
  EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetGid(65534)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetUid(65534)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetUid(0)).WillOnce(Return(SysCallFailure(EPERM)));
  EXPECT_CALL(os_, SetGid(0)).WillOnce(Return(SysCallFailure(EPERM)));
  EXPECT_FALSE(DropPrivileges(os_, credentials_).failed());
}

TEST_F(DropPrivilegesTest, EachFailureNamesItsStep) {
  EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallFailure(EPERM)));
  AfterForkFailure failed = DropPrivileges(os_, credentials_);
  EXPECT_STREQ(failed.step, "setgroups");
  EXPECT_EQ(failed.error, EPERM);

  EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetGid(65534)).WillOnce(Return(SysCallFailure(EINVAL)));
  EXPECT_STREQ(DropPrivileges(os_, credentials_).step, "setgid");

  EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetGid(65534)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetUid(65534)).WillOnce(Return(SysCallFailure(EAGAIN)));
  EXPECT_STREQ(DropPrivileges(os_, credentials_).step, "setuid");
}

TEST_F(DropPrivilegesTest, RegainingTheOldUserIsAFailure) {
  EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetGid(65534)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetUid(65534)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetUid(0)).WillOnce(Return(SysCallSuccess()));
  const AfterForkFailure failed = DropPrivileges(os_, credentials_);
  EXPECT_STREQ(failed.step, "dropping privileges");
  EXPECT_STREQ(failed.reason, "the old user id came back");
}

TEST_F(DropPrivilegesTest, RegainingTheOldGroupIsAFailure) {
  EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetGid(65534)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetUid(65534)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, SetUid(0)).WillOnce(Return(SysCallFailure(EPERM)));
  EXPECT_CALL(os_, SetGid(0)).WillOnce(Return(SysCallSuccess()));
  const AfterForkFailure failed = DropPrivileges(os_, credentials_);
  EXPECT_STREQ(failed.step, "dropping privileges");
  EXPECT_STREQ(failed.reason, "the old group id came back");
}

}  // namespace
}  // namespace daemonkit::internal
