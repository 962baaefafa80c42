// The timestamp example keeps the local time zone inside --chroot, where
// neither /etc/localtime nor /usr/share/zoneinfo can be read: its lines carry
// the zone's offset, not UTC's. Needs root, for chroot and, for the
// /etc/localtime case, a private mount namespace.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"
#include "tests/support/timestamp_example.h"

namespace daemonkit::test {
namespace {

using ::testing::EndsWith;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

// A zone with an offset of its own all year round, far from UTC's.
constexpr char kZoneFile[] = "/usr/share/zoneinfo/Asia/Kolkata";

class TimestampTimeZoneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getuid() != 0) GTEST_SKIP() << "needs root, for chroot";
    ASSERT_TRUE(Exists(kZoneFile)) << "tzdata is not installed";
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    const std::string base = absl::StrCat(
        std::getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    jail_ = base + ".jail";
    ASSERT_EQ(mkdir(jail_.c_str(), 0755), 0);
    pid_file_ = base + ".pid";
    unsetenv("TZ");
  }

  // Runs `command` (which starts the example with `args`, chrooted in an
  // empty directory) for three lines, stops the daemon, and returns its log.
  std::string RunInJail(std::vector<std::string> command) {
    for (const std::string& arg :
         Timestamp({"--interval=50ms", "--chroot=" + jail_, "--log=/x.log",
                    "--pid-file=" + pid_file_})) {
      command.push_back(arg);
    }
    const ProgramRun run = RunProgram(command);
    EXPECT_EQ(run.exit_status(), 0) << run.err;
    const pid_t daemon = DaemonPid(run.out);
    const std::string log = jail_ + "/x.log";
    EXPECT_TRUE(WaitForLines(log, 3)) << ReadFile(log);
    EXPECT_EQ(RunProgram(Timestamp({"--pid-file=" + pid_file_, "--stop"}))
                  .exit_status(),
              0);
    if (daemon > 0) waitpid(daemon, nullptr, 0);
    return ReadFile(log);
  }

  std::string jail_;
  std::string pid_file_;
};

void ExpectAllInKolkataTime(const std::string& log) {
  ASSERT_THAT(Lines(log), ::testing::Not(IsEmpty()));
  for (const std::string& line : Lines(log)) {
    EXPECT_THAT(line, MatchesRegex(kRfc3339));
    EXPECT_THAT(line, EndsWith("+05:30"));
  }
}

TEST_F(TimestampTimeZoneTest, ZoneNamedByTzHoldsInsideTheChroot) {
  ExpectAllInKolkataTime(RunInJail({"/usr/bin/env", "TZ=Asia/Kolkata"}));
}

TEST_F(TimestampTimeZoneTest, ZoneOfEtcLocaltimeHoldsInsideTheChroot) {
  // /etc/localtime is Kolkata's for this run alone, in a mount namespace of
  // its own.
  ExpectAllInKolkataTime(
      RunInJail({"/usr/bin/unshare", "--mount", "--propagation", "private",
                 "/bin/sh", "-c",
                 absl::StrCat("mount --bind ", kZoneFile,
                              " /etc/localtime && exec \"$0\" \"$@\"")}));
}

}  // namespace
}  // namespace daemonkit::test
