// daemonkit::LineSink: where a capture (output_capture.h) writes the records
// a LineFormat made: a file, or a syslog daemon's socket.
//
// A sink writes records whole or not at all, in order, and says how many
// went; it never blocks for long (a syslog socket is non-blocking) and it
// never keeps a record itself: what it did not write stays the caller's, to
// try again or to drop.
#ifndef DAEMONKIT_LINE_SINK_H_
#define DAEMONKIT_LINE_SINK_H_

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit {

class LineSink {
 public:
  struct Written {
    size_t records = 0;  // How many of the first records went, whole.
    int error = 0;       // Why the next one did not; 0 when all went.
  };

  virtual ~LineSink() = default;
  // Writes the records that `bytes` holds one after another, of `sizes`.
  virtual Written Write(absl::string_view bytes,
                        absl::Span<const size_t> sizes) = 0;
  // Opens anew what the sink writes to: the file at its path (after
  // logrotate moved it), the syslog socket (after the daemon restarted).
  // On failure the sink goes on with what it had, if anything.
  virtual absl::Status Reopen() = 0;
  // After EAGAIN: the descriptor that polls writable (POLLOUT) when the sink
  // can take more; -1 when none does (try again later).
  virtual int writable_fd() const { return -1; }
};

// Appends to a file: all the records in one write(2) when it takes them.
// Their room is reserved first (fallocate): when the disk has no room for
// all of them, only the whole records it has room for are written, so that
// no reader sees part of a record, not even for a moment. Where nothing can
// be reserved (a file system without fallocate) and a write is cut short
// all the same, the cut is taken back out of the file (ftruncate) to the end
// of its last whole record, so that a record is in the file whole or not at
// all, and what follows is never glued to half a line. The file is the
// sink's only writer (as in examples/line_log.h).
//
// When the cut cannot be taken back (an append-only file, a pipe, a
// terminal), the part that went stays, the record counts as not written,
// and the next Write skips that part and writes only the rest: the caller
// must offer that record first again, as it does with anything unwritten.
// A Reopen that succeeds forgets the part (the new file has none of it).
class FileSink : public LineSink {
 public:
  // Writes to `fd` (owned); Reopen opens `path` again with OpenOutputFile
  // (output_file.h), as `owner`'s file, and moves it onto `fd`'s number
  // with dup2(2), so that a descriptor number others know (the
  // supervisor's stderr) follows the file; the number keeps its
  // close-on-exec flag. An empty `path`: Reopen does nothing.
  FileSink(Os& os, UniqueFd fd, std::string path,
           std::optional<uid_t> owner = std::nullopt);
  // As above, but Reopen opens the file with `open_again` (say, with the
  // rights of the user the file is for, as a root supervisor must);
  // `path` names it in messages.
  using OpenAgain = std::function<absl::StatusOr<UniqueFd>()>;
  FileSink(Os& os, UniqueFd fd, std::string path, OpenAgain open_again);
  // `sizes` add up to `bytes.size()`.
  Written Write(absl::string_view bytes,
                absl::Span<const size_t> sizes) override;
  absl::Status Reopen() override;
  // The file itself: a non-blocking pipe that said EAGAIN polls writable
  // when it has room.
  int writable_fd() const override { return fd_.get(); }
  int fd() const { return fd_.get(); }

 private:
  // How many of the records of `sizes` whose bytes `done` on the disk has
  // room for: all once they are reserved, or when the file cannot reserve
  // (the write then tells); else the whole ones it could reserve, and the
  // errno that refused the next.
  Written Reserve(size_t done, absl::Span<const size_t> sizes);
  // `done` bytes of this Write went, then `error`: takes back what went of
  // a record not whole, or remembers it (continued_).
  Written Cut(size_t done, absl::Span<const size_t> sizes, int error);
  // Removes the last `torn` bytes of the file; false when it cannot.
  bool TakeBack(size_t torn);

  Os& os_;
  UniqueFd fd_;
  std::string path_;
  OpenAgain open_again_;
  // Bytes of the next record to write that are in the file already.
  size_t continued_ = 0;
};

// Sends each record as one datagram to the syslog daemon's socket (an
// AF_UNIX datagram socket, /dev/log by default; never an abstract name,
// which another user could claim), connected, non-blocking and
// close-on-exec. The socket is made at the first Write; when the daemon
// went away (ECONNREFUSED, ENOTCONN, ECONNRESET, ENOENT, EPIPE: it
// restarted and made a new socket) it is made and connected again once, at
// once, within the same Write, and the record sent again once; if that
// fails too, the socket is closed, and the next Write makes a new one.
// EAGAIN means the daemon's queue is full: writable_fd() says when it has
// room. EMSGSIZE means the record is larger than the socket takes: it can
// never go, and the caller must drop it.
class SyslogSink : public LineSink {
 public:
  explicit SyslogSink(Os& os, std::string socket_path = "/dev/log");
  Written Write(absl::string_view bytes,
                absl::Span<const size_t> sizes) override;
  absl::Status Reopen() override;
  int writable_fd() const override { return socket_.get(); }

 private:
  // A new socket connected to socket_path_, in place of the old one; 0, or
  // the errno and the old one kept.
  int Connect();

  Os& os_;
  std::string socket_path_;
  UniqueFd socket_;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_LINE_SINK_H_
