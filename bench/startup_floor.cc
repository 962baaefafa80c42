// The start-up floor of a daemonkit program: C++ linked as the release
// binaries are (statically, with Abseil), doing nothing but make an
// absl::Status. compare.py times it beside an empty C program and the
// timestamp example's --help.
#include "absl/status/status.h"

int main(int, char** argv) {
  return absl::InvalidArgumentError(argv[0]).ok() ? 1 : 0;
}
