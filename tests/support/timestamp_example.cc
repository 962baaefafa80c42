#include "tests/support/timestamp_example.h"

#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"

namespace daemonkit::test {

std::vector<std::string> Timestamp(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Runfile("examples/timestamp")};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

pid_t DaemonPid(const std::string& launcher_output) {
  int pid = -1;
  if (absl::StartsWith(launcher_output, "Daemon PID ")) {
    EXPECT_TRUE(absl::SimpleAtoi(
        absl::StripAsciiWhitespace(launcher_output.substr(11)), &pid));
  }
  return pid;
}

absl::Time LineTime(const std::string& line) {
  absl::Time time;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, line, &time, &error))
      << line << ": " << error;
  return time;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

bool WaitForLines(const std::string& path, size_t count) {
  for (int i = 0; i < 500; ++i) {
    if (Lines(ReadFile(path)).size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace daemonkit::test
