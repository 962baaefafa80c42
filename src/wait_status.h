// How a process ended, in words ("exit status 3", "killed by signal 11
// (Segmentation fault)") and as a shell's exit status.
#ifndef DAEMONKIT_SRC_WAIT_STATUS_H_
#define DAEMONKIT_SRC_WAIT_STATUS_H_

#include <sys/wait.h>

#include <string>

namespace daemonkit::internal {

// `status` as waitpid(2) reports it.
std::string DescribeWaitStatus(int status);

// A shell's exit status for a process that ended with wait status `status`:
// its exit status, or 128+N when signal N killed it. Inline, for the lean
// init (lean_init.h), which links nothing of Abseil.
inline int ShellExitStatus(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_WAIT_STATUS_H_
