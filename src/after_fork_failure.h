// A step that failed after fork, in the middle process or the daemon: said
// without allocating, and worded by the launcher as "<step> <subject> failed:
// <reason or errno text>" (see launch_report.h).
#ifndef DAEMONKIT_SRC_AFTER_FORK_FAILURE_H_
#define DAEMONKIT_SRC_AFTER_FORK_FAILURE_H_

namespace daemonkit::internal {

struct AfterForkFailure {
  const char* step = nullptr;     // Null: nothing failed.
  const char* subject = nullptr;  // Optional: a path, a stream's name.
  int error = 0;                  // errno, when a system call failed.
  const char* reason = nullptr;   // Said instead of the errno text.

  bool failed() const { return step != nullptr; }
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_AFTER_FORK_FAILURE_H_
