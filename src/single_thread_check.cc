#include "src/single_thread_check.h"

#include <fcntl.h>
#include <sysexits.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/unique_fd.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

constexpr char kStatPath[] = "/proc/self/stat";

// num_threads, field 20 of stat(5); 0 when `text` cannot be parsed.
int ThreadCount(absl::string_view text) {
  // The fields after the command name, which may itself hold spaces and ')'.
  const size_t name_end = text.rfind(')');
  if (name_end == absl::string_view::npos) return 0;
  const std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(name_end + 1), ' ', absl::SkipEmpty());
  int threads = 0;
  // fields[0] is field 3.
  if (fields.size() < 18 || !absl::SimpleAtoi(fields[17], &threads)) return 0;
  return threads;
}

}  // namespace

absl::Status CheckSingleThreaded(Os& os) {
  const SysCallIntResult opened =
      RetryOnEintr([&] { return os.Open(kStatPath, O_RDONLY | O_CLOEXEC, 0); });
  if (!opened.ok()) {
    return ErrnoStatus("counting threads in /proc/self/stat", opened.error,
                       EX_OSERR);
  }
  const UniqueFd stat(os, opened.value);
  char buffer[1024];
  const SysCallSizeResult got = RetryOnEintr(
      [&] { return os.Read(stat.get(), buffer, sizeof buffer - 1); });
  if (!got.ok()) {
    return ErrnoStatus("counting threads in /proc/self/stat", got.error,
                       EX_OSERR);
  }
  const int threads =
      ThreadCount(absl::string_view(buffer, static_cast<size_t>(got.value)));
  if (threads <= 0) {
    return absl::InternalError(
        "counting threads: cannot parse /proc/self/stat");
  }
  if (threads > 1) {
    return WithExitCode(
        absl::FailedPreconditionError(absl::StrCat(
            "detaching needs a single-threaded process; this one has ", threads,
            " threads (detach before starting any)")),
        EX_SOFTWARE);
  }
  return absl::OkStatus();
}

}  // namespace daemonkit::internal
