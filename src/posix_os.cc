#include "daemonkit/posix_os.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
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

PosixOs& PosixOs::Default() {
  // Never destroyed: daemons call into it until _exit.
  static PosixOs* const os = new PosixOs();
  return *os;
}

SysCallIntResult PosixOs::Fork() { return Result(::fork()); }

SysCallIntResult PosixOs::SetSid() { return Result(::setsid()); }

mode_t PosixOs::Umask(mode_t mask) { return ::umask(mask); }

SysCallIntResult PosixOs::Chdir(const char* path) {
  return Result(::chdir(path));
}

SysCallIntResult PosixOs::Open(const char* path, int flags, mode_t mode) {
  return Result(::open(path, flags, mode));
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

SysCallIntResult PosixOs::LStat(const char* path, struct stat* info) {
  return Result(::lstat(path, info));
}

SysCallIntResult PosixOs::FTruncate(int fd, off_t length) {
  return Result(::ftruncate(fd, length));
}

SysCallSizeResult PosixOs::PRead(int fd, void* buffer, size_t size,
                                 off_t offset) {
  return Result(::pread(fd, buffer, size, offset));
}

SysCallSizeResult PosixOs::PWrite(int fd, const void* buffer, size_t size,
                                  off_t offset) {
  return Result(::pwrite(fd, buffer, size, offset));
}

SysCallIntResult PosixOs::Unlink(const char* path) {
  return Result(::unlink(path));
}

SysCallIntResult PosixOs::SigTimedWait(const sigset_t* set, siginfo_t* info,
                                       const struct timespec* timeout) {
  return Result(::sigtimedwait(set, info, timeout));
}

SysCallIntResult PosixOs::ClockGetTime(clockid_t clock, struct timespec* now) {
  return Result(::clock_gettime(clock, now));
}

SysCallIntResult PosixOs::PidFdSendSignal(int pidfd, int signal) {
  return Result(static_cast<int>(
      ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0)));
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

SysCallIntResult PosixOs::SigAction(int signal, const struct sigaction* action,
                                    struct sigaction* old_action) {
  return Result(::sigaction(signal, action, old_action));
}

SysCallIntResult PosixOs::SigProcMask(int how, const sigset_t* set,
                                      sigset_t* old_set) {
  return Result(::sigprocmask(how, set, old_set));
}

SysCallIntResult PosixOs::Prctl(int option, unsigned long argument) {
  return Result(::prctl(option, argument, 0UL, 0UL, 0UL));
}

void PosixOs::Exit(int status) { ::_exit(status); }

}  // namespace daemonkit
