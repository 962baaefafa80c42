// What the daemons that integration tests start do once detached.
#ifndef DAEMONKIT_TESTS_TEST_DAEMON_H_
#define DAEMONKIT_TESTS_TEST_DAEMON_H_

#include <sys/types.h>

#include "daemonkit/detach.h"

namespace daemonkit::test {

// In the daemon: reports ready, then stops cleanly at SIGTERM, as a real
// daemon does: removes its pid file and exits 0 (1 when Ready() failed, 2
// when the pid file could not be removed). Never returns.
[[noreturn]] void ServeUntilTerminated(Daemon& daemon);

// Detaches with `options` a daemon that runs ServeUntilTerminated; returns
// its pid in the test (the launcher), or -1 after a test failure.
pid_t StartServingDaemon(const DetachOptions& options);

// SIGTERM to `pid`, then its wait status once it ended (the test must be its
// subreaper).
int StopWithSigterm(pid_t pid);

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_TEST_DAEMON_H_
