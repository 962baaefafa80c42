// Expectations on a MockOs for the library's walks of /proc: directory
// listings as getdents64 lays them out, and the proof that a process holds a
// pid file's write lock (src/lock_holders.h), and /proc/PID/stat for the
// process tree (src/process_tree.h).
#ifndef DAEMONKIT_TESTS_SUPPORT_PROC_EXPECTATIONS_H_
#define DAEMONKIT_TESTS_SUPPORT_PROC_EXPECTATIONS_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mocks/mock_os.h"
#include "src/process_tree.h"

namespace daemonkit::test {

// getdents64 records for the given names, as the kernel lays them out.
std::vector<char> DirectoryEntries(const std::vector<std::string>& names);

// A GetDents action that delivers `entries`.
std::function<SysCallSizeResult(int, void*, size_t)> GetsEntries(
    std::vector<char> entries);

// HoldsWriteLock(pid, file): /proc/PID/fd lists descriptor 3, open on
// `file`, whose fdinfo shows an OFD write lock when `holds` and only a read
// lock when not.
void ExpectLockProof(MockOs& os, pid_t pid, const struct stat& file,
                     bool holds);

// HoldsWriteLock(pid, ...) finds /proc/PID/fd failing with `error` (ENOENT:
// the process is gone; EACCES: not ours to look at).
void ExpectLockProofFails(MockOs& os, pid_t pid, int error);

// WriteLockHolders(file): /proc lists the `processes`, each of which holds
// the lock (true) or not (false).
void ExpectHolderScan(MockOs& os, const struct stat& file,
                      const std::vector<std::pair<pid_t, bool>>& processes);

// /proc/PID/stat as the kernel writes it for `stat`, its command named
// `name` (any bytes but NUL); the fields ProcessStat leaves out are plausible.
std::string StatLine(const internal::ProcessStat& stat,
                     const std::string& name = "sleep");

// ReadProcessStat(pid) reads `line` from /proc/PID/stat.
void ExpectStat(MockOs& os, pid_t pid, const std::string& line);

// A scan of /proc lists the processes `pids`, besides "self" and the like.
void ExpectProcListing(MockOs& os, const std::vector<pid_t>& pids);

// A scan of /proc finds the `processes`, in that order.
void ExpectProcesses(MockOs& os,
                     const std::vector<internal::ProcessStat>& processes);

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_SUPPORT_PROC_EXPECTATIONS_H_
