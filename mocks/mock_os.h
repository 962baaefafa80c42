// daemonkit::MockOs: a gMock Os for tests of code that makes system calls.
//
// Derived from the pure interface, so an unexpected call never reaches the
// kernel. SysCallSuccess/SysCallFailure build results; a failure always names
// its errno explicitly.
#ifndef DAEMONKIT_MOCKS_MOCK_OS_H_
#define DAEMONKIT_MOCKS_MOCK_OS_H_

#include "daemonkit/os.h"
#include "gmock/gmock.h"

namespace daemonkit {

class MockOs : public Os {
 public:
  MOCK_METHOD(SysCallIntResult, Fork, (), (override));
  MOCK_METHOD(SysCallIntResult, SetSid, (), (override));
  MOCK_METHOD(mode_t, Umask, (mode_t mask), (override));
  MOCK_METHOD(SysCallIntResult, Chdir, (const char* path), (override));
  MOCK_METHOD(SysCallIntResult, Open,
              (const char* path, int flags, mode_t mode), (override));
  MOCK_METHOD(SysCallIntResult, Close, (int fd), (override));
  MOCK_METHOD(SysCallIntResult, Dup2, (int old_fd, int new_fd), (override));
  MOCK_METHOD(SysCallIntResult, Fcntl, (int fd, int command, int argument),
              (override));
  MOCK_METHOD(SysCallIntResult, FcntlLock,
              (int fd, int command, struct flock* lock), (override));
  MOCK_METHOD(SysCallIntResult, FStat, (int fd, struct stat* info), (override));
  MOCK_METHOD(SysCallIntResult, FStatAt,
              (int dir_fd, const char* path, struct stat* info, int flags),
              (override));
  MOCK_METHOD(SysCallIntResult, FTruncate, (int fd, off_t length), (override));
  MOCK_METHOD(SysCallSizeResult, PRead,
              (int fd, void* buffer, size_t size, off_t offset), (override));
  MOCK_METHOD(SysCallSizeResult, PWrite,
              (int fd, const void* buffer, size_t size, off_t offset),
              (override));
  MOCK_METHOD(SysCallIntResult, UnlinkAt,
              (int dir_fd, const char* path, int flags), (override));
  MOCK_METHOD(SysCallIntResult, SigTimedWait,
              (const sigset_t* set, siginfo_t* info,
               const struct timespec* timeout),
              (override));
  MOCK_METHOD(SysCallIntResult, ClockGetTime,
              (clockid_t clock, struct timespec* now), (override));
  MOCK_METHOD(SysCallIntResult, PidFdSendSignal, (int pidfd, int signal),
              (override));
  MOCK_METHOD(SysCallIntResult, CloseRange,
              (unsigned first, unsigned last, int flags), (override));
  MOCK_METHOD(SysCallSizeResult, GetDents, (int fd, void* buffer, size_t size),
              (override));
  MOCK_METHOD(SysCallIntResult, GetRLimit, (int resource, struct rlimit* limit),
              (override));
  MOCK_METHOD(SysCallIntResult, Pipe, (int fds[2], int flags), (override));
  MOCK_METHOD(SysCallSizeResult, Read, (int fd, void* buffer, size_t size),
              (override));
  MOCK_METHOD(SysCallSizeResult, Write,
              (int fd, const void* buffer, size_t size), (override));
  MOCK_METHOD(SysCallIntResult, Poll,
              (struct pollfd * fds, nfds_t count, int timeout_ms), (override));
  MOCK_METHOD(SysCallIntResult, WaitPid, (pid_t pid, int* status, int options),
              (override));
  MOCK_METHOD(SysCallIntResult, Kill, (pid_t pid, int signal), (override));
  MOCK_METHOD(SysCallIntResult, PidFdOpen, (pid_t pid, unsigned flags),
              (override));
  MOCK_METHOD(pid_t, GetPid, (), (override));
  MOCK_METHOD(SysCallIntResult, SigAction,
              (int signal, const struct sigaction* action,
               struct sigaction* old_action),
              (override));
  MOCK_METHOD(SysCallIntResult, SigProcMask,
              (int how, const sigset_t* set, sigset_t* old_set), (override));
  MOCK_METHOD(SysCallIntResult, SetUid, (uid_t uid), (override));
  MOCK_METHOD(SysCallIntResult, SetGid, (gid_t gid), (override));
  MOCK_METHOD(SysCallIntResult, SetGroups, (size_t count, const gid_t* groups),
              (override));
  MOCK_METHOD(SysCallIntResult, GetPwNam,
              (const char* name, struct passwd* entry, char* buffer,
               size_t size),
              (override));
  MOCK_METHOD(SysCallIntResult, GetPwUid,
              (uid_t uid, struct passwd* entry, char* buffer, size_t size),
              (override));
  MOCK_METHOD(SysCallIntResult, GetGrNam,
              (const char* name, struct group* entry, char* buffer,
               size_t size),
              (override));
  MOCK_METHOD(SysCallIntResult, GetGroupList,
              (const char* user, gid_t group, gid_t* groups, int* count),
              (override));
  MOCK_METHOD(SysCallIntResult, Chroot, (const char* path), (override));
  MOCK_METHOD(SysCallIntResult, FChown, (int fd, uid_t uid, gid_t gid),
              (override));
  MOCK_METHOD(SysCallIntResult, SetRLimit,
              (int resource, const struct rlimit* limit), (override));
  MOCK_METHOD(SysCallIntResult, ClearEnv, (), (override));
  MOCK_METHOD(SysCallIntResult, SetEnv, (const char* name, const char* value),
              (override));
  MOCK_METHOD(SysCallIntResult, Socket, (int domain, int type, int protocol),
              (override));
  MOCK_METHOD(SysCallSizeResult, SendTo,
              (int fd, const void* buffer, size_t size, int flags,
               const struct sockaddr* address, socklen_t length),
              (override));
  MOCK_METHOD(uid_t, GetUid, (), (override));
  MOCK_METHOD(gid_t, GetGid, (), (override));
  MOCK_METHOD(const char*, GetEnv, (const char* name), (override));
  MOCK_METHOD(SysCallIntResult, ExecVe,
              (const char* path, char* const argv[], char* const envp[]),
              (override));
  MOCK_METHOD(SysCallIntResult, Prctl, (int option, unsigned long argument),
              (override));
  MOCK_METHOD(void, Exit, (int status), (override));
};

// A successful int-returning call that returned `value`.
inline SysCallIntResult SysCallSuccess(int value = 0) { return {value, 0}; }

// A failed call that set errno to `error`.
inline SysCallIntResult SysCallFailure(int error) { return {-1, error}; }

}  // namespace daemonkit

#endif  // DAEMONKIT_MOCKS_MOCK_OS_H_
