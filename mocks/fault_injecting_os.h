// daemonkit::FaultInjectingOs: an Os decorator that makes a chosen call fail.
//
// It forwards every call to another Os (usually PosixOs, so the real kernel
// does the work) and can fail the Nth call overall, the Nth call of a kind
// ("the second Fork"), or the Nth call in one process, with a chosen errno. It
// records every call it sees. Its counters and record live in shared memory,
// lock-free, so they keep counting across fork: the launcher, the middle
// process and the daemon all report to the same decorator.
//
// Processes are numbered by how many forks through this decorator made them:
// 0 is the one that built it, 1 its child (Detach's middle process), 2 the
// child's child (the daemon). The order of calls within one process is
// repeatable; the interleaving of processes is not, so exact sweeps address a
// call by process and position.
#ifndef DAEMONKIT_MOCKS_FAULT_INJECTING_OS_H_
#define DAEMONKIT_MOCKS_FAULT_INJECTING_OS_H_

#include <atomic>
#include <optional>
#include <vector>

#include "daemonkit/os_wrapper.h"

namespace daemonkit {

class FaultInjectingOs : public OsWrapper {
 public:
  // One per Os method.
  enum class Call {
    kFork,
    kSetSid,
    kUmask,
    kChdir,
    kOpen,
    kClose,
    kDup2,
    kFcntl,
    kFcntlLock,
    kFStat,
    kFStatAt,
    kFTruncate,
    kPRead,
    kPWrite,
    kUnlinkAt,
    kSigTimedWait,
    kClockGetTime,
    kPidFdSendSignal,
    kCloseRange,
    kGetDents,
    kGetRLimit,
    kPipe,
    kRead,
    kWrite,
    kPoll,
    kWaitPid,
    kKill,
    kPidFdOpen,
    kGetPid,
    kSigAction,
    kSigProcMask,
    kSetUid,
    kSetGid,
    kSetGroups,
    kGetPwNam,
    kGetPwUid,
    kGetGrNam,
    kGetGroupList,
    kChroot,
    kFChown,
    kSetRLimit,
    kClearEnv,
    kSetEnv,
    kSocket,
    kSendTo,
    kGetUid,
    kGetGid,
    kGetEnv,
    kExecVe,
    kPrctl,
    kExit,
  };
  static const char* Name(Call call);
  // Umask, GetPid, GetUid, GetGid, GetEnv and Exit cannot fail; a fault
  // aimed at them never fires.
  static bool CanFail(Call call);

  // Which call fails, and how. Unset filters match every call.
  struct Fault {
    int nth = 1;  // 1-based, among the calls the filters match.
    int error = 0;
    std::optional<Call> call;
    std::optional<int> process;
  };

  // A call as recorded.
  struct Record {
    int process;
    Call call;
  };

  // `target` must outlive the decorator.
  explicit FaultInjectingOs(Os& target);
  ~FaultInjectingOs() override;
  FaultInjectingOs(const FaultInjectingOs&) = delete;
  FaultInjectingOs& operator=(const FaultInjectingOs&) = delete;

  // Arms `fault` (replacing any other) and clears the record and counters.
  // Call it before the process forks.
  void Inject(const Fault& fault);
  // Whether the armed fault has fired, in any process.
  bool fired() const;
  // Every call seen so far, in every process, in order of arrival.
  std::vector<Record> calls() const;
  // This process's number (see above).
  int process() const { return process_; }

  SysCallIntResult Fork() override;
  SysCallIntResult SetSid() override;
  mode_t Umask(mode_t mask) override;
  SysCallIntResult Chdir(const char* path) override;
  SysCallIntResult Open(const char* path, int flags, mode_t mode) override;
  SysCallIntResult Close(int fd) override;
  SysCallIntResult Dup2(int old_fd, int new_fd) override;
  SysCallIntResult Fcntl(int fd, int command, int argument) override;
  SysCallIntResult FcntlLock(int fd, int command, struct flock* lock) override;
  SysCallIntResult FStat(int fd, struct stat* info) override;
  SysCallIntResult FStatAt(int dir_fd, const char* path, struct stat* info,
                           int flags) override;
  SysCallIntResult FTruncate(int fd, off_t length) override;
  SysCallSizeResult PRead(int fd, void* buffer, size_t size,
                          off_t offset) override;
  SysCallSizeResult PWrite(int fd, const void* buffer, size_t size,
                           off_t offset) override;
  SysCallIntResult UnlinkAt(int dir_fd, const char* path, int flags) override;
  SysCallIntResult SigTimedWait(const sigset_t* set, siginfo_t* info,
                                const struct timespec* timeout) override;
  SysCallIntResult ClockGetTime(clockid_t clock, struct timespec* now) override;
  SysCallIntResult PidFdSendSignal(int pidfd, int signal) override;
  SysCallIntResult CloseRange(unsigned first, unsigned last,
                              int flags) override;
  SysCallSizeResult GetDents(int fd, void* buffer, size_t size) override;
  SysCallIntResult GetRLimit(int resource, struct rlimit* limit) override;
  SysCallIntResult Pipe(int fds[2], int flags) override;
  SysCallSizeResult Read(int fd, void* buffer, size_t size) override;
  SysCallSizeResult Write(int fd, const void* buffer, size_t size) override;
  SysCallIntResult Poll(struct pollfd* fds, nfds_t count,
                        int timeout_ms) override;
  SysCallIntResult WaitPid(pid_t pid, int* status, int options) override;
  SysCallIntResult Kill(pid_t pid, int signal) override;
  SysCallIntResult PidFdOpen(pid_t pid, unsigned flags) override;
  pid_t GetPid() override;
  SysCallIntResult SigAction(int signal, const struct sigaction* action,
                             struct sigaction* old_action) override;
  SysCallIntResult SigProcMask(int how, const sigset_t* set,
                               sigset_t* old_set) override;
  SysCallIntResult SetUid(uid_t uid) override;
  SysCallIntResult SetGid(gid_t gid) override;
  SysCallIntResult SetGroups(size_t count, const gid_t* groups) override;
  SysCallIntResult GetPwNam(const char* name, struct passwd* entry,
                            char* buffer, size_t size) override;
  SysCallIntResult GetPwUid(uid_t uid, struct passwd* entry, char* buffer,
                            size_t size) override;
  SysCallIntResult GetGrNam(const char* name, struct group* entry, char* buffer,
                            size_t size) override;
  SysCallIntResult GetGroupList(const char* user, gid_t group, gid_t* groups,
                                int* count) override;
  SysCallIntResult Chroot(const char* path) override;
  SysCallIntResult FChown(int fd, uid_t uid, gid_t gid) override;
  SysCallIntResult SetRLimit(int resource, const struct rlimit* limit) override;
  SysCallIntResult ClearEnv() override;
  SysCallIntResult SetEnv(const char* name, const char* value) override;
  SysCallIntResult Socket(int domain, int type, int protocol) override;
  SysCallSizeResult SendTo(int fd, const void* buffer, size_t size, int flags,
                           const struct sockaddr* address,
                           socklen_t length) override;
  uid_t GetUid() override;
  gid_t GetGid() override;
  const char* GetEnv(const char* name) override;
  SysCallIntResult ExecVe(const char* path, char* const argv[],
                          char* const envp[]) override;
  SysCallIntResult Prctl(int option, unsigned long argument) override;
  void Exit(int status) override;

 private:
  static constexpr int kRecordCapacity = 16384;

  // Shared between processes: a MAP_SHARED anonymous mapping.
  struct Shared {
    std::atomic<int> recorded;
    std::atomic<int> matched;
    std::atomic<bool> fired;
    Record records[kRecordCapacity];
  };
  static_assert(std::atomic<int>::is_always_lock_free,
                "counters are shared across fork without locks");

  // Records `call`; true when the armed fault fires on it.
  bool Intercept(Call call);

  // Runs `forward` unless the fault fires on `call`, then fails with its
  // errno instead.
  template <typename Forward>
  auto Maybe(Call call, Forward forward) -> decltype(forward()) {
    if (Intercept(call)) return {-1, fault_.error};
    return forward();
  }

  Shared* shared_;
  Fault fault_;
  int process_ = 0;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_MOCKS_FAULT_INJECTING_OS_H_
