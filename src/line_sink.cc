#include "daemonkit/line_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemonkit/output_file.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit {
namespace {

using internal::ErrnoStatus;
using internal::RetryOnEintr;

// Records that end within the first `done` bytes, and their bytes.
struct Boundary {
  size_t records = 0;
  size_t bytes = 0;
};

// The bytes of the first `records` of `sizes`.
size_t BytesOf(absl::Span<const size_t> sizes, size_t records) {
  return std::accumulate(sizes.begin(), sizes.begin() + records, size_t{0});
}

// Errors of fallocate(2) that say the bytes cannot go in; any other says
// only that the file cannot reserve them.
bool NoRoom(int error) {
  return error == ENOSPC || error == EDQUOT || error == EFBIG || error == EIO;
}

Boundary WholeRecords(absl::Span<const size_t> sizes, size_t done) {
  Boundary whole;
  for (const size_t size : sizes) {
    if (whole.bytes + size > done) break;
    whole.bytes += size;
    ++whole.records;
  }
  return whole;
}

// Duplicates `from` onto `onto`, which keeps its close-on-exec flag: dup2
// clears it, and a log's descriptor must not leak into the programs the
// supervisor runs.
SysCallIntResult MoveOnto(Os& os, int from, int onto) {
  const SysCallIntResult flags = os.Fcntl(onto, F_GETFD, 0);
  if (!flags.ok()) return flags;
  const SysCallIntResult moved =
      RetryOnEintr([&] { return os.Dup2(from, onto); });
  if (!moved.ok() || (flags.value & FD_CLOEXEC) == 0) return moved;
  return os.Fcntl(onto, F_SETFD, FD_CLOEXEC);
}

// The daemon behind a connected socket went away: a new socket may reach
// the one it made when it started again.
bool PeerGone(int error) {
  return error == ECONNREFUSED || error == ENOTCONN || error == ECONNRESET ||
         error == ENOENT || error == EPIPE;
}

SysCallSizeResult Send(Os& os, int socket, absl::string_view record) {
  // Connected: no address. MSG_NOSIGNAL: a gone peer is an error, not a
  // SIGPIPE.
  return RetryOnEintr([&] {
    return os.SendTo(socket, record.data(), record.size(), MSG_NOSIGNAL,
                     nullptr, 0);
  });
}

}  // namespace

FileSink::FileSink(Os& os, UniqueFd fd, std::string path,
                   std::optional<uid_t> owner)
    : FileSink(os, std::move(fd), path, [&os, path, owner] {
        return OpenOutputFile("output file", path, owner, os);
      }) {}

FileSink::FileSink(Os& os, UniqueFd fd, std::string path, OpenAgain open_again)
    : os_(os),
      fd_(std::move(fd)),
      path_(std::move(path)),
      open_again_(std::move(open_again)) {}

LineSink::Written FileSink::Write(absl::string_view bytes,
                                  absl::Span<const size_t> sizes) {
  if (sizes.empty()) return {};
  // The head of the first record went before and could not be taken back.
  size_t done = std::min(continued_, bytes.size());
  const Written room = Reserve(done, sizes);
  if (room.records == 0) return room;
  const size_t end = BytesOf(sizes, room.records);
  // A short write is followed by one for the rest: on a full disk that one
  // fails and says why (ENOSPC), while the short write said nothing.
  while (done < end) {
    const SysCallSizeResult wrote = RetryOnEintr(
        [&] { return os_.Write(fd_.get(), bytes.data() + done, end - done); });
    // write(2) returns 0 only when asked for nothing: stop rather than spin.
    if (!wrote.ok() || wrote.value == 0) {
      return Cut(done, sizes, wrote.ok() ? EIO : wrote.error);
    }
    done += static_cast<size_t>(wrote.value);
  }
  continued_ = 0;
  return room;
}

LineSink::Written FileSink::Reserve(size_t done,
                                    absl::Span<const size_t> sizes) {
  const Written all = {sizes.size(), 0};
  struct stat file;
  // A pipe or a terminal has no room to reserve.
  if (!os_.FStat(fd_.get(), &file).ok() || !S_ISREG(file.st_mode)) return all;
  // The errno that refuses the first `records`, or 0. KEEP_SIZE: the file
  // does not grow until they are written.
  const auto refused = [&](size_t records) {
    const SysCallIntResult reserved = RetryOnEintr([&] {
      return os_.FAllocate(fd_.get(), FALLOC_FL_KEEP_SIZE, file.st_size,
                           static_cast<off_t>(BytesOf(sizes, records) - done));
    });
    return !reserved.ok() && NoRoom(reserved.error) ? reserved.error : 0;
  };
  const int error = refused(sizes.size());
  if (error == 0) return all;
  // As many whole records as there is room for, by halving: the first 0
  // fit, all do not.
  size_t fit = 0;
  size_t too_many = sizes.size();
  while (too_many - fit > 1) {
    const size_t middle = fit + (too_many - fit) / 2;
    (refused(middle) == 0 ? fit : too_many) = middle;
  }
  return {fit, error};
}

LineSink::Written FileSink::Cut(size_t done, absl::Span<const size_t> sizes,
                                int error) {
  const Boundary whole = WholeRecords(sizes, done);
  const size_t torn = done - whole.bytes;
  continued_ = torn > 0 && !TakeBack(torn) ? torn : 0;
  return {whole.records, error};
}

bool FileSink::TakeBack(size_t torn) {
  struct stat file;
  if (!os_.FStat(fd_.get(), &file).ok() || !S_ISREG(file.st_mode)) {
    return false;
  }
  // Measured now rather than before writing: if copytruncate emptied the
  // file meanwhile, this empties it again instead of growing it with zeros.
  const off_t length =
      std::max<off_t>(0, file.st_size - static_cast<off_t>(torn));
  return RetryOnEintr([&] { return os_.FTruncate(fd_.get(), length); }).ok();
}

absl::Status FileSink::Reopen() {
  if (path_.empty()) return absl::OkStatus();
  absl::StatusOr<UniqueFd> opened = open_again_();
  if (!opened.ok()) return opened.status();
  if (!fd_.valid()) {
    fd_ = std::move(*opened);
  } else if (const SysCallIntResult moved =
                 MoveOnto(os_, opened->get(), fd_.get());
             !moved.ok()) {
    return ErrnoStatus(absl::StrCat("moving output file ", path_,
                                    " onto descriptor ", fd_.get()),
                       moved.error, EX_OSERR);
  }
  continued_ = 0;  // The part of a record that went is in the old file.
  return absl::OkStatus();
}

SyslogSink::SyslogSink(Os& os, std::string socket_path)
    : os_(os), socket_path_(std::move(socket_path)) {}

LineSink::Written SyslogSink::Write(absl::string_view bytes,
                                    absl::Span<const size_t> sizes) {
  bool reconnected = false;
  size_t offset = 0;
  for (size_t i = 0; i < sizes.size(); offset += sizes[i++]) {
    if (!socket_.valid()) {
      if (const int error = Connect(); error != 0) return {i, error};
    }
    const absl::string_view record = bytes.substr(offset, sizes[i]);
    SysCallSizeResult sent = Send(os_, socket_.get(), record);
    if (!sent.ok() && PeerGone(sent.error) && !reconnected) {
      reconnected = true;
      socket_.reset();
      if (const int error = Connect(); error != 0) return {i, error};
      sent = Send(os_, socket_.get(), record);
    }
    if (sent.ok()) continue;
    // Polling a socket whose peer is gone would wake at once, forever.
    if (PeerGone(sent.error)) socket_.reset();
    return {i, sent.error};
  }
  return {sizes.size(), 0};
}

absl::Status SyslogSink::Reopen() {
  if (const int error = Connect(); error != 0) {
    return ErrnoStatus(
        absl::StrCat("connecting to syslog socket ", socket_path_), error,
        EX_UNAVAILABLE);
  }
  return absl::OkStatus();
}

int SyslogSink::Connect() {
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  // A path needs room for its terminating NUL.
  if (socket_path_.size() >= sizeof address.sun_path) return ENAMETOOLONG;
  memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  SysCallIntResult made =
      os_.Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  // Never on 0, 1 or 2, which the supervisor's output may be moved onto.
  if (made.ok()) made = internal::MoveAboveStdio(os_, made.value);
  if (!made.ok()) return made.error;
  UniqueFd socket(os_, made.value);
  const socklen_t length = static_cast<socklen_t>(
      offsetof(struct sockaddr_un, sun_path) + socket_path_.size() + 1);
  // Connecting a datagram socket only names its peer: trying again after
  // EINTR is safe.
  const SysCallIntResult connected = RetryOnEintr([&] {
    return os_.Connect(socket.get(),
                       reinterpret_cast<const struct sockaddr*>(&address),
                       length);
  });
  if (!connected.ok()) return connected.error;
  socket_ = std::move(socket);
  return 0;
}

}  // namespace daemonkit
