// One sd_notify(3) datagram as a supervisor reads it: newline-separated
// assignments, of which it acts on those below. Others (STOPPING=1,
// RELOADING=1, ERRNO=, MAINPID=, ...) and values that do not parse are
// ignored, as systemd ignores what it does not know.
#ifndef DAEMONKIT_SRC_NOTIFY_MESSAGE_H_
#define DAEMONKIT_SRC_NOTIFY_MESSAGE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace daemonkit::internal {

struct NotifyMessage {
  bool ready = false;                            // READY=1
  bool watchdog = false;                         // WATCHDOG=1
  bool watchdog_trigger = false;                 // WATCHDOG=trigger
  std::optional<std::string> status;             // STATUS=...
  std::optional<absl::Duration> extend_timeout;  // EXTEND_TIMEOUT_USEC=N
};

NotifyMessage ParseNotifyMessage(absl::string_view datagram);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_NOTIFY_MESSAGE_H_
