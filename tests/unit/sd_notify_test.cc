// sd_notify against a real AF_UNIX datagram socket the test binds, in both
// address forms, and Detach's foreground and daemon modes telling it READY;
// the limits of an address and a failing socket(2) with MockOs.

#include "daemonkit/sd_notify.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemonkit/detach.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/status_matchers.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatusIs;
using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;

// A datagram socket bound at `address` (NOTIFY_SOCKET's form).
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& address) : address_(address) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un bound = {};
    bound.sun_family = AF_UNIX;
    if (address.size() >= sizeof bound.sun_path) return;
    memcpy(bound.sun_path, address.data(), address.size());
    const bool abstract = address[0] == '@';
    if (abstract) bound.sun_path[0] = '\0';
    bound_ = bind(fd_, reinterpret_cast<struct sockaddr*>(&bound),
                  offsetof(struct sockaddr_un, sun_path) + address.size() +
                      !abstract) == 0;
  }
  ~NotifySocket() {
    close(fd_);
    if (address_[0] == '/') unlink(address_.c_str());
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

  // The next datagram and the descriptor it carried (-1: none), within 5 s.
  std::string ReceiveWithFd(int* fd) {
    *fd = -1;
    struct pollfd readable = {fd_, POLLIN, 0};
    if (poll(&readable, 1, 5000) != 1) return "";
    char buffer[4096];
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    struct iovec vector = {buffer, sizeof buffer};
    struct msghdr message = {};
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t got = recvmsg(fd_, &message, MSG_CMSG_CLOEXEC);
    const struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    if (header != nullptr && header->cmsg_type == SCM_RIGHTS) {
      memcpy(fd, CMSG_DATA(header), sizeof *fd);
    }
    return got > 0 ? std::string(buffer, static_cast<size_t>(got)) : "";
  }

 private:
  std::string address_;
  int fd_;
  bool bound_ = false;
};

// Socket paths must fit in sun_path (108 bytes), which TEST_TMPDIR may not;
// and runs in other PID namespaces may share this pid: a directory of its
// own under /tmp, removed when the tests end.
class SocketDirectory : public ::testing::Environment {
 public:
  static const std::string& Path() {
    static const std::string* const path = [] {
      char created[] = "/tmp/daemonkit-notify-XXXXXX";
      return new std::string(mkdtemp(created) != nullptr ? created : "");
    }();
    return *path;
  }
  void TearDown() override {
    if (!Path().empty()) rmdir(Path().c_str());
  }
};
const ::testing::Environment* const kSocketDirectory =
    ::testing::AddGlobalTestEnvironment(new SocketDirectory);

std::string TempPath(const std::string& name) {
  return absl::StrCat(SocketDirectory::Path(), "/", name);
}

TEST(SdNotifyTest, PathAddress) {
  NotifySocket manager(TempPath("notify.sock"));
  ASSERT_TRUE(manager.bound());
  ASSERT_TRUE(SdNotify(TempPath("notify.sock"), "STATUS=Warming up").ok());
  EXPECT_EQ(manager.Receive(), "STATUS=Warming up");
}

TEST(SdNotifyTest, AbstractAddress) {
  const std::string address = absl::StrCat("@", TempPath("abstract"));
  NotifySocket manager(address);
  ASSERT_TRUE(manager.bound());
  ASSERT_TRUE(SdNotify(address, "STOPPING=1").ok());
  EXPECT_EQ(manager.Receive(), "STOPPING=1");
}

TEST(SdNotifyTest, FromTheEnvironmentOrNothing) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(SdNotify("READY=1").ok()) << "no manager: nothing to do";
  NotifySocket manager(TempPath("env.sock"));
  setenv("NOTIFY_SOCKET", TempPath("env.sock").c_str(), 1);
  EXPECT_TRUE(SdNotify("READY=1").ok());
  unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(manager.Receive(), "READY=1");
}

TEST(SdNotifyTest, BadAddressesAreNamed) {
  EXPECT_EQ(SdNotify("relative.sock", "READY=1").message(),
            "NOTIFY_SOCKET 'relative.sock' is neither an absolute path nor an "
            "abstract '@' name");
  EXPECT_EQ(SdNotify(TempPath("nobody-listens"), "READY=1").message(),
            absl::StrCat("notifying ", TempPath("nobody-listens"),
                         " failed: No such file or directory"));
}

TEST(SdNotifyTest, EmptyNotifySocketMeansNoServiceManager) {
  StrictMock<MockOs> os;  // Nothing is sent.
  EXPECT_CALL(os, GetEnv(::testing::StrEq("NOTIFY_SOCKET")))
      .WillOnce(Return(""));
  EXPECT_THAT(SdNotify("READY=1", os), IsOk());
}

TEST(SdNotifyTest, AddressesLongerThanSunPathAreRefused) {
  StrictMock<MockOs> os;  // Nothing is sent.
  // sun_path holds 108 bytes: a path and its NUL, or an abstract name.
  for (const std::string& address :
       {"/" + std::string(107, 'x'), "@" + std::string(108, 'x')}) {
    const absl::Status sent = SdNotify(address, "READY=1", os);
    EXPECT_THAT(sent, StatusIs(absl::StatusCode::kInvalidArgument,
                               "NOTIFY_SOCKET '" + address + "' is too long"));
    EXPECT_THAT(sent, HasExitCode(EX_CONFIG));
  }
}

TEST(SdNotifyTest, LongestAddressesThatFitAreSentWhole) {
  const std::string path = "/" + std::string(106, 'p');
  const std::string abstract = "@" + std::string(107, 'a');
  struct Expected {
    std::string address;
    std::string sun_path;  // As sent: with its NUL, or '@' as a NUL.
  };
  for (const Expected& expected :
       {Expected{path, path + '\0'},
        Expected{abstract, '\0' + abstract.substr(1)}}) {
    StrictMock<MockOs> os;
    std::string sent_to;
    EXPECT_CALL(os, Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0))
        .WillOnce(Return(SysCallSuccess(9)));
    EXPECT_CALL(os, SendTo(9, _, 7, MSG_NOSIGNAL, _, _))
        .WillOnce(Invoke([&](int, const void*, size_t size, int,
                             const struct sockaddr* address, socklen_t length) {
          const auto* unix_address =
              reinterpret_cast<const struct sockaddr_un*>(address);
          EXPECT_EQ(unix_address->sun_family, AF_UNIX);
          sent_to.assign(unix_address->sun_path,
                         length - offsetof(struct sockaddr_un, sun_path));
          return SysCallSizeResult{static_cast<ssize_t>(size), 0};
        }));
    EXPECT_CALL(os, Close(9)).WillOnce(Return(SysCallSuccess()));
    EXPECT_THAT(SdNotify(expected.address, "READY=1", os), IsOk());
    EXPECT_EQ(sent_to, expected.sun_path);
  }
}

TEST(SdNotifyTest, SocketThatCannotBeCreatedIsReported) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0))
      .WillOnce(Return(SysCallFailure(EMFILE)));
  const absl::Status sent = SdNotify("/run/notify", "READY=1", os);
  EXPECT_THAT(sent,
              HasMessage("creating the notify socket failed: Too many open "
                         "files"));
  EXPECT_THAT(sent, HasExitCode(EX_OSERR));
}

TEST(SdNotifyTest, ForegroundDetachSaysExactlyReady) {
  const std::string address = TempPath("fg.sock");
  NotifySocket manager(address);
  ASSERT_TRUE(manager.bound());
  const pid_t child = fork();
  if (child == 0) {
    setenv("NOTIFY_SOCKET", address.c_str(), 1);
    DetachOptions options;
    options.foreground = true;
    absl::StatusOr<Daemon> daemon = Detach(options);
    _exit(daemon.ok() && daemon->Ready().ok() ? 0 : 1);
  }
  int status;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(manager.Receive(), "READY=1");
}

TEST(SdNotifyTest, DetachedDaemonNamesItsPid) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  NotifySocket manager(TempPath("bg.sock"));
  ASSERT_TRUE(manager.bound());
  setenv("NOTIFY_SOCKET", TempPath("bg.sock").c_str(), 1);
  absl::StatusOr<Daemon> daemon = Detach(DetachOptions());
  if (daemon.ok() && !daemon->in_launcher()) {
    _exit(daemon->Ready().ok() ? 0 : 1);
  }
  unsetenv("NOTIFY_SOCKET");
  ASSERT_THAT(daemon, IsOk());
  EXPECT_EQ(manager.Receive(),
            absl::StrCat("READY=1\nMAINPID=", daemon->pid()));
  waitpid(daemon->pid(), nullptr, 0);
}

TEST(SdNotifyTest, StatusIsOneLineAndErrnoANumber) {
  NotifySocket manager(TempPath("status.sock"));
  setenv("NOTIFY_SOCKET", TempPath("status.sock").c_str(), 1);
  EXPECT_THAT(SdNotifyStatus("two\nlines"), IsOk());
  EXPECT_THAT(SdNotifyErrno(ENOENT), IsOk());
  unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(manager.Receive(), "STATUS=two lines");
  EXPECT_EQ(manager.Receive(), absl::StrCat("ERRNO=", ENOENT));
}

TEST(SdNotifyTest, BarrierEndsWhenTheManagerClosesItsDescriptor) {
  NotifySocket manager(TempPath("barrier.sock"));
  setenv("NOTIFY_SOCKET", TempPath("barrier.sock").c_str(), 1);
  std::string said;
  std::thread reader([&] {
    int fd;
    said = manager.ReceiveWithFd(&fd);
    if (fd >= 0) close(fd);
  });
  EXPECT_THAT(SdNotifyBarrier(absl::Seconds(5)), IsOk());
  reader.join();
  unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(said, "BARRIER=1");
}

TEST(SdNotifyTest, BarrierAManagerKeepsOpenTimesOut) {
  NotifySocket manager(TempPath("kept.sock"));
  setenv("NOTIFY_SOCKET", TempPath("kept.sock").c_str(), 1);
  EXPECT_THAT(SdNotifyBarrier(absl::Milliseconds(50)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "the service manager did not answer BARRIER=1 within "
                       "50ms"));
  unsetenv("NOTIFY_SOCKET");
  int fd;
  EXPECT_EQ(manager.ReceiveWithFd(&fd), "BARRIER=1");
  EXPECT_GE(fd, 0) << "the descriptor came along";
  close(fd);
  EXPECT_THAT(SdNotifyBarrier(absl::Milliseconds(1)), IsOk())
      << "no manager: nothing to wait for";
}

TEST(SdNotifyTest, WatchdogIsThisProcesssWhenAsked) {
  unsetenv("WATCHDOG_PID");
  unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(WatchdogEnabled(), std::nullopt);
  setenv("WATCHDOG_USEC", "500000", 1);
  EXPECT_EQ(WatchdogEnabled(), absl::Milliseconds(500));
  setenv("WATCHDOG_PID", absl::StrCat(getpid()).c_str(), 1);
  EXPECT_EQ(WatchdogEnabled(), absl::Milliseconds(500));
  setenv("WATCHDOG_PID", absl::StrCat(getpid() + 1).c_str(), 1);
  EXPECT_EQ(WatchdogEnabled(), std::nullopt) << "another process's";
  unsetenv("WATCHDOG_PID");
  for (const char* bad : {"0", "", "x", "-5", "1.5"}) {
    setenv("WATCHDOG_USEC", bad, 1);
    EXPECT_EQ(WatchdogEnabled(), std::nullopt) << bad;
  }
  unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace daemonkit
