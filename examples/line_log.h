// daemonkit::examples::LineLog: appends lines to a log file, each one whole or
// not at all, and says in the log how many it could not write.
//
// A full disk (ENOSPC, EDQUOT) or a failing device (EIO) must neither stop a
// daemon nor leave half a line for the next one to be glued to. Each line's
// room is reserved first (fallocate), so a full disk refuses it whole and no
// reader ever sees part of it. Where nothing can be reserved (a file system
// without fallocate) or a write is cut short all the same, the part written
// is taken back out of the file (ftruncate). A line lost either way is
// counted; the first line that goes through afterwards is preceded by one
// saying "N lines lost: <why>", where why is the errno text of the first.
//
// The file is opened with O_APPEND, and this is its only writer. Then the
// bytes of a line cut short are the file's last ones, and truncating them
// away touches no one else's: the timestamp example's pid file allows one
// daemon per log, and logrotate moves the log away (or, with copytruncate,
// empties it) rather than writing to it. A second writer appending in the
// moment between a short write and its truncation would lose its bytes;
// there is no check against that, since fstat and ftruncate are two calls
// and none closes the gap.
#ifndef DAEMONKIT_EXAMPLES_LINE_LOG_H_
#define DAEMONKIT_EXAMPLES_LINE_LOG_H_

#include <sys/types.h>

#include <string_view>

#include "daemonkit/os.h"

namespace daemonkit::examples {

class LineLog {
 public:
  // Appends to `fd`, which stays the caller's to close; `os` must outlive
  // this.
  LineLog(Os& os, int fd);

  // Appends `line` (which ends in '\n') whole, after the notice of the lines
  // lost before it if there were any. Returns 0 when `line` is in the file;
  // otherwise the errno that kept it out, and the file is as it was.
  int Append(std::string_view line);

  // Goes on in `fd` (the log reopened after rotation); lines lost so far are
  // reported there. A torn tail still in the old file is removed first, when
  // it can be. The caller closes the old descriptor afterwards.
  void SwitchTo(int fd);

  // Lines not written since the last one that was.
  int lost() const { return lost_; }

 private:
  // Writes `text` whole, or leaves the file as it was; 0 or an errno.
  int WriteWhole(std::string_view text);
  // Reserves the disk space for `length` more bytes at the file's end; 0, or
  // the errno that says they cannot go in (no room, no quota, a failing
  // device). 0 too when the file cannot reserve: the write then tells.
  int Reserve(size_t length);
  // Counts a line lost for `error`; returns `error`.
  int Lose(int error);
  // Removes the torn_ bytes that a failed write left at the end of the file.
  int RemoveTornTail();

  Os* os_;
  int fd_;
  off_t torn_ = 0;  // Bytes of a line cut short, still at the file's end.
  int lost_ = 0;
  int first_error_ = 0;  // Why the first of the lost lines was lost.
};

}  // namespace daemonkit::examples

#endif  // DAEMONKIT_EXAMPLES_LINE_LOG_H_
