// Resolving and dropping privileges, mock-driven: the order of the calls,
// each one failing, and the check that the old ids cannot come back.

#include "src/credentials.h"

#include <grp.h>
#include <pwd.h>
#include <sysexits.h>

#include "daemonkit/exit_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace daemonkit::internal {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::StrEq;
using ::testing::StrictMock;

// A GetPwNam/GetPwUid action finding `name` as uid 65534, group 65534.
auto FindsNobody(const char* name) {
  return [name](auto, struct passwd* entry, char*, size_t) {
    entry->pw_name = const_cast<char*>(name);
    entry->pw_uid = 65534;
    entry->pw_gid = 65534;
    return SysCallSuccess(1);
  };
}

TEST(ResolveCredentialsTest, UserBringsItsGroupAndSupplementaryGroups) {
  NiceMock<MockOs> os;
  EXPECT_CALL(os, GetPwNam(StrEq("nobody"), _, _, _))
      .WillOnce(Invoke(FindsNobody("nobody")));
  EXPECT_CALL(os, GetGroupList(StrEq("nobody"), 65534, _, _))
      .WillOnce(Invoke([](const char*, gid_t, gid_t* groups, int* count) {
        *count = 2;  // More than fit at first: asked again.
        return SysCallFailure(ERANGE);
      }))
      .WillOnce(Invoke([](const char*, gid_t, gid_t* groups, int* count) {
        groups[0] = 65534;
        groups[1] = 100;
        *count = 2;
        return SysCallSuccess(2);
      }));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, "nobody", "");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  ASSERT_TRUE(resolved->has_value());
  EXPECT_EQ((*resolved)->uid, 65534u);
  EXPECT_EQ((*resolved)->gid, 65534u);
  EXPECT_THAT((*resolved)->groups, ElementsAre(65534, 100));
}

TEST(ResolveCredentialsTest, UnknownNamesAreNoUser) {
  NiceMock<MockOs> os;
  EXPECT_CALL(os, GetPwNam(StrEq("ghost"), _, _, _))
      .WillOnce(Return(SysCallSuccess(0)));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, "ghost", "");
  EXPECT_EQ(resolved.status().message(), "unknown user 'ghost'");
  EXPECT_EQ(ExitCodeOf(resolved.status()), EX_NOUSER);
  EXPECT_CALL(os, GetGrNam(StrEq("ghosts"), _, _, _))
      .WillOnce(Return(SysCallSuccess(0)));
  resolved = ResolveCredentials(os, "", "ghosts");
  EXPECT_EQ(resolved.status().message(), "unknown group 'ghosts'");
  EXPECT_EQ(ExitCodeOf(resolved.status()), EX_NOUSER);
}

TEST(ResolveCredentialsTest, NumericGroupAloneIsTheOnlyGroup) {
  NiceMock<MockOs> os;
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, "", "4242");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_FALSE((*resolved)->uid.has_value());
  EXPECT_THAT((*resolved)->groups, ElementsAre(4242));
}

TEST(ResolveCredentialsTest, ChangingIdentityNeedsRoot) {
  NiceMock<MockOs> os;
  ON_CALL(os, GetUid()).WillByDefault(Return(1000));
  ON_CALL(os, GetGid()).WillByDefault(Return(1000));
  EXPECT_CALL(os, GetPwNam(StrEq("nobody"), _, _, _))
      .WillOnce(Invoke(FindsNobody("nobody")));
  absl::StatusOr<std::optional<Credentials>> resolved =
      ResolveCredentials(os, "nobody", "");
  EXPECT_EQ(resolved.status().message(), "running as user nobody needs root");
  EXPECT_EQ(ExitCodeOf(resolved.status()), EX_NOPERM);
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
  FailedStep failed = DropPrivileges(os_, credentials_);
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
  const FailedStep failed = DropPrivileges(os_, credentials_);
  EXPECT_STREQ(failed.step, "dropping privileges");
  EXPECT_STREQ(failed.reason, "the old user id came back");
}

}  // namespace
}  // namespace daemonkit::internal
