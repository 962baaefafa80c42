// daemonkit::OsWrapper: an Os that forwards every call to another Os.
//
// The base for decorators (like LevelDB's EnvWrapper): override only the
// calls you change — to log them, count them, or make them fail — and the
// rest keep reaching the wrapped Os.
#ifndef DAEMONKIT_OS_WRAPPER_H_
#define DAEMONKIT_OS_WRAPPER_H_

#include "daemonkit/os.h"

namespace daemonkit {

class OsWrapper : public Os {
 public:
  // `target` must outlive the wrapper.
  explicit OsWrapper(Os& target) : target_(target) {}

  Os& target() const { return target_; }

  SysCallIntResult Fork() override { return target_.Fork(); }
  SysCallIntResult SetSid() override { return target_.SetSid(); }
  mode_t Umask(mode_t mask) override { return target_.Umask(mask); }
  SysCallIntResult Chdir(const char* path) override {
    return target_.Chdir(path);
  }
  SysCallIntResult Open(const char* path, int flags, mode_t mode) override {
    return target_.Open(path, flags, mode);
  }
  SysCallIntResult Close(int fd) override { return target_.Close(fd); }
  SysCallIntResult Dup2(int old_fd, int new_fd) override {
    return target_.Dup2(old_fd, new_fd);
  }
  SysCallIntResult Fcntl(int fd, int command, int argument) override {
    return target_.Fcntl(fd, command, argument);
  }
  SysCallIntResult FcntlLock(int fd, int command, struct flock* lock) override {
    return target_.FcntlLock(fd, command, lock);
  }
  SysCallIntResult FStat(int fd, struct stat* info) override {
    return target_.FStat(fd, info);
  }
  SysCallIntResult FStatAt(int dir_fd, const char* path, struct stat* info,
                           int flags) override {
    return target_.FStatAt(dir_fd, path, info, flags);
  }
  SysCallIntResult FTruncate(int fd, off_t length) override {
    return target_.FTruncate(fd, length);
  }
  SysCallSizeResult PRead(int fd, void* buffer, size_t size,
                          off_t offset) override {
    return target_.PRead(fd, buffer, size, offset);
  }
  SysCallSizeResult PWrite(int fd, const void* buffer, size_t size,
                           off_t offset) override {
    return target_.PWrite(fd, buffer, size, offset);
  }
  SysCallIntResult UnlinkAt(int dir_fd, const char* path, int flags) override {
    return target_.UnlinkAt(dir_fd, path, flags);
  }
  SysCallIntResult SigTimedWait(const sigset_t* set, siginfo_t* info,
                                const struct timespec* timeout) override {
    return target_.SigTimedWait(set, info, timeout);
  }
  SysCallIntResult ClockGetTime(clockid_t clock,
                                struct timespec* now) override {
    return target_.ClockGetTime(clock, now);
  }
  SysCallIntResult PidFdSendSignal(int pidfd, int signal) override {
    return target_.PidFdSendSignal(pidfd, signal);
  }
  SysCallIntResult CloseRange(unsigned first, unsigned last,
                              int flags) override {
    return target_.CloseRange(first, last, flags);
  }
  SysCallSizeResult GetDents(int fd, void* buffer, size_t size) override {
    return target_.GetDents(fd, buffer, size);
  }
  SysCallIntResult GetRLimit(int resource, struct rlimit* limit) override {
    return target_.GetRLimit(resource, limit);
  }
  SysCallIntResult Pipe(int fds[2], int flags) override {
    return target_.Pipe(fds, flags);
  }
  SysCallSizeResult Read(int fd, void* buffer, size_t size) override {
    return target_.Read(fd, buffer, size);
  }
  SysCallSizeResult Write(int fd, const void* buffer, size_t size) override {
    return target_.Write(fd, buffer, size);
  }
  SysCallIntResult Poll(struct pollfd* fds, nfds_t count,
                        int timeout_ms) override {
    return target_.Poll(fds, count, timeout_ms);
  }
  SysCallIntResult WaitPid(pid_t pid, int* status, int options) override {
    return target_.WaitPid(pid, status, options);
  }
  SysCallIntResult Kill(pid_t pid, int signal) override {
    return target_.Kill(pid, signal);
  }
  SysCallIntResult PidFdOpen(pid_t pid, unsigned flags) override {
    return target_.PidFdOpen(pid, flags);
  }
  pid_t GetPid() override { return target_.GetPid(); }
  SysCallIntResult SigAction(int signal, const struct sigaction* action,
                             struct sigaction* old_action) override {
    return target_.SigAction(signal, action, old_action);
  }
  SysCallIntResult SigProcMask(int how, const sigset_t* set,
                               sigset_t* old_set) override {
    return target_.SigProcMask(how, set, old_set);
  }
  SysCallIntResult SetUid(uid_t uid) override { return target_.SetUid(uid); }
  SysCallIntResult SetGid(gid_t gid) override { return target_.SetGid(gid); }
  SysCallIntResult SetGroups(size_t count, const gid_t* groups) override {
    return target_.SetGroups(count, groups);
  }
  SysCallIntResult GetPwNam(const char* name, struct passwd* entry,
                            char* buffer, size_t size) override {
    return target_.GetPwNam(name, entry, buffer, size);
  }
  SysCallIntResult GetPwUid(uid_t uid, struct passwd* entry, char* buffer,
                            size_t size) override {
    return target_.GetPwUid(uid, entry, buffer, size);
  }
  SysCallIntResult GetGrNam(const char* name, struct group* entry, char* buffer,
                            size_t size) override {
    return target_.GetGrNam(name, entry, buffer, size);
  }
  SysCallIntResult GetGroupList(const char* user, gid_t group, gid_t* groups,
                                int* count) override {
    return target_.GetGroupList(user, group, groups, count);
  }
  SysCallIntResult Chroot(const char* path) override {
    return target_.Chroot(path);
  }
  SysCallIntResult FChown(int fd, uid_t uid, gid_t gid) override {
    return target_.FChown(fd, uid, gid);
  }
  SysCallIntResult SetRLimit(int resource,
                             const struct rlimit* limit) override {
    return target_.SetRLimit(resource, limit);
  }
  SysCallIntResult ClearEnv() override { return target_.ClearEnv(); }
  SysCallIntResult SetEnv(const char* name, const char* value) override {
    return target_.SetEnv(name, value);
  }
  SysCallIntResult Socket(int domain, int type, int protocol) override {
    return target_.Socket(domain, type, protocol);
  }
  SysCallSizeResult SendTo(int fd, const void* buffer, size_t size, int flags,
                           const struct sockaddr* address,
                           socklen_t length) override {
    return target_.SendTo(fd, buffer, size, flags, address, length);
  }
  uid_t GetUid() override { return target_.GetUid(); }
  gid_t GetGid() override { return target_.GetGid(); }
  const char* GetEnv(const char* name) override { return target_.GetEnv(name); }
  SysCallIntResult ExecVe(const char* path, char* const argv[],
                          char* const envp[]) override {
    return target_.ExecVe(path, argv, envp);
  }
  SysCallIntResult Prctl(int option, unsigned long argument) override {
    return target_.Prctl(option, argument);
  }
  void Exit(int status) override { target_.Exit(status); }

 private:
  Os& target_;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_OS_WRAPPER_H_
