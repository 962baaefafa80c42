// Running a program the way a user or an init script does, with its output
// captured, for integration tests of the example and the tool.
#ifndef DAEMONKIT_TESTS_RUN_PROGRAM_H_
#define DAEMONKIT_TESTS_RUN_PROGRAM_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace daemonkit::test {

struct ProgramRun {
  int status = -1;  // As waitpid(2) reports it.
  std::string out;
  std::string err;
  absl::Duration took;  // From start to exit.

  // The exit status, or -1 when it did not exit by itself.
  int exit_status() const;
};

// Starts `argv` (argv[0] a path) with its stdout and stderr on pipes; returns
// its pid, or -1.
pid_t StartProgram(const std::vector<std::string>& argv, int* out, int* err);

// Reads the output of `child`, started by StartProgram with `out` and `err`
// (closed here), to its end, then reaps it; `took` counts from this call. The
// output must reach end-of-file within 20 s (a test failure otherwise): a
// daemon that kept the launcher's output open would hang whoever started it.
ProgramRun FinishProgram(pid_t child, int out, int err);

// Runs `argv` to its end, as StartProgram and FinishProgram do.
ProgramRun RunProgram(const std::vector<std::string>& argv);

// A file of this test's runfiles, e.g. "examples/timestamp".
std::string Runfile(const std::string& path);

// Whether `condition` holds within `timeout`, asked every 5 ms: for what a
// started program does on its own time.
bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout = absl::Seconds(10));

// A path in TEST_TMPDIR named after the running test (a '/' of a
// parameterized name made '_'), for a test to add a suffix to.
std::string PerTestPath();

// Reaps this process's children, waiting up to 3 s for the last to end: a
// test failure when one still runs then. For a child subreaper, whose
// daemons become its children, once a test stopped what it started.
void ExpectNoChildLeft();

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_RUN_PROGRAM_H_
