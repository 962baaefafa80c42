// The timestamp example's command line, parsed with getopt_long_only: long
// options as GNU tools take them (--name=VALUE or --name VALUE; one dash works
// too, as it did with the Abseil flags this replaced), and no flag registry to
// build before main, so the launcher starts sooner. Names are spelled with
// dashes, as daemonize spells them (--pid-file); the underscored spellings of
// the Abseil flags (--pid_file, --stop_timeout) are aliases.
#ifndef DAEMONKIT_EXAMPLES_TIMESTAMP_FLAGS_H_
#define DAEMONKIT_EXAMPLES_TIMESTAMP_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace daemonkit::examples {

// What --help prints.
extern const char kTimestampUsage[];

struct TimestampFlags {
  std::string log = "/tmp/daemon-log";
  absl::Duration interval = absl::Seconds(10);
  std::string pid_file;
  std::string chdir = "/";
  std::string user;
  std::string group;
  std::string chroot;
  // The umask(0) of the double-fork recipe this example mirrors; it creates
  // its log with an explicit mode, 0644.
  std::string umask = "0";
  bool foreground = false;
  bool stop = false;
  absl::Duration stop_timeout = absl::Seconds(10);
  bool status = false;
  bool help = false;
};

// An unknown flag, a missing or malformed value, or a stray argument is an
// InvalidArgumentError (exit status EX_USAGE) whose message names it.
absl::StatusOr<TimestampFlags> ParseTimestampFlags(int argc, char** argv);

}  // namespace daemonkit::examples

#endif  // DAEMONKIT_EXAMPLES_TIMESTAMP_FLAGS_H_
