// How daemonize --init, as process 1 with nothing of the supervisor asked
// for, becomes daemonize-init (src/lean_init.h): the daemonize-init beside
// this program, when no other user could have put it there.
#ifndef DAEMONKIT_TOOLS_LEAN_INIT_LAUNCH_H_
#define DAEMONKIT_TOOLS_LEAN_INIT_LAUNCH_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "daemonkit/os.h"

namespace daemonkit::tools {

// Execs the daemonize-init in the directory of this program (its
// /proc/self/exe) as
//
//   daemonize-init --stop-timeout-ms=N -- THIS-PROGRAM --init-child ARGS...
//
// through the descriptor it checked (/proc/self/fd/N), so that what runs is
// what was checked. Returns only when it does not: no /proc, no such file,
// or one that a user other than root and this process's could have written,
// replaced or put there (its directory writable by others, sticky or not);
// the caller then stays the init.
void ExecLeanInit(Os& os, absl::Duration stop_timeout,
                  const std::vector<std::string>& args);

}  // namespace daemonkit::tools

#endif  // DAEMONKIT_TOOLS_LEAN_INIT_LAUNCH_H_
