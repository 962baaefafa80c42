// The terminal in an init's hands (SupervisorOptions::init): the program's
// process group is the terminal's foreground, as a shell's job would be;
// when the program stops (^Z), an init run from a shell stops too, so that
// the shell gets the terminal back, and on SIGCONT (fg) hands it on again.
#ifndef DAEMONKIT_SRC_JOB_CONTROL_H_
#define DAEMONKIT_SRC_JOB_CONTROL_H_

#include <sys/types.h>

#include "daemonkit/os.h"

namespace daemonkit::internal {

class JobControl {
 public:
  explicit JobControl(Os& os) : os_(os) {}

  // Looks whether stdin is a terminal whose foreground is this process's
  // group: only then does the program take it.
  void Start();
  bool has_terminal() const { return terminal_; }

  // The program's `group` stopped: the terminal comes back here, if the
  // group had it, and this process stops too, unless it is PID 1 (which the
  // kernel never stops, and whose terminal, a container's, has no shell to
  // go back to).
  void ProgramStopped(pid_t group);
  // SIGCONT came: after this process's own stop, and a shell's fg (which
  // gave this process's group the terminal), `group` gets it back before
  // it is continued.
  void Continuing(pid_t group);

 private:
  Os& os_;
  bool terminal_ = false;
  bool stopped_ = false;
};

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_JOB_CONTROL_H_
