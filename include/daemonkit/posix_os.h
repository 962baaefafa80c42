// daemonkit::PosixOs: the real Os, straight onto the kernel.
//
// It reads errno right after each call and returns it in the result, so no
// caller reads errno after an Os call. Default() is never destroyed, so it
// stays usable in a forked child and during exit.
#ifndef DAEMONKIT_POSIX_OS_H_
#define DAEMONKIT_POSIX_OS_H_

#include "daemonkit/os.h"

namespace daemonkit {

class PosixOs : public Os {
 public:
  // The process-wide instance.
  static PosixOs& Default();

#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments) \
  Result Name Parameters override;
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL
};

}  // namespace daemonkit

#endif  // DAEMONKIT_POSIX_OS_H_
