#include "mocks/fault_injecting_os.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace daemonkit {

const char* FaultInjectingOs::Name(Call call) {
  switch (call) {
    case Call::kFork:
      return "Fork";
    case Call::kSetSid:
      return "SetSid";
    case Call::kUmask:
      return "Umask";
    case Call::kChdir:
      return "Chdir";
    case Call::kOpen:
      return "Open";
    case Call::kClose:
      return "Close";
    case Call::kDup2:
      return "Dup2";
    case Call::kFcntl:
      return "Fcntl";
    case Call::kFcntlLock:
      return "FcntlLock";
    case Call::kFStat:
      return "FStat";
    case Call::kFStatAt:
      return "FStatAt";
    case Call::kFTruncate:
      return "FTruncate";
    case Call::kPRead:
      return "PRead";
    case Call::kPWrite:
      return "PWrite";
    case Call::kUnlinkAt:
      return "UnlinkAt";
    case Call::kSigTimedWait:
      return "SigTimedWait";
    case Call::kClockGetTime:
      return "ClockGetTime";
    case Call::kPidFdSendSignal:
      return "PidFdSendSignal";
    case Call::kCloseRange:
      return "CloseRange";
    case Call::kGetDents:
      return "GetDents";
    case Call::kGetRLimit:
      return "GetRLimit";
    case Call::kPipe:
      return "Pipe";
    case Call::kRead:
      return "Read";
    case Call::kWrite:
      return "Write";
    case Call::kPoll:
      return "Poll";
    case Call::kWaitPid:
      return "WaitPid";
    case Call::kKill:
      return "Kill";
    case Call::kPidFdOpen:
      return "PidFdOpen";
    case Call::kGetPid:
      return "GetPid";
    case Call::kSigAction:
      return "SigAction";
    case Call::kSigProcMask:
      return "SigProcMask";
    case Call::kSetUid:
      return "SetUid";
    case Call::kSetGid:
      return "SetGid";
    case Call::kSetGroups:
      return "SetGroups";
    case Call::kGetPwNam:
      return "GetPwNam";
    case Call::kGetPwUid:
      return "GetPwUid";
    case Call::kGetGrNam:
      return "GetGrNam";
    case Call::kGetGroupList:
      return "GetGroupList";
    case Call::kChroot:
      return "Chroot";
    case Call::kFChown:
      return "FChown";
    case Call::kSetRLimit:
      return "SetRLimit";
    case Call::kClearEnv:
      return "ClearEnv";
    case Call::kSetEnv:
      return "SetEnv";
    case Call::kSocket:
      return "Socket";
    case Call::kSendTo:
      return "SendTo";
    case Call::kGetUid:
      return "GetUid";
    case Call::kGetGid:
      return "GetGid";
    case Call::kGetEnv:
      return "GetEnv";
    case Call::kExecVe:
      return "ExecVe";
    case Call::kPrctl:
      return "Prctl";
    case Call::kExit:
      return "Exit";
  }
  return "?";
}

bool FaultInjectingOs::CanFail(Call call) {
  switch (call) {
    case Call::kUmask:
    case Call::kGetPid:
    case Call::kGetUid:
    case Call::kGetGid:
    case Call::kGetEnv:
    case Call::kExit:
      return false;
    default:
      return true;
  }
}

FaultInjectingOs::FaultInjectingOs(Os& target) : OsWrapper(target) {
  void* memory = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) std::abort();  // A test double: no way to go on.
  shared_ = new (memory) Shared();
}

FaultInjectingOs::~FaultInjectingOs() {
  shared_->~Shared();
  munmap(shared_, sizeof(Shared));
}

void FaultInjectingOs::Inject(const Fault& fault) {
  fault_ = fault;
  shared_->recorded = 0;
  shared_->matched = 0;
  shared_->fired = false;
}

bool FaultInjectingOs::fired() const { return shared_->fired; }

std::vector<FaultInjectingOs::Record> FaultInjectingOs::calls() const {
  const int count = std::min<int>(shared_->recorded, kRecordCapacity);
  return std::vector<Record>(shared_->records, shared_->records + count);
}

bool FaultInjectingOs::Intercept(Call call) {
  const int slot = shared_->recorded.fetch_add(1);
  if (slot < kRecordCapacity) shared_->records[slot] = {process_, call};
  if (fault_.error == 0 || !CanFail(call)) return false;
  if (fault_.call.has_value() && *fault_.call != call) return false;
  if (fault_.process.has_value() && *fault_.process != process_) return false;
  if (shared_->matched.fetch_add(1) + 1 != fault_.nth) return false;
  shared_->fired = true;
  return true;
}

SysCallIntResult FaultInjectingOs::Fork() {
  const SysCallIntResult forked =
      Maybe(Call::kFork, [&] { return OsWrapper::Fork(); });
  if (forked.ok() && forked.value == 0) ++process_;
  return forked;
}

SysCallIntResult FaultInjectingOs::SetSid() {
  return Maybe(Call::kSetSid, [&] { return OsWrapper::SetSid(); });
}

mode_t FaultInjectingOs::Umask(mode_t mask) {
  Intercept(Call::kUmask);
  return OsWrapper::Umask(mask);
}

SysCallIntResult FaultInjectingOs::Chdir(const char* path) {
  return Maybe(Call::kChdir, [&] { return OsWrapper::Chdir(path); });
}

SysCallIntResult FaultInjectingOs::Open(const char* path, int flags,
                                        mode_t mode) {
  return Maybe(Call::kOpen, [&] { return OsWrapper::Open(path, flags, mode); });
}

SysCallIntResult FaultInjectingOs::Close(int fd) {
  // close(2) releases the descriptor even when it reports an error, so a
  // failed Close still closes.
  const bool fails = Intercept(Call::kClose);
  const SysCallIntResult closed = OsWrapper::Close(fd);
  return fails ? SysCallIntResult{-1, fault_.error} : closed;
}

SysCallIntResult FaultInjectingOs::Dup2(int old_fd, int new_fd) {
  return Maybe(Call::kDup2, [&] { return OsWrapper::Dup2(old_fd, new_fd); });
}

SysCallIntResult FaultInjectingOs::Fcntl(int fd, int command, int argument) {
  return Maybe(Call::kFcntl,
               [&] { return OsWrapper::Fcntl(fd, command, argument); });
}

SysCallIntResult FaultInjectingOs::FcntlLock(int fd, int command,
                                             struct flock* lock) {
  return Maybe(Call::kFcntlLock,
               [&] { return OsWrapper::FcntlLock(fd, command, lock); });
}

SysCallIntResult FaultInjectingOs::FStat(int fd, struct stat* info) {
  return Maybe(Call::kFStat, [&] { return OsWrapper::FStat(fd, info); });
}

SysCallIntResult FaultInjectingOs::FStatAt(int dir_fd, const char* path,
                                           struct stat* info, int flags) {
  return Maybe(Call::kFStatAt,
               [&] { return OsWrapper::FStatAt(dir_fd, path, info, flags); });
}

SysCallIntResult FaultInjectingOs::FTruncate(int fd, off_t length) {
  return Maybe(Call::kFTruncate,
               [&] { return OsWrapper::FTruncate(fd, length); });
}

SysCallSizeResult FaultInjectingOs::PRead(int fd, void* buffer, size_t size,
                                          off_t offset) {
  return Maybe(Call::kPRead,
               [&] { return OsWrapper::PRead(fd, buffer, size, offset); });
}

SysCallSizeResult FaultInjectingOs::PWrite(int fd, const void* buffer,
                                           size_t size, off_t offset) {
  return Maybe(Call::kPWrite,
               [&] { return OsWrapper::PWrite(fd, buffer, size, offset); });
}

SysCallIntResult FaultInjectingOs::UnlinkAt(int dir_fd, const char* path,
                                            int flags) {
  return Maybe(Call::kUnlinkAt,
               [&] { return OsWrapper::UnlinkAt(dir_fd, path, flags); });
}

SysCallIntResult FaultInjectingOs::SigTimedWait(
    const sigset_t* set, siginfo_t* info, const struct timespec* timeout) {
  return Maybe(Call::kSigTimedWait,
               [&] { return OsWrapper::SigTimedWait(set, info, timeout); });
}

SysCallIntResult FaultInjectingOs::ClockGetTime(clockid_t clock,
                                                struct timespec* now) {
  return Maybe(Call::kClockGetTime,
               [&] { return OsWrapper::ClockGetTime(clock, now); });
}

SysCallIntResult FaultInjectingOs::PidFdSendSignal(int pidfd, int signal) {
  return Maybe(Call::kPidFdSendSignal,
               [&] { return OsWrapper::PidFdSendSignal(pidfd, signal); });
}

SysCallIntResult FaultInjectingOs::CloseRange(unsigned first, unsigned last,
                                              int flags) {
  return Maybe(Call::kCloseRange,
               [&] { return OsWrapper::CloseRange(first, last, flags); });
}

SysCallSizeResult FaultInjectingOs::GetDents(int fd, void* buffer,
                                             size_t size) {
  return Maybe(Call::kGetDents,
               [&] { return OsWrapper::GetDents(fd, buffer, size); });
}

SysCallIntResult FaultInjectingOs::GetRLimit(int resource,
                                             struct rlimit* limit) {
  return Maybe(Call::kGetRLimit,
               [&] { return OsWrapper::GetRLimit(resource, limit); });
}

SysCallIntResult FaultInjectingOs::Pipe(int fds[2], int flags) {
  return Maybe(Call::kPipe, [&] { return OsWrapper::Pipe(fds, flags); });
}

SysCallSizeResult FaultInjectingOs::Read(int fd, void* buffer, size_t size) {
  return Maybe(Call::kRead, [&] { return OsWrapper::Read(fd, buffer, size); });
}

SysCallSizeResult FaultInjectingOs::Write(int fd, const void* buffer,
                                          size_t size) {
  return Maybe(Call::kWrite,
               [&] { return OsWrapper::Write(fd, buffer, size); });
}

SysCallIntResult FaultInjectingOs::Poll(struct pollfd* fds, nfds_t count,
                                        int timeout_ms) {
  return Maybe(Call::kPoll,
               [&] { return OsWrapper::Poll(fds, count, timeout_ms); });
}

SysCallIntResult FaultInjectingOs::WaitPid(pid_t pid, int* status,
                                           int options) {
  return Maybe(Call::kWaitPid,
               [&] { return OsWrapper::WaitPid(pid, status, options); });
}

SysCallIntResult FaultInjectingOs::Kill(pid_t pid, int signal) {
  return Maybe(Call::kKill, [&] { return OsWrapper::Kill(pid, signal); });
}

SysCallIntResult FaultInjectingOs::PidFdOpen(pid_t pid, unsigned flags) {
  return Maybe(Call::kPidFdOpen,
               [&] { return OsWrapper::PidFdOpen(pid, flags); });
}

pid_t FaultInjectingOs::GetPid() {
  Intercept(Call::kGetPid);
  return OsWrapper::GetPid();
}

SysCallIntResult FaultInjectingOs::SigAction(int signal,
                                             const struct sigaction* action,
                                             struct sigaction* old_action) {
  return Maybe(Call::kSigAction, [&] {
    return OsWrapper::SigAction(signal, action, old_action);
  });
}

SysCallIntResult FaultInjectingOs::SigProcMask(int how, const sigset_t* set,
                                               sigset_t* old_set) {
  return Maybe(Call::kSigProcMask,
               [&] { return OsWrapper::SigProcMask(how, set, old_set); });
}

SysCallIntResult FaultInjectingOs::SetUid(uid_t uid) {
  return Maybe(Call::kSetUid, [&] { return OsWrapper::SetUid(uid); });
}

SysCallIntResult FaultInjectingOs::SetGid(gid_t gid) {
  return Maybe(Call::kSetGid, [&] { return OsWrapper::SetGid(gid); });
}

SysCallIntResult FaultInjectingOs::SetGroups(size_t count,
                                             const gid_t* groups) {
  return Maybe(Call::kSetGroups,
               [&] { return OsWrapper::SetGroups(count, groups); });
}

SysCallIntResult FaultInjectingOs::GetPwNam(const char* name,
                                            struct passwd* entry, char* buffer,
                                            size_t size) {
  return Maybe(Call::kGetPwNam,
               [&] { return OsWrapper::GetPwNam(name, entry, buffer, size); });
}

SysCallIntResult FaultInjectingOs::GetPwUid(uid_t uid, struct passwd* entry,
                                            char* buffer, size_t size) {
  return Maybe(Call::kGetPwUid,
               [&] { return OsWrapper::GetPwUid(uid, entry, buffer, size); });
}

SysCallIntResult FaultInjectingOs::GetGrNam(const char* name,
                                            struct group* entry, char* buffer,
                                            size_t size) {
  return Maybe(Call::kGetGrNam,
               [&] { return OsWrapper::GetGrNam(name, entry, buffer, size); });
}

SysCallIntResult FaultInjectingOs::GetGroupList(const char* user, gid_t group,
                                                gid_t* groups, int* count) {
  return Maybe(Call::kGetGroupList, [&] {
    return OsWrapper::GetGroupList(user, group, groups, count);
  });
}

SysCallIntResult FaultInjectingOs::Chroot(const char* path) {
  return Maybe(Call::kChroot, [&] { return OsWrapper::Chroot(path); });
}

SysCallIntResult FaultInjectingOs::FChown(int fd, uid_t uid, gid_t gid) {
  return Maybe(Call::kFChown, [&] { return OsWrapper::FChown(fd, uid, gid); });
}

SysCallIntResult FaultInjectingOs::SetRLimit(int resource,
                                             const struct rlimit* limit) {
  return Maybe(Call::kSetRLimit,
               [&] { return OsWrapper::SetRLimit(resource, limit); });
}

SysCallIntResult FaultInjectingOs::ClearEnv() {
  return Maybe(Call::kClearEnv, [&] { return OsWrapper::ClearEnv(); });
}

SysCallIntResult FaultInjectingOs::SetEnv(const char* name, const char* value) {
  return Maybe(Call::kSetEnv, [&] { return OsWrapper::SetEnv(name, value); });
}

SysCallIntResult FaultInjectingOs::Socket(int domain, int type, int protocol) {
  return Maybe(Call::kSocket,
               [&] { return OsWrapper::Socket(domain, type, protocol); });
}

SysCallSizeResult FaultInjectingOs::SendTo(int fd, const void* buffer,
                                           size_t size, int flags,
                                           const struct sockaddr* address,
                                           socklen_t length) {
  return Maybe(Call::kSendTo, [&] {
    return OsWrapper::SendTo(fd, buffer, size, flags, address, length);
  });
}

uid_t FaultInjectingOs::GetUid() {
  Intercept(Call::kGetUid);
  return OsWrapper::GetUid();
}

gid_t FaultInjectingOs::GetGid() {
  Intercept(Call::kGetGid);
  return OsWrapper::GetGid();
}

const char* FaultInjectingOs::GetEnv(const char* name) {
  Intercept(Call::kGetEnv);
  return OsWrapper::GetEnv(name);
}

SysCallIntResult FaultInjectingOs::ExecVe(const char* path, char* const argv[],
                                          char* const envp[]) {
  return Maybe(Call::kExecVe,
               [&] { return OsWrapper::ExecVe(path, argv, envp); });
}

SysCallIntResult FaultInjectingOs::Prctl(int option, unsigned long argument) {
  return Maybe(Call::kPrctl,
               [&] { return OsWrapper::Prctl(option, argument); });
}

void FaultInjectingOs::Exit(int status) {
  Intercept(Call::kExit);
  OsWrapper::Exit(status);
}

}  // namespace daemonkit
