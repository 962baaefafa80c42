// daemonkit::SdNotify: the sd_notify(3) protocol, without libsystemd.
//
// A service manager that wants to hear from its service (systemd with
// Type=notify, or `daemonize --ready=notify`) puts the address of a datagram
// socket in NOTIFY_SOCKET: a file system path, or "@name" for Linux's abstract
// namespace. The service sends newline-separated assignments to it:
// "READY=1", "STATUS=...", "STOPPING=1", "MAINPID=...", "WATCHDOG=1".
#ifndef DAEMONKIT_SD_NOTIFY_H_
#define DAEMONKIT_SD_NOTIFY_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemonkit/os.h"
#include "daemonkit/posix_os.h"

namespace daemonkit {

// Sends `state` to the socket at `address` (NOTIFY_SOCKET's form).
absl::Status SdNotify(const std::string& address, absl::string_view state,
                      Os& os = PosixOs::Default());

// Sends `state` to $NOTIFY_SOCKET; does nothing when it is unset.
absl::Status SdNotify(absl::string_view state, Os& os = PosixOs::Default());

// "STATUS=<text>", what --status and `systemctl status` show; a newline in
// `text` becomes a space, since it would start another assignment.
absl::Status SdNotifyStatus(absl::string_view text,
                            Os& os = PosixOs::Default());

// "ERRNO=<error>": the errno that made the service fail.
absl::Status SdNotifyErrno(int error, Os& os = PosixOs::Default());

// sd_notify_barrier(3): sends "BARRIER=1" with a descriptor the service
// manager closes once it has taken everything sent before, and waits up to
// `timeout` for that; so a message sent before is known to have been read
// (before exit, say). Ok at once without NOTIFY_SOCKET; kDeadlineExceeded
// when the manager did not answer in time.
absl::Status SdNotifyBarrier(absl::Duration timeout,
                             Os& os = PosixOs::Default());

// The watchdog interval the service manager asks for in WATCHDOG_USEC, when
// it asks this process (WATCHDOG_PID unset, or this process's pid): send
// "WATCHDOG=1" well within it, say every half. nullopt when there is none.
std::optional<absl::Duration> WatchdogEnabled(Os& os = PosixOs::Default());

}  // namespace daemonkit

#endif  // DAEMONKIT_SD_NOTIFY_H_
