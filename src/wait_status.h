// How a process ended, in words: "exit status 3", "killed by signal 11
// (Segmentation fault)".
#ifndef DAEMONKIT_SRC_WAIT_STATUS_H_
#define DAEMONKIT_SRC_WAIT_STATUS_H_

#include <string>

namespace daemonkit::internal {

// `status` as waitpid(2) reports it.
std::string DescribeWaitStatus(int status);

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_WAIT_STATUS_H_
