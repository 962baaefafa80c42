// daemonkit::OsWrapper: an Os that forwards every call to another Os.
//
// The base for decorators (like LevelDB's EnvWrapper): override only the
// calls you change — to log them, count them, or make them fail — and the
// rest keep reaching the wrapped Os.
#ifndef DAEMONKIT_OS_WRAPPER_H_
#define DAEMONKIT_OS_WRAPPER_H_

#include "daemonkit/os.h"

namespace daemonkit {

class OsWrapper : public Os {
 public:
  // `target` must outlive the wrapper.
  explicit OsWrapper(Os& target) : target_(target) {}

  Os& target() const { return target_; }

  // Every call goes to target(); a void one too (returning a void
  // expression is allowed).
#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments) \
  Result Name Parameters override { return target_.Name Arguments; }
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL

 private:
  Os& target_;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_OS_WRAPPER_H_
