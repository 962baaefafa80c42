#include "daemonkit/sd_notify.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/unique_fd.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit {

namespace {

struct Target {
  struct sockaddr_un address;
  socklen_t length;
};

// NOTIFY_SOCKET's `address` as a socket address.
absl::StatusOr<Target> TargetOf(const std::string& address) {
  Target target = {};
  target.address.sun_family = AF_UNIX;
  const bool abstract = !address.empty() && address[0] == '@';
  if (address.empty() || (address[0] != '/' && !abstract)) {
    return WithExitCode(
        absl::InvalidArgumentError(absl::StrCat(
            "NOTIFY_SOCKET '", address,
            "' is neither an absolute path nor an abstract '@' name")),
        EX_CONFIG);
  }
  // A path needs room for its terminating NUL; an abstract name does not.
  if (address.size() + !abstract > sizeof target.address.sun_path) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            "NOTIFY_SOCKET '", address, "' is too long")),
                        EX_CONFIG);
  }
  memcpy(target.address.sun_path, address.data(), address.size());
  if (abstract) target.address.sun_path[0] = '\0';
  // An abstract name is exactly as long as given: no terminating NUL.
  target.length = static_cast<socklen_t>(
      offsetof(struct sockaddr_un, sun_path) + address.size() + !abstract);
  return target;
}

// Sends `state` to `target`, with descriptor `fd` along when it is one.
SysCallSizeResult SendTo(Os& os, int socket, const Target& target,
                         absl::string_view state, int fd) {
  const auto* address =
      reinterpret_cast<const struct sockaddr*>(&target.address);
  if (fd < 0) {
    return internal::RetryOnEintr([&] {
      return os.SendTo(socket, state.data(), state.size(), MSG_NOSIGNAL,
                       address, target.length);
    });
  }
  struct iovec vector = {const_cast<char*>(state.data()), state.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr message = {};
  message.msg_name = const_cast<struct sockaddr*>(address);
  message.msg_namelen = target.length;
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &fd, sizeof fd);
  return internal::RetryOnEintr(
      [&] { return os.SendMsg(socket, &message, MSG_NOSIGNAL); });
}

// SdNotify, with descriptor `fd` (unless -1) sent along.
absl::Status Send(Os& os, const std::string& address, absl::string_view state,
                  int fd) {
  absl::StatusOr<Target> target = TargetOf(address);
  if (!target.ok()) return target.status();
  const SysCallIntResult created =
      os.Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (!created.ok()) {
    return internal::ErrnoStatus("creating the notify socket", created.error,
                                 EX_OSERR);
  }
  UniqueFd socket(os, created.value);
  const SysCallSizeResult sent = SendTo(os, socket.get(), *target, state, fd);
  socket.reset();
  if (!sent.ok()) {
    return internal::ErrnoStatus(absl::StrCat("notifying ", address),
                                 sent.error, EX_UNAVAILABLE);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SdNotify(const std::string& address, absl::string_view state,
                      Os& os) {
  return Send(os, address, state, -1);
}

absl::Status SdNotify(absl::string_view state, Os& os) {
  const char* address = os.GetEnv("NOTIFY_SOCKET");
  if (address == nullptr || *address == '\0') return absl::OkStatus();
  return SdNotify(address, state, os);
}

absl::Status SdNotifyStatus(absl::string_view text, Os& os) {
  std::string line = absl::StrCat("STATUS=", text);
  std::replace(line.begin(), line.end(), '\n', ' ');
  return SdNotify(line, os);
}

absl::Status SdNotifyErrno(int error, Os& os) {
  return SdNotify(absl::StrCat("ERRNO=", error), os);
}

absl::Status SdNotifyBarrier(absl::Duration timeout, Os& os) {
  const char* address = os.GetEnv("NOTIFY_SOCKET");
  if (address == nullptr || *address == '\0') return absl::OkStatus();
  int ends[2];
  if (const SysCallIntResult piped = os.Pipe(ends, O_CLOEXEC); !piped.ok()) {
    return internal::ErrnoStatus("making the barrier's pipe", piped.error,
                                 EX_OSERR);
  }
  const UniqueFd read_end(os, ends[0]);
  UniqueFd write_end(os, ends[1]);
  if (absl::Status sent = Send(os, address, "BARRIER=1", write_end.get());
      !sent.ok()) {
    return sent;
  }
  // The manager holds the only other copy: closing it is its answer.
  write_end.reset();
  struct pollfd closed = {read_end.get(), 0, 0};  // POLLHUP comes anyway.
  const int64_t ms =
      std::clamp<int64_t>(absl::ToInt64Milliseconds(timeout), 0, INT_MAX);
  const SysCallIntResult polled = internal::RetryOnEintr(
      [&] { return os.Poll(&closed, 1, static_cast<int>(ms)); });
  if (!polled.ok()) {
    return internal::ErrnoStatus("waiting for the barrier", polled.error,
                                 EX_OSERR);
  }
  if (polled.value == 0) {
    return WithExitCode(absl::DeadlineExceededError(absl::StrCat(
                            "the service manager did not answer BARRIER=1 "
                            "within ",
                            absl::FormatDuration(timeout))),
                        EX_UNAVAILABLE);
  }
  return absl::OkStatus();
}

std::optional<absl::Duration> WatchdogEnabled(Os& os) {
  const char* usec = os.GetEnv("WATCHDOG_USEC");
  uint64_t interval;
  if (usec == nullptr || !absl::SimpleAtoi(usec, &interval) || interval == 0 ||
      interval > uint64_t{INT64_MAX}) {
    return std::nullopt;
  }
  const char* pid = os.GetEnv("WATCHDOG_PID");
  int watched;
  if (pid != nullptr &&
      (!absl::SimpleAtoi(pid, &watched) || watched != os.GetPid())) {
    return std::nullopt;  // Meant for another process.
  }
  return absl::Microseconds(static_cast<int64_t>(interval));
}

}  // namespace daemonkit
