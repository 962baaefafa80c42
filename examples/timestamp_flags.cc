#include "examples/timestamp_flags.h"

#include <getopt.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace daemonkit::examples {

const char kTimestampUsage[] =
    R"(Usage: timestamp [--log=FILE] [--interval=DURATION] [--pid_file=FILE]
                 [--chdir=DIR] [--umask=MODE] [--user=USER] [--group=GROUP]
                 [--chroot=DIR] [--foreground]
       timestamp --pid_file=FILE --stop [--stop_timeout=DURATION]
       timestamp --pid_file=FILE --status
Appends a timestamp to a log file at a fixed interval, as a daemon. The
launcher prints "Daemon PID N" and exits 0 once the daemon is set up.

  --log=FILE              file the timestamps go to (default /tmp/daemon-log)
  --interval=DURATION     time between two lines: 10s, 500ms, 1m (default 10s)
  --pid_file=FILE         one daemon at a time; --stop and --status find it
  --chdir=DIR             the daemon's working directory, inside --chroot
                          when set (default /)
  --umask=MODE            the daemon's umask, in octal (default 0)
  --user=USER             run as USER (name or id), with its groups; needs root
  --group=GROUP           run with GROUP instead of USER's own
  --chroot=DIR            chroot(2) to DIR first; --log then names a file
                          inside; needs root
  --foreground            everything but the forks: for systemd Type=notify
                          (READY=1 to NOTIFY_SOCKET), containers, debugging
  --stop                  SIGTERM the daemon --pid_file names; wait until gone
  --stop_timeout=DURATION how long --stop waits (default 10s)
  --status                exit 0 running, 1 dead but pid file exists, 3 not
                          running, 4 unknown (as LSB init scripts)
  --help                  show this and exit
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

constexpr struct option kOptions[] = {
    {"log", required_argument, nullptr, kLog},
    {"interval", required_argument, nullptr, kInterval},
    {"pid_file", required_argument, nullptr, kPidFile},
    {"chdir", required_argument, nullptr, kChdir},
    {"user", required_argument, nullptr, kUser},
    {"group", required_argument, nullptr, kGroup},
    {"chroot", required_argument, nullptr, kChroot},
    {"umask", required_argument, nullptr, kUmask},
    {"foreground", no_argument, nullptr, kForeground},
    {"stop", no_argument, nullptr, kStop},
    {"stop_timeout", required_argument, nullptr, kStopTimeout},
    {"status", no_argument, nullptr, kStatus},
    {"help", no_argument, nullptr, kHelp},
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

bool TakesNoValue(absl::string_view name) {
  for (const struct option& option : kOptions) {
    if (option.name != nullptr && name == absl::StrCat("--", option.name)) {
      return option.has_arg == no_argument;
    }
  }
  return false;
}

absl::Status ParseDurationFlag(const char* name, const char* text,
                               absl::Duration* duration) {
  if (absl::ParseDuration(text, duration)) return absl::OkStatus();
  return UsageError(absl::StrCat("--", name, " takes a duration such as 10s, ",
                                 "500ms or 1m, got '", text, "'"));
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
        parsed = ParseDurationFlag("stop_timeout", optarg, &flags.stop_timeout);
        break;
      case kStatus:
        flags.status = true;
        break;
      case kHelp:
        flags.help = true;
        break;
      case 1:
        return UsageError(absl::StrCat("unexpected argument '", optarg, "'"));
      case ':':
        return UsageError(absl::StrCat(RefusedName(argv), " needs a value"));
      default:
        if (TakesNoValue(RefusedName(argv))) {
          return UsageError(absl::StrCat(RefusedName(argv), " takes no value"));
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
