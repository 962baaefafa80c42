#include "src/daemon_setup.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include "src/after_fork_failure.h"
#include "src/close_fds.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

AfterForkFailure ResetSignals(Os& os) {
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal == SIGKILL || signal == SIGSTOP) continue;
    const SysCallIntResult reset =
        os.SigAction(signal, &default_action, nullptr);
    // EINVAL: a signal the C library reserves for itself (32 and 33).
    if (!reset.ok() && reset.error != EINVAL) {
      return {"resetting signal dispositions", nullptr, reset.error};
    }
  }
  sigset_t empty;
  sigemptyset(&empty);
  const SysCallIntResult unmasked =
      os.SigProcMask(SIG_SETMASK, &empty, nullptr);
  if (!unmasked.ok()) {
    return {"emptying the signal mask", nullptr, unmasked.error};
  }
  return {};
}

AfterForkFailure RedirectStdio(Os& os, const DaemonPlan& plan) {
  static const char* const kStreamNames[3] = {"stdin", "stdout", "stderr"};
  for (int fd = 0; fd < 3; ++fd) {
    if (!plan.stdio[fd].valid()) continue;
    const SysCallIntResult duplicated =
        RetryOnEintr([&] { return os.Dup2(plan.stdio[fd].get(), fd); });
    if (!duplicated.ok()) {
      return {"redirecting", kStreamNames[fd], duplicated.error};
    }
  }
  return {};
}

// chroot(2); then the pid file lets go of its directory, a way out of the
// jail.
AfterForkFailure EnterChroot(Os& os, const DaemonPlan& plan) {
  const SysCallIntResult rooted = os.Chroot(plan.chroot_directory.c_str());
  if (!rooted.ok()) {
    return {"chroot to", plan.chroot_directory.c_str(), rooted.error};
  }
  if (plan.pid_file != nullptr) {
    plan.pid_file->EnteredChroot(plan.chroot_directory);
  }
  return {};
}

AfterForkFailure SetEnvironment(Os& os, const DaemonPlan& plan) {
  if (plan.clear_environment) {
    if (const SysCallIntResult cleared = os.ClearEnv(); !cleared.ok()) {
      return {"clearing the environment", nullptr, cleared.error};
    }
  }
  for (const auto& [name, value] : plan.environment) {
    const SysCallIntResult set = os.SetEnv(name.c_str(), value.c_str());
    if (!set.ok()) return {"setting", name.c_str(), set.error};
  }
  return {};
}

// Umask, chroot and chdir: where the process stands and what it creates.
AfterForkFailure PlaceProcess(Os& os, DaemonPlan& plan) {
  os.Umask(static_cast<mode_t>(plan.umask));
  if (!plan.chroot_directory.empty()) {
    if (AfterForkFailure failed = EnterChroot(os, plan); failed.failed()) {
      return failed;
    }
  }
  const SysCallIntResult changed = os.Chdir(plan.working_directory.c_str());
  if (!changed.ok()) {
    return {"chdir to", plan.working_directory.c_str(), changed.error};
  }
  return {};
}

// Default signal dispositions and mask, stdio, and no other descriptor than
// those kept.
AfterForkFailure CleanSlate(Os& os, DaemonPlan& plan) {
  if (AfterForkFailure failed = ResetSignals(os); failed.failed())
    return failed;
  if (AfterForkFailure failed = RedirectStdio(os, plan); failed.failed()) {
    return failed;
  }
  if (const SysCallIntResult closed = CloseInheritedFds(os, plan.keep);
      !closed.ok()) {
    return {"closing inherited descriptors", nullptr, closed.error};
  }
  // The originals of the streams were closed with the rest.
  for (UniqueFd& stream : plan.stdio) stream.release();
  return {};
}

// Core dumps, the environment, and last the user and groups.
AfterForkFailure TakeIdentity(Os& os, DaemonPlan& plan) {
  if (plan.disable_core_dumps) {
    const struct rlimit none = {0, 0};
    const SysCallIntResult limited = os.SetRLimit(RLIMIT_CORE, &none);
    if (!limited.ok()) {
      return {"disabling core dumps", nullptr, limited.error};
    }
  }
  if (AfterForkFailure failed = SetEnvironment(os, plan); failed.failed()) {
    return failed;
  }
  if (plan.credentials.has_value()) {
    return DropPrivileges(os, *plan.credentials);
  }
  return {};
}

}  // namespace

AfterForkFailure SetUpDaemon(Os& os, DaemonPlan& plan, pid_t pid) {
  if (AfterForkFailure failed = PlaceProcess(os, plan); failed.failed()) {
    return failed;
  }
  if (AfterForkFailure failed = CleanSlate(os, plan); failed.failed()) {
    return failed;
  }
  if (plan.pid_file != nullptr) {
    const SysCallIntResult written = plan.pid_file->Write(pid);
    if (!written.ok()) {
      return {"writing pid file", plan.pid_file->path().c_str(), written.error};
    }
  }
  return TakeIdentity(os, plan);
}

AfterForkFailure SetUpSupervisor(Os& os, DaemonPlan& plan, pid_t pid) {
  DaemonPlan own;
  own.umask = 022;
  own.working_directory = "/";
  for (int fd = 0; fd < 3; ++fd) own.stdio[fd] = std::move(plan.stdio[fd]);
  own.keep = plan.keep;
  own.pid_file = plan.pid_file;
  AfterForkFailure failed = SetUpDaemon(os, own, pid);
  // `own` ends here: a failed chdir must not name it by its string.
  if (failed.subject == own.working_directory.c_str()) failed.subject = "/";
  return failed;
}

AfterForkFailure SetUpWorker(Os& os, DaemonPlan& plan) {
  if (AfterForkFailure failed = PlaceProcess(os, plan); failed.failed()) {
    return failed;
  }
  if (AfterForkFailure failed = CleanSlate(os, plan); failed.failed()) {
    return failed;
  }
  return TakeIdentity(os, plan);
}

}  // namespace daemonkit::internal
