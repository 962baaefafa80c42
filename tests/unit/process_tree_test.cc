// The process tree from /proc, mock-driven: stat lines with hostile command
// names, processes that vanish or cannot be parsed mid-scan, and the walk from
// one process down to all of its descendants.

#include "src/process_tree.h"

#include <errno.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/proc_expectations.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::ExpectProcesses;
using ::daemonkit::test::ExpectProcListing;
using ::daemonkit::test::ExpectStat;
using ::daemonkit::test::StatLine;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::Return;
using ::testing::StrEq;
using ::testing::StrictMock;
using ::testing::Values;

constexpr pid_t kRoot = 10;

// A process of pid `pid`, child of `ppid`, started at tick pid * 100.
ProcessStat Process(pid_t pid, pid_t ppid, char state = 'S') {
  return {pid, state, ppid, pid, 5, static_cast<unsigned long long>(pid) * 100};
}

// (pid, start_ticks) pairs, which gMock prints readably.
std::vector<std::pair<pid_t, unsigned long long>> Pairs(
    const std::vector<ProcessId>& processes) {
  std::vector<std::pair<pid_t, unsigned long long>> pairs;
  for (const ProcessId& process : processes) {
    pairs.emplace_back(process.pid, process.start_ticks);
  }
  return pairs;
}

// The pids of `processes`, in order.
std::vector<pid_t> Pids(const std::vector<ProcessId>& processes) {
  std::vector<pid_t> pids;
  for (const ProcessId& process : processes) pids.push_back(process.pid);
  return pids;
}

// A line ReadProcessStat(42) takes.
std::string GoodLine() { return StatLine({42, 'S', 7, 40, 30, 5049353}); }

// GoodLine() with `from` replaced by `to` (a `from` it lacks leaves it good,
// which the tests that expect a bad line would catch).
std::string Mutated(const std::string& from, const std::string& to) {
  return absl::StrReplaceAll(GoodLine(), {{from, to}});
}

// GoodLine() up to the end of `end`, as a read cut short would leave it.
std::string CutAfter(const std::string& end) {
  return GoodLine().substr(0, GoodLine().find(end) + end.size());
}

TEST(ReadProcessStatTest, ReadsTheFieldsOfAStatLine) {
  StrictMock<MockOs> os;
  ExpectStat(os, 42, Mutated(") S ", ") T "));
  const std::optional<ProcessStat> stat = ReadProcessStat(os, 42);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->pid, 42);
  EXPECT_EQ(stat->state, 'T');
  EXPECT_EQ(stat->ppid, 7);
  EXPECT_EQ(stat->pgrp, 40);
  EXPECT_EQ(stat->session, 30);
  EXPECT_EQ(stat->start_ticks, 5049353u);
}

TEST(ReadProcessStatTest, TheLargestStartTimeFits) {
  StrictMock<MockOs> os;
  ExpectStat(os, 42, StatLine({42, 'S', 7, 40, 30, 18446744073709551615u}));
  const std::optional<ProcessStat> stat = ReadProcessStat(os, 42);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->start_ticks, 18446744073709551615u);
}

// Any name prctl(PR_SET_NAME) can set: the fields are those after the last
// ')', not after the first, nor on the first line.
class HostileNameTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileNameTest, TheFieldsAfterTheNameAreRead) {
  StrictMock<MockOs> os;
  ExpectStat(os, 42, StatLine({42, 'S', 7, 40, 30, 99}, GetParam()));
  const std::optional<ProcessStat> stat = ReadProcessStat(os, 42);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 7);
  EXPECT_EQ(stat->pgrp, 40);
  EXPECT_EQ(stat->session, 30);
  EXPECT_EQ(stat->start_ticks, 99u);
}

INSTANTIATE_TEST_SUITE_P(
    Names, HostileNameTest,
    Values(") S 1 ", ") Z 1 1 1 1", "a) X 2 (b", ")", "(", "", "  ",
           "two\n) Z 3 lines", "42 (x) R 1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"));

// Lines that must not be taken for a process's: nothing in them can be
// trusted.
class MalformedStatTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedStatTest, IsNoProcess) {
  StrictMock<MockOs> os;
  ExpectStat(os, 42, GetParam());
  EXPECT_EQ(ReadProcessStat(os, 42), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, MalformedStatTest,
    Values("", "\n", "42", "42 (sleep", "42 (sleep) ", "42 sleep) S 7 40 30 ",
           // Another process's line, or no pid at all.
           Mutated("42 (", "43 ("), Mutated("42 (", "x ("),
           // No space after the name; a state of two letters; a parent that
           // is no number.
           Mutated(") S", ")S"), Mutated(") S ", ") SS "),
           Mutated(") S 7 ", ") S x "),
           // Cut short inside field 22 (the start time), or before it.
           CutAfter(" 504"), CutAfter(" 5049353"), CutAfter(") S 7 40 30")));

TEST(ReadProcessStatTest, AProcessGoneIsNone) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, Open(StrEq("/proc/42/stat"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_EQ(ReadProcessStat(os, 42), std::nullopt);
}

TEST(ReadProcessStatTest, AProcessReapedAfterTheOpenIsNone) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, Open(StrEq("/proc/42/stat"), _, _))
      .WillOnce(Return(SysCallSuccess(70)));
  EXPECT_CALL(os, Read(70, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, ESRCH}));
  EXPECT_CALL(os, Close(70)).WillOnce(Return(SysCallSuccess()));
  EXPECT_EQ(ReadProcessStat(os, 42), std::nullopt);
}

TEST(DescendantsTest, ParentsComeBeforeChildrenWhateverTheirPids) {
  // Pids wrapped around: each child has a smaller pid than its parent, so
  // /proc lists the great-grandchild first.
  StrictMock<MockOs> os;
  ExpectProcesses(os, {Process(kRoot, 1), Process(15, 20), Process(20, 30),
                       Process(30, kRoot)});
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Pairs(*found),
              ElementsAre(Pair(30, 3000u), Pair(20, 2000u), Pair(15, 1500u)));
}

TEST(DescendantsTest, OnlyDescendantsAreFoundZombiesIncluded) {
  // 1 is root's parent; 14 and its child 15 are bystanders.
  StrictMock<MockOs> os;
  ExpectProcesses(os, {Process(1, 0), Process(kRoot, 1), Process(11, kRoot),
                       Process(12, kRoot, 'Z'), Process(13, 11), Process(14, 1),
                       Process(15, 14)});
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Pids(*found), ElementsAre(11, 12, 13));
}

TEST(DescendantsTest, AProcessWithoutChildrenHasNoDescendants) {
  StrictMock<MockOs> os;
  ExpectProcesses(os, {Process(1, 0), Process(kRoot, 1), Process(11, 1)});
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ElementsAre());
}

TEST(DescendantsTest, ProcessesThatVanishDuringTheScanAreSkipped) {
  // 12 is gone before its stat is opened, 13 between the open and the read.
  StrictMock<MockOs> os;
  ExpectProcListing(os, {kRoot, 11, 12, 13, 14});
  ExpectStat(os, kRoot, StatLine(Process(kRoot, 1)));
  ExpectStat(os, 11, StatLine(Process(11, kRoot)));
  EXPECT_CALL(os, Open(StrEq("/proc/12/stat"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_CALL(os, Open(StrEq("/proc/13/stat"), _, _))
      .WillOnce(Return(SysCallSuccess(70)));
  EXPECT_CALL(os, Read(70, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, ESRCH}));
  EXPECT_CALL(os, Close(70)).WillOnce(Return(SysCallSuccess()));
  ExpectStat(os, 14, StatLine(Process(14, kRoot)));
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Pids(*found), ElementsAre(11, 14));
}

TEST(DescendantsTest, AMalformedStatIsSkipped) {
  StrictMock<MockOs> os;
  ExpectProcListing(os, {kRoot, 11, 12});
  ExpectStat(os, kRoot, StatLine(Process(kRoot, 1)));
  ExpectStat(os, 11, "11 (cut) S 10 11");
  ExpectStat(os, 12, StatLine(Process(12, kRoot)));
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Pids(*found), ElementsAre(12));
}

TEST(DescendantsTest, RootsPidReusedBelowItEndsTheWalk) {
  // Root exited during the scan and a child of its child 11 took its pid:
  // the walk must neither list root nor go round for ever.
  StrictMock<MockOs> os;
  ExpectProcesses(os, {Process(kRoot, 11), Process(11, kRoot)});
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Pids(*found), ElementsAre(11));
}

TEST(DescendantsTest, ProcThatCannotBeOpenedFails) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, Open(StrEq("/proc"), _, _))
      .WillOnce(Return(SysCallFailure(EACCES)));
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(found.status().message(), HasSubstr("opening /proc"));
}

TEST(DescendantsTest, ProcThatCannotBeListedFails) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, Open(StrEq("/proc"), _, _))
      .WillOnce(Return(SysCallSuccess(60)));
  EXPECT_CALL(os, GetDents(60, _, _))
      .WillOnce(Return(SysCallSizeResult{-1, EIO}));
  EXPECT_CALL(os, Close(60)).WillOnce(Return(SysCallSuccess()));
  const absl::StatusOr<std::vector<ProcessId>> found = Descendants(os, kRoot);
  EXPECT_FALSE(found.ok());
  EXPECT_THAT(found.status().message(), HasSubstr("listing /proc"));
}

// StillRunning for a process in a given state, started at tick 1100.
class StillRunningStateTest
    : public ::testing::TestWithParam<std::pair<char, bool>> {};

TEST_P(StillRunningStateTest, OnlyALivingProcessRuns) {
  const auto [state, runs] = GetParam();
  StrictMock<MockOs> os;
  ExpectStat(os, 11, StatLine(Process(11, kRoot, state)));
  EXPECT_EQ(StillRunning(os, {11, 1100}), runs) << "state " << state;
}

INSTANTIATE_TEST_SUITE_P(States, StillRunningStateTest,
                         Values(std::pair('R', true), std::pair('S', true),
                                std::pair('D', true), std::pair('T', true),
                                std::pair('t', true), std::pair('I', true),
                                std::pair('Z', false), std::pair('X', false)));

TEST(StillRunningTest, AnotherProcessWithItsPidIsNotIt) {
  StrictMock<MockOs> os;
  ExpectStat(os, 11, StatLine(Process(11, kRoot)));
  EXPECT_FALSE(StillRunning(os, {11, 1099}));
}

TEST(StillRunningTest, AProcessGoneDoesNotRun) {
  StrictMock<MockOs> os;
  EXPECT_CALL(os, Open(StrEq("/proc/11/stat"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_FALSE(StillRunning(os, {11, 1100}));
}

TEST(ProcessIdTest, PidAndStartTimeTogetherNameAProcess) {
  EXPECT_EQ((ProcessId{11, 1100}), (ProcessId{11, 1100}));
  EXPECT_NE((ProcessId{11, 1100}), (ProcessId{11, 1101}));
  EXPECT_NE((ProcessId{11, 1100}), (ProcessId{12, 1100}));
}

}  // namespace
}  // namespace daemonkit::internal
