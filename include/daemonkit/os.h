// daemonkit::Os: the system calls daemonkit makes, one virtual method each.
//
// Every method is the thinnest translation of one call, so that all behaviour
// (retries, ordering, error messages) lives in code that tests reach through a
// mock or a decorator. Results carry the errno instead of an absl::Status:
// these calls run between fork and _exit, where allocating is unwise, and
// callers must tell EAGAIN from EINTR.
#ifndef DAEMONKIT_OS_H_
#define DAEMONKIT_OS_H_

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <cstddef>

namespace daemonkit {

// What a system call returned, and the errno when it failed.
template <typename T>
struct SysCallResult {
  T value;    // The call's return value; -1 when it failed.
  int error;  // errno when the call failed, 0 when it succeeded.

  bool ok() const { return error == 0; }
};

using SysCallIntResult = SysCallResult<int>;
using SysCallSizeResult = SysCallResult<ssize_t>;

// One virtual method per call in os_call_list.h, named after the call in
// PascalCase: read that list for what each one wraps.
class Os {
 public:
  virtual ~Os() = default;

#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments) \
  virtual Result Name Parameters = 0;
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL
};

}  // namespace daemonkit

#endif  // DAEMONKIT_OS_H_
