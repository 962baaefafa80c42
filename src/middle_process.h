// The middle process, the first fork's child: it starts a new session, forks
// the daemon out of it (so that the daemon, not a session leader, can never
// acquire a controlling terminal), tells the launcher the daemon's pid and
// exits.
#ifndef DAEMONKIT_SRC_MIDDLE_PROCESS_H_
#define DAEMONKIT_SRC_MIDDLE_PROCESS_H_

#include "daemonkit/os.h"

namespace daemonkit::internal {

// Runs the middle process's part, reporting to the launcher on `report_fd`.
// Returns true in the daemon; the middle process exits (false: only a mock
// Exit returns).
bool RunMiddleProcess(Os& os, int report_fd);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_MIDDLE_PROCESS_H_
