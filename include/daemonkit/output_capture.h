// daemonkit::OutputCapture: one output stream of a supervised program (its
// stdout or its stderr), read from a pipe and written line by line to a
// sink, so that the program is never blocked for long and no line is lost,
// torn, glued to another or written twice.
//
//   program ──pipe──> Read: LineSplitter ──> LineFormat ──> waiting records
//                                                               │ Flush
//                                                               v
//                                                            LineSink
//
// Each instance of the program gets a new pipe (Attach); when its processes
// are gone, Detach reads what they left, completes a partial last line and
// closes the pipe, even if a process outside the service still holds the
// other end. The sink and the waiting records outlive instances.
//
// When the sink stalls or fails (syslog down, disk full), reading goes on:
// records wait, up to `buffer_limit` bytes (a full buffer is written at once
// to a sink that works, whatever the read's size); past it, new lines are
// dropped whole, and once a record goes again, one line says how many were
// dropped and why. A failed sink is tried again `retry_delay` later; one that
// said EAGAIN, as soon as its writable_fd() polls writable.
//
// Not thread-safe: one supervisor loop drives it.
#ifndef DAEMONKIT_OUTPUT_CAPTURE_H_
#define DAEMONKIT_OUTPUT_CAPTURE_H_

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemonkit/line_format.h"
#include "daemonkit/line_sink.h"
#include "daemonkit/line_splitter.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit {

class OutputCapture {
 public:
  struct Options {
    // Names the stream in the dropped-lines notice ("stdout").
    std::string stream = "stdout";
    size_t max_line = kMaxLineLength;
    // Bytes of records that may wait for the sink, each counted with its
    // size's bookkeeping (a size_t).
    size_t buffer_limit = 1 << 20;
    absl::Duration retry_delay = absl::Milliseconds(100);
    // How much one Read takes at most, so that a program writing without
    // pause does not keep its supervisor from everything else.
    size_t read_budget = 256 * 1024;
  };

  // `sink` and `format` must outlive the capture.
  OutputCapture(Os& os, LineSink& sink, LineFormat& format, Options options);
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  // Reads the instance `pid` writes into `pipe` (its read end, which is made
  // non-blocking here: the write end must stay blocking, the program's).
  // A pipe still attached is detached first.
  absl::Status Attach(UniqueFd pipe, pid_t pid);
  // The pid that lines come from, once known (after a fork that needed the
  // pipe first).
  void set_pid(pid_t pid) { pid_ = pid; }
  // The attached pipe, to poll for POLLIN; -1 when none.
  int pipe_fd() const { return pipe_.get(); }

  // Reads what the pipe holds (up to the read budget) and writes the lines
  // it completes; at end of file, detaches. A read that fails (but with
  // EAGAIN) detaches too, and a line of the stream says so ("daemonize:
  // reading stdout failed: ...; the rest of it is lost"): the program's next
  // write fails (EPIPE, SIGPIPE) rather than block on a full pipe. `now` is
  // the monotonic clock's.
  void Read(absl::Time now);
  // The instance's processes are gone: reads the pipe until it is empty,
  // gives a partial last line its newline, closes the pipe.
  void Detach(absl::Time now);

  // Adds a line of the supervisor's own, from `pid`, and writes it.
  void Say(absl::string_view text, pid_t pid, absl::Time now);

  // Writes the records that wait, if the sink takes them.
  void Flush(absl::Time now);
  // Records wait on a sink that said EAGAIN: poll this for POLLOUT, then
  // Flush. -1 otherwise.
  int blocked_fd() const;
  // When records wait on a sink that failed: the time to Flush again.
  // InfiniteFuture otherwise (an idle capture sets no timer).
  absl::Time retry_at() const { return retry_at_; }

  // Reopens the sink (SIGHUP: logrotate moved the file) and writes what
  // waits into the new one.
  absl::Status Reopen(absl::Time now);

  // Bytes of records waiting.
  size_t waiting_bytes() const { return waiting_.size() - written_; }
  // Lines dropped and not yet reported.
  size_t dropped() const { return dropped_; }

 private:
  // Formats `line` into a waiting record, or drops it when the buffer is
  // full. `time` is the wall clock's.
  void Take(const LineSplitter::Line& line, absl::Time time, pid_t pid);
  // Whether the waiting records fill the buffer.
  bool Full() const;
  // The notice of the lines dropped, when there is room for it.
  void ReportDropped(absl::Time time);
  // Appends a line of the supervisor's own about the stream, past the
  // buffer's limit if need be (one line).
  void AppendNotice(absl::string_view notice, absl::Time time);
  // Formats `line` into a waiting record, whatever the bound.
  void AppendRecord(const LineSplitter::Line& line, absl::Time time, pid_t pid);
  // The pipe's end: a partial last line is completed, the pipe closed.
  void EndStream(absl::Time time);
  // Advances past `written` records that the sink took.
  void Consume(size_t written);
  // Reads the pipe once into the splitter; false at its end or when empty.
  bool ReadOnce(absl::Time time, size_t& budget);
  absl::Time WallNow();

  Os& os_;
  LineSink& sink_;
  LineFormat& format_;
  Options options_;
  LineSplitter splitter_;
  UniqueFd pipe_;
  pid_t pid_ = 0;
  std::string waiting_;        // Records, one after another.
  size_t written_ = 0;         // Bytes of waiting_ already written.
  std::vector<size_t> sizes_;  // Of the records in waiting_.
  size_t first_size_ = 0;      // Index in sizes_ of the first unwritten.
  size_t dropped_ = 0;
  int drop_error_ = 0;  // Why the sink failed when the first went.
  int last_error_ = 0;  // The sink's last failure; 0 after success.
  absl::Time retry_at_ = absl::InfiniteFuture();
  absl::Time last_now_ = absl::InfinitePast();  // Monotonic, for Attach.
  absl::Time last_wall_ = absl::UnixEpoch();    // Should the clock fail.
  std::unique_ptr<char[]> read_buffer_;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_OUTPUT_CAPTURE_H_
