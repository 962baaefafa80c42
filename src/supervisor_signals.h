// How a supervisor (supervisor.h) takes the signals of signal_routes.h:
// through a signalfd, so that none interrupts it in the middle of a step and
// none is lost while it sleeps in poll(2).
#ifndef DAEMONKIT_SRC_SUPERVISOR_SIGNALS_H_
#define DAEMONKIT_SRC_SUPERVISOR_SIGNALS_H_

#include <signal.h>

#include "absl/status/statusor.h"
#include "daemonkit/os.h"
#include "daemonkit/unique_fd.h"
#include "src/signal_routes.h"

namespace daemonkit::internal {

// Ignores SIGPIPE, blocks SupervisedSignals() and returns a signalfd
// (close-on-exec, non-blocking) that reads them.
absl::StatusOr<UniqueFd> TakeSupervisedSignals(Os& os);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_SUPERVISOR_SIGNALS_H_
