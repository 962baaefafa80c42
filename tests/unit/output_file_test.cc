// OpenOutputFile, mock-driven: a daemon's output file is opened only where no
// user other than root, the caller and the daemon's user can choose it.

#include "daemonkit/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatusIs;
using ::testing::_;
using ::testing::DoAll;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr int kDirFd = 7;
constexpr int kFd = 8;
constexpr uid_t kCaller = 0;
constexpr uid_t kDaemonUser = 65534;
constexpr uid_t kOtherUser = 1000;
constexpr int kFlags =
    O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;

struct stat Entry(mode_t mode, uid_t owner, nlink_t links = 1) {
  struct stat info = {};
  info.st_mode = mode;
  info.st_uid = owner;
  info.st_nlink = links;
  return info;
}

const struct stat kRootsDirectory = Entry(S_IFDIR | 0755, 0);
const struct stat kTmp = Entry(S_IFDIR | 01777, 0);

class OutputFileTest : public ::testing::Test {
 protected:
  // /var/log opened and found to be `directory`.
  void ExpectDirectory(const struct stat& directory) {
    EXPECT_CALL(os_,
                Open(StrEq("/var/log"), O_PATH | O_DIRECTORY | O_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(kDirFd)));
    EXPECT_CALL(os_, FStat(kDirFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(directory), Return(SysCallSuccess())));
    EXPECT_CALL(os_, GetUid()).WillRepeatedly(Return(kCaller));
    EXPECT_CALL(os_, Close(kDirFd)).WillOnce(Return(SysCallSuccess()));
  }
  // app.log opened in it (never through a symbolic link), answering `opened`.
  void ExpectOpenedInIt(SysCallIntResult opened) {
    EXPECT_CALL(os_,
                OpenAt(kDirFd, StrEq("app.log"), kFlags | O_NOFOLLOW, 0644))
        .WillOnce(Return(opened));
  }
  // app.log, as the directory lists it (a link is not followed).
  void ExpectEntry(const struct stat& entry) {
    EXPECT_CALL(os_, FStatAt(kDirFd, StrEq("app.log"), _, AT_SYMLINK_NOFOLLOW))
        .WillOnce(DoAll(SetArgPointee<2>(entry), Return(SysCallSuccess())));
  }
  // The opened file is `file`.
  void ExpectFile(const struct stat& file) {
    EXPECT_CALL(os_, FStat(kFd, _))
        .WillOnce(DoAll(SetArgPointee<1>(file), Return(SysCallSuccess())));
  }
  void ExpectMadeBlocking() {
    EXPECT_CALL(os_, Fcntl(kFd, F_GETFL, 0))
        .WillOnce(Return(SysCallSuccess(O_WRONLY | O_APPEND | O_NONBLOCK)));
    EXPECT_CALL(os_, Fcntl(kFd, F_SETFL, O_WRONLY | O_APPEND))
        .WillOnce(Return(SysCallSuccess()));
  }
  absl::StatusOr<UniqueFd> Open(std::optional<uid_t> owner = std::nullopt) {
    return OpenOutputFile("log", "/var/log/app.log", owner, os_);
  }

  StrictMock<MockOs> os_;
};

TEST_F(OutputFileTest, OpensInItsDirectoryAndMakesTheDescriptorBlocking) {
  ExpectDirectory(kRootsDirectory);
  ExpectOpenedInIt(SysCallSuccess(kFd));
  ExpectFile(Entry(S_IFREG | 0644, 0));
  ExpectMadeBlocking();
  absl::StatusOr<UniqueFd> file = Open();
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(file->get(), kFd);
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
}

TEST_F(OutputFileTest, ADirectoryOthersMayWriteToWithoutStickyBitIsRefused) {
  for (const struct stat& directory :
       {Entry(S_IFDIR | 0777, 0), Entry(S_IFDIR | 0755, kOtherUser)}) {
    ExpectDirectory(directory);
    EXPECT_THAT(Open(),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         "log /var/log/app.log is in /var/log, where other "
                         "users may replace it"));
  }
}

TEST_F(OutputFileTest, TheDaemonsUsersDirectoryIsItsOwn) {
  ExpectDirectory(Entry(S_IFDIR | 0755, kDaemonUser));
  ExpectOpenedInIt(SysCallSuccess(kFd));
  ExpectFile(Entry(S_IFREG | 0644, kDaemonUser));
  ExpectMadeBlocking();
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(Open(kDaemonUser), IsOk());
}

TEST_F(OutputFileTest, ASymbolicLinkWhereOthersMayWriteIsNeverFollowed) {
  ExpectDirectory(kTmp);
  // O_CREAT with O_NOFOLLOW on a link: EACCES; without O_CREAT: ELOOP.
  ExpectOpenedInIt(SysCallFailure(EACCES));
  ExpectEntry(Entry(S_IFLNK | 0777, kOtherUser));
  absl::StatusOr<UniqueFd> file = Open();
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kFailedPrecondition,
                             "log /var/log/app.log is a symbolic link in "
                             "/var/log, where other users may write; refusing "
                             "to follow it"));
  EXPECT_THAT(file, HasExitCode(EX_CANTCREAT));
}

TEST_F(OutputFileTest, ASymbolicLinkInATrustedDirectoryIsFollowed) {
  ExpectDirectory(kRootsDirectory);
  ExpectOpenedInIt(SysCallFailure(ELOOP));
  ExpectEntry(Entry(S_IFLNK | 0777, 0));
  EXPECT_CALL(os_, Open(StrEq("/var/log/app.log"), kFlags, 0644))
      .WillOnce(Return(SysCallSuccess(kFd)));
  ExpectFile(Entry(S_IFREG | 0644, 0));
  ExpectMadeBlocking();
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(Open(), IsOk());
}

TEST_F(OutputFileTest, AFileAnotherUserOwnsIsRefusedEvenInASharedDirectory) {
  ExpectDirectory(kTmp);
  ExpectOpenedInIt(SysCallSuccess(kFd));
  ExpectFile(Entry(S_IFREG | 0666, kOtherUser));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               "log /var/log/app.log is owned by user 1000; "
                               "refusing a file another user controls"));
}

TEST_F(OutputFileTest, AHardLinkWhereOthersMayWriteIsRefused) {
  // Made where fs.protected_hardlinks is 0: root's file, under a name in /tmp.
  ExpectDirectory(kTmp);
  ExpectOpenedInIt(SysCallSuccess(kFd));
  ExpectFile(Entry(S_IFREG | 0640, 0, 2));
  EXPECT_CALL(os_, Close(kFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               "log /var/log/app.log has 2 names in a "
                               "directory other users may write to; refusing "
                               "a file that may be another one"));
}

TEST_F(OutputFileTest, AFifoNobodyReadsAndASocketAreNamedNotWaitedFor) {
  const struct {
    mode_t kind;
    const char* said;
  } kCases[] = {
      {S_IFIFO, "log /var/log/app.log is a FIFO that no process reads"},
      {S_IFSOCK, "log /var/log/app.log is a socket"},
  };
  for (const auto& c : kCases) {
    ExpectDirectory(kRootsDirectory);
    ExpectOpenedInIt(SysCallFailure(ENXIO));
    ExpectEntry(Entry(c.kind | 0644, 0));
    EXPECT_THAT(Open(),
                StatusIs(absl::StatusCode::kFailedPrecondition, c.said));
  }
}

TEST_F(OutputFileTest, OtherFailuresNameTheStepAndTheError) {
  ExpectDirectory(kRootsDirectory);
  ExpectOpenedInIt(SysCallFailure(EACCES));
  ExpectEntry(Entry(S_IFREG | 0600, 0));
  absl::StatusOr<UniqueFd> file = Open();
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kPermissionDenied,
                             "opening log /var/log/app.log failed: "
                             "Permission denied"));
  EXPECT_THAT(file, HasExitCode(EX_CANTCREAT));
}

TEST_F(OutputFileTest, AMissingDirectoryIsReported) {
  EXPECT_CALL(os_, Open(StrEq("/var/log"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kNotFound,
                               "opening log /var/log/app.log failed: No such "
                               "file or directory"));
}

TEST_F(OutputFileTest, APathThatNamesNoFileIsRefusedBeforeAnySystemCall) {
  for (const char* path : {"/var/log/", "/var/log/..", ""}) {
    EXPECT_THAT(OpenOutputFile("log", path, std::nullopt, os_),
                HasExitCode(EX_USAGE));
  }
}

}  // namespace
}  // namespace daemonkit
