// Running a program the way execvp(3) finds it, through Os.
#ifndef DAEMONKIT_SRC_EXEC_SEARCH_PATH_H_
#define DAEMONKIT_SRC_EXEC_SEARCH_PATH_H_

#include <string>
#include <vector>

#include "daemonkit/os.h"

namespace daemonkit::internal {

// execve(2) of `argv` (not empty) with this process's environment;
// `argv[0]` is searched in PATH when it holds no '/', as execvp(3) does.
// Returns only when it fails, with the errno of the failure that decides:
// EACCES when a file was found but refused, ENOENT when none was found.
int ExecSearchingPath(Os& os, const std::vector<std::string>& argv);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_EXEC_SEARCH_PATH_H_
