// A supervisor's NOTIFY_SOCKET (supervisor.h), for the whole life of the
// service: a datagram socket at "<base>/daemonkit.XXXXXX/notify", never an
// abstract name (any local user could bind one once it is free, and hear
// what the program sends next).
//
// Who can reach it: the directory is the supervisor's, mode 0711, so no one
// else can list it, add to it or rename in it; the socket is the worker's
// user's, mode 0755 (umask 022), and sending to a socket needs write
// permission on it: so only that user and root can. The kernel vouches for
// each sender's pid (SO_PASSCRED). The /tmp it is made in must be the
// supervisor's user's or root's, and sticky when others may write to it: else
// its owner (the worker's user, for a jail's /tmp) could rename the
// directory away and plant a link in its place, for root to follow.
#ifndef DAEMONKIT_SRC_NOTIFY_SOCKET_H_
#define DAEMONKIT_SRC_NOTIFY_SOCKET_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"
#include "src/notify_message.h"

namespace daemonkit::internal {

class NotifySocket {
 public:
  // Makes the socket under `jail` + "/tmp" ("/tmp" without a jail), handed
  // to `owner` (none: it stays the caller's). `jail` is the worker's chroot:
  // address() is then the path inside it.
  static absl::StatusOr<NotifySocket> Open(Os& os, const std::string& jail,
                                           std::optional<uid_t> owner);

  NotifySocket(NotifySocket&& other) noexcept;
  NotifySocket& operator=(NotifySocket&&) = delete;
  // Removes the socket and its directory, unless Remove() did.
  ~NotifySocket();

  // Closes the socket and removes it and its directory; fails naming what
  // stays.
  absl::Status Remove();

  int fd() const { return fd_.get(); }
  // The worker's NOTIFY_SOCKET.
  const std::string& address() const { return address_; }

  struct Received {
    pid_t sender;
    NotifyMessage message;
  };
  // Takes one datagram; nullopt when none waits. Descriptors it carried are
  // closed: that is what a sender's sd_notify_barrier(3) waits for.
  std::optional<Received> Receive();

 private:
  NotifySocket(Os& os, UniqueFd parent, std::string name);
  // Opens the private directory just made, and records what it is.
  absl::Status HoldPrivateDirectory();

  Os* os_;
  UniqueFd parent_;        // The /tmp it is in; invalid when moved from.
  std::string name_;       // The private directory's name there.
  UniqueFd private_;       // The private directory, found by no path again.
  struct stat made_ = {};  // What private_ is, to remove no other.
  std::string address_;
  UniqueFd fd_;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_NOTIFY_SOCKET_H_
