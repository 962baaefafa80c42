// JobControl (src/job_control.h) against a MockOs: the terminal goes to the
// program only when this process's group held it, comes back only from the
// program, and an init that is PID 1 never stops.

#include "src/job_control.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace daemonkit::internal {
namespace {

using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;

constexpr pid_t kInit = 40;     // The supervisor, leader of its group.
constexpr pid_t kProgram = 41;  // The worker, leader of its own.
constexpr pid_t kShell = 30;    // The group of the shell that started it.

class JobControlTest : public ::testing::Test {
 protected:
  // Start(), with the terminal's foreground group `foreground`.
  void StartWithForeground(SysCallIntResult foreground) {
    EXPECT_CALL(os_, TcGetPgrp(STDIN_FILENO)).WillOnce(Return(foreground));
    if (foreground.ok()) EXPECT_CALL(os_, GetPgrp()).WillOnce(Return(kInit));
    job_control_.Start();
  }

  // The program stopped while the terminal's foreground was `foreground`:
  // this process, not PID 1, takes the terminal back if the program had it,
  // and stops.
  void ExpectStop(pid_t foreground) {
    InSequence in_order;
    EXPECT_CALL(os_, GetPid()).WillOnce(Return(kInit));
    EXPECT_CALL(os_, TcGetPgrp(STDIN_FILENO))
        .WillOnce(Return(SysCallSuccess(foreground)));
    if (foreground == kProgram) {
      EXPECT_CALL(os_, GetPgrp()).WillOnce(Return(kInit));
      EXPECT_CALL(os_, TcSetPgrp(STDIN_FILENO, kInit))
          .WillOnce(Return(SysCallSuccess()));
    }
    EXPECT_CALL(os_, GetPid()).WillOnce(Return(kInit));
    EXPECT_CALL(os_, Kill(kInit, SIGSTOP)).WillOnce(Return(SysCallSuccess()));
  }

  StrictMock<MockOs> os_;
  JobControl job_control_{os_};
};

TEST_F(JobControlTest, NoTerminalOnStdinNoJobControl) {
  StartWithForeground(SysCallFailure(ENOTTY));
  EXPECT_FALSE(job_control_.has_terminal());
  job_control_.ProgramStopped(kProgram);  // No call: StrictMock.
}

TEST_F(JobControlTest, ATerminalWhoseForegroundIsAnotherGroupIsNotTaken) {
  EXPECT_CALL(os_, TcGetPgrp(STDIN_FILENO))
      .WillOnce(Return(SysCallSuccess(kShell)));
  EXPECT_CALL(os_, GetPgrp()).WillOnce(Return(kInit));
  job_control_.Start();  // Started in the background (`daemonize ... &`).
  EXPECT_FALSE(job_control_.has_terminal());
}

TEST_F(JobControlTest, AsPidOneItNeverStops) {
  StartWithForeground(SysCallSuccess(kInit));
  ASSERT_TRUE(job_control_.has_terminal());
  EXPECT_CALL(os_, GetPid()).WillOnce(Return(1));
  job_control_.ProgramStopped(kProgram);
  job_control_.Continuing(kProgram);  // Never stopped: nothing to give back.
}

TEST_F(JobControlTest, ASuspendedProgramGivesTheTerminalBackAndFgReturnsIt) {
  StartWithForeground(SysCallSuccess(kInit));
  ExpectStop(kProgram);
  job_control_.ProgramStopped(kProgram);
  ::testing::Mock::VerifyAndClearExpectations(&os_);
  // fg: the shell gave this process's group the terminal, and SIGCONT.
  InSequence in_order;
  EXPECT_CALL(os_, TcGetPgrp(STDIN_FILENO))
      .WillOnce(Return(SysCallSuccess(kInit)));
  EXPECT_CALL(os_, GetPgrp()).WillOnce(Return(kInit));
  EXPECT_CALL(os_, TcSetPgrp(STDIN_FILENO, kProgram))
      .WillOnce(Return(SysCallSuccess()));
  job_control_.Continuing(kProgram);
  job_control_.Continuing(kProgram);  // A second SIGCONT: nothing more.
}

// After a shell's bg the shell keeps the terminal: it is never taken from it,
// neither when the program is continued nor when it stops again (reading
// the terminal from the background).
TEST_F(JobControlTest, AfterBgTheShellKeepsTheTerminal) {
  StartWithForeground(SysCallSuccess(kInit));
  ExpectStop(kProgram);
  job_control_.ProgramStopped(kProgram);
  ::testing::Mock::VerifyAndClearExpectations(&os_);
  EXPECT_CALL(os_, TcGetPgrp(STDIN_FILENO))
      .WillOnce(Return(SysCallSuccess(kShell)));
  EXPECT_CALL(os_, GetPgrp()).WillOnce(Return(kInit));
  job_control_.Continuing(kProgram);
  ::testing::Mock::VerifyAndClearExpectations(&os_);
  ExpectStop(kShell);
  job_control_.ProgramStopped(kProgram);
}

}  // namespace
}  // namespace daemonkit::internal
