// daemonkit::SdNotify: the sd_notify(3) protocol, without libsystemd.
//
// A service manager that wants to hear from its service (systemd with
// Type=notify, or `daemonize --ready=notify`) puts the address of a datagram
// socket in NOTIFY_SOCKET: a file system path, or "@name" for Linux's abstract
// namespace. The service sends newline-separated assignments to it:
// "READY=1", "STATUS=...", "STOPPING=1", "MAINPID=...".
#ifndef DAEMONKIT_SD_NOTIFY_H_
#define DAEMONKIT_SD_NOTIFY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"

namespace daemonkit {

// Sends `state` to the socket at `address` (NOTIFY_SOCKET's form).
absl::Status SdNotify(const std::string& address, absl::string_view state,
                      Os& os = PosixOs::Default());

// Sends `state` to $NOTIFY_SOCKET; does nothing when it is unset.
absl::Status SdNotify(absl::string_view state, Os& os = PosixOs::Default());

}  // namespace daemonkit

#endif  // DAEMONKIT_SD_NOTIFY_H_
