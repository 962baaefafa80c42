// What the daemons that integration tests start do once detached.
#ifndef DAEMONKIT_TESTS_TEST_DAEMON_H_
#define DAEMONKIT_TESTS_TEST_DAEMON_H_

#include "daemonkit/detach.h"

namespace daemonkit::test {

// In the daemon: reports ready, then stops cleanly at SIGTERM, as a real
// daemon does: removes its pid file and exits 0 (1 when Ready() failed, 2
// when the pid file could not be removed). Never returns.
[[noreturn]] void ServeUntilTerminated(Daemon& daemon);

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_TEST_DAEMON_H_
