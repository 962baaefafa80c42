#include "examples/timestamp_flags.h"

#include <getopt.h>

#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "tools/flag_values.h"

namespace daemonkit::examples {

const char kTimestampUsage[] =
    R"(Usage: timestamp [--log=FILE] [--interval=DURATION] [--pid-file=FILE]
                 [--chdir=DIR] [--umask=MODE] [--user=USER] [--group=GROUP]
                 [--chroot=DIR] [--foreground]
       timestamp --pid-file=FILE --stop [--stop-timeout=DURATION]
       timestamp --pid-file=FILE --status
Appends a timestamp to a log file at a fixed interval, as a daemon. The
launcher prints "Daemon PID N" and exits 0 once the daemon is set up.

  --log=FILE              file the timestamps go to (default /tmp/daemon-log)
  --interval=DURATION     time between two lines: 10s, 500ms, 1m; more than
                          0 and at most 24h (default 10s)
  --pid-file=FILE         one daemon at a time; --stop and --status find it
  --chdir=DIR             the daemon's working directory, inside --chroot
                          when set (default /)
  --umask=MODE            the daemon's umask, in octal (default 0)
  --user=USER             run as USER (name or id), with its groups; needs root
  --group=GROUP           run with GROUP instead of USER's own
  --chroot=DIR            chroot(2) to DIR first; --log then names a file
                          inside; needs root
  --foreground            everything but the forks: for systemd Type=notify
                          (READY=1 to NOTIFY_SOCKET), containers, debugging
  --stop                  SIGTERM the daemon --pid-file names; wait until gone
  --stop-timeout=DURATION how long --stop waits, more than 0 and at most 24h
                          (default 10s)
  --status                exit 0 running, 1 dead but pid file exists, 3 not
                          running, 4 unknown (as LSB init scripts)
  --help                  show this and exit

No value may be empty. --pid_file and --stop_timeout, the spellings of
earlier versions, work too.
)";

namespace {

enum Flag {
  kLog = 256,
  kInterval,
  kPidFile,
  kChdir,
  kUser,
  kGroup,
  kChroot,
  kUmask,
  kForeground,
  kStop,
  kStopTimeout,
  kStatus,
  kHelp,
};

// The dashed names come first: errors name a flag by its first entry. The
// underscored ones are the Abseil flag names the example started with, kept
// so that scripts written for them go on working.
constexpr struct option kOptions[] = {
    {"log", required_argument, nullptr, kLog},
    {"interval", required_argument, nullptr, kInterval},
    {"pid-file", required_argument, nullptr, kPidFile},
    {"chdir", required_argument, nullptr, kChdir},
    {"user", required_argument, nullptr, kUser},
    {"group", required_argument, nullptr, kGroup},
    {"chroot", required_argument, nullptr, kChroot},
    {"umask", required_argument, nullptr, kUmask},
    {"foreground", no_argument, nullptr, kForeground},
    {"stop", no_argument, nullptr, kStop},
    {"stop-timeout", required_argument, nullptr, kStopTimeout},
    {"status", no_argument, nullptr, kStatus},
    {"help", no_argument, nullptr, kHelp},
    {"pid_file", required_argument, nullptr, kPidFile},
    {"stop_timeout", required_argument, nullptr, kStopTimeout},
    {nullptr, 0, nullptr, 0},
};

absl::Status UsageError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(what, " (see --help)"));
}

// The option getopt_long refused, as the user wrote it, without "=VALUE".
absl::string_view RefusedName(char** argv) {
  const absl::string_view written = argv[optind - 1];
  return written.substr(0, written.find('='));
}

// "--pid-file" for kPidFile, however it was written (--pid_file, -pid-file,
// or an abbreviation); empty for anything else, such as an unknown flag.
std::string DashedName(int flag) {
  for (const struct option& option : kOptions) {
    if (option.name != nullptr && option.val == flag) {
      return absl::StrCat("--", option.name);
    }
  }
  return "";
}

absl::Status ParseDurationFlag(const char* name, const char* text,
                               absl::Duration* duration) {
  absl::StatusOr<absl::Duration> parsed =
      tools::ParseFlagDuration(absl::StrCat("--", name), text);
  if (parsed.ok()) *duration = *parsed;
  return parsed.status();
}

}  // namespace

absl::StatusOr<TimestampFlags> ParseTimestampFlags(int argc, char** argv) {
  TimestampFlags flags;
  optind = 0;  // Start afresh: glibc's getopt keeps state between calls.
  opterr = 0;  // Our own messages.
  // '-': arguments that are not options come back as 1, to be refused.
  // ':': a missing value comes back as ':'.
  for (int option; (option = getopt_long_only(argc, argv, "-:", kOptions,
                                              nullptr)) != -1;) {
    // --log= or --pid-file "$UNSET" is a mistake, never a default.
    if (option != 1 && optarg != nullptr && *optarg == '\0') {
      return UsageError(absl::StrCat(DashedName(option), " needs a value"));
    }
    absl::Status parsed;
    switch (option) {
      case kLog:
        flags.log = optarg;
        break;
      case kInterval:
        parsed = ParseDurationFlag("interval", optarg, &flags.interval);
        break;
      case kPidFile:
        flags.pid_file = optarg;
        break;
      case kChdir:
        flags.chdir = optarg;
        break;
      case kUser:
        flags.user = optarg;
        break;
      case kGroup:
        flags.group = optarg;
        break;
      case kChroot:
        flags.chroot = optarg;
        break;
      case kUmask:
        flags.umask = optarg;
        break;
      case kForeground:
        flags.foreground = true;
        break;
      case kStop:
        flags.stop = true;
        break;
      case kStopTimeout:
        parsed = ParseDurationFlag("stop-timeout", optarg, &flags.stop_timeout);
        break;
      case kStatus:
        flags.status = true;
        break;
      case kHelp:
        flags.help = true;
        break;
      case 1:
        return UsageError(absl::StrCat("unexpected argument '", optarg, "'"));
      // For a flag it knows, getopt_long_only puts the flag's value in optopt
      // (glibc); for an unknown or ambiguous one, 0.
      case ':':
        return UsageError(absl::StrCat(DashedName(optopt), " needs a value"));
      default:
        if (const std::string name = DashedName(optopt); !name.empty()) {
          return UsageError(absl::StrCat(name, " takes no value"));
        }
        return UsageError(absl::StrCat("unknown flag ", RefusedName(argv)));
    }
    if (!parsed.ok()) return parsed;
  }
  if (optind < argc) {  // After "--".
    return UsageError(absl::StrCat("unexpected argument '", argv[optind], "'"));
  }
  return flags;
}

}  // namespace daemonkit::examples
