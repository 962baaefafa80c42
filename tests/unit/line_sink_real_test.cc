// FileSink and SyslogSink against the kernel: a real file (cut short by
// RLIMIT_FSIZE, moved away by a logrotate) and a real AF_UNIX datagram
// socket that a syslog daemon's restart removes and binds again.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemonkit/line_sink.h"
#include "daemonkit/posix_os.h"
#include "gtest/gtest.h"

namespace daemonkit {
namespace {

Os& os = PosixOs::Default();

// Socket paths must fit in sun_path (108 bytes), which TEST_TMPDIR may not:
// a directory of the test's own under /tmp.
class TempDirectory {
 public:
  TempDirectory() {
    char created[] = "/tmp/daemonkit-sink-XXXXXX";
    if (mkdtemp(created) != nullptr) path_ = created;
  }
  ~TempDirectory() {
    if (!path_.empty()) rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A syslog daemon's socket: datagrams bound at `path`.
class SyslogDaemon {
 public:
  explicit SyslogDaemon(std::string path) : path_(std::move(path)) { Start(); }
  ~SyslogDaemon() { Stop(); }

  // A restart: the socket removed and made anew at the same path.
  void Restart() {
    Stop();
    Start();
  }
  bool bound() const { return bound_; }

  // The next datagram, or "" when none comes within 5 s.
  std::string Receive() {
    struct pollfd readable = {fd_, POLLIN, 0};
    if (poll(&readable, 1, 5000) != 1) return "";
    char buffer[4096];
    const ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
    return got > 0 ? std::string(buffer, static_cast<size_t>(got)) : "";
  }
  // No datagram waits.
  bool Empty() {
    struct pollfd readable = {fd_, POLLIN, 0};
    return poll(&readable, 1, 0) == 0;
  }

 private:
  void Start() {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {};
    address.sun_family = AF_UNIX;
    if (path_.size() >= sizeof address.sun_path) return;
    memcpy(address.sun_path, path_.data(), path_.size());
    bound_ = bind(fd_, reinterpret_cast<struct sockaddr*>(&address),
                  sizeof address) == 0;
  }
  void Stop() {
    close(fd_);
    unlink(path_.c_str());
    bound_ = false;
  }

  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string Contents(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

int OpenDescriptors() {
  DIR* directory = opendir("/proc/self/fd");
  if (directory == nullptr) return -1;
  int count = 0;
  while (readdir(directory) != nullptr) ++count;
  closedir(directory);
  return count;
}

// kBytes holds three records of kSizes.
const std::string kBytes = "<14>one\n<14>two two\n<14>three three three\n";
const std::vector<size_t> kSizes = {8, 12, 22};

TEST(SyslogSinkRealTest, RecordsArriveAsDatagramsAndFollowARestart) {
  TempDirectory directory;
  ASSERT_FALSE(directory.path().empty());
  const std::string path = absl::StrCat(directory.path(), "/log");
  SyslogDaemon daemon(path);
  ASSERT_TRUE(daemon.bound());
  SyslogSink sink(os, path);

  LineSink::Written written = sink.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 3);
  EXPECT_EQ(written.error, 0);
  EXPECT_EQ(daemon.Receive(), "<14>one\n");
  EXPECT_EQ(daemon.Receive(), "<14>two two\n");
  EXPECT_EQ(daemon.Receive(), "<14>three three three\n");
  EXPECT_TRUE(daemon.Empty());

  daemon.Restart();
  ASSERT_TRUE(daemon.bound());
  written = sink.Write(kBytes.substr(8, 12), {12});
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(written.error, 0);
  EXPECT_EQ(daemon.Receive(), "<14>two two\n");
}

TEST(SyslogSinkRealTest, DaemonDownIsReportedAndReachedOnceBack) {
  TempDirectory directory;
  ASSERT_FALSE(directory.path().empty());
  const std::string path = absl::StrCat(directory.path(), "/log");
  SyslogSink sink(os, path);
  LineSink::Written written = sink.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 0);
  EXPECT_EQ(written.error, ENOENT);
  EXPECT_FALSE(sink.Reopen().ok());

  SyslogDaemon daemon(path);
  ASSERT_TRUE(daemon.bound());
  EXPECT_TRUE(sink.Reopen().ok());
  written = sink.Write(kBytes.substr(0, 8), {8});
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(daemon.Receive(), "<14>one\n");
}

class FileSinkRealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(
        getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        ".log");
    fd_ = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd_, 0);
  }

  std::string path_;
  int fd_ = -1;
};

TEST_F(FileSinkRealTest, AppendsTheRecords) {
  FileSink sink(os, UniqueFd(os, fd_), path_);
  const LineSink::Written written = sink.Write(kBytes, kSizes);
  EXPECT_EQ(written.records, 3);
  EXPECT_EQ(written.error, 0);
  EXPECT_EQ(sink.Write(kBytes.substr(0, 8), {8}).records, 1);
  EXPECT_EQ(Contents(path_), kBytes + "<14>one\n");
}

// RLIMIT_FSIZE for the scope; SIGXFSZ ignored, so that a write past it fails
// with EFBIG instead of killing the test.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_limit_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = old_limit_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_limit_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  struct rlimit old_limit_;
  sighandler_t old_handler_;
};

TEST_F(FileSinkRealTest, WriteCutShortIsTakenBackToTheLastWholeRecord) {
  FileSink sink(os, UniqueFd(os, fd_), path_);
  ASSERT_EQ(sink.Write(kBytes.substr(0, 8), {8}).records, 1);
  LineSink::Written written;
  {
    // Room for the file's record, the first of kBytes and half the second.
    FileSizeLimit limit(8 + 8 + 6);
    written = sink.Write(kBytes, kSizes);
  }
  EXPECT_EQ(written.records, 1);
  EXPECT_EQ(written.error, EFBIG);
  EXPECT_EQ(Contents(path_), "<14>one\n<14>one\n");
  // The rest goes whole once there is room.
  written = sink.Write(kBytes.substr(8), {12, 22});
  EXPECT_EQ(written.records, 2);
  EXPECT_EQ(Contents(path_), "<14>one\n" + kBytes);
}

TEST_F(FileSinkRealTest, ReopenFollowsTheFileOnTheSameNumber) {
  FileSink sink(os, UniqueFd(os, fd_), path_);
  ASSERT_EQ(sink.Write(kBytes.substr(0, 8), {8}).records, 1);
  const std::string rotated = path_ + ".1";
  ASSERT_EQ(rename(path_.c_str(), rotated.c_str()), 0);
  ASSERT_TRUE(sink.Reopen().ok());
  EXPECT_EQ(sink.fd(), fd_);
  EXPECT_EQ(fcntl(fd_, F_GETFD), FD_CLOEXEC);
  ASSERT_EQ(sink.Write(kBytes.substr(8, 12), {12}).records, 1);
  EXPECT_EQ(Contents(rotated), "<14>one\n");
  EXPECT_EQ(Contents(path_), "<14>two two\n");
}

TEST_F(FileSinkRealTest, ReopenLeavesNoDescriptorBehind) {
  FileSink sink(os, UniqueFd(os, fd_), path_);
  const int before = OpenDescriptors();
  ASSERT_TRUE(sink.Reopen().ok());
  EXPECT_EQ(OpenDescriptors(), before);
}

}  // namespace
}  // namespace daemonkit
