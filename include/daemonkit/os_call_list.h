// The system calls of daemonkit::Os, written once (like Chromium's
// net_error_list.h). No include guard: each includer defines
//
//   DAEMONKIT_OS_CALL(Result, Name, (parameters), (arguments))
//
// includes this file, and undefines it. Os declares the methods from it,
// OsWrapper forwards them, PosixOs declares its overrides, MockOs mocks them
// and FaultInjectingOs counts and fails them; so a call added here reaches all
// of them, and a call added to Os by hand leaves those classes abstract.
//
// Calls whose Result is a SysCallResult can fail; the others cannot. "After
// fork" marks the calls the middle process and the daemon make before Ready()
// or exec: there they must not allocate, and a decorator must not either.

// Processes.
// Wraps fork(2). After fork (the second fork).
DAEMONKIT_OS_CALL(SysCallIntResult, Fork, (), ())
// Wraps setsid(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SetSid, (), ())
// Wraps getpid(2); it cannot fail. After fork.
DAEMONKIT_OS_CALL(pid_t, GetPid, (), ())
// Wraps getppid(2); it cannot fail. After fork.
DAEMONKIT_OS_CALL(pid_t, GetPPid, (), ())
// Wraps setpgid(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SetPgid, (pid_t pid, pid_t group),
                  (pid, group))
// Wraps getpgrp(2); it cannot fail.
DAEMONKIT_OS_CALL(pid_t, GetPgrp, (), ())
// Wraps tcgetpgrp(3): the foreground process group of the terminal on `fd`.
DAEMONKIT_OS_CALL(SysCallIntResult, TcGetPgrp, (int fd), (fd))
// Wraps tcsetpgrp(3). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, TcSetPgrp, (int fd, pid_t group),
                  (fd, group))
// Wraps execve(2); returns only when it fails. After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, ExecVe,
                  (const char* path, char* const argv[], char* const envp[]),
                  (path, argv, envp))
// Wraps _exit(2). Real implementations never return; a mock does, so callers
// return right after calling it. After fork.
DAEMONKIT_OS_CALL(void, Exit, (int status), (status))
// Wraps waitpid(2).
DAEMONKIT_OS_CALL(SysCallIntResult, WaitPid,
                  (pid_t pid, int* status, int options), (pid, status, options))
// Wraps kill(2).
DAEMONKIT_OS_CALL(SysCallIntResult, Kill, (pid_t pid, int signal),
                  (pid, signal))
// Wraps pidfd_open(2).
DAEMONKIT_OS_CALL(SysCallIntResult, PidFdOpen, (pid_t pid, unsigned flags),
                  (pid, flags))
// Wraps pidfd_send_signal(2); `info` may be null, as there.
DAEMONKIT_OS_CALL(SysCallIntResult, PidFdSendSignal,
                  (int pidfd, int signal, siginfo_t* info),
                  (pidfd, signal, info))
// Wraps prctl(2) for the options that take one integer argument.
DAEMONKIT_OS_CALL(SysCallIntResult, Prctl, (int option, unsigned long argument),
                  (option, argument))

// Descriptors and files.
// Wraps open(2). After fork (/proc/self/fd).
DAEMONKIT_OS_CALL(SysCallIntResult, Open,
                  (const char* path, int flags, mode_t mode),
                  (path, flags, mode))
// Wraps close(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, Close, (int fd), (fd))
// Wraps close_range(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, CloseRange,
                  (unsigned first, unsigned last, int flags),
                  (first, last, flags))
// Wraps getdents64(2). After fork.
DAEMONKIT_OS_CALL(SysCallSizeResult, GetDents,
                  (int fd, void* buffer, size_t size), (fd, buffer, size))
// Wraps dup2(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, Dup2, (int old_fd, int new_fd),
                  (old_fd, new_fd))
// Wraps fcntl(2) for the commands that take an int argument. After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, Fcntl, (int fd, int command, int argument),
                  (fd, command, argument))
// Wraps fcntl(2) for the record-locking commands (F_OFD_SETLK, F_OFD_GETLK,
// ...).
DAEMONKIT_OS_CALL(SysCallIntResult, FcntlLock,
                  (int fd, int command, struct flock* lock),
                  (fd, command, lock))
// Wraps pipe2(2).
DAEMONKIT_OS_CALL(SysCallIntResult, Pipe, (int fds[2], int flags), (fds, flags))
// Wraps read(2).
DAEMONKIT_OS_CALL(SysCallSizeResult, Read, (int fd, void* buffer, size_t size),
                  (fd, buffer, size))
// Wraps readlink(2): the link's target, not terminated by a NUL.
DAEMONKIT_OS_CALL(SysCallSizeResult, ReadLink,
                  (const char* path, char* buffer, size_t size),
                  (path, buffer, size))
// Wraps write(2). After fork (the readiness report).
DAEMONKIT_OS_CALL(SysCallSizeResult, Write,
                  (int fd, const void* buffer, size_t size), (fd, buffer, size))
// Wraps pread(2).
DAEMONKIT_OS_CALL(SysCallSizeResult, PRead,
                  (int fd, void* buffer, size_t size, off_t offset),
                  (fd, buffer, size, offset))
// Wraps pwrite(2). After fork (the pid).
DAEMONKIT_OS_CALL(SysCallSizeResult, PWrite,
                  (int fd, const void* buffer, size_t size, off_t offset),
                  (fd, buffer, size, offset))
// Wraps ftruncate(2).
DAEMONKIT_OS_CALL(SysCallIntResult, FTruncate, (int fd, off_t length),
                  (fd, length))
// Wraps fallocate(2).
DAEMONKIT_OS_CALL(SysCallIntResult, FAllocate,
                  (int fd, int mode, off_t offset, off_t length),
                  (fd, mode, offset, length))
// Wraps poll(2).
DAEMONKIT_OS_CALL(SysCallIntResult, Poll,
                  (struct pollfd * fds, nfds_t count, int timeout_ms),
                  (fds, count, timeout_ms))
// Wraps fstat(2).
DAEMONKIT_OS_CALL(SysCallIntResult, FStat, (int fd, struct stat* info),
                  (fd, info))
// Wraps openat(2).
DAEMONKIT_OS_CALL(SysCallIntResult, OpenAt,
                  (int dir_fd, const char* path, int flags, mode_t mode),
                  (dir_fd, path, flags, mode))
// Wraps fstatat(2).
DAEMONKIT_OS_CALL(SysCallIntResult, FStatAt,
                  (int dir_fd, const char* path, struct stat* info, int flags),
                  (dir_fd, path, info, flags))
// Wraps unlinkat(2).
DAEMONKIT_OS_CALL(SysCallIntResult, UnlinkAt,
                  (int dir_fd, const char* path, int flags),
                  (dir_fd, path, flags))
// Wraps renameat(2).
DAEMONKIT_OS_CALL(SysCallIntResult, RenameAt,
                  (int old_dir_fd, const char* old_path, int new_dir_fd,
                   const char* new_path),
                  (old_dir_fd, old_path, new_dir_fd, new_path))
// Wraps mkdirat(2).
DAEMONKIT_OS_CALL(SysCallIntResult, MkDirAt,
                  (int dir_fd, const char* path, mode_t mode),
                  (dir_fd, path, mode))
// Wraps fchownat(2).
DAEMONKIT_OS_CALL(SysCallIntResult, FChownAt,
                  (int dir_fd, const char* path, uid_t uid, gid_t gid,
                   int flags),
                  (dir_fd, path, uid, gid, flags))
// Wraps fchown(2).
DAEMONKIT_OS_CALL(SysCallIntResult, FChown, (int fd, uid_t uid, gid_t gid),
                  (fd, uid, gid))

// Sockets.
// Wraps socket(2).
DAEMONKIT_OS_CALL(SysCallIntResult, Socket,
                  (int domain, int type, int protocol),
                  (domain, type, protocol))
// Wraps bind(2).
DAEMONKIT_OS_CALL(SysCallIntResult, Bind,
                  (int fd, const struct sockaddr* address, socklen_t length),
                  (fd, address, length))
// Wraps connect(2).
DAEMONKIT_OS_CALL(SysCallIntResult, Connect,
                  (int fd, const struct sockaddr* address, socklen_t length),
                  (fd, address, length))
// Wraps setsockopt(2).
DAEMONKIT_OS_CALL(SysCallIntResult, SetSockOpt,
                  (int fd, int level, int name, const void* value,
                   socklen_t length),
                  (fd, level, name, value, length))
// Wraps recvmsg(2).
DAEMONKIT_OS_CALL(SysCallSizeResult, RecvMsg,
                  (int fd, struct msghdr* message, int flags),
                  (fd, message, flags))
// Wraps sendmsg(2).
DAEMONKIT_OS_CALL(SysCallSizeResult, SendMsg,
                  (int fd, const struct msghdr* message, int flags),
                  (fd, message, flags))
// Wraps sendto(2).
DAEMONKIT_OS_CALL(SysCallSizeResult, SendTo,
                  (int fd, const void* buffer, size_t size, int flags,
                   const struct sockaddr* address, socklen_t length),
                  (fd, buffer, size, flags, address, length))

// Signals and time.
// Wraps sigaction(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SigAction,
                  (int signal, const struct sigaction* action,
                   struct sigaction* old_action),
                  (signal, action, old_action))
// Wraps sigprocmask(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SigProcMask,
                  (int how, const sigset_t* set, sigset_t* old_set),
                  (how, set, old_set))
// Wraps signalfd(2).
DAEMONKIT_OS_CALL(SysCallIntResult, SignalFd,
                  (int fd, const sigset_t* mask, int flags), (fd, mask, flags))
// Wraps sigtimedwait(2).
DAEMONKIT_OS_CALL(SysCallIntResult, SigTimedWait,
                  (const sigset_t* set, siginfo_t* info,
                   const struct timespec* timeout),
                  (set, info, timeout))
// Wraps clock_gettime(2).
DAEMONKIT_OS_CALL(SysCallIntResult, ClockGetTime,
                  (clockid_t clock, struct timespec* now), (clock, now))

// The process's place, identity and limits.
// Wraps umask(2); it cannot fail and returns the previous mask. After fork.
DAEMONKIT_OS_CALL(mode_t, Umask, (mode_t mask), (mask))
// Wraps chroot(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, Chroot, (const char* path), (path))
// Wraps chdir(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, Chdir, (const char* path), (path))
// Wraps getuid(2); it cannot fail. After fork.
DAEMONKIT_OS_CALL(uid_t, GetUid, (), ())
// Wraps getgid(2); it cannot fail. After fork.
DAEMONKIT_OS_CALL(gid_t, GetGid, (), ())
// Wraps setuid(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SetUid, (uid_t uid), (uid))
// Wraps setgid(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SetGid, (gid_t gid), (gid))
// Wraps setgroups(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SetGroups,
                  (size_t count, const gid_t* groups), (count, groups))
// Wraps getgroups(2).
DAEMONKIT_OS_CALL(SysCallIntResult, GetGroups, (int size, gid_t* groups),
                  (size, groups))
// Wraps setfsuid(2): returns the previous filesystem user id; it reports no
// failure (asking again with the same id tells whether it took).
DAEMONKIT_OS_CALL(int, SetFsUid, (uid_t uid), (uid))
// Wraps setfsgid(2), as SetFsUid.
DAEMONKIT_OS_CALL(int, SetFsGid, (gid_t gid), (gid))
// Wraps getrlimit(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, GetRLimit,
                  (int resource, struct rlimit* limit), (resource, limit))
// Wraps setrlimit(2). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SetRLimit,
                  (int resource, const struct rlimit* limit), (resource, limit))

// The environment: the C library's, not the kernel's, but the daemon changes
// it after fork, so tests must see it.
// Wraps getenv(3): the value, or null when unset.
DAEMONKIT_OS_CALL(const char*, GetEnv, (const char* name), (name))
// Wraps clearenv(3). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, ClearEnv, (), ())
// Wraps setenv(3), overwriting. After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, SetEnv,
                  (const char* name, const char* value), (name, value))
// Wraps unsetenv(3). After fork.
DAEMONKIT_OS_CALL(SysCallIntResult, UnsetEnv, (const char* name), (name))
