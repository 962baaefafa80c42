#include "tools/ready_listener.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/posix_os.h"
#include "src/launcher_signals.h"
#include "src/wait_status.h"

namespace daemonkit::tools {
namespace {

absl::Status Failed(absl::string_view step) {
  const int error = errno;
  return WithExitCode(absl::ErrnoToStatus(error, absl::StrCat(step, " failed")),
                      EX_OSERR);
}

// Why the wait ends when `pid` exited first: how it ended, when this process
// can reap it.
absl::Status ExitedBeforeReady(pid_t pid, const std::string& name) {
  int status;
  const bool reaped = waitpid(pid, &status, WNOHANG) == pid;
  return WithExitCode(
      absl::AbortedError(absl::StrCat(
          name, " exited before it was ready",
          reaped ? ": " + internal::DescribeWaitStatus(status) : "")),
      EX_SOFTWARE);
}

}  // namespace

ReadyListener::ReadyListener(int fd, std::string address)
    : fd_(fd), address_(std::move(address)) {}

ReadyListener::ReadyListener(ReadyListener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), address_(std::move(other.address_)) {}

ReadyListener::~ReadyListener() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<ReadyListener> ReadyListener::Open() {
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Failed("creating the notify socket");
  ReadyListener listener(fd, "");
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    return Failed("asking for sender credentials");
  }
  // Autobind: the kernel picks a fresh abstract name (a 0 and five hex
  // digits) that no other socket has.
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&address),
           sizeof(sa_family_t)) != 0) {
    return Failed("binding the notify socket");
  }
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&address), &length) !=
      0) {
    return Failed("reading the notify socket's name");
  }
  const size_t name_length = length - offsetof(struct sockaddr_un, sun_path);
  listener.address_ = absl::StrCat(
      "@", absl::string_view(address.sun_path + 1,
                             name_length > 0 ? name_length - 1 : 0));
  return listener;
}

absl::Status ReadyListener::WaitForReady(pid_t pid, const std::string& name,
                                         absl::Duration timeout,
                                         int signal_fd) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0 && errno != ESRCH) return Failed("opening a pidfd");
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status result;
  for (;;) {
    // poll(2) skips a negative descriptor: a missing pidfd or signalfd.
    struct pollfd watched[3] = {
        {fd_, POLLIN, 0}, {signal_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    const int64_t left_ms =
        absl::ToInt64Milliseconds(deadline - absl::Now()) + 1;
    if (left_ms <= 0) {
      result = WithExitCode(absl::DeadlineExceededError(absl::StrCat(
                                name, " did not report READY=1 within ",
                                absl::FormatDuration(timeout))),
                            EX_UNAVAILABLE);
      break;
    }
    const int ready =
        poll(watched, 3, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      result = Failed("waiting for READY=1");
      break;
    }
    if (watched[0].revents & POLLIN) {
      if (ReceiveReady(pid)) break;
      continue;
    }
    if (watched[1].revents & POLLIN) {
      const int signal =
          internal::TakeLauncherSignal(PosixOs::Default(), signal_fd);
      if (signal == 0) continue;
      result = internal::InterruptedStatus(
          signal, "READY=1",
          absl::StrCat(name, " (pid ", pid, ") was stopped"));
      break;
    }
    if (watched[2].revents & POLLIN) {
      result = ExitedBeforeReady(pid, name);
      break;
    }
  }
  if (pidfd >= 0) close(pidfd);
  return result;
}

bool ReadyListener::ReceiveReady(pid_t pid) {
  char data[4096];
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(struct ucred))];
  struct iovec vector = {data, sizeof data};
  struct msghdr message = {};
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t got = recvmsg(fd_, &message, MSG_DONTWAIT);
  const struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (got <= 0 || header == nullptr || header->cmsg_level != SOL_SOCKET ||
      header->cmsg_type != SCM_CREDENTIALS) {
    return false;
  }
  struct ucred sender;
  memcpy(&sender, CMSG_DATA(header), sizeof sender);
  if (sender.pid != pid) return false;
  for (absl::string_view line : absl::StrSplit(
           absl::string_view(data, static_cast<size_t>(got)), '\n')) {
    if (line == "READY=1") return true;
  }
  return false;
}

}  // namespace daemonkit::tools
