#include "daemonkit/output_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit {
namespace {

// One read(2)'s worth: a pipe's default capacity.
constexpr size_t kReadSize = 64 * 1024;
// Written bytes kept at the buffer's front before they are erased: erasing
// costs a move of what follows, so it waits until it is worth it.
constexpr size_t kCompactAfter = 64 * 1024;

}  // namespace

OutputCapture::OutputCapture(Os& os, LineSink& sink, LineFormat& format,
                             Options options)
    : os_(os),
      sink_(sink),
      format_(format),
      options_(std::move(options)),
      splitter_(options_.max_line) {}

absl::Status OutputCapture::Attach(UniqueFd pipe, pid_t pid) {
  if (pipe_.valid()) Detach(last_now_);
  const SysCallIntResult flags =
      os_.Fcntl(pipe.get(), F_SETFL, O_RDONLY | O_NONBLOCK);
  if (!flags.ok()) {
    return internal::ErrnoStatus(
        absl::StrCat("making the ", options_.stream, " pipe non-blocking"),
        flags.error, EX_OSERR);
  }
  pipe_ = std::move(pipe);
  pid_ = pid;
  return absl::OkStatus();
}

bool OutputCapture::ReadOnce(absl::Time time, size_t& budget) {
  if (read_buffer_ == nullptr) read_buffer_.reset(new char[kReadSize]);
  const SysCallSizeResult got = internal::RetryOnEintr(
      [&] { return os_.Read(pipe_.get(), read_buffer_.get(), kReadSize); });
  if (!got.ok() || got.value == 0) {
    // The end (or a pipe that cannot be read, which no wait will mend).
    if (got.error == EAGAIN) return false;
    // Closed even after a failure: what the program writes next fails
    // (EPIPE, SIGPIPE) rather than fill the pipe and block it for good.
    EndStream(time);
    if (!got.ok()) {
      // Said where the stream's lines stop, as the dropped lines are.
      AppendNotice(absl::StrCat("daemonize: reading ", options_.stream,
                                " failed: ", internal::ErrnoText(got.error),
                                "; the rest of it is lost"),
                   time);
    }
    return false;
  }
  splitter_.Feed(
      absl::string_view(read_buffer_.get(), got.value),
      [&](const LineSplitter::Line& line) { Take(line, time, pid_); });
  budget -= std::min(budget, static_cast<size_t>(got.value));
  // A read that did not fill the buffer emptied the pipe.
  return static_cast<size_t>(got.value) == kReadSize;
}

void OutputCapture::Read(absl::Time now) {
  last_now_ = now;
  if (!pipe_.valid()) return;
  // A sink whose time came first: what waits makes room for what comes.
  if (retry_at_ <= now) Flush(now);
  const absl::Time time = WallNow();
  size_t budget = options_.read_budget;
  while (budget > 0 && ReadOnce(time, budget)) {
  }
  Flush(now);
}

void OutputCapture::Detach(absl::Time now) {
  last_now_ = now;
  if (!pipe_.valid()) return;
  const absl::Time time = WallNow();
  // All the pipe can hold, and no more: a process outside the service that
  // still holds its other end must not keep the supervisor reading.
  size_t budget = 4 * options_.read_budget;
  while (budget > 0 && ReadOnce(time, budget)) {
  }
  if (pipe_.valid()) EndStream(time);
  Flush(now);
}

void OutputCapture::Say(absl::string_view text, pid_t pid, absl::Time now) {
  last_now_ = now;
  Take(LineSplitter::Line{text, false}, WallNow(), pid);
  Flush(now);
}

void OutputCapture::Take(const LineSplitter::Line& line, absl::Time time,
                         pid_t pid) {
  // A full buffer goes to a sink that works before any line is dropped: one
  // read of the pipe may bring more lines than the buffer holds, the more
  // so once formatted (a timestamp adds 33 bytes to each).
  if (Full() && last_error_ == 0) Flush(last_now_);
  if (Full()) {
    if (dropped_++ == 0) drop_error_ = last_error_;
    return;
  }
  if (dropped_ > 0) ReportDropped(time);
  AppendRecord(line, time, pid);
}

void OutputCapture::EndStream(absl::Time time) {
  splitter_.Finish(
      [&](const LineSplitter::Line& line) { Take(line, time, pid_); });
  pipe_.reset();
}

bool OutputCapture::Full() const {
  // Each waiting record's size counts too: a flood of empty lines would
  // otherwise keep eight times the bound in sizes_.
  const size_t records = sizes_.size() - first_size_;
  return waiting_bytes() + records * sizeof(size_t) >= options_.buffer_limit;
}

void OutputCapture::ReportDropped(absl::Time time) {
  const std::string notice =
      absl::StrCat("daemonize: ", dropped_, dropped_ == 1 ? " line" : " lines",
                   " of ", options_.stream, " dropped: ",
                   drop_error_ == 0 ? "the output buffer was full"
                                    : internal::ErrnoText(drop_error_));
  dropped_ = 0;
  drop_error_ = 0;
  AppendNotice(notice, time);
}

void OutputCapture::AppendNotice(absl::string_view notice, absl::Time time) {
  AppendRecord(LineSplitter::Line{notice, false}, time, os_.GetPid());
}

void OutputCapture::AppendRecord(const LineSplitter::Line& line,
                                 absl::Time time, pid_t pid) {
  const size_t before = waiting_.size();
  format_.Append(waiting_, line, time, pid);
  sizes_.push_back(waiting_.size() - before);
}

void OutputCapture::Flush(absl::Time now) {
  last_now_ = now;
  for (;;) {
    if (first_size_ == sizes_.size()) {
      // The sink works again: the lines it missed are said now, even if no
      // other line follows.
      if (dropped_ == 0 || last_error_ != 0) break;
      ReportDropped(WallNow());
    }
    const LineSink::Written written =
        sink_.Write(absl::string_view(waiting_).substr(written_),
                    absl::MakeConstSpan(sizes_).subspan(first_size_));
    Consume(written.records);
    last_error_ = written.error;
    // Lines dropped before the sink was tried: its failure is why.
    if (dropped_ > 0 && drop_error_ == 0) drop_error_ = written.error;
    if (written.error == 0) {
      if (written.records == 0) break;  // A sink that took nothing, oddly.
      continue;
    }
    if (written.error == EMSGSIZE) {  // A record too big for it, ever.
      if (dropped_++ == 0) drop_error_ = EMSGSIZE;
      Consume(1);
      last_error_ = 0;
      continue;
    }
    retry_at_ = written.error == EAGAIN && sink_.writable_fd() >= 0
                    ? absl::InfiniteFuture()
                    : now + options_.retry_delay;
    return;
  }
  retry_at_ = absl::InfiniteFuture();
}

void OutputCapture::Consume(size_t records) {
  for (size_t i = 0; i < records; ++i) written_ += sizes_[first_size_++];
  if (first_size_ == sizes_.size()) {
    waiting_.clear();
    sizes_.clear();
    written_ = first_size_ = 0;
  } else if (written_ >= kCompactAfter && written_ * 2 >= waiting_.size()) {
    waiting_.erase(0, written_);
    sizes_.erase(sizes_.begin(), sizes_.begin() + first_size_);
    written_ = first_size_ = 0;
  }
}

int OutputCapture::blocked_fd() const {
  return last_error_ == EAGAIN && first_size_ < sizes_.size()
             ? sink_.writable_fd()
             : -1;
}

absl::Status OutputCapture::Reopen(absl::Time now) {
  absl::Status reopened = sink_.Reopen();
  Flush(now);
  return reopened;
}

absl::Time OutputCapture::WallNow() {
  struct timespec now;
  if (os_.ClockGetTime(CLOCK_REALTIME, &now).ok()) {
    last_wall_ = absl::TimeFromTimespec(now);
  }
  return last_wall_;
}

}  // namespace daemonkit
