#include "examples/line_log.h"

#include <errno.h>
#include <fcntl.h>  // fallocate
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace daemonkit::examples {

LineLog::LineLog(Os& os, int fd) : os_(&os), fd_(fd) {}

int LineLog::Append(std::string_view line) {
  if (lost_ > 0) {
    // Until the notice is in, no line goes after the gap it explains.
    const std::string notice =
        absl::StrCat(lost_, lost_ == 1 ? " line" : " lines",
                     " lost: ", std::strerror(first_error_), "\n");
    if (const int error = WriteWhole(notice); error != 0) return Lose(error);
    lost_ = 0;
  }
  if (const int error = WriteWhole(line); error != 0) return Lose(error);
  return 0;
}

void LineLog::SwitchTo(int fd) {
  if (torn_ > 0) RemoveTornTail();
  torn_ = 0;  // Whatever is left of it is in the old file, not in `fd`.
  fd_ = fd;
}

int LineLog::Lose(int error) {
  if (lost_++ == 0) first_error_ = error;
  return error;
}

int LineLog::WriteWhole(std::string_view text) {
  if (torn_ > 0) {
    if (const int error = RemoveTornTail(); error != 0) return error;
  }
  if (const int error = Reserve(text.size()); error != 0) return error;
  // A short write is followed by one for the rest: on a full disk that one
  // fails and says why (ENOSPC), while the short write said nothing.
  for (size_t done = 0; done < text.size();) {
    const SysCallSizeResult wrote =
        os_->Write(fd_, text.data() + done, text.size() - done);
    if (wrote.ok() && wrote.value > 0) {
      done += static_cast<size_t>(wrote.value);
      continue;
    }
    // write(2) returns 0 only when asked for nothing: stop rather than spin.
    const int error = wrote.ok() ? EIO : wrote.error;
    torn_ = static_cast<off_t>(done);
    // When this fails, the next write retries it before anything else.
    if (torn_ > 0) RemoveTornTail();
    return error;
  }
  return 0;
}

int LineLog::Reserve(size_t length) {
  struct stat file;
  // A FIFO or a terminal has no space to reserve.
  if (!os_->FStat(fd_, &file).ok() || !S_ISREG(file.st_mode)) return 0;
  // KEEP_SIZE: the file does not grow until the line is written.
  const SysCallIntResult reserved = os_->FAllocate(
      fd_, FALLOC_FL_KEEP_SIZE, file.st_size, static_cast<off_t>(length));
  if (reserved.ok()) return 0;
  switch (reserved.error) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case EIO:
      return reserved.error;
    default:  // EOPNOTSUPP and the like: not refused, only not reserved.
      return 0;
  }
}

int LineLog::RemoveTornTail() {
  struct stat file;
  SysCallIntResult done = os_->FStat(fd_, &file);
  // Shorter than the tail: copytruncate emptied the file since it was torn.
  if (done.ok()) {
    done = os_->FTruncate(fd_, std::max<off_t>(0, file.st_size - torn_));
  }
  if (!done.ok()) return done.error;
  torn_ = 0;
  return 0;
}

}  // namespace daemonkit::examples
