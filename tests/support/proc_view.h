// What /proc and the file system say about a process, for integration tests
// that check from outside what the code claims about itself.
#ifndef DAEMONKIT_TESTS_PROC_VIEW_H_
#define DAEMONKIT_TESTS_PROC_VIEW_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace daemonkit::test {

// A file's contents; "" when it cannot be read.
std::string ReadFile(const std::string& path);
// A symbolic link's target; "" when `path` is none.
std::string ReadLink(const std::string& path);
// Whether anything (a dangling link too) is at `path`.
bool Exists(const std::string& path);
// /proc/PID/stat from field 3 (the state) on: stat(5)'s field N is [N - 3].
std::vector<std::string> StatFields(pid_t pid);
// A line's value in /proc/PID/status, e.g. "Umask"; "" when absent.
std::string StatusField(pid_t pid, const std::string& name);
// The children of `pid`, each with its state letter (R, S, Z, ...).
std::map<pid_t, char> ChildrenOf(pid_t pid);
// The descriptors `pid` has open, ascending.
std::vector<int> OpenFds(pid_t pid);
// Whether `pid` runs: it exists and is no zombie (PID 1 here may reap one
// late, so a zombie counts as gone).
bool Runs(pid_t pid);
// `pid`'s parent; -1 when it is gone.
pid_t ParentOf(pid_t pid);
// The pids written one per line to `path` (by a test's script).
std::vector<pid_t> PidsIn(const std::string& path);

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_PROC_VIEW_H_
