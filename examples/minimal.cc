// The smallest complete daemon: detach, open what it needs (a failure reaches
// the launcher), say it is ready, serve. Usage: minimal LOG_FILE
#include <errno.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"

int main(int argc, char** argv) {
  if (argc != 2) return EX_USAGE;
  daemonkit::DetachOptions options;  // chdir "/", umask 0, stdio on /dev/null
  absl::StatusOr<daemonkit::Daemon> daemon = daemonkit::Detach(options);
  if (!daemon.ok()) {  // The launcher: nothing runs, and this says why.
    absl::FPrintF(stderr, "minimal: %s\n", daemon.status().message());
    return daemonkit::ExitCodeOf(daemon.status());
  }
  if (daemon->in_launcher()) {  // The daemon is ready.
    absl::PrintF("%d\n", daemon->pid());
    return 0;
  }

  // The daemon: open files, bind sockets, then tell the launcher.
  std::FILE* log = std::fopen(argv[1], "a");
  if (log == nullptr) {
    const absl::Status why =
        absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", argv[1]));
    daemon->Fail(why, EX_CANTCREAT).IgnoreError();
    return EX_CANTCREAT;
  }
  daemon->Ready().IgnoreError();
  for (int beat = 0;; ++beat) {  // Serve: here, a line a second.
    absl::FPrintF(log, "beat %d\n", beat);
    std::fflush(log);
    sleep(1);
  }
}
