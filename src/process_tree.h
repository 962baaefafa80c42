// A process tree as /proc shows it, for the supervisor: to stop the whole
// service it signals every descendant of itself, and `daemonize --stop` names
// those that survived it.
//
// A pid alone is no identity: once a process is reaped its pid may be given
// to another. A pid together with the process's start time (/proc/PID/stat's
// field 22) is, so a process recorded now can be told later from a stranger
// that took its pid.
#ifndef DAEMONKIT_SRC_PROCESS_TREE_H_
#define DAEMONKIT_SRC_PROCESS_TREE_H_

#include <sys/types.h>

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"

namespace daemonkit::internal {

// A process as /proc/PID/stat names it: its pid and its start time (field 22,
// clock ticks since boot), which together never name another process, even
// after the pid is reused.
struct ProcessId {
  pid_t pid;
  unsigned long long start_ticks;

  bool operator==(const ProcessId& other) const {
    return pid == other.pid && start_ticks == other.start_ticks;
  }
  bool operator!=(const ProcessId& other) const { return !(*this == other); }
};

// What /proc/PID/stat says of one process (proc(5) numbers its fields).
struct ProcessStat {
  pid_t pid;                       // Field 1.
  char state;                      // Field 3: R, S, D, T, Z, X, ...
  pid_t ppid;                      // Field 4.
  pid_t pgrp;                      // Field 5.
  pid_t session;                   // Field 6.
  unsigned long long start_ticks;  // Field 22.
};

// /proc/PID/stat of `pid`; nullopt when the process is gone, may not be read
// or the line cannot be parsed. Its command name may hold any byte but NUL,
// ") S 1 " and newlines among them: the fields are read after its last ')'.
std::optional<ProcessStat> ReadProcessStat(Os& os, pid_t pid);

// Every process descended from `root` (children, their children, ...; not
// root itself), as one scan of /proc sees them now: parents before their
// children, siblings in /proc's order. Zombies are included (they still need
// reaping). A process that vanishes during the scan is left out, and so may
// be its children, seen under it before it went: a caller that must miss
// nothing scans until a scan finds nothing. Fails only when /proc cannot be
// listed.
absl::StatusOr<std::vector<ProcessId>> Descendants(Os& os, pid_t root);

// Whether `process` still runs: its pid exists with the same start time and
// is not a zombie (state Z) or dead (X).
bool StillRunning(Os& os, const ProcessId& process);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_PROCESS_TREE_H_
