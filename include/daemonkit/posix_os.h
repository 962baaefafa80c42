// daemonkit::PosixOs: the real Os, straight onto the kernel.
//
// The only place in daemonkit that reads errno. Default() is never destroyed,
// so it stays usable in a forked child and during exit.
#ifndef DAEMONKIT_POSIX_OS_H_
#define DAEMONKIT_POSIX_OS_H_

#include "daemonkit/os.h"

namespace daemonkit {

class PosixOs : public Os {
 public:
  // The process-wide instance.
  static PosixOs& Default();

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
};

}  // namespace daemonkit

#endif  // DAEMONKIT_POSIX_OS_H_
