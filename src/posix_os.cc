#include "daemonkit/posix_os.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>    // setgroups
#include <stdio.h>  // renameat
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace daemonkit {
namespace {

// Pairs a call's return value with errno, read right after the call.
template <typename T>
SysCallResult<T> Result(T value) {
  return {value, value == -1 ? errno : 0};
}

}  // namespace

SysCallIntResult PosixOs::Fork() { return Result(::fork()); }

SysCallIntResult PosixOs::SetSid() { return Result(::setsid()); }

mode_t PosixOs::Umask(mode_t mask) { return ::umask(mask); }

SysCallIntResult PosixOs::Chdir(const char* path) {
  return Result(::chdir(path));
}

SysCallIntResult PosixOs::Open(const char* path, int flags, mode_t mode) {
  return Result(::open(path, flags, mode));
}

SysCallIntResult PosixOs::OpenAt(int dir_fd, const char* path, int flags,
                                 mode_t mode) {
  return Result(::openat(dir_fd, path, flags, mode));
}

SysCallIntResult PosixOs::Close(int fd) { return Result(::close(fd)); }

SysCallIntResult PosixOs::Dup2(int old_fd, int new_fd) {
  return Result(::dup2(old_fd, new_fd));
}

SysCallIntResult PosixOs::Fcntl(int fd, int command, int argument) {
  return Result(::fcntl(fd, command, argument));
}

SysCallIntResult PosixOs::FcntlLock(int fd, int command, struct flock* lock) {
  return Result(::fcntl(fd, command, lock));
}

SysCallIntResult PosixOs::FStat(int fd, struct stat* info) {
  return Result(::fstat(fd, info));
}

SysCallIntResult PosixOs::FStatAt(int dir_fd, const char* path,
                                  struct stat* info, int flags) {
  return Result(::fstatat(dir_fd, path, info, flags));
}

SysCallIntResult PosixOs::FTruncate(int fd, off_t length) {
  return Result(::ftruncate(fd, length));
}

SysCallIntResult PosixOs::FAllocate(int fd, int mode, off_t offset,
                                    off_t length) {
  return Result(::fallocate(fd, mode, offset, length));
}

SysCallSizeResult PosixOs::PRead(int fd, void* buffer, size_t size,
                                 off_t offset) {
  return Result(::pread(fd, buffer, size, offset));
}

SysCallSizeResult PosixOs::PWrite(int fd, const void* buffer, size_t size,
                                  off_t offset) {
  return Result(::pwrite(fd, buffer, size, offset));
}

SysCallIntResult PosixOs::UnlinkAt(int dir_fd, const char* path, int flags) {
  return Result(::unlinkat(dir_fd, path, flags));
}

SysCallIntResult PosixOs::RenameAt(int old_dir_fd, const char* old_path,
                                   int new_dir_fd, const char* new_path) {
  return Result(::renameat(old_dir_fd, old_path, new_dir_fd, new_path));
}

SysCallIntResult PosixOs::SigTimedWait(const sigset_t* set, siginfo_t* info,
                                       const struct timespec* timeout) {
  return Result(::sigtimedwait(set, info, timeout));
}

SysCallIntResult PosixOs::ClockGetTime(clockid_t clock, struct timespec* now) {
  return Result(::clock_gettime(clock, now));
}

SysCallIntResult PosixOs::PidFdSendSignal(int pidfd, int signal,
                                          siginfo_t* info) {
  return Result(static_cast<int>(
      ::syscall(SYS_pidfd_send_signal, pidfd, signal, info, 0)));
}

SysCallIntResult PosixOs::CloseRange(unsigned first, unsigned last, int flags) {
  // Through syscall(2): glibc 2.36 has a wrapper, older ones do not.
  return Result(
      static_cast<int>(::syscall(SYS_close_range, first, last, flags)));
}

SysCallSizeResult PosixOs::GetDents(int fd, void* buffer, size_t size) {
  return Result(
      static_cast<ssize_t>(::syscall(SYS_getdents64, fd, buffer, size)));
}

SysCallIntResult PosixOs::GetRLimit(int resource, struct rlimit* limit) {
  return Result(::getrlimit(static_cast<__rlimit_resource>(resource), limit));
}

SysCallIntResult PosixOs::Pipe(int fds[2], int flags) {
  return Result(::pipe2(fds, flags));
}

SysCallSizeResult PosixOs::Read(int fd, void* buffer, size_t size) {
  return Result(::read(fd, buffer, size));
}

SysCallSizeResult PosixOs::ReadLink(const char* path, char* buffer,
                                    size_t size) {
  return Result(::readlink(path, buffer, size));
}

SysCallSizeResult PosixOs::Write(int fd, const void* buffer, size_t size) {
  return Result(::write(fd, buffer, size));
}

SysCallIntResult PosixOs::Poll(struct pollfd* fds, nfds_t count,
                               int timeout_ms) {
  return Result(::poll(fds, count, timeout_ms));
}

SysCallIntResult PosixOs::WaitPid(pid_t pid, int* status, int options) {
  return Result(::waitpid(pid, status, options));
}

SysCallIntResult PosixOs::Kill(pid_t pid, int signal) {
  return Result(::kill(pid, signal));
}

SysCallIntResult PosixOs::PidFdOpen(pid_t pid, unsigned flags) {
  return Result(static_cast<int>(::syscall(SYS_pidfd_open, pid, flags)));
}

pid_t PosixOs::GetPid() { return ::getpid(); }

pid_t PosixOs::GetPPid() { return ::getppid(); }

SysCallIntResult PosixOs::SetPgid(pid_t pid, pid_t group) {
  return Result(::setpgid(pid, group));
}

pid_t PosixOs::GetPgrp() { return ::getpgrp(); }

SysCallIntResult PosixOs::TcGetPgrp(int fd) { return Result(::tcgetpgrp(fd)); }

SysCallIntResult PosixOs::TcSetPgrp(int fd, pid_t group) {
  return Result(::tcsetpgrp(fd, group));
}

SysCallIntResult PosixOs::SigAction(int signal, const struct sigaction* action,
                                    struct sigaction* old_action) {
  return Result(::sigaction(signal, action, old_action));
}

SysCallIntResult PosixOs::SigProcMask(int how, const sigset_t* set,
                                      sigset_t* old_set) {
  return Result(::sigprocmask(how, set, old_set));
}

SysCallIntResult PosixOs::SignalFd(int fd, const sigset_t* mask, int flags) {
  return Result(::signalfd(fd, mask, flags));
}

SysCallIntResult PosixOs::GetGroups(int size, gid_t* groups) {
  return Result(::getgroups(size, groups));
}

int PosixOs::SetFsUid(uid_t uid) { return ::setfsuid(uid); }

int PosixOs::SetFsGid(gid_t gid) { return ::setfsgid(gid); }

SysCallIntResult PosixOs::SetUid(uid_t uid) { return Result(::setuid(uid)); }

SysCallIntResult PosixOs::SetGid(gid_t gid) { return Result(::setgid(gid)); }

SysCallIntResult PosixOs::SetGroups(size_t count, const gid_t* groups) {
  return Result(::setgroups(count, groups));
}

SysCallIntResult PosixOs::Chroot(const char* path) {
  return Result(::chroot(path));
}

SysCallIntResult PosixOs::FChown(int fd, uid_t uid, gid_t gid) {
  return Result(::fchown(fd, uid, gid));
}

SysCallIntResult PosixOs::SetRLimit(int resource, const struct rlimit* limit) {
  return Result(::setrlimit(static_cast<__rlimit_resource>(resource), limit));
}

SysCallIntResult PosixOs::ClearEnv() {
  // clearenv(3) sets no errno; it fails only when it cannot allocate.
  return ::clearenv() == 0 ? SysCallIntResult{0, 0}
                           : SysCallIntResult{-1, ENOMEM};
}

SysCallIntResult PosixOs::SetEnv(const char* name, const char* value) {
  return Result(::setenv(name, value, 1));
}

SysCallIntResult PosixOs::Socket(int domain, int type, int protocol) {
  return Result(::socket(domain, type, protocol));
}

SysCallSizeResult PosixOs::SendTo(int fd, const void* buffer, size_t size,
                                  int flags, const struct sockaddr* address,
                                  socklen_t length) {
  return Result(::sendto(fd, buffer, size, flags, address, length));
}

uid_t PosixOs::GetUid() { return ::getuid(); }

gid_t PosixOs::GetGid() { return ::getgid(); }

const char* PosixOs::GetEnv(const char* name) { return ::getenv(name); }

SysCallIntResult PosixOs::ExecVe(const char* path, char* const argv[],
                                 char* const envp[]) {
  return Result(::execve(path, argv, envp));
}

SysCallIntResult PosixOs::Prctl(int option, unsigned long argument) {
  return Result(::prctl(option, argument, 0UL, 0UL, 0UL));
}

void PosixOs::Exit(int status) { ::_exit(status); }

SysCallIntResult PosixOs::Bind(int fd, const struct sockaddr* address,
                               socklen_t length) {
  return Result(::bind(fd, address, length));
}

SysCallIntResult PosixOs::Connect(int fd, const struct sockaddr* address,
                                  socklen_t length) {
  return Result(::connect(fd, address, length));
}

SysCallIntResult PosixOs::SetSockOpt(int fd, int level, int name,
                                     const void* value, socklen_t length) {
  return Result(::setsockopt(fd, level, name, value, length));
}

SysCallSizeResult PosixOs::RecvMsg(int fd, struct msghdr* message, int flags) {
  return Result(::recvmsg(fd, message, flags));
}

SysCallIntResult PosixOs::MkDirAt(int dir_fd, const char* path, mode_t mode) {
  return Result(::mkdirat(dir_fd, path, mode));
}

SysCallIntResult PosixOs::FChownAt(int dir_fd, const char* path, uid_t uid,
                                   gid_t gid, int flags) {
  return Result(::fchownat(dir_fd, path, uid, gid, flags));
}

SysCallSizeResult PosixOs::SendMsg(int fd, const struct msghdr* message,
                                   int flags) {
  return Result(::sendmsg(fd, message, flags));
}

SysCallIntResult PosixOs::UnsetEnv(const char* name) {
  return Result(::unsetenv(name));
}

}  // namespace daemonkit
