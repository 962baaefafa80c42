// The errno each fault-injection sweep fails a call with: one the kernel
// really returns for that call, so that a failure reads as it would in life.
// Shared by the sweeps over Detach and over Supervise
// (tests/integration/*fault_injection_test.cc).
#ifndef DAEMONKIT_TESTS_SUPPORT_REALISTIC_ERRNO_H_
#define DAEMONKIT_TESTS_SUPPORT_REALISTIC_ERRNO_H_

#include "mocks/fault_injecting_os.h"

namespace daemonkit::test {

// An errno that `call` really fails with; EIO for the rest.
int RealisticErrno(FaultInjectingOs::Call call);

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_SUPPORT_REALISTIC_ERRNO_H_
