// ExecLeanInit (tools/lean_init_launch.h) against a MockOs: daemonize-init
// beside this program runs, through the descriptor that was checked, with
// this program as its child; one that another user could have put there or
// changed never does.

#include "tools/lean_init_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace daemonkit::tools {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::NotNull;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr int kDir = 10;
constexpr int kInit = 11;
constexpr uid_t kNobody = 65534;
const char kSelf[] = "/usr/local/bin/daemonize";

struct stat Entry(mode_t mode, uid_t owner) {
  struct stat info = {};
  info.st_mode = mode;
  info.st_uid = owner;
  return info;
}

// execve(2)'s argv holds exactly `expected`.
MATCHER_P(ArgvIs, expected, "") {
  std::vector<std::string> got;
  for (char* const* each = arg; *each != nullptr; ++each) got.push_back(*each);
  return got == expected;
}

class LeanInitLaunchTest : public ::testing::Test {
 protected:
  void ExpectSelf() {
    EXPECT_CALL(os_, ReadLink(StrEq("/proc/self/exe"), NotNull(), _))
        .WillOnce([](const char*, char* buffer, size_t) {
          memcpy(buffer, kSelf, strlen(kSelf));
          return SysCallSizeResult{static_cast<ssize_t>(strlen(kSelf)), 0};
        });
    EXPECT_CALL(os_, GetUid()).WillRepeatedly(Return(0));
  }

  // The directory of kSelf, as `directory` says it is.
  void ExpectDirectory(const struct stat& directory) {
    EXPECT_CALL(os_, Open(StrEq("/usr/local/bin/"),
                          O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(kDir)));
    EXPECT_CALL(os_, FStat(kDir, NotNull()))
        .WillOnce(DoAll(SetArgPointee<1>(directory), Return(SysCallSuccess())));
    EXPECT_CALL(os_, Close(kDir)).WillOnce(Return(SysCallSuccess()));
  }

  // daemonize-init in it, as `file` says it is.
  void ExpectInit(const struct stat& file) {
    EXPECT_CALL(os_, OpenAt(kDir, StrEq("daemonize-init"),
                            O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0))
        .WillOnce(Return(SysCallSuccess(kInit)));
    EXPECT_CALL(os_, FStat(kInit, NotNull()))
        .WillOnce(DoAll(SetArgPointee<1>(file), Return(SysCallSuccess())));
    EXPECT_CALL(os_, Close(kInit)).WillOnce(Return(SysCallSuccess()));
  }

  void Launch() {
    ExecLeanInit(os_, absl::Milliseconds(8500), {"--init", "--", "app"});
  }

  StrictMock<MockOs> os_;
};

TEST_F(LeanInitLaunchTest, RunsTheCheckedFileWithThisProgramAsItsChild) {
  ExpectSelf();
  ExpectDirectory(Entry(S_IFDIR | 0755, 0));
  ExpectInit(Entry(S_IFREG | 0755, 0));
  const std::vector<std::string> argv = {"daemonize-init",
                                         "--stop-timeout-ms=8500",
                                         "--",
                                         kSelf,
                                         "--init-child",
                                         "--init",
                                         "--",
                                         "app"};
  EXPECT_CALL(os_, ExecVe(StrEq("/proc/self/fd/11"), ArgvIs(argv), _))
      .WillOnce(
          Return(SysCallFailure(ENOEXEC)));  // Returns: the caller goes on.
  Launch();
}

// In a shared directory, sticky or not, another user could have made the
// name: nothing there is opened.
TEST_F(LeanInitLaunchTest, NeverRunsOneFromADirectoryOthersMayWrite) {
  for (const struct stat& directory :
       {Entry(S_IFDIR | 01777, 0), Entry(S_IFDIR | 0777, 0),
        Entry(S_IFDIR | 0755, kNobody)}) {
    ExpectSelf();
    ExpectDirectory(directory);
    Launch();
    ::testing::Mock::VerifyAndClearExpectations(&os_);
  }
}

TEST_F(LeanInitLaunchTest, NeverRunsOneAnotherUserOwnsOrMayWrite) {
  for (const struct stat& file :
       {Entry(S_IFREG | 0755, kNobody), Entry(S_IFREG | 0757, 0),
        Entry(S_IFDIR | 0755, 0)}) {
    ExpectSelf();
    ExpectDirectory(Entry(S_IFDIR | 0755, 0));
    ExpectInit(file);
    Launch();
    ::testing::Mock::VerifyAndClearExpectations(&os_);
  }
}

TEST_F(LeanInitLaunchTest, WithoutProcOrDaemonizeInitNothingHappens) {
  EXPECT_CALL(os_, ReadLink(StrEq("/proc/self/exe"), NotNull(), _))
      .WillOnce(Return(SysCallSizeResult{-1, ENOENT}));
  Launch();
  ::testing::Mock::VerifyAndClearExpectations(&os_);
  ExpectSelf();
  ExpectDirectory(Entry(S_IFDIR | 0755, 0));
  EXPECT_CALL(os_, OpenAt(kDir, StrEq("daemonize-init"), _, 0))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  Launch();
}

}  // namespace
}  // namespace daemonkit::tools
