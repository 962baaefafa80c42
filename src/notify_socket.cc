#include "src/notify_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemonkit/exit_code.h"
#include "src/errno_status.h"
#include "src/file_trust.h"
#include "src/lock_holders.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

constexpr char kSocketName[] = "notify";
// Descriptors a datagram may carry that are received (and closed): more are
// dropped by the kernel.
constexpr int kMostDescriptors = 16;

// Six letters from /dev/urandom, for a directory name no one guesses first.
absl::StatusOr<std::string> RandomSuffix(Os& os) {
  const SysCallIntResult opened = RetryOnEintr(
      [&] { return os.Open("/dev/urandom", O_RDONLY | O_CLOEXEC, 0); });
  if (!opened.ok()) {
    return ErrnoStatus("opening /dev/urandom", opened.error, EX_OSERR);
  }
  const UniqueFd random(os, opened.value);
  unsigned char bytes[6];
  const SysCallSizeResult got =
      RetryOnEintr([&] { return os.Read(random.get(), bytes, sizeof bytes); });
  if (!got.ok() || got.value != sizeof bytes) {
    return ErrnoStatus("reading /dev/urandom", got.ok() ? EIO : got.error,
                       EX_OSERR);
  }
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string suffix;
  for (unsigned char byte : bytes) suffix += kLetters[byte % 32];
  return suffix;
}

// Opens `base` (a /tmp) if the supervisor may trust what is in it.
absl::StatusOr<UniqueFd> OpenTrustedBase(Os& os, const std::string& base) {
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(base.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                   0);
  });
  if (!opened.ok()) {
    return ErrnoStatus(absl::StrCat("opening ", base, " for the notify socket"),
                       opened.error, EX_CANTCREAT);
  }
  UniqueFd directory(os, opened.value);
  struct stat info;
  if (const SysCallIntResult got = os.FStat(directory.get(), &info);
      !got.ok()) {
    return ErrnoStatus(absl::StrCat("checking ", base), got.error,
                       EX_CANTCREAT);
  }
  const FileTrust trust = {os.GetUid(), std::nullopt};
  if (!trust.Trusts(info.st_uid) || trust.OthersMayReplace(info)) {
    return WithExitCode(
        absl::FailedPreconditionError(absl::StrCat(
            base, " is ",
            trust.Trusts(info.st_uid)
                ? "writable by others and not sticky"
                : absl::StrCat("owned by user ", info.st_uid),
            ": the notify socket's directory there could be replaced")),
        EX_CANTCREAT);
  }
  return directory;
}

// Makes a fresh directory "daemonkit.XXXXXX" in `parent` (at `base`);
// returns its name.
absl::StatusOr<std::string> MakePrivateDirectory(Os& os, int parent,
                                                 const std::string& base) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    absl::StatusOr<std::string> suffix = RandomSuffix(os);
    if (!suffix.ok()) return suffix.status();
    const std::string name = absl::StrCat("daemonkit.", *suffix);
    const SysCallIntResult made = os.MkDirAt(parent, name.c_str(), 0711);
    if (made.ok()) return name;
    if (made.error != EEXIST) {
      return ErrnoStatus(absl::StrCat("making a directory in ", base),
                         made.error, EX_CANTCREAT);
    }
  }
  return ErrnoStatus(absl::StrCat("making a directory in ", base), EEXIST,
                     EX_CANTCREAT);
}

// A datagram socket bound at `path`, that asks for its senders' credentials.
absl::StatusOr<UniqueFd> BindSocket(Os& os, const std::string& path) {
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return ErrnoStatus(absl::StrCat("binding the notify socket ", path),
                       ENAMETOOLONG, EX_CANTCREAT);
  }
  memcpy(address.sun_path, path.data(), path.size());
  SysCallIntResult opened =
      os.Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (opened.ok()) opened = MoveAboveStdio(os, opened.value);
  if (!opened.ok()) {
    return ErrnoStatus("creating the notify socket", opened.error, EX_OSERR);
  }
  UniqueFd socket(os, opened.value);
  const int on = 1;
  if (const SysCallIntResult set =
          os.SetSockOpt(socket.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
      !set.ok()) {
    return ErrnoStatus("asking for senders' credentials", set.error, EX_OSERR);
  }
  if (const SysCallIntResult bound = os.Bind(
          socket.get(), reinterpret_cast<const struct sockaddr*>(&address),
          sizeof address);
      !bound.ok()) {
    return ErrnoStatus(absl::StrCat("binding the notify socket ", path),
                       bound.error, EX_CANTCREAT);
  }
  return socket;
}

}  // namespace

NotifySocket::NotifySocket(Os& os, UniqueFd parent, std::string name)
    : os_(&os), parent_(std::move(parent)), name_(std::move(name)) {}

NotifySocket::NotifySocket(NotifySocket&& other) noexcept
    : os_(other.os_),
      parent_(std::move(other.parent_)),
      name_(std::move(other.name_)),
      private_(std::move(other.private_)),
      made_(other.made_),
      address_(std::move(other.address_)),
      fd_(std::move(other.fd_)) {}

NotifySocket::~NotifySocket() { Remove().IgnoreError(); }

absl::Status NotifySocket::Remove() {
  if (!parent_.valid()) return absl::OkStatus();
  fd_.reset();
  SysCallIntResult removed = {0, 0};
  const char* what = "removing notify socket ";
  if (private_.valid()) removed = os_->UnlinkAt(private_.get(), kSocketName, 0);
  // ENOENT: gone already.
  if (removed.ok() || removed.error == ENOENT) {
    what = "removing the directory of notify socket ";
    // Only the directory made, should its name now be another's. Never
    // held (its open failed): the name is still the one made, since no one
    // else may rename in a trusted /tmp.
    struct stat named;
    removed =
        os_->FStatAt(parent_.get(), name_.c_str(), &named, AT_SYMLINK_NOFOLLOW);
    if (removed.ok() && (!private_.valid() || SameFile(named, made_))) {
      removed = os_->UnlinkAt(parent_.get(), name_.c_str(), AT_REMOVEDIR);
    }
  }
  private_.reset();
  parent_.reset();
  if (removed.ok() || removed.error == ENOENT) return absl::OkStatus();
  return ErrnoStatus(absl::StrCat(what, address_), removed.error, EX_CANTCREAT);
}

absl::StatusOr<NotifySocket> NotifySocket::Open(Os& os, const std::string& jail,
                                                std::optional<uid_t> owner) {
  const std::string base = jail.empty() ? "/tmp" : absl::StrCat(jail, "/tmp");
  absl::StatusOr<UniqueFd> parent = OpenTrustedBase(os, base);
  if (!parent.ok()) return parent.status();
  absl::StatusOr<std::string> name =
      MakePrivateDirectory(os, parent->get(), base);
  if (!name.ok()) return name.status();
  // From here on, the destructor removes what was made.
  NotifySocket notify(os, *std::move(parent), *name);
  if (absl::Status held = notify.HoldPrivateDirectory(); !held.ok()) {
    return held;
  }
  const std::string path = absl::StrCat(base, "/", *name, "/", kSocketName);
  // The worker finds it from inside its jail.
  notify.address_ =
      jail.empty() ? path : absl::StrCat("/tmp/", *name, "/", kSocketName);
  absl::StatusOr<UniqueFd> socket = BindSocket(os, path);
  if (!socket.ok()) return socket.status();
  notify.fd_ = *std::move(socket);
  if (owner.has_value()) {
    const SysCallIntResult handed =
        os.FChownAt(notify.private_.get(), kSocketName, *owner,
                    static_cast<gid_t>(-1), AT_SYMLINK_NOFOLLOW);
    if (!handed.ok()) {
      return ErrnoStatus(
          absl::StrCat("handing the notify socket ", path, " to user ", *owner),
          handed.error, EX_CANTCREAT);
    }
  }
  return notify;
}

absl::Status NotifySocket::HoldPrivateDirectory() {
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os_->OpenAt(parent_.get(), name_.c_str(),
                       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  });
  if (!opened.ok()) {
    return ErrnoStatus(absl::StrCat("opening ", name_), opened.error,
                       EX_CANTCREAT);
  }
  private_ = UniqueFd(*os_, opened.value);
  if (const SysCallIntResult got = os_->FStat(private_.get(), &made_);
      !got.ok()) {
    return ErrnoStatus(absl::StrCat("checking ", name_), got.error,
                       EX_CANTCREAT);
  }
  return absl::OkStatus();
}

std::optional<NotifySocket::Received> NotifySocket::Receive() {
  char data[4096];
  alignas(
      struct cmsghdr) char control[CMSG_SPACE(sizeof(struct ucred)) +
                                   CMSG_SPACE(sizeof(int) * kMostDescriptors)];
  struct iovec vector = {data, sizeof data};
  struct msghdr message = {};
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const SysCallSizeResult got = RetryOnEintr([&] {
    return os_->RecvMsg(fd_.get(), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  });
  if (!got.ok()) return std::nullopt;
  std::optional<pid_t> sender;
  for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET) continue;
    if (header->cmsg_type == SCM_CREDENTIALS) {
      struct ucred credentials;
      memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
      sender = credentials.pid;
    } else if (header->cmsg_type == SCM_RIGHTS) {
      const size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
        os_->Close(fd);
      }
    }
  }
  // Without credentials the sender is unknown: nothing it says counts.
  Received received = {sender.value_or(0),
                       ParseNotifyMessage(absl::string_view(
                           data, static_cast<size_t>(got.value)))};
  return received;
}

}  // namespace daemonkit::internal
