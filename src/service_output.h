// The supervisor's captured output (supervisor.h, output_capture.h): the
// sinks, formats and captures of the program's stdout and stderr, the pipes
// of each instance, and the supervisor's own lines.
#ifndef DAEMONKIT_SRC_SERVICE_OUTPUT_H_
#define DAEMONKIT_SRC_SERVICE_OUTPUT_H_

#include <poll.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "daemonkit/line_format.h"
#include "daemonkit/line_sink.h"
#include "daemonkit/os.h"
#include "daemonkit/output_capture.h"
#include "daemonkit/supervisor.h"
#include "daemonkit/unique_fd.h"
#include "src/credentials.h"
#include "src/worker_start.h"

namespace daemonkit::internal {

class ServiceOutput {
 public:
  // `stdout_path` and `stderr_path` are DetachOptions', opened again on
  // Reopen with the rights of `credentials` (the program's user), if any.
  ServiceOutput(Os& os, const SupervisorOptions& options,
                const std::string& stdout_path, const std::string& stderr_path,
                std::optional<Credentials> credentials);

  // Before the first instance: the supervisor's output files become
  // non-blocking (see MakeNonBlocking); a failure fails the start.
  absl::Status Start();
  // Pipes for the next instance: their write ends go to `streams`, for the
  // worker; the read ends are the captures'. Should the instance not start,
  // Detach reads what it wrote before it failed.
  absl::Status MakePipes(WorkerStreams& streams);
  // The instance runs as `pid`, the pid of its lines.
  void Started(pid_t pid);

  // Appends what poll(2) must watch: the pipes (POLLIN) and the sinks that
  // said EAGAIN (POLLOUT).
  void AddPollFds(std::vector<struct pollfd>& fds) const;
  // After the poll: `ready` holds the entries AddPollFds added, with their
  // revents. Reads and writes what they allow.
  void OnPoll(absl::Span<const struct pollfd> ready, absl::Time now);
  // When a sink that failed is tried again; InfiniteFuture when none.
  absl::Time NextRetry() const;
  // Tries again the sinks whose time came.
  void RetryDue(absl::Time now);

  // The instance's processes are gone: what they wrote is read to the end,
  // a partial last line completed, the pipes closed.
  void Detach(absl::Time now);
  // SIGHUP: the files are opened again; what fails is said.
  void Reopen(absl::Time now);
  // One line of the supervisor's own: to the stderr sink when stderr is
  // captured, onto its stderr otherwise.
  void Say(absl::string_view line, absl::Time now);
  // Before the supervisor exits: writes what still waits for a sink that is
  // only busy (it said EAGAIN: syslog reads slower than the program wrote),
  // waiting until it takes more, up to `deadline` (monotonic). A sink that
  // failed outright (syslog down, a full disk) is tried once more, not
  // waited for: what it cannot take then is lost.
  void Drain(absl::Time deadline);

 private:
  // One captured stream and its parts.
  struct Stream {
    std::string name;                    // "stdout" or "stderr".
    std::unique_ptr<LineSink> own_sink;  // Unless it shares syslog_.
    FileSink* file = nullptr;            // own_sink, when it is a file.
    std::unique_ptr<LineFormat> format;
    std::unique_ptr<OutputCapture> capture;
  };
  // Sets up `stream` for `how`; `fd` is the supervisor's own stream.
  void SetUp(Stream& stream, const CapturedStream& how, int fd,
             const std::string& path, absl::string_view name);
  // The captured streams.
  std::vector<Stream*> Captured();
  std::vector<const Stream*> Captured() const;

  Os& os_;
  const SupervisorOptions& options_;
  std::optional<Credentials> credentials_;
  std::string tag_;
  std::unique_ptr<SyslogSink> syslog_;  // Shared by both streams.
  Stream out_;
  Stream err_;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SERVICE_OUTPUT_H_
