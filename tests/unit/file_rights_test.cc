// OpenWithRightsOf, mock-driven: the daemon's files are opened with its
// user's filesystem ids and groups, and root's come back whatever happened.

#include "src/file_rights.h"

#include <errno.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;

constexpr uid_t kUser = 65534;
constexpr gid_t kGroup = 65533;

Credentials Nobody() { return {kUser, kGroup, {kGroup, 100}, "nobody"}; }

class FileRightsTest : public ::testing::Test {
 protected:
  // Root, whose one supplementary group is 0, saved.
  void ExpectGroupsSaved() {
    EXPECT_CALL(os_, GetUid()).WillOnce(Return(0));
    EXPECT_CALL(os_, GetGroups(0, nullptr)).WillOnce(Return(SysCallSuccess(1)));
    EXPECT_CALL(os_, GetGroups(1, _)).WillOnce(Invoke([](int, gid_t* groups) {
      groups[0] = 0;
      return SysCallSuccess(1);
    }));
  }
  // The user's groups and ids taken; SetFsUid's second answer says whether
  // the first took.
  void ExpectUsersRights(uid_t took) {
    EXPECT_CALL(os_, SetGroups(2, _))
        .WillOnce(Invoke([](size_t, const gid_t* groups) {
          EXPECT_THAT(std::vector<gid_t>(groups, groups + 2),
                      ElementsAre(kGroup, 100));
          return SysCallSuccess();
        }));
    EXPECT_CALL(os_, SetFsGid(kGroup)).WillOnce(Return(0));
    EXPECT_CALL(os_, SetFsUid(kUser)).WillOnce(Return(0));
    EXPECT_CALL(os_, SetFsGid(kGroup)).WillOnce(Return(kGroup));
    EXPECT_CALL(os_, SetFsUid(kUser)).WillOnce(Return(took));
  }
  // Root's rights back.
  void ExpectRootsRights() {
    EXPECT_CALL(os_, GetGid()).WillOnce(Return(0));
    EXPECT_CALL(os_, SetFsGid(0)).WillOnce(Return(kGroup));
    EXPECT_CALL(os_, SetFsUid(0)).WillOnce(Return(kUser));
    EXPECT_CALL(os_, SetFsGid(0)).WillOnce(Return(0));
    EXPECT_CALL(os_, SetFsUid(0)).WillOnce(Return(0));
    EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallSuccess()));
  }

  StrictMock<MockOs> os_;
  int opened_ = 0;
  std::function<absl::StatusOr<UniqueFd>()> open_ = [this] {
    ++opened_;
    return absl::StatusOr<UniqueFd>(UniqueFd());
  };
};

TEST_F(FileRightsTest, OpensAsTheUserThenTakesRootsRightsBack) {
  InSequence in_order;
  ExpectGroupsSaved();
  ExpectUsersRights(kUser);
  ExpectRootsRights();
  EXPECT_THAT(OpenWithRightsOf(os_, Nobody(), open_), IsOk());
  EXPECT_EQ(opened_, 1);
}

TEST_F(FileRightsTest, IdsThatDidNotTakeOpenNothing) {
  InSequence in_order;
  ExpectGroupsSaved();
  ExpectUsersRights(0);  // Still root's: setfsuid refused.
  ExpectRootsRights();
  EXPECT_THAT(OpenWithRightsOf(os_, Nobody(), open_),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "taking the rights of user nobody failed: Operation "
                       "not permitted"));
  EXPECT_EQ(opened_, 0);
}

TEST_F(FileRightsTest, RightsThatCannotBeTakenBackFailTheOpen) {
  InSequence in_order;
  ExpectGroupsSaved();
  ExpectUsersRights(kUser);
  EXPECT_CALL(os_, GetGid()).WillOnce(Return(0));
  EXPECT_CALL(os_, SetFsGid(0)).WillOnce(Return(kGroup));
  EXPECT_CALL(os_, SetFsUid(0)).WillOnce(Return(kUser));
  EXPECT_CALL(os_, SetFsGid(0)).WillOnce(Return(0));
  EXPECT_CALL(os_, SetFsUid(0)).WillOnce(Return(0));
  EXPECT_CALL(os_, SetGroups(1, _)).WillOnce(Return(SysCallFailure(EPERM)));
  EXPECT_THAT(OpenWithRightsOf(os_, Nobody(), open_),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "taking root's rights back failed: Operation not "
                       "permitted"));
}

TEST_F(FileRightsTest, GroupsThatCannotBeSetOpenNothing) {
  InSequence in_order;
  ExpectGroupsSaved();
  EXPECT_CALL(os_, SetGroups(2, _)).WillOnce(Return(SysCallFailure(EINVAL)));
  EXPECT_THAT(OpenWithRightsOf(os_, Nobody(), open_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(opened_, 0);
}

TEST_F(FileRightsTest, WithoutAUserOrWithoutRootItOpensAsItIs) {
  Credentials group_only = Nobody();
  group_only.uid.reset();
  EXPECT_THAT(OpenWithRightsOf(os_, group_only, open_), IsOk());
  EXPECT_CALL(os_, GetUid()).WillOnce(Return(1000));
  EXPECT_THAT(OpenWithRightsOf(os_, Nobody(), open_), IsOk());
  EXPECT_EQ(opened_, 2);
}

}  // namespace
}  // namespace daemonkit::internal
