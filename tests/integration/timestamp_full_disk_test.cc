// The timestamp example on a full disk: a 64 KiB tmpfs, mounted in a mount
// namespace of the test's own. A line is in the log whole or not at all, the
// daemon goes on, and once there is room again it says how many lines it lost
// and why. Needs root, for the namespace and the mount.
//
// tmpfs takes space a page at a time, so the test puts a page boundary where
// it wants one: it writes lines into the log before the daemon starts, then
// fills the disk. A line that crosses the boundary then finds no room: the
// daemon reserves each line's room first (fallocate), so nothing of it is
// written, not even for a moment. (Written without a reservation, the kernel
// would let in the bytes that fit, for a reader to see until they were taken
// back.)

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"
#include "tests/support/timestamp_example.h"

namespace daemonkit::test {
namespace {

constexpr absl::Duration kInterval = absl::Milliseconds(200);
// Each of the example's lines in UTC: "2000-01-01T00:00:00.000+00:00\n".
constexpr size_t kLineSize = 30;
const char kSeedLine[] = "2000-01-01T00:00:00.000+00:00\n";

using ::testing::MatchesRegex;

// Whether `line` is the notice "N line(s) lost: No space left on device";
// sets `lost` to N.
bool LostCount(absl::string_view line, int* lost) {
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) return false;
  const absl::string_view rest = line.substr(space);
  return (rest == " lines lost: No space left on device" ||
          rest == " line lost: No space left on device") &&
         absl::SimpleAtoi(line.substr(0, space), lost);
}

// The end of a log, enough to show a torn line.
std::string Tail(const std::string& log) {
  return log.substr(log.size() < 2 * kLineSize ? 0
                                               : log.size() - 2 * kLineSize);
}

class TimestampFullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getuid() != 0) GTEST_SKIP() << "needs root, to mount a small disk";
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    // The disk is seen by this process and those it starts, by no other.
    ASSERT_EQ(unshare(CLONE_NEWNS), 0) << std::strerror(errno);
    ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    const std::string base = absl::StrCat(
        std::getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(mkdir((base + ".disk").c_str(), 0755), 0);
    ASSERT_EQ(mount("tmpfs", (base + ".disk").c_str(), "tmpfs", 0, "size=64k"),
              0)
        << std::strerror(errno);
    disk_ = base + ".disk";
    log_ = disk_ + "/x.log";
    pid_file_ = base + ".pid";  // Where there is room for it.
    setenv("TZ", "UTC", 1);     // Lines of kLineSize bytes.
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    ASSERT_NE(page % kLineSize, 0u) << "no line would cross a page boundary";
    lines_per_page_ = page / kLineSize;
  }

  void TearDown() override {
    for (int i = 0; i < 200; ++i) {
      const pid_t reaped = waitpid(-1, nullptr, WNOHANG);
      if (reaped < 0) break;  // ECHILD: nothing left.
      if (reaped == 0) absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a process is left";
    if (!disk_.empty()) umount2(disk_.c_str(), MNT_DETACH);
  }

  // Writes `count` lines into the log, as an earlier run would have.
  void Seed(size_t count) {
    std::ofstream log(log_);
    for (size_t i = 0; i < count; ++i) log << kSeedLine;
  }

  // Takes all the room left on the disk.
  void FillDisk() {
    const int fd =
        open((disk_ + "/fill").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    static const char kZeros[4096] = {};
    while (write(fd, kZeros, sizeof kZeros) > 0) {
    }
    EXPECT_EQ(errno, ENOSPC);
    close(fd);
  }

  void FreeDisk() { ASSERT_EQ(unlink((disk_ + "/fill").c_str()), 0); }

  std::string disk_;
  std::string log_;
  std::string pid_file_;
  size_t lines_per_page_ = 0;
};

TEST_F(TimestampFullDiskTest, DaemonLosesWholeLinesGoesOnAndReportsTheLoss) {
  // The first line fills the log's page but for a few bytes; every later line
  // needs a new page.
  Seed(lines_per_page_ - 1);
  FillDisk();
  const ProgramRun run = RunProgram(Timestamp(
      {"--interval=200ms", "--log=" + log_, "--pid-file=" + pid_file_}));
  ASSERT_EQ(run.exit_status(), 0) << run.err;
  const pid_t daemon = DaemonPid(run.out);
  ASSERT_GT(daemon, 0);
  const std::string full = ReadFile(log_);
  ASSERT_EQ(full.size(), lines_per_page_ * kLineSize) << "the first line";

  // Read over and over while the daemon tries: no read shows a part of a
  // line, not even one the daemon would take back.
  std::string after = full;
  int reads = 0;
  for (const absl::Time end = absl::Now() + 5 * kInterval;
       absl::Now() < end && after == full; ++reads) {
    after = ReadFile(log_);
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_EQ(after.size(), full.size())
      << "no line, nor part of one, got in; read " << reads << " times";
  EXPECT_EQ(Tail(after), Tail(full));
  const std::vector<std::string> state = StatFields(daemon);
  ASSERT_FALSE(state.empty()) << "the daemon is gone";
  EXPECT_NE(state[0], "Z") << "the daemon is dead";

  FreeDisk();
  ASSERT_TRUE(WaitForLines(log_, lines_per_page_ + 2)) << ReadFile(log_);
  ASSERT_EQ(kill(daemon, SIGTERM), 0);
  int status = -1;
  ASSERT_EQ(waitpid(daemon, &status, 0), daemon);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  const std::string log = ReadFile(log_);
  EXPECT_EQ(log.back(), '\n');
  const std::vector<std::string> lines = Lines(log);
  std::vector<size_t> notices;
  for (size_t i = 0; i < lines.size(); ++i) {
    int lost = 0;
    if (LostCount(lines[i], &lost)) {
      notices.push_back(i);
    } else {
      EXPECT_THAT(lines[i], MatchesRegex(kRfc3339)) << "line " << i;
    }
  }
  ASSERT_EQ(notices, std::vector<size_t>{lines_per_page_})
      << "one notice, right after the last line before the disk filled";
  ASSERT_LT(lines_per_page_ + 1, lines.size()) << "a line after the notice";
  int lost = 0;
  ASSERT_TRUE(LostCount(lines[lines_per_page_], &lost));
  EXPECT_GE(lost, 4);
  // The lines on each side of the notice are lost + 1 ticks apart.
  const absl::Duration gap = LineTime(lines[lines_per_page_ + 1]) -
                             LineTime(lines[lines_per_page_ - 1]);
  EXPECT_NEAR(absl::FDivDuration(gap, kInterval), lost + 1, 0.5)
      << lines[lines_per_page_ - 1] << " to " << lines[lines_per_page_ + 1];
}

TEST_F(TimestampFullDiskTest, LogThatCannotTakeTheFirstLineIsAFailedStart) {
  // The log's page has room for part of a line only.
  Seed(lines_per_page_);
  FillDisk();
  const std::string before = ReadFile(log_);
  const ProgramRun run = RunProgram(Timestamp(
      {"--interval=200ms", "--log=" + log_, "--pid-file=" + pid_file_}));
  EXPECT_EQ(run.exit_status(), EX_IOERR);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, absl::StrCat("timestamp: cannot write log ", log_,
                                  ": No space left on device\n"));
  const std::string after = ReadFile(log_);
  EXPECT_EQ(after.size(), before.size()) << "the part that fitted is gone";
  EXPECT_EQ(Tail(after), Tail(before));
  EXPECT_FALSE(Exists(pid_file_)) << "a failed start leaves no pid file";
}

}  // namespace
}  // namespace daemonkit::test
