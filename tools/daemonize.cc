// daemonize: run any command as a daemon, and know whether it started.
//
//   daemonize [OPTIONS] [--] COMMAND [ARGS...]
//
// The launcher exits 0 only once COMMAND runs (its exec succeeded), or, with
// --ready=notify, once it said READY=1. Otherwise it says what failed and
// exits non-zero: 127 or 126 when COMMAND cannot be run, as a shell would, or
// a sysexits.h code. No daemon and no pid file are left behind then. With a
// pid file, --ready=notify, --respawn, --watchdog, --timestamps or syslog
// output, a supervisor (daemonkit/supervisor.h) stays and runs COMMAND,
// capturing its output; --stop, --status, --reload and --reopen control it.
// docs/daemonize.md is the manual.

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "daemonkit/detach.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/pid_file.h"
#include "daemonkit/posix_os.h"
#include "daemonkit/respawn_policy.h"
#include "daemonkit/supervisor.h"
#include "daemonkit/syslog_message.h"
#include "tools/flag_values.h"
#include "tools/lean_init_launch.h"
#include "tools/service_control.h"

namespace {

constexpr char kVersion[] = "daemonize (daemonkit) 0.1.0";

constexpr char kUsage[] = R"(Usage: daemonize [OPTIONS] [--] COMMAND [ARGS...]
       daemonize --stop|--status|--reload|--reopen --pid-file=FILE [OPTIONS]
Runs COMMAND as a daemon (double fork, new session, no terminal) and exits 0
only once it runs; otherwise says why and exits non-zero. With a pid file or
--respawn, a supervisor stays: COMMAND runs as its child, the supervisor
holds the pid file's lock, and stopping it stops everything COMMAND started.
The supervisor reads COMMAND's output and writes it line by line.

  -p, --pid-file=FILE     write COMMAND's pid to FILE, locked: one at a time
  -c, --chdir=DIR         working directory (default /; with --init, the
                          current one)
  -m, --umask=MODE        umask, in octal (default 022; with --init, the
                          current one)
  -u, --user=USER         run as USER (name or id), with its groups
  -g, --group=GROUP       run with GROUP instead of USER's own
  -r, --chroot=DIR        chroot to DIR first
  -o, --stdout=SINK       where standard output goes: a FILE to append to, or
                          syslog[:FACILITY.PRIORITY] (default daemon.info);
                          /dev/null when not given
  -e, --stderr=SINK       the same for standard error (syslog: daemon.err)
      --timestamps        start each line written to a file with the time
                          (RFC 3339, microseconds, local time zone)
      --syslog-tag=TAG    the syslog tag (default COMMAND's base name)
      --syslog-socket=PATH  the syslog daemon's socket (default /dev/log)
  -k, --keep-fd=N         pass descriptor N on to COMMAND (repeatable)
  -C, --clear-env         start COMMAND with an empty environment
  -E, --env=NAME=VALUE    set a variable for COMMAND (repeatable)
  -f, --foreground        do everything but detaching
      --init              be a container's init (PID 1), in the foreground:
                          COMMAND in a process group of its own, every
                          orphan reaped at once, signals passed on to
                          COMMAND's group, the terminal given to it, and
                          the exit status COMMAND's (docs/containers.md);
                          as PID 1 without the supervisor's options, the
                          daemonize-init beside daemonize does it
      --ready-file=FILE   FILE exists, holding COMMAND's pid, exactly while
                          it is ready (for a readiness probe)
      --ready=exec        ready once COMMAND's exec succeeded (default)
      --ready=notify      ready once COMMAND sends READY=1 to NOTIFY_SOCKET, a
                          socket the supervisor keeps for the service's life
      --ready-timeout=D   how long --ready=notify waits, more than 0 and at
                          most 24h (default 30s; EXTEND_TIMEOUT_USEC= extends)
      --notify-access=A   whose messages count: main (COMMAND's, the default)
                          or all (any process of the service)
      --watchdog=D        COMMAND must send WATCHDOG=1 within each D once
                          ready, or it is killed with SIGABRT (a failure)
      --stop-timeout=D    how long a stop waits after SIGTERM before SIGKILL
                          (default 10s)
      --respawn           restart COMMAND when it fails (a non-zero exit, or
                          a signal but TERM, INT, HUP and PIPE)
      --respawn-delay=D   the first restart's delay, doubled for each failure
                          in a row (default 100ms)
      --respawn-max-delay=D  the longest delay (default 30s)
      --respawn-limit=N/D at most N starts within D, then give up (default
                          5/10s; 0: never give up)

Control of a started daemon, by its pid file (LSB init script exit codes):
      --stop              stop it and everything it started: 0 when all is
                          gone or nothing ran, 1 when that failed
      --status            0 running, 1 dead but the pid file remains, 3 not
                          running, 4 unknown
      --reload            send COMMAND the reload signal: 0 sent, 7 not
                          running, 1 otherwise
      --reload-signal=SIG the reload signal, a name or number (default HUP)
      --reopen            reopen the output files (after logrotate moved them,
                          in its postrotate): 0 asked, 7 not running, 1
                          otherwise
  -h, --help              show this and exit
  -V, --version           show the version and exit

No value may be empty. A COMMAND path holding a '/' is taken from the
current directory; a bare name is searched in PATH. A file named syslog is
./syslog.

Exit status: 0 started; 126 COMMAND not runnable; 127 COMMAND not found;
64 bad usage; 67 unknown user or group; 69 already running, or no READY=1
in time; 70 COMMAND died before it was ready; 71-77 other failures
(sysexits.h); 128+N interrupted by signal N (SIGINT, SIGTERM, SIGHUP)
before COMMAND was ready, which stops it. Full manual: docs/daemonize.md.
)";

enum LongOnly {
  kReady = 256,
  kReadyTimeout,
  kNotifyAccess,
  kStopTimeout,
  kWatchdog,
  kRespawn,
  kRespawnDelay,
  kRespawnMaxDelay,
  kRespawnLimit,
  kStop,
  kStatus,
  kReload,
  kReloadSignal,
  kReopen,
  kTimestamps,
  kSyslogTag,
  kSyslogSocket,
  kInit,
  kInitChild,
  kReadyFile,
};

// The dashed names come first: errors name an option by its first entry. The
// underscored aliases take the timestamp example's old spelling too, so that
// one habit works for both programs.
constexpr struct option kOptions[] = {
    {"pid-file", required_argument, nullptr, 'p'},
    {"chdir", required_argument, nullptr, 'c'},
    {"umask", required_argument, nullptr, 'm'},
    {"user", required_argument, nullptr, 'u'},
    {"group", required_argument, nullptr, 'g'},
    {"chroot", required_argument, nullptr, 'r'},
    {"stdout", required_argument, nullptr, 'o'},
    {"stderr", required_argument, nullptr, 'e'},
    {"keep-fd", required_argument, nullptr, 'k'},
    {"clear-env", no_argument, nullptr, 'C'},
    {"env", required_argument, nullptr, 'E'},
    {"foreground", no_argument, nullptr, 'f'},
    {"ready", required_argument, nullptr, kReady},
    {"ready-timeout", required_argument, nullptr, kReadyTimeout},
    {"notify-access", required_argument, nullptr, kNotifyAccess},
    {"stop-timeout", required_argument, nullptr, kStopTimeout},
    {"watchdog", required_argument, nullptr, kWatchdog},
    {"respawn", no_argument, nullptr, kRespawn},
    {"respawn-delay", required_argument, nullptr, kRespawnDelay},
    {"respawn-max-delay", required_argument, nullptr, kRespawnMaxDelay},
    {"respawn-limit", required_argument, nullptr, kRespawnLimit},
    {"stop", no_argument, nullptr, kStop},
    {"status", no_argument, nullptr, kStatus},
    {"reload", no_argument, nullptr, kReload},
    {"reload-signal", required_argument, nullptr, kReloadSignal},
    {"reopen", no_argument, nullptr, kReopen},
    {"timestamps", no_argument, nullptr, kTimestamps},
    {"syslog-tag", required_argument, nullptr, kSyslogTag},
    {"syslog-socket", required_argument, nullptr, kSyslogSocket},
    {"init", no_argument, nullptr, kInit},
    {"init-child", no_argument, nullptr, kInitChild},
    {"ready-file", required_argument, nullptr, kReadyFile},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {"pid_file", required_argument, nullptr, 'p'},
    {"keep_fd", required_argument, nullptr, 'k'},
    {"clear_env", no_argument, nullptr, 'C'},
    {"ready_timeout", required_argument, nullptr, kReadyTimeout},
    {nullptr, 0, nullptr, 0},
};

// What daemonize does: start COMMAND, or control a started one.
enum class Action { kStart, kStop, kStatus, kReload, kReopen };

struct Settings {
  Action action = Action::kStart;
  daemonkit::DetachOptions options;
  daemonkit::SupervisorOptions supervision;
  int reload_signal = SIGHUP;
  // Respawn options given without --respawn, named for the error.
  std::string respawn_option_alone;

  // Syslog options given without a syslog stream, named for the error.
  std::string syslog_option_alone;

  // Whether --chdir and --umask were given: --init keeps the caller's.
  bool chdir_given = false;
  bool umask_given = false;

  // --init-child: run by daemonize-init (lean_init.h), which is process 1
  // already; this process sets COMMAND up and becomes it.
  bool init_child = false;

  // A supervisor stays for a pid file (it holds the lock), for --respawn,
  // for the notify socket (it keeps it for the life of the service), for
  // output it writes itself, for the ready file, and as an init.
  bool supervised() const { return supervision.init || supervisor_needed(); }

  // What only a supervisor does, an init's duties aside.
  bool supervisor_needed() const {
    using To = daemonkit::CapturedStream::To;
    return !supervision.ready_file.empty() || !options.pid_file.empty() ||
           supervision.respawn.has_value() || supervision.notify ||
           supervision.watchdog > absl::ZeroDuration() ||
           supervision.timestamps ||
           supervision.stdout_capture.to == To::kSyslog ||
           supervision.stderr_capture.to == To::kSyslog;
  }

  // An init with nothing of the supervisor asked for (output files it
  // would reopen on SIGHUP included): daemonize-init can be process 1.
  bool lean_init() const {
    return supervision.init && !init_child && !supervisor_needed() &&
           options.stdout_path.empty() && options.stderr_path.empty();
  }
};

int Fail(const absl::Status& status) {
  return daemonkit::tools::ReportFailure("daemonize", status);
}

absl::Status UsageError(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(what, " (see --help)"));
}

// The dashed long name of the option that sets `value`.
std::string LongName(int value) {
  for (const struct option& option : kOptions) {
    if (option.name != nullptr && option.val == value) {
      return absl::StrCat("--", option.name);
    }
  }
  return "";
}

// How an error names an option that getopt_long found, given as `written`
// and setting `value`: a long one by its dashed name, however it was spelled
// (--pid_file, or an abbreviation such as --pid), a short one as written.
std::string OptionName(const char* written, int value) {
  return absl::StartsWith(written, "--") ? LongName(value) : written;
}

// A descriptor to keep must be the caller's: one this process opens itself
// before Detach checks it (the notify socket) would pass that check, and
// never reach COMMAND.
absl::Status ParseKeptFd(const std::string& value, std::vector<int>& keep) {
  int fd;
  if (!absl::SimpleAtoi(value, &fd) || fd < 3) {
    return UsageError(absl::StrCat(
        "--keep-fd takes a descriptor number of 3 or more, not '", value, "'"));
  }
  if (fcntl(fd, F_GETFD) < 0) {
    return UsageError(absl::StrCat("--keep-fd ", fd, " is not open"));
  }
  keep.push_back(fd);
  return absl::OkStatus();
}

// `path`, relative to the caller's working directory, made absolute: the
// daemon works from another ("/" by default).
absl::Status MakeAbsolute(std::string& path) {
  if (path[0] == '/') return absl::OkStatus();
  absl::string_view relative = path;
  while (absl::ConsumePrefix(&relative, "./")) {
  }
  char directory[PATH_MAX];
  if (getcwd(directory, sizeof directory) == nullptr) {
    const int error = errno;
    return daemonkit::WithExitCode(
        absl::ErrnoToStatus(error, absl::StrCat("resolving ", path,
                                                " against the working "
                                                "directory")),
        EX_OSERR);
  }
  const absl::string_view base = directory;
  path = relative == "." ? std::string(base)
                         : absl::StrCat(base, base == "/" ? "" : "/", relative);
  return absl::OkStatus();
}

// COMMAND as the daemon will exec it. A path holding a '/' is the caller's,
// relative to its working directory, not to the daemon's (--chdir, "/" by
// default); a bare name is searched in PATH by the daemon.
absl::Status ResolveCommand(const daemonkit::DetachOptions& options,
                            std::string& program) {
  if (program.empty()) return UsageError("COMMAND is empty");
  if (program[0] == '/' || program.find('/') == std::string::npos) {
    return absl::OkStatus();
  }
  if (!options.chroot_directory.empty()) {
    return UsageError(absl::StrCat(
        "with --chroot, COMMAND is an absolute path inside it or a name in "
        "PATH, not '",
        program, "'"));
  }
  return MakeAbsolute(program);
}

// --stdout or --stderr: a file, or syslog[:FACILITY.PRIORITY].
absl::Status ApplyOutputOption(int option, const std::string& value,
                               Settings& settings) {
  const bool out = option == 'o';
  daemonkit::CapturedStream& stream = out ? settings.supervision.stdout_capture
                                          : settings.supervision.stderr_capture;
  std::string& path =
      out ? settings.options.stdout_path : settings.options.stderr_path;
  absl::string_view priority = value;
  if (!absl::ConsumePrefix(&priority, "syslog") ||
      !(priority.empty() || absl::ConsumePrefix(&priority, ":"))) {
    path = value;
    stream.to = daemonkit::CapturedStream::To::kInherited;
    return absl::OkStatus();
  }
  path.clear();
  stream.to = daemonkit::CapturedStream::To::kSyslog;
  stream.priority = daemonkit::SyslogPriority{3, out ? 6 : 3};  // daemon.*
  if (priority.empty()) return absl::OkStatus();
  absl::StatusOr<daemonkit::SyslogPriority> parsed =
      daemonkit::ParseSyslogPriority(priority);
  if (!parsed.ok()) {
    return UsageError(
        absl::StrCat(LongName(option), ": ", parsed.status().message()));
  }
  stream.priority = *parsed;
  return absl::OkStatus();
}

// Sets what one of the daemon's own options (-p to -f) says.
absl::Status ApplyDaemonOption(int option, const std::string& value,
                               daemonkit::DetachOptions& options) {
  switch (option) {
    case 'p':
      options.pid_file = value;
      return absl::OkStatus();
    case 'c':
      options.working_directory = value;
      return absl::OkStatus();
    case 'm': {
      char* end = nullptr;
      const long mask = std::strtol(value.c_str(), &end, 8);
      if (value.empty() || *end != '\0' || mask < 0 || mask > 0777) {
        return UsageError(absl::StrCat(
            "--umask takes an octal mode from 0 to 0777, not '", value, "'"));
      }
      options.umask = static_cast<int>(mask);
      return absl::OkStatus();
    }
    case 'u':
      options.user = value;
      return absl::OkStatus();
    case 'g':
      options.group = value;
      return absl::OkStatus();
    case 'r':
      options.chroot_directory = value;
      return absl::OkStatus();
    case 'k':
      return ParseKeptFd(value, options.keep_fds);
    case 'C':
      options.clear_environment = true;
      return absl::OkStatus();
    case 'E':
      if (value.find('=') == std::string::npos || value[0] == '=') {
        return UsageError(
            absl::StrCat("--env takes NAME=VALUE, not '", value, "'"));
      }
      options.set_environment.push_back(value);
      return absl::OkStatus();
    case 'f':
      options.foreground = true;
      return absl::OkStatus();
  }
  return UsageError("unknown option");  // Parse sends no other here.
}

// A duration flag's value into `duration`.
absl::Status SetDuration(int option, const std::string& value,
                         absl::Duration& duration) {
  absl::StatusOr<absl::Duration> parsed =
      daemonkit::tools::ParseFlagDuration(LongName(option), value);
  if (!parsed.ok()) return parsed.status();
  duration = *parsed;
  return absl::OkStatus();
}

// Sets what one of the supervisor's options says; `respawn` gathers the
// respawn options whatever their order, for --respawn to take.
absl::Status ApplySupervisorOption(int option, const std::string& value,
                                   Settings& settings,
                                   daemonkit::RespawnOptions& respawn) {
  switch (option) {
    case kStopTimeout:
      return SetDuration(option, value, settings.supervision.stop_timeout);
    case kWatchdog:
      return SetDuration(option, value, settings.supervision.watchdog);
    case kRespawn:
      settings.supervision.respawn.emplace();
      return absl::OkStatus();
    case kRespawnDelay:
      settings.respawn_option_alone = LongName(option);
      return SetDuration(option, value, respawn.initial_delay);
    case kRespawnMaxDelay:
      settings.respawn_option_alone = LongName(option);
      return SetDuration(option, value, respawn.max_delay);
    case kRespawnLimit: {
      settings.respawn_option_alone = LongName(option);
      absl::StatusOr<daemonkit::tools::RespawnLimit> limit =
          daemonkit::tools::ParseRespawnLimit(LongName(option), value);
      if (!limit.ok()) return limit.status();
      respawn.limit_starts = limit->starts;
      respawn.limit_interval = limit->interval;
      return absl::OkStatus();
    }
  }
  return UsageError("unknown option");  // Parse sends no other here.
}

// Sets what a readiness or control option says.
absl::Status ApplyLongOption(int option, const std::string& value,
                             Settings& settings) {
  switch (option) {
    case kReady:
      if (value != "exec" && value != "notify") {
        return UsageError(absl::StrCat(
            "--ready takes 'exec' or 'notify', not '", value, "'"));
      }
      settings.supervision.notify = value == "notify";
      return absl::OkStatus();
    case kReadyTimeout:
      return SetDuration(option, value, settings.supervision.ready_timeout);
    case kNotifyAccess:
      if (value != "main" && value != "all") {
        return UsageError(absl::StrCat(
            "--notify-access takes 'main' or 'all', not '", value, "'"));
      }
      settings.supervision.notify_access =
          value == "all" ? daemonkit::SupervisorOptions::NotifyAccess::kAll
                         : daemonkit::SupervisorOptions::NotifyAccess::kMain;
      return absl::OkStatus();
    case kStop:
    case kStatus:
    case kReload:
    case kReopen:
      if (settings.action != Action::kStart) {
        return UsageError(
            "--stop, --status, --reload and --reopen go one at a time");
      }
      settings.action = option == kStop     ? Action::kStop
                        : option == kStatus ? Action::kStatus
                        : option == kReload ? Action::kReload
                                            : Action::kReopen;
      return absl::OkStatus();
    case kTimestamps:
      settings.supervision.timestamps = true;
      return absl::OkStatus();
    case kSyslogTag:
      settings.syslog_option_alone = LongName(option);
      settings.supervision.syslog_tag = value;
      return absl::OkStatus();
    case kSyslogSocket:
      settings.syslog_option_alone = LongName(option);
      settings.supervision.syslog_socket = value;
      return absl::OkStatus();
    case kInit:
      settings.supervision.init = true;
      settings.options.foreground = true;
      return absl::OkStatus();
    case kInitChild:
      settings.init_child = true;
      return absl::OkStatus();
    case kReadyFile:
      settings.supervision.ready_file = value;
      return MakeAbsolute(settings.supervision.ready_file);
    case kReloadSignal: {
      absl::StatusOr<int> signal =
          daemonkit::tools::ParseSignal(LongName(option), value);
      if (!signal.ok()) return signal.status();
      settings.reload_signal = *signal;
      return absl::OkStatus();
    }
  }
  return UsageError("unknown option");  // Parse sends no other here.
}

// With a supervisor, the output files are its: COMMAND writes into pipes it
// reads, and it opens the files again on --reopen, from "/".
absl::Status CheckCapture(Settings& settings) {
  using To = daemonkit::CapturedStream::To;
  daemonkit::SupervisorOptions& supervision = settings.supervision;
  bool to_file = false;
  if (settings.supervised()) {
    for (auto [path, stream] :
         {std::pair(&settings.options.stdout_path, &supervision.stdout_capture),
          std::pair(&settings.options.stderr_path,
                    &supervision.stderr_capture)}) {
      if (path->empty()) continue;
      stream->to = To::kFile;
      to_file = true;
      if (absl::Status made = MakeAbsolute(*path); !made.ok()) return made;
    }
  }
  if (supervision.timestamps && !to_file) {
    return UsageError("--timestamps is for --stdout or --stderr to a file");
  }
  const bool to_syslog = supervision.stdout_capture.to == To::kSyslog ||
                         supervision.stderr_capture.to == To::kSyslog;
  if (!settings.syslog_option_alone.empty() && !to_syslog) {
    return UsageError(absl::StrCat(settings.syslog_option_alone,
                                   " is for --stdout=syslog or "
                                   "--stderr=syslog"));
  }
  return absl::OkStatus();
}

// An init runs COMMAND where the container put it (its WORKDIR), with the
// umask it was given, unless told otherwise.
absl::Status KeepCallersPlace(Settings& settings) {
  if (!settings.umask_given) {
    const mode_t mask = umask(022);
    umask(mask);
    settings.options.umask = static_cast<int>(mask);
  }
  // In a jail, the caller's directory is not where it was: "/" stays.
  if (settings.chdir_given || !settings.options.chroot_directory.empty()) {
    return absl::OkStatus();
  }
  settings.options.working_directory = ".";
  return MakeAbsolute(settings.options.working_directory);
}

// Checks the options together, once all are known.
absl::Status CheckSettings(Settings& settings) {
  const daemonkit::DetachOptions& options = settings.options;
  if (settings.init_child && !settings.supervision.init) {
    return UsageError("--init-child is for daemonize-init, with --init");
  }
  if (settings.action != Action::kStart) {
    if (settings.supervision.init) {
      return UsageError(
          "--init starts COMMAND; --stop, --status, --reload and --reopen "
          "control a started one");
    }
    if (options.pid_file.empty()) {
      return UsageError(
          "--stop, --status, --reload and --reopen need --pid-file");
    }
    if (!settings.supervision.command.empty()) {
      return UsageError(
          "--stop, --status, --reload and --reopen take no COMMAND");
    }
    return absl::OkStatus();
  }
  if (settings.supervision.command.empty()) {
    return UsageError("no command given");
  }
  if (!settings.respawn_option_alone.empty() &&
      !settings.supervision.respawn.has_value()) {
    return UsageError(absl::StrCat(settings.respawn_option_alone,
                                   " is for --respawn, which is not given"));
  }
  if (absl::Status captured = CheckCapture(settings); !captured.ok()) {
    return captured;
  }
  return ResolveCommand(options, settings.supervision.command[0]);
}

// Parses the command line as GNU tools do (long options with = or a space,
// short forms, -- ends the options), stopping at COMMAND so that its own
// options stay its own. Exits for --help and --version.
absl::StatusOr<Settings> Parse(int argc, char** argv) {
  Settings settings;
  settings.options.umask = 022;
  daemonkit::RespawnOptions respawn;
  opterr = 0;  // Our own messages, and EX_USAGE.
  // '+': stop at the first non-option, COMMAND.
  const char* const kShort = "+:p:c:m:u:g:r:o:e:k:CE:fhV";
  for (int option;
       (option = getopt_long(argc, argv, kShort, kOptions, nullptr)) != -1;) {
    const std::string value = optarg != nullptr ? optarg : "";
    // --user= or --pid-file "$UNSET" is a mistake, never a default.
    if (optarg != nullptr && value.empty()) {
      return UsageError(
          absl::StrCat("option '", LongName(option), "' needs a value"));
    }
    absl::Status applied;
    if (option == 'h') {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (option == 'V') {
      std::puts(kVersion);
      std::exit(0);
    } else if (option == ':') {  // getopt_long leaves the option in optopt.
      return UsageError(absl::StrCat(
          "option '", OptionName(argv[optind - 1], optopt), "' needs a value"));
    } else if (option == '?') {
      return UsageError(
          absl::StrCat("unknown option '", argv[optind - 1], "'"));
    } else if (option == 'o' || option == 'e') {
      applied = ApplyOutputOption(option, value, settings);
    } else if (option < kReady) {
      settings.chdir_given |= option == 'c';
      settings.umask_given |= option == 'm';
      applied = ApplyDaemonOption(option, value, settings.options);
    } else if (option >= kStopTimeout && option <= kRespawnLimit) {
      applied = ApplySupervisorOption(option, value, settings, respawn);
    } else {
      applied = ApplyLongOption(option, value, settings);
    }
    if (!applied.ok()) return applied;
  }
  for (int i = optind; i < argc; ++i) {
    settings.supervision.command.push_back(argv[i]);
  }
  if (settings.supervision.respawn.has_value()) {
    settings.supervision.respawn = respawn;
  }
  if (absl::Status checked = CheckSettings(settings); !checked.ok()) {
    return checked;
  }
  if (settings.supervision.init) {
    if (absl::Status kept = KeepCallersPlace(settings); !kept.ok()) return kept;
  }
  // The init is daemonize-init: this one is COMMAND, in place.
  if (settings.init_child) settings.supervision.init = false;
  return settings;
}

// Starts COMMAND in place of the daemon, as daemon(3) would: nothing of
// daemonize stays.
int StartUnsupervised(daemonkit::Os& os, const Settings& settings) {
  absl::StatusOr<daemonkit::Daemon> daemon =
      daemonkit::Detach(settings.options, os);
  if (!daemon.ok()) return Fail(daemon.status());
  if (daemon->in_launcher()) return 0;
  // The daemon, or this process with --foreground: become COMMAND. Only a
  // failure returns, and a detached launcher has already heard it.
  const absl::Status failed = daemon->Exec(settings.supervision.command);
  return settings.options.foreground ? Fail(failed)
                                     : daemonkit::ExitCodeOf(failed);
}

// Starts COMMAND under a supervisor (supervisor.h), which waits for its
// readiness and stays; returns in the launcher only.
int StartSupervised(daemonkit::Os& os, const Settings& settings) {
  // The supervisor becomes this process's child once the middle process
  // exits: a start interrupted here stops and reaps it, leaving no zombie.
  if (!settings.options.foreground) prctl(PR_SET_CHILD_SUBREAPER, 1);
  absl::StatusOr<pid_t> supervisor =
      daemonkit::Supervise(settings.options, settings.supervision, os);
  return supervisor.ok() ? 0 : Fail(supervisor.status());
}

// --stop, --status or --reload.
int Control(const Settings& settings) {
  const std::string& pid_file = settings.options.pid_file;
  switch (settings.action) {
    case Action::kStop:
      return daemonkit::tools::StopService("daemonize", pid_file,
                                           settings.supervision.stop_timeout);
    case Action::kStatus:
      return daemonkit::tools::ReportStatus("daemonize", pid_file);
    case Action::kReload:
      return daemonkit::tools::ReloadService("daemonize", pid_file,
                                             settings.reload_signal);
    case Action::kReopen:
      return daemonkit::tools::ReopenOutput("daemonize", pid_file);
    case Action::kStart:
      break;
  }
  return EX_SOFTWARE;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<Settings> settings = Parse(argc, argv);
  if (!settings.ok()) return Fail(settings.status());
  if (settings->action != Action::kStart) return Control(*settings);
  daemonkit::Os& os = daemonkit::PosixOs::Default();
  // Process 1 with only an init's duties asked for: daemonize-init does
  // them, and runs this program again (--init-child) to set COMMAND up.
  if (settings->lean_init() && os.GetPid() == 1) {
    daemonkit::tools::ExecLeanInit(os, settings->supervision.stop_timeout,
                                   {argv + 1, argv + argc});
  }
  return settings->supervised() ? StartSupervised(os, *settings)
                                : StartUnsupervised(os, *settings);
}
