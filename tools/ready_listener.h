// The launcher's end of `daemonize --ready=notify`: a private NOTIFY_SOCKET
// (the sd_notify protocol) on which the started command says READY=1.
#ifndef DAEMONKIT_TOOLS_READY_LISTENER_H_
#define DAEMONKIT_TOOLS_READY_LISTENER_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace daemonkit::tools {

class ReadyListener {
 public:
  // A datagram socket bound to a fresh abstract address, that accepts only
  // datagrams whose sender's credentials the kernel vouches for.
  static absl::StatusOr<ReadyListener> Open();

  ReadyListener(ReadyListener&& other) noexcept;
  ReadyListener& operator=(ReadyListener&&) = delete;
  ~ReadyListener();

  // The value for the command's NOTIFY_SOCKET.
  const std::string& address() const { return address_; }

  // Waits until process `pid` sends READY=1 (ok), ends (kAborted, with how
  // it ended, when this process can reap it), `timeout` passes
  // (kDeadlineExceeded), or a signal comes on `signal_fd`, a signalfd of
  // src/launcher_signals.h or -1 (kCancelled, exit code 128+signal; the
  // message says that `pid` was stopped, which is the caller's to do, as on
  // every failure). `name` names the command in messages. Datagrams from
  // other processes are ignored, as systemd's NotifyAccess=main does.
  absl::Status WaitForReady(pid_t pid, const std::string& name,
                            absl::Duration timeout, int signal_fd);

 private:
  ReadyListener(int fd, std::string address);

  // Takes one datagram: whether process `pid` sent it and it says READY=1.
  bool ReceiveReady(pid_t pid);

  int fd_;
  std::string address_;
};

}  // namespace daemonkit::tools

#endif  // DAEMONKIT_TOOLS_READY_LISTENER_H_
