// The timestamp example as integration tests run it: its command line, what
// its launcher prints, and the lines of its log.
#ifndef DAEMONKIT_TESTS_TIMESTAMP_EXAMPLE_H_
#define DAEMONKIT_TESTS_TIMESTAMP_EXAMPLE_H_

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace daemonkit::test {

// A line the example writes: RFC 3339 with milliseconds and the offset.
inline constexpr char kRfc3339[] =
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}"
    "(Z|[+-][0-9]{2}:[0-9]{2})";

// The example's command line with `args`.
std::vector<std::string> Timestamp(const std::vector<std::string>& args);

// The daemon's pid from the launcher's "Daemon PID N"; -1 when it is not
// there.
pid_t DaemonPid(const std::string& launcher_output);

// The instant a line of the log names (a test failure when it names none).
absl::Time LineTime(const std::string& line);

// The lines of `text`, without their newlines.
std::vector<std::string> Lines(const std::string& text);

// Waits up to 5 s until `path` holds at least `count` lines; returns whether
// it did.
bool WaitForLines(const std::string& path, size_t count);

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_TIMESTAMP_EXAMPLE_H_
