#include "tests/support/realistic_errno.h"

#include <errno.h>

namespace daemonkit::test {

int RealisticErrno(FaultInjectingOs::Call call) {
  using Call = FaultInjectingOs::Call;
  switch (call) {
    case Call::kFork:
      return EAGAIN;
    case Call::kSetSid:
      return EPERM;
    case Call::kSetPgid:
      return EPERM;
    case Call::kTcGetPgrp:
      return ENOTTY;
    case Call::kTcSetPgrp:
      return EPERM;
    case Call::kExecVe:
      return ENOMEM;
    case Call::kChdir:
      return EACCES;
    case Call::kChroot:
      return EACCES;
    case Call::kOpen:
      return EMFILE;
    case Call::kOpenAt:
      return EMFILE;
    case Call::kClose:
      return EIO;
    case Call::kDup2:
      return EBADF;
    case Call::kFcntl:
      return EBADF;
    case Call::kFcntlLock:
      return ENOLCK;
    case Call::kCloseRange:
      return EINVAL;
    case Call::kGetDents:
      return ENOENT;
    case Call::kGetRLimit:
      return EFAULT;
    case Call::kPipe:
      return ENFILE;
    case Call::kRead:
      return EIO;
    case Call::kReadLink:  // /proc is not mounted.
      return ENOENT;
    case Call::kWrite:
      return EPIPE;
    case Call::kPWrite:
      return ENOSPC;
    case Call::kFAllocate:
      return ENOSPC;
    case Call::kPoll:
      return ENOMEM;
    case Call::kWaitPid:
      return ECHILD;
    case Call::kKill:
      return ESRCH;
    case Call::kPidFdOpen:
      return EMFILE;
    case Call::kPidFdSendSignal:
      return EPERM;
    case Call::kSigAction:
      return EFAULT;
    case Call::kSigProcMask:
      return EFAULT;
    case Call::kSignalFd:
      return EMFILE;
    case Call::kClockGetTime:
      return EINVAL;
    case Call::kPrctl:
      return EINVAL;
    case Call::kFChown:
      return EPERM;
    case Call::kFChownAt:
      return EPERM;
    case Call::kMkDirAt:
      return ENOSPC;
    case Call::kRenameAt:
      return ENOSPC;
    case Call::kSetGroups:
      return EPERM;
    case Call::kSetGid:
      return EPERM;
    case Call::kSetUid:  // RLIMIT_NPROC reached by the target user.
      return EAGAIN;
    case Call::kClearEnv:
      return ENOMEM;
    case Call::kSetEnv:
      return ENOMEM;
    case Call::kSocket:
      return EMFILE;
    case Call::kSetSockOpt:
      return ENOMEM;
    case Call::kBind:
      return EADDRINUSE;
    case Call::kConnect:  // The syslog daemon is not running.
      return ECONNREFUSED;
    case Call::kRecvMsg:
      return ENOMEM;
    case Call::kSendTo:  // No service manager listens any more.
      return ECONNREFUSED;
    default:
      return EIO;
  }
}

}  // namespace daemonkit::test
