#include "daemonkit/sd_notify.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/unique_fd.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit {

absl::Status SdNotify(const std::string& address, absl::string_view state,
                      Os& os) {
  struct sockaddr_un target = {};
  target.sun_family = AF_UNIX;
  const bool abstract = !address.empty() && address[0] == '@';
  if (address.empty() || (address[0] != '/' && !abstract)) {
    return WithExitCode(
        absl::InvalidArgumentError(absl::StrCat(
            "NOTIFY_SOCKET '", address,
            "' is neither an absolute path nor an abstract '@' name")),
        EX_CONFIG);
  }
  // A path needs room for its terminating NUL; an abstract name does not.
  if (address.size() + !abstract > sizeof target.sun_path) {
    return WithExitCode(absl::InvalidArgumentError(absl::StrCat(
                            "NOTIFY_SOCKET '", address, "' is too long")),
                        EX_CONFIG);
  }
  memcpy(target.sun_path, address.data(), address.size());
  if (abstract) target.sun_path[0] = '\0';
  // An abstract name is exactly as long as given: no terminating NUL.
  const socklen_t length = static_cast<socklen_t>(
      offsetof(struct sockaddr_un, sun_path) + address.size() + !abstract);

  const SysCallIntResult created =
      os.Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (!created.ok()) {
    return internal::ErrnoStatus("creating the notify socket", created.error,
                                 EX_OSERR);
  }
  UniqueFd socket(os, created.value);
  const SysCallSizeResult sent = internal::RetryOnEintr([&] {
    return os.SendTo(socket.get(), state.data(), state.size(), MSG_NOSIGNAL,
                     reinterpret_cast<const struct sockaddr*>(&target), length);
  });
  socket.reset();
  if (!sent.ok()) {
    return internal::ErrnoStatus(absl::StrCat("notifying ", address),
                                 sent.error, EX_UNAVAILABLE);
  }
  return absl::OkStatus();
}

absl::Status SdNotify(absl::string_view state, Os& os) {
  const char* address = os.GetEnv("NOTIFY_SOCKET");
  if (address == nullptr || *address == '\0') return absl::OkStatus();
  return SdNotify(address, state, os);
}

}  // namespace daemonkit
