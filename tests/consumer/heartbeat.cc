#include "heartbeat.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace consumer {

absl::Status Beat(daemonkit::Os& os, int fd, int n) {
  const std::string line = absl::StrCat("beat ", n, "\n");
  const daemonkit::SysCallSizeResult written =
      os.Write(fd, line.data(), line.size());
  if (!written.ok()) return absl::ErrnoToStatus(written.error, "beat");
  return absl::OkStatus();
}

}  // namespace consumer
