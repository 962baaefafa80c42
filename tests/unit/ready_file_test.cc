// ReadyFile against a real file system: the file is there exactly between
// Set and Clear, whole, never through a link planted at its name; a
// directory where others may replace it is refused.

#include "src/ready_file.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/posix_os.h"
#include "gtest/gtest.h"

namespace daemonkit::internal {
namespace {

Os& os = PosixOs::Default();

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

bool Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

class ReadyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/ready-XXXXXX");
    ASSERT_NE(mkdtemp(dir.data()), nullptr) << std::strerror(errno);
    dir_ = dir;
    path_ = dir_ + "/app.ready";
  }

  std::string dir_;
  std::string path_;
};

TEST_F(ReadyFileTest, IsThereBetweenSetAndClear) {
  absl::StatusOr<ReadyFile> file = ReadyFile::Open(os, path_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE(Exists(path_));
  ASSERT_TRUE(file->Set(1234).ok());
  EXPECT_EQ(ReadAll(path_), "1234\n");
  struct stat info;
  ASSERT_EQ(stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0644u) << "any probe may read it";
  ASSERT_TRUE(file->Set(5678).ok());
  EXPECT_EQ(ReadAll(path_), "5678\n");
  ASSERT_TRUE(file->Clear().ok());
  EXPECT_FALSE(Exists(path_));
  EXPECT_TRUE(file->Clear().ok()) << "clearing twice is fine";
  EXPECT_EQ(rmdir(dir_.c_str()), 0) << "nothing else is left";
}

TEST_F(ReadyFileTest, OneLeftFromBeforeIsRemovedAtOpen) {
  std::ofstream(path_) << "99\n";
  absl::StatusOr<ReadyFile> file = ReadyFile::Open(os, path_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE(Exists(path_));
}

TEST_F(ReadyFileTest, ALinkPlantedAtItsNameIsReplacedNotFollowed) {
  const std::string target = dir_ + "/target";
  std::ofstream(target) << "precious\n";
  absl::StatusOr<ReadyFile> file = ReadyFile::Open(os, path_);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(symlink(target.c_str(), path_.c_str()), 0);
  ASSERT_TRUE(file->Set(7).ok());
  EXPECT_EQ(ReadAll(target), "precious\n");
  struct stat info;
  ASSERT_EQ(lstat(path_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  ASSERT_TRUE(file->Clear().ok());
  EXPECT_EQ(ReadAll(target), "precious\n");
}

TEST_F(ReadyFileTest, ADirectoryOthersMayCreateFilesInIsRefused) {
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  absl::StatusOr<ReadyFile> file = ReadyFile::Open(os, path_);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(ExitCodeOf(file.status()), EX_CANTCREAT);
  EXPECT_EQ(file.status().message(),
            absl::StrCat("ready file ", path_, " is in ", dir_,
                         ", where other users may create files"));
  // Sticky, as /tmp: others may not replace this process's files there,
  // but may make one of that name while it is not.
  ASSERT_EQ(chmod(dir_.c_str(), 01777), 0);
  EXPECT_FALSE(ReadyFile::Open(os, path_).ok());
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  EXPECT_TRUE(ReadyFile::Open(os, path_).ok());
}

TEST_F(ReadyFileTest, AMissingDirectoryIsNamed) {
  const std::string path = dir_ + "/missing/app.ready";
  absl::StatusOr<ReadyFile> file = ReadyFile::Open(os, path);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message(),
            absl::StrCat("opening the directory of ready file ", path,
                         " failed: No such file or directory"));
}

TEST_F(ReadyFileTest, APathThatNamesNoFileIsAUsageError) {
  absl::StatusOr<ReadyFile> file = ReadyFile::Open(os, dir_ + "/");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(ExitCodeOf(file.status()), EX_USAGE);
}

}  // namespace
}  // namespace daemonkit::internal
