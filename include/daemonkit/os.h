// daemonkit::Os: the system calls daemonkit makes, one virtual method each.
//
// Every method is the thinnest translation of one call, so that all behaviour
// (retries, ordering, error messages) lives in code that tests reach through a
// mock or a decorator. Results carry the errno instead of an absl::Status:
// these calls run between fork and _exit, where allocating is unwise, and
// callers must tell EAGAIN from EINTR.
#ifndef DAEMONKIT_OS_H_
#define DAEMONKIT_OS_H_

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <cstddef>

namespace daemonkit {

// What a system call returned, and the errno when it failed.
template <typename T>
struct SysCallResult {
  T value;    // The call's return value; -1 when it failed.
  int error;  // errno when the call failed, 0 when it succeeded.

  bool ok() const { return error == 0; }
};

using SysCallIntResult = SysCallResult<int>;
using SysCallSizeResult = SysCallResult<ssize_t>;

class Os {
 public:
  virtual ~Os() = default;

  // Wraps fork(2).
  virtual SysCallIntResult Fork() = 0;
  // Wraps setsid(2).
  virtual SysCallIntResult SetSid() = 0;
  // Wraps umask(2); it cannot fail and returns the previous mask.
  virtual mode_t Umask(mode_t mask) = 0;
  // Wraps chdir(2).
  virtual SysCallIntResult Chdir(const char* path) = 0;
  // Wraps open(2).
  virtual SysCallIntResult Open(const char* path, int flags, mode_t mode) = 0;
  // Wraps close(2).
  virtual SysCallIntResult Close(int fd) = 0;
  // Wraps dup2(2).
  virtual SysCallIntResult Dup2(int old_fd, int new_fd) = 0;
  // Wraps fcntl(2) for the commands that take an int argument.
  virtual SysCallIntResult Fcntl(int fd, int command, int argument) = 0;
  // Wraps fcntl(2) for the record-locking commands (F_OFD_SETLK, F_OFD_GETLK,
  // ...).
  virtual SysCallIntResult FcntlLock(int fd, int command,
                                     struct flock* lock) = 0;
  // Wraps fstat(2).
  virtual SysCallIntResult FStat(int fd, struct stat* info) = 0;
  // Wraps fstatat(2).
  virtual SysCallIntResult FStatAt(int dir_fd, const char* path,
                                   struct stat* info, int flags) = 0;
  // Wraps ftruncate(2).
  virtual SysCallIntResult FTruncate(int fd, off_t length) = 0;
  // Wraps pread(2).
  virtual SysCallSizeResult PRead(int fd, void* buffer, size_t size,
                                  off_t offset) = 0;
  // Wraps pwrite(2).
  virtual SysCallSizeResult PWrite(int fd, const void* buffer, size_t size,
                                   off_t offset) = 0;
  // Wraps unlinkat(2).
  virtual SysCallIntResult UnlinkAt(int dir_fd, const char* path,
                                    int flags) = 0;
  // Wraps sigtimedwait(2).
  virtual SysCallIntResult SigTimedWait(const sigset_t* set, siginfo_t* info,
                                        const struct timespec* timeout) = 0;
  // Wraps clock_gettime(2).
  virtual SysCallIntResult ClockGetTime(clockid_t clock,
                                        struct timespec* now) = 0;
  // Wraps pidfd_send_signal(2).
  virtual SysCallIntResult PidFdSendSignal(int pidfd, int signal) = 0;
  // Wraps close_range(2).
  virtual SysCallIntResult CloseRange(unsigned first, unsigned last,
                                      int flags) = 0;
  // Wraps getdents64(2).
  virtual SysCallSizeResult GetDents(int fd, void* buffer, size_t size) = 0;
  // Wraps getrlimit(2).
  virtual SysCallIntResult GetRLimit(int resource, struct rlimit* limit) = 0;
  // Wraps pipe2(2).
  virtual SysCallIntResult Pipe(int fds[2], int flags) = 0;
  // Wraps read(2).
  virtual SysCallSizeResult Read(int fd, void* buffer, size_t size) = 0;
  // Wraps write(2).
  virtual SysCallSizeResult Write(int fd, const void* buffer, size_t size) = 0;
  // Wraps poll(2).
  virtual SysCallIntResult Poll(struct pollfd* fds, nfds_t count,
                                int timeout_ms) = 0;
  // Wraps waitpid(2).
  virtual SysCallIntResult WaitPid(pid_t pid, int* status, int options) = 0;
  // Wraps kill(2).
  virtual SysCallIntResult Kill(pid_t pid, int signal) = 0;
  // Wraps pidfd_open(2).
  virtual SysCallIntResult PidFdOpen(pid_t pid, unsigned flags) = 0;
  // Wraps getpid(2); it cannot fail.
  virtual pid_t GetPid() = 0;
  // Wraps sigaction(2).
  virtual SysCallIntResult SigAction(int signal, const struct sigaction* action,
                                     struct sigaction* old_action) = 0;
  // Wraps sigprocmask(2).
  virtual SysCallIntResult SigProcMask(int how, const sigset_t* set,
                                       sigset_t* old_set) = 0;
  // Wraps setuid(2).
  virtual SysCallIntResult SetUid(uid_t uid) = 0;
  // Wraps setgid(2).
  virtual SysCallIntResult SetGid(gid_t gid) = 0;
  // Wraps setgroups(2).
  virtual SysCallIntResult SetGroups(size_t count, const gid_t* groups) = 0;
  // Wraps getpwnam_r(3): value 1 when found, 0 when not; error is what it
  // returned.
  virtual SysCallIntResult GetPwNam(const char* name, struct passwd* entry,
                                    char* buffer, size_t size) = 0;
  // Wraps getpwuid_r(3), like GetPwNam.
  virtual SysCallIntResult GetPwUid(uid_t uid, struct passwd* entry,
                                    char* buffer, size_t size) = 0;
  // Wraps getgrnam_r(3), like GetPwNam.
  virtual SysCallIntResult GetGrNam(const char* name, struct group* entry,
                                    char* buffer, size_t size) = 0;
  // Wraps getgrouplist(3); fails with ERANGE when `groups` is too small
  // (then *count says how many there are).
  virtual SysCallIntResult GetGroupList(const char* user, gid_t group,
                                        gid_t* groups, int* count) = 0;
  // Wraps chroot(2).
  virtual SysCallIntResult Chroot(const char* path) = 0;
  // Wraps fchown(2).
  virtual SysCallIntResult FChown(int fd, uid_t uid, gid_t gid) = 0;
  // Wraps setrlimit(2).
  virtual SysCallIntResult SetRLimit(int resource,
                                     const struct rlimit* limit) = 0;
  // Wraps clearenv(3).
  virtual SysCallIntResult ClearEnv() = 0;
  // Wraps setenv(3), overwriting.
  virtual SysCallIntResult SetEnv(const char* name, const char* value) = 0;
  // Wraps socket(2).
  virtual SysCallIntResult Socket(int domain, int type, int protocol) = 0;
  // Wraps sendto(2).
  virtual SysCallSizeResult SendTo(int fd, const void* buffer, size_t size,
                                   int flags, const struct sockaddr* address,
                                   socklen_t length) = 0;
  // Wraps getuid(2); it cannot fail.
  virtual uid_t GetUid() = 0;
  // Wraps getgid(2); it cannot fail.
  virtual gid_t GetGid() = 0;
  // Wraps getenv(3): the value, or null when unset.
  virtual const char* GetEnv(const char* name) = 0;
  // Wraps execve(2); returns only when it fails.
  virtual SysCallIntResult ExecVe(const char* path, char* const argv[],
                                  char* const envp[]) = 0;
  // Wraps prctl(2) for the options that take one integer argument.
  virtual SysCallIntResult Prctl(int option, unsigned long argument) = 0;
  // Wraps _exit(2). Real implementations never return; a mock does, so
  // callers return right after calling it.
  virtual void Exit(int status) = 0;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_OS_H_
