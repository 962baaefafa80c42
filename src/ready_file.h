// The ready file (SupervisorOptions::ready_file, daemonize --ready-file):
// there exactly while the program is ready, for a probe outside the service
// (a Kubernetes exec probe, `test -e`) to see. It holds the ready
// instance's pid.
#ifndef DAEMONKIT_SRC_READY_FILE_H_
#define DAEMONKIT_SRC_READY_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"

namespace daemonkit::internal {

class ReadyFile {
 public:
  // Opens the directory of `path` for the service's life, and removes what
  // an earlier supervisor that did not end cleanly left at `path`: nothing
  // is ready yet. Refuses (EX_CANTCREAT) a directory where a user other
  // than root and this process's own may create files, and a file left
  // there that it may not remove.
  static absl::StatusOr<ReadyFile> Open(Os& os, const std::string& path);

  // Instance `pid` is ready: the file appears, whole, by a rename (which
  // replaces a link planted at its name, and never follows it).
  absl::Status Set(pid_t pid);
  // It is not ready any more, or never was: the file goes.
  absl::Status Clear();

 private:
  ReadyFile(Os& os, UniqueFd directory, std::string name);

  Os* os_;
  UniqueFd directory_;
  std::string name_;
  bool present_ = false;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_READY_FILE_H_
