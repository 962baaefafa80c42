#include "src/service_output.h"

#include <fcntl.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemonkit/output_file.h"
#include "src/errno_status.h"
#include "src/file_rights.h"
#include "src/monotonic_clock.h"
#include "src/os_helpers.h"
#include "src/path_parts.h"

namespace daemonkit::internal {
namespace {

using To = CapturedStream::To;

// A pipe: the read end into `read`, the write end into `write`; both
// close-on-exec (the worker moves its end onto 1 or 2, which clears that).
absl::Status MakePipe(Os& os, UniqueFd& read, UniqueFd& write,
                      absl::string_view name) {
  int fds[2];
  if (const SysCallIntResult made = os.Pipe(fds, O_CLOEXEC); !made.ok()) {
    return ErrnoStatus(absl::StrCat("making the ", name, " pipe"), made.error,
                       EX_OSERR);
  }
  read = UniqueFd(os, fds[0]);
  write = UniqueFd(os, fds[1]);
  return absl::OkStatus();
}

// The supervisor's end of an output file never blocks: a FIFO or a
// terminal whose reader stalls (the program's user may put one where its
// file was, for --reopen to open) would hold the supervisor in write(2),
// deaf to a stop. FileSink waits for room with poll(2) instead.
SysCallIntResult MakeNonBlocking(Os& os, int fd) {
  const SysCallIntResult flags = os.Fcntl(fd, F_GETFL, 0);
  if (!flags.ok()) return flags;
  return os.Fcntl(fd, F_SETFL, flags.value | O_NONBLOCK);
}

}  // namespace

ServiceOutput::ServiceOutput(Os& os, const SupervisorOptions& options,
                             const std::string& stdout_path,
                             const std::string& stderr_path,
                             std::optional<Credentials> credentials)
    : os_(os), options_(options), credentials_(std::move(credentials)) {
  tag_ = options.syslog_tag.empty()
             ? std::string(SplitPath(options.command[0]).name)
             : options.syslog_tag;
  SetUp(out_, options.stdout_capture, STDOUT_FILENO, stdout_path, "stdout");
  SetUp(err_, options.stderr_capture, STDERR_FILENO, stderr_path, "stderr");
}

void ServiceOutput::SetUp(Stream& stream, const CapturedStream& how, int fd,
                          const std::string& path, absl::string_view name) {
  if (how.to == To::kInherited) return;
  stream.name = std::string(name);
  LineSink* sink = nullptr;
  if (how.to == To::kFile) {
    // Opened again as at the start: with the rights of the program's user,
    // so that a link it planted leads root nowhere it could not go.
    FileSink::OpenAgain open_again = [this, path] {
      auto open = [&] {
        return OpenOutputFile(
            "output file", path,
            credentials_.has_value() ? credentials_->uid : std::nullopt, os_);
      };
      absl::StatusOr<UniqueFd> opened =
          credentials_.has_value() ? OpenWithRightsOf(os_, *credentials_, open)
                                   : open();
      if (!opened.ok()) return opened;
      if (const SysCallIntResult made = MakeNonBlocking(os_, opened->get());
          !made.ok()) {
        return absl::StatusOr<UniqueFd>(ErrnoStatus(
            absl::StrCat("opening output file ", path), made.error, EX_OSERR));
      }
      return opened;
    };
    auto file = std::make_unique<FileSink>(os_, UniqueFd(os_, fd), path,
                                           std::move(open_again));
    stream.file = file.get();
    stream.own_sink = std::move(file);
    sink = stream.own_sink.get();
    if (options_.timestamps) {
      stream.format =
          std::make_unique<TimestampedLineFormat>(absl::LocalTimeZone());
    } else {
      stream.format = std::make_unique<PlainLineFormat>();
    }
  } else {
    if (syslog_ == nullptr) {
      syslog_ = std::make_unique<SyslogSink>(os_, options_.syslog_socket);
    }
    sink = syslog_.get();
    stream.format = std::make_unique<SyslogLineFormat>(
        how.priority, SyslogTag(tag_), absl::LocalTimeZone());
  }
  OutputCapture::Options capture;
  capture.stream = std::string(name);
  stream.capture =
      std::make_unique<OutputCapture>(os_, *sink, *stream.format, capture);
}

std::vector<ServiceOutput::Stream*> ServiceOutput::Captured() {
  std::vector<Stream*> captured;
  for (Stream* stream : {&out_, &err_}) {
    if (stream->capture != nullptr) captured.push_back(stream);
  }
  return captured;
}

std::vector<const ServiceOutput::Stream*> ServiceOutput::Captured() const {
  std::vector<const Stream*> captured;
  for (const Stream* stream : {&out_, &err_}) {
    if (stream->capture != nullptr) captured.push_back(stream);
  }
  return captured;
}

absl::Status ServiceOutput::Start() {
  for (Stream* stream : Captured()) {
    if (stream->file == nullptr) continue;
    const SysCallIntResult made = MakeNonBlocking(os_, stream->file->fd());
    if (!made.ok()) {
      return ErrnoStatus(
          absl::StrCat("making the ", stream->name, " file non-blocking"),
          made.error, EX_OSERR);
    }
  }
  return absl::OkStatus();
}

absl::Status ServiceOutput::MakePipes(WorkerStreams& streams) {
  for (Stream* stream : Captured()) {
    UniqueFd read;
    UniqueFd& write = stream == &out_ ? streams.out : streams.err;
    absl::Status made = MakePipe(os_, read, write, stream->name);
    // Attached now, so that nothing fails after the fork: its pid follows.
    if (made.ok()) made = stream->capture->Attach(std::move(read), 0);
    if (!made.ok()) return made;
  }
  return absl::OkStatus();
}

void ServiceOutput::Started(pid_t pid) {
  for (Stream* stream : Captured()) stream->capture->set_pid(pid);
}

void ServiceOutput::AddPollFds(std::vector<struct pollfd>& fds) const {
  for (const Stream* stream : Captured()) {
    fds.push_back({stream->capture->pipe_fd(), POLLIN, 0});
    fds.push_back({stream->capture->blocked_fd(), POLLOUT, 0});
  }
}

void ServiceOutput::OnPoll(absl::Span<const struct pollfd> ready,
                           absl::Time now) {
  size_t next = 0;
  for (Stream* stream : Captured()) {
    const short readable = ready[next++].revents;
    const short writable = ready[next++].revents;
    // POLLHUP without POLLIN: the writers are gone; the read says so.
    if ((readable & (POLLIN | POLLHUP | POLLERR)) != 0) {
      stream->capture->Read(now);
    } else if (writable != 0) {
      stream->capture->Flush(now);
    }
  }
}

absl::Time ServiceOutput::NextRetry() const {
  absl::Time next = absl::InfiniteFuture();
  for (const Stream* stream : Captured()) {
    next = std::min(next, stream->capture->retry_at());
  }
  return next;
}

void ServiceOutput::RetryDue(absl::Time now) {
  for (Stream* stream : Captured()) {
    if (stream->capture->retry_at() <= now) stream->capture->Flush(now);
  }
}

void ServiceOutput::Detach(absl::Time now) {
  for (Stream* stream : Captured()) stream->capture->Detach(now);
}

void ServiceOutput::Reopen(absl::Time now) {
  for (Stream* stream : Captured()) {
    const absl::Status reopened = stream->capture->Reopen(now);
    if (!reopened.ok()) Say(reopened.message(), now);
  }
}

void ServiceOutput::Drain(absl::Time deadline) {
  const std::vector<Stream*> captured = Captured();
  // Nothing waits, as usual: not even the clock is read.
  if (std::none_of(captured.begin(), captured.end(), [](const Stream* s) {
        return s->capture->waiting_bytes() > 0 || s->capture->dropped() > 0;
      })) {
    return;
  }
  for (;;) {
    const absl::StatusOr<absl::Time> now = MonotonicNow(os_);
    if (!now.ok()) return;
    std::vector<struct pollfd> busy;
    for (Stream* stream : captured) {
      stream->capture->Flush(*now);
      if (const int fd = stream->capture->blocked_fd(); fd >= 0) {
        busy.push_back({fd, POLLOUT, 0});
      }
    }
    const int timeout = PollTimeout(*now, deadline);
    if (busy.empty() || timeout == 0) return;
    const SysCallIntResult polled = RetryOnEintr(
        [&] { return os_.Poll(busy.data(), busy.size(), timeout); });
    if (!polled.ok() || polled.value == 0) return;
  }
}

void ServiceOutput::Say(absl::string_view line, absl::Time now) {
  const std::string text = absl::StrCat("supervisor: ", line);
  if (err_.capture != nullptr) {
    err_.capture->Say(text, os_.GetPid(), now);
    return;
  }
  const std::string whole = absl::StrCat(text, "\n");
  os_.Write(STDERR_FILENO, whole.data(), whole.size());
}

}  // namespace daemonkit::internal
