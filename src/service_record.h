// The supervisor's status record: a small file beside the pid file (F.status)
// that says what `daemonize --status --pid-file=F` prints: COMMAND's pid, when
// it started, its restarts, its last STATUS= text and, once the supervisor
// gave up respawning and left, how the last instance ended.
//
// The supervisor (often root) writes it; anyone may read it. It is replaced
// whole by a rename, so a reader sees one record or the next, never a mix.
// It is a few `key=value` lines, values C-escaped (absl::CEscape, UTF-8 kept),
// so no text COMMAND sends can start a line of its own. A reader trusts
// nothing in it: the file is read only when it is a regular file of at most
// kMaxServiceRecordBytes, every known key must appear once with a valid value,
// and keys it does not know are skipped (a newer writer's).
#ifndef DAEMONKIT_SRC_SERVICE_RECORD_H_
#define DAEMONKIT_SRC_SERVICE_RECORD_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemonkit/os.h"

namespace daemonkit::internal {

struct ServiceRecord {
  pid_t pid = 0;            // The running instance of COMMAND; 0: none.
  absl::Time started;       // When the current instance (or the last one)
                            // started.
  int starts = 0;           // Instances started so far (1 before any restart).
  std::string status_text;  // The last STATUS= COMMAND sent; may be empty.
  std::string last_exit;    // How the last instance ended ("exit status 3"),
                            // empty while none has.
  bool gave_up = false;     // The respawn limit was passed; the supervisor
                            // left.
};

// A reader refuses a larger file. The writer keeps under it by cutting
// status_text to kMaxStatusTextBytes and last_exit to kMaxLastExitBytes, at a
// UTF-8 character's boundary.
inline constexpr size_t kMaxServiceRecordBytes = 8192;
inline constexpr size_t kMaxStatusTextBytes = 1024;
inline constexpr size_t kMaxLastExitBytes = 128;

// The record's path for pid file `pid_file_path`: the same path + ".status".
std::string ServiceRecordPath(absl::string_view pid_file_path);

// Replaces the record named `name` in the directory open at `dir_fd` (the pid
// file's directory; PidFile::dir_fd()) atomically: written whole to a fresh
// temporary name in the same directory, ".<name>.<pid>.tmp" (O_CREAT|O_EXCL,
// mode 0644 whatever the umask: it sets the umask for a moment, so call it
// from a single-threaded process), then renamed over `name`. A temporary left
// by a crashed writer of the same pid is removed first; a failed write
// removes its own, and leaves the old record as it was. Errors carry
// EX_CANTCREAT (creating, renaming) or EX_IOERR (writing).
absl::Status WriteServiceRecord(Os& os, int dir_fd, const std::string& name,
                                const ServiceRecord& record);

// Reads the record at `path`; kNotFound when there is none. A symbolic link
// or a file that is not regular is refused (kFailedPrecondition, EX_NOINPUT),
// and so is a record too large or malformed (kDataLoss, EX_DATAERR).
absl::StatusOr<ServiceRecord> ReadServiceRecord(Os& os,
                                                const std::string& path);

// Removes the record `name` in `dir_fd` (and nothing else); missing is fine.
absl::Status RemoveServiceRecord(Os& os, int dir_fd, const std::string& name);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SERVICE_RECORD_H_
