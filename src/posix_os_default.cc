// PosixOs::Default, apart from the calls themselves: a program that makes its
// own PosixOs (daemonize-init) links none of the C++ runtime it needs (operator
// new, the unwinder for its landing pad).
#include "daemonkit/posix_os.h"

namespace daemonkit {

PosixOs& PosixOs::Default() {
  // Never destroyed: daemons call into it until _exit.
  static PosixOs* const os = new PosixOs();
  return *os;
}

}  // namespace daemonkit
