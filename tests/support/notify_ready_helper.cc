// A command for daemonize's --ready=notify tests: after argv[1] milliseconds
// it sends READY=1 to NOTIFY_SOCKET (unless argv[2] is "never"), then waits
// to be stopped.

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "daemonkit/sd_notify.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  usleep(static_cast<useconds_t>(std::atoi(argv[1])) * 1000);
  if (argc < 3 || std::strcmp(argv[2], "never") != 0) {
    if (!daemonkit::SdNotify("READY=1").ok()) return 1;
  }
  for (;;) pause();
}
