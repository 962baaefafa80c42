// Starting a supervisor's worker (src/worker_start.h), mock-driven. Fork
// returning 0 walks the worker's side in-process, up to a mock Exit that
// returns: its own process group first, its set-up as the plan says, the
// parent-death signal after the change of user, the check that its parent is
// still the supervisor, exec; each failing step reported on the pipe. Fork
// returning a pid walks the supervisor's side: end-of-file on the pipe is a
// started worker, a report a failed one, reaped.

#include "src/worker_start.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#include <climits>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "daemonkit/exit_code.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "src/after_fork_failure.h"
#include "src/credentials.h"
#include "src/daemon_setup.h"
#include "src/launch_report.h"
#include "tests/support/proc_expectations.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::ExpectStat;
using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatLine;
using ::daemonkit::test::StatusIs;
using ::testing::_;
using ::testing::AnyNumber;
using ::testing::DoAll;
using ::testing::InSequence;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr pid_t kSupervisor = 1000;
constexpr pid_t kWorker = 1001;
constexpr int kKeptFd = 5;  // A keep_fds descriptor.
constexpr int kReportRead = 7;
constexpr int kReportWrite = 8;
constexpr int kPidFd = 9;
constexpr uid_t kUser = 1234;
constexpr gid_t kGroup = 1235;
constexpr gid_t kOtherGroup = 27;

MATCHER(IsDefaultAction, "sets the default disposition") {
  return arg != nullptr && arg->sa_handler == SIG_DFL;
}

MATCHER(IsEmptySet, "is the empty signal set") {
  return arg != nullptr && sigisemptyset(arg);
}

MATCHER(IsNoCoreLimit, "is a limit of 0") {
  return arg != nullptr && arg->rlim_cur == 0 && arg->rlim_max == 0;
}

MATCHER(AreTheUsersGroups, "are the user's groups") {
  return arg != nullptr && arg[0] == kGroup && arg[1] == kOtherGroup;
}

// argv as execve(2) takes it: `expected`, then a null pointer.
MATCHER_P(ArgvIs, expected, "") {
  for (size_t i = 0; i < expected.size(); ++i) {
    if (arg[i] == nullptr || expected[i] != arg[i]) return false;
  }
  return arg[expected.size()] == nullptr;
}

// A Read action that delivers one report.
auto ReadsReport(LaunchReport report) {
  return [report](int, void* buffer, size_t size) -> SysCallSizeResult {
    EXPECT_EQ(size, sizeof report);
    memcpy(buffer, &report, sizeof report);
    return {static_cast<ssize_t>(sizeof report), 0};
  };
}

// A Write action that keeps the report written into `*written`.
auto KeepsReport(LaunchReport* written) {
  return [written](int, const void* buffer, size_t size) -> SysCallSizeResult {
    EXPECT_EQ(size, sizeof *written);
    memcpy(written, buffer, sizeof *written);
    return {static_cast<ssize_t>(size), 0};
  };
}

// The worker's steps, in their order; a walk fails at one of them.
enum class Step {
  kProcessGroup,
  kChdir,
  kSignals,
  kCloseFds,
  kCoreDumps,
  kEnvironment,
  kSetUid,
  kDeathSignal,
  kParentCheck,
  kExec,  // Every step before it succeeded.
};

// The worker's "exec next" report.
LaunchReport ExecNext() {
  LaunchReport report = {};
  report.kind = LaunchReport::kExec;
  report.pid = kWorker;
  return report;
}

// The plan the tests start workers with: every option the worker applies.
DaemonPlan WorkerPlan() {
  DaemonPlan plan;
  plan.umask = 027;
  plan.working_directory = "/srv/app";
  plan.keep = {kKeptFd};
  plan.disable_core_dumps = true;
  plan.clear_environment = true;
  plan.environment = {{"MODE", "worker"}};
  Credentials credentials;
  credentials.uid = kUser;
  credentials.gid = kGroup;
  credentials.groups = {kGroup, kOtherGroup};
  credentials.name = "app";
  plan.credentials = credentials;
  return plan;
}

class WorkerStartTest : public ::testing::Test {
 protected:
  WorkerStartTest() {
    // The supervisor's wait for each report: at once, but where a test says
    // otherwise (its own expectation, newer, comes first).
    EXPECT_CALL(os_, Poll(_, 1, _))
        .Times(AnyNumber())
        .WillRepeatedly(Return(SysCallSuccess(1)));
  }

  void ExpectPipe() {
    EXPECT_CALL(os_, Pipe(_, O_CLOEXEC))
        .WillOnce(DoAll(Invoke([](int fds[2], int) {
                          fds[0] = kReportRead;
                          fds[1] = kReportWrite;
                        }),
                        Return(SysCallSuccess())));
  }

  // Pipe, the supervisor's pid and fork returning `forked`.
  void ExpectForked(SysCallIntResult forked) {
    ExpectPipe();
    EXPECT_CALL(os_, GetPid()).WillOnce(Return(kSupervisor));
    EXPECT_CALL(os_, Fork()).WillOnce(Return(forked));
  }

  // The result of a step: failing with `error` when it is `failing`.
  static SysCallIntResult Result(Step step, Step failing, int error) {
    return step == failing ? SysCallFailure(error) : SysCallSuccess();
  }

  // The worker's side, in order, up to step `failing`, which fails with
  // `error`; then its report (kept in `*written`), Exit(`exit_status`), and
  // the close of the pipe's write end once the mock Exit returned.
  void ExpectWorker(Step failing, int error, int exit_status,
                    LaunchReport* written) {
    ExpectForked(SysCallSuccess(0));
    EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, GetPid()).WillOnce(Return(kWorker));
    ExpectSteps(failing, error);
    EXPECT_CALL(os_, SigAction(SIGPIPE, _, _))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Write(kReportWrite, _, sizeof(LaunchReport)))
        .WillOnce(Invoke(KeepsReport(written)));
    EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Exit(exit_status));
    EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  }

  void ExpectSteps(Step failing, int error) {
    EXPECT_CALL(os_, SetPgid(0, 0))
        .WillOnce(Return(Result(Step::kProcessGroup, failing, error)));
    if (failing == Step::kProcessGroup) return;
    ExpectCallersVariablesUnset();
    EXPECT_CALL(os_, Umask(027)).WillOnce(Return(022));
    EXPECT_CALL(os_, Chdir(StrEq("/srv/app")))
        .WillOnce(Return(Result(Step::kChdir, failing, error)));
    if (failing == Step::kChdir) return;
    if (failing == Step::kSignals) {
      EXPECT_CALL(os_, SigAction(1, IsDefaultAction(), nullptr))
          .WillOnce(Return(SysCallFailure(error)));
      return;
    }
    EXPECT_CALL(os_, SigAction(_, IsDefaultAction(), nullptr))
        .Times(NSIG - 3)  // Every signal from 1 but SIGKILL and SIGSTOP.
        .WillRepeatedly(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SigProcMask(SIG_SETMASK, IsEmptySet(), nullptr))
        .WillOnce(Return(SysCallSuccess()));
    // Every descriptor from 3 up but keep_fds and the report pipe's write end.
    EXPECT_CALL(os_, CloseRange(3, kKeptFd - 1, 0))
        .WillOnce(Return(Result(Step::kCloseFds, failing, error)));
    if (failing == Step::kCloseFds) return;
    EXPECT_CALL(os_, CloseRange(kKeptFd + 1, kReportWrite - 1, 0))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, CloseRange(kReportWrite + 1, UINT_MAX, 0))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SetRLimit(RLIMIT_CORE, IsNoCoreLimit()))
        .WillOnce(Return(Result(Step::kCoreDumps, failing, error)));
    if (failing == Step::kCoreDumps) return;
    EXPECT_CALL(os_, ClearEnv()).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SetEnv(StrEq("MODE"), StrEq("worker")))
        .WillOnce(Return(Result(Step::kEnvironment, failing, error)));
    if (failing == Step::kEnvironment) return;
    EXPECT_CALL(os_, GetUid()).WillOnce(Return(0));
    EXPECT_CALL(os_, GetGid()).WillOnce(Return(0));
    EXPECT_CALL(os_, SetGroups(2, AreTheUsersGroups()))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SetGid(kGroup)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SetUid(kUser))
        .WillOnce(Return(Result(Step::kSetUid, failing, error)));
    if (failing == Step::kSetUid) return;
    // Root cannot be had back.
    EXPECT_CALL(os_, SetUid(0)).WillOnce(Return(SysCallFailure(EPERM)));
    EXPECT_CALL(os_, SetGid(0)).WillOnce(Return(SysCallFailure(EPERM)));
    // After the change of user, which clears it.
    EXPECT_CALL(os_, Prctl(PR_SET_PDEATHSIG, SIGTERM))
        .WillOnce(Return(Result(Step::kDeathSignal, failing, error)));
    if (failing == Step::kDeathSignal) return;
    // The supervisor may have died before: then no signal would come.
    EXPECT_CALL(os_, GetPPid())
        .WillOnce(Return(failing == Step::kParentCheck ? 1 : kSupervisor));
    if (failing == Step::kParentCheck) return;
    ExpectExecNext();
    EXPECT_CALL(os_, ExecVe(StrEq("/usr/bin/app"), ArgvIs(argv_), environ))
        .WillOnce(Return(SysCallFailure(error)));
  }

  // "exec next" on the pipe: end-of-file after it means the exec succeeded.
  void ExpectExecNext() {
    EXPECT_CALL(os_, SigAction(SIGPIPE, _, _))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Write(kReportWrite, _, sizeof(LaunchReport)))
        .WillOnce(Invoke([](int, const void* buffer, size_t size) {
          LaunchReport report;
          memcpy(&report, buffer, sizeof report);
          EXPECT_EQ(report.kind, LaunchReport::kExec);
          EXPECT_EQ(report.pid, kWorker);
          return SysCallSizeResult{static_cast<ssize_t>(size), 0};
        }));
    EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
        .WillOnce(Return(SysCallSuccess()));
  }

  // A worker with the plainest plan (plan_ = BarePlan()), from its fork to
  // the check of its parent, all succeeding.
  void ExpectBareWorkerUpToItsExec() {
    ExpectForked(SysCallSuccess(0));
    EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, GetPid()).WillOnce(Return(kWorker));
    EXPECT_CALL(os_, SetPgid(0, 0)).WillOnce(Return(SysCallSuccess()));
    ExpectCallersVariablesUnset();
    EXPECT_CALL(os_, Umask(0)).WillOnce(Return(022));
    EXPECT_CALL(os_, Chdir(StrEq("/"))).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SigAction(_, IsDefaultAction(), nullptr))
        .Times(NSIG - 3)
        .WillRepeatedly(Return(SysCallSuccess()));
    EXPECT_CALL(os_, SigProcMask(SIG_SETMASK, IsEmptySet(), nullptr))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, CloseRange(3, kReportWrite - 1, 0))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, CloseRange(kReportWrite + 1, UINT_MAX, 0))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Prctl(PR_SET_PDEATHSIG, SIGTERM))
        .WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, GetPPid()).WillOnce(Return(kSupervisor));
  }

  // The supervisor's callers' variables, unset first.
  void ExpectCallersVariablesUnset() {
    for (const char* name :
         {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) {
      EXPECT_CALL(os_, UnsetEnv(StrEq(name)))
          .WillOnce(Return(SysCallSuccess()));
    }
  }

  // The supervisor's side: fork returned kWorker, and the pipe's write end is
  // closed before the first read (or end-of-file would never come).
  void ExpectSupervisorForked() {
    ExpectForked(SysCallSuccess(kWorker));
    EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, PidFdOpen(kWorker, 0))
        .WillOnce(Return(SysCallSuccess(kPidFd)));
  }

  StrictMock<MockOs> os_;
  DaemonPlan plan_ = WorkerPlan();
  std::vector<std::string> argv_ = {"/usr/bin/app", "--serve"};
};

TEST_F(WorkerStartTest, WorkerTakesItsGroupSetsItselfUpThenExecs) {
  InSequence in_order;
  LaunchReport written = {};
  ExpectWorker(Step::kExec, ENOENT, 127, &written);
  EXPECT_THAT(StartWorker(os_, plan_, argv_),
              StatusIs(absl::StatusCode::kAborted));  // Exit returned.
  EXPECT_EQ(written.kind, LaunchReport::kFailed);
  EXPECT_EQ(written.pid, kWorker);
  EXPECT_EQ(written.exit_code, 127);
  EXPECT_THAT(StatusFromReport(written),
              StatusIs(absl::StatusCode::kNotFound,
                       "cannot run /usr/bin/app: No such file or directory"));
}

TEST_F(WorkerStartTest, ProgramFoundButNotRunnableExits126) {
  InSequence in_order;
  LaunchReport written = {};
  ExpectWorker(Step::kExec, EACCES, 126, &written);
  StartWorker(os_, plan_, argv_).IgnoreError();
  EXPECT_EQ(written.exit_code, 126);
  EXPECT_THAT(StatusFromReport(written),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "cannot run /usr/bin/app: Permission denied"));
}

TEST_F(WorkerStartTest, ProgramWithoutASlashIsSearchedInPath) {
  plan_ = DaemonPlan();  // No keep_fds, no user, no environment.
  plan_.working_directory = "/";
  InSequence in_order;
  ExpectBareWorkerUpToItsExec();
  ExpectExecNext();
  EXPECT_CALL(os_, GetEnv(StrEq("PATH"))).WillOnce(Return("/opt/bin:/bin"));
  EXPECT_CALL(os_, ExecVe(StrEq("/opt/bin/app"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  EXPECT_CALL(os_, ExecVe(StrEq("/bin/app"), _, _))
      .WillOnce(Return(SysCallFailure(ENOENT)));
  LaunchReport written = {};
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Write(kReportWrite, _, sizeof(LaunchReport)))
      .WillOnce(Invoke(KeepsReport(&written)));
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Exit(127));
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  StartWorker(os_, plan_, {"app"}).IgnoreError();
  EXPECT_THAT(StatusFromReport(written),
              StatusIs(absl::StatusCode::kNotFound,
                       "cannot run app: No such file or directory"));
}

// A worker that cannot say "exec next" does not exec: the supervisor would
// take the end-of-file of its exec for a death. It says why, should the pipe
// take it, and exits.
TEST_F(WorkerStartTest, ExecNextThatCannotBeSaidIsNoExec) {
  plan_ = DaemonPlan();
  plan_.working_directory = "/";
  InSequence in_order;
  ExpectBareWorkerUpToItsExec();
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Write(kReportWrite, _, sizeof(LaunchReport)))
      .WillOnce(Return(SysCallSizeResult{-1, ENOSPC}));
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  LaunchReport written = {};
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, _)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Write(kReportWrite, _, sizeof(LaunchReport)))
      .WillOnce(Invoke(KeepsReport(&written)));
  EXPECT_CALL(os_, SigAction(SIGPIPE, _, nullptr))
      .WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Exit(EX_OSERR));
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  StartWorker(os_, plan_, {"app"}).IgnoreError();
  EXPECT_STREQ(written.message,
               "reporting its exec failed: No space left on device");
}

struct FailingStep {
  Step step;
  int error;
  const char* message;  // What the supervisor is told.
  std::string name;
};

std::ostream& operator<<(std::ostream& out, const FailingStep& failing) {
  return out << failing.name;
}

class WorkerStepTest : public WorkerStartTest,
                       public ::testing::WithParamInterface<FailingStep> {};

TEST_P(WorkerStepTest, IsReportedOnThePipeThenTheWorkerExits) {
  InSequence in_order;
  LaunchReport written = {};
  ExpectWorker(GetParam().step, GetParam().error, EX_OSERR, &written);
  EXPECT_THAT(StartWorker(os_, plan_, argv_),
              StatusIs(absl::StatusCode::kAborted));  // Exit returned.
  EXPECT_EQ(written.kind, LaunchReport::kFailed);
  EXPECT_EQ(written.pid, kWorker);
  EXPECT_EQ(written.exit_code, EX_OSERR);
  EXPECT_STREQ(written.message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, WorkerStepTest,
    ::testing::Values(
        FailingStep{Step::kProcessGroup, EPERM,
                    "making a process group failed: Operation not permitted",
                    "ProcessGroup"},
        FailingStep{Step::kChdir, ENOENT,
                    "chdir to /srv/app failed: No such file or directory",
                    "Chdir"},
        FailingStep{Step::kSignals, EFAULT,
                    "resetting signal dispositions failed: Bad address",
                    "Signals"},
        FailingStep{Step::kCloseFds, EINVAL,
                    "closing inherited descriptors failed: Invalid argument",
                    "CloseFds"},
        FailingStep{Step::kCoreDumps, EPERM,
                    "disabling core dumps failed: Operation not permitted",
                    "CoreDumps"},
        FailingStep{Step::kEnvironment, ENOMEM,
                    "setting MODE failed: Cannot allocate memory",
                    "Environment"},
        FailingStep{Step::kSetUid, EAGAIN,
                    "setuid failed: Resource temporarily unavailable",
                    "SetUid"},
        FailingStep{Step::kDeathSignal, EINVAL,
                    "asking for a signal at the supervisor's death failed: "
                    "Invalid argument",
                    "DeathSignal"},
        // The supervisor died before the worker asked: its parent is init.
        FailingStep{Step::kParentCheck, 0,
                    "asking for a signal at the supervisor's death failed: "
                    "No such process",
                    "ParentCheck"}),
    [](const ::testing::TestParamInfo<FailingStep>& info) {
      return info.param.name;
    });

TEST_F(WorkerStartTest, EndOfFileAfterExecNextMeansTheExecSucceeded) {
  InSequence in_order;
  ExpectSupervisorForked();
  EXPECT_CALL(os_, Read(kReportRead, _, sizeof(LaunchReport)))
      .WillOnce(Invoke(ReadsReport(ExecNext())))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  ASSERT_THAT(started, IsOk());
  EXPECT_EQ(started->pid, kWorker);
  EXPECT_EQ(started->pidfd.get(), kPidFd);
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
}

// A worker stopped before its exec (^Z on the terminal it took, SIGSTOP
// from its own user) is continued, not waited for while it stays stopped.
TEST_F(WorkerStartTest, AWorkerStoppedBeforeItsExecIsContinued) {
  ExpectSupervisorForked();
  {
    InSequence in_order;
    EXPECT_CALL(os_, Poll(_, 1, _))
        .WillOnce(Return(SysCallSuccess(0)))
        .RetiresOnSaturation();
    ExpectStat(os_, kWorker,
               StatLine({kWorker, 'T', kSupervisor, kWorker, kWorker, 100}));
    EXPECT_CALL(os_, Kill(kWorker, SIGCONT)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, Poll(_, 1, _))
        .WillOnce(Return(SysCallSuccess(1)))
        .RetiresOnSaturation();
    EXPECT_CALL(os_, Read(kReportRead, _, sizeof(LaunchReport)))
        .WillOnce(Invoke(ReadsReport(ExecNext())))
        .WillOnce(Return(SysCallSizeResult{0, 0}));
  }
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  ASSERT_THAT(started, IsOk());
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
}

// A worker killed between its fork and its exec (the OOM killer, a signal
// once its own were reset) reports nothing: that is no start.
TEST_F(WorkerStartTest, EndOfFileWithoutExecNextIsAWorkerKilledBeforeItsExec) {
  InSequence in_order;
  ExpectSupervisorForked();
  EXPECT_CALL(os_, Read(kReportRead, _, sizeof(LaunchReport)))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os_, WaitPid(kWorker, _, 0))
      .WillOnce(
          DoAll(SetArgPointee<1>(SIGKILL), Return(SysCallSuccess(kWorker))));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  EXPECT_THAT(started, StatusIs(absl::StatusCode::kAborted,
                                "the worker (pid 1001) ended before its exec: "
                                "killed by signal 9 (Killed)"));
  EXPECT_THAT(started, HasExitCode(EX_SOFTWARE));
}

TEST_F(WorkerStartTest, AFailedExecIsReturnedAndTheWorkerReaped) {
  InSequence in_order;
  ExpectSupervisorForked();
  const absl::Status cannot_run =
      absl::NotFoundError("cannot run /usr/bin/app: No such file or directory");
  EXPECT_CALL(os_, Read(kReportRead, _, sizeof(LaunchReport)))
      .WillOnce(Invoke(ReadsReport(StatusReport(kWorker, cannot_run, 127))));
  EXPECT_CALL(os_, WaitPid(kWorker, _, 0))
      .WillOnce(Return(SysCallFailure(EINTR)))
      .WillOnce(Return(SysCallSuccess(kWorker)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  EXPECT_THAT(started,
              StatusIs(absl::StatusCode::kNotFound,
                       "cannot run /usr/bin/app: No such file or directory"));
  EXPECT_THAT(started, HasExitCode(127));
}

TEST_F(WorkerStartTest, AFailedStepIsReturnedAndTheWorkerReaped) {
  InSequence in_order;
  ExpectSupervisorForked();
  EXPECT_CALL(os_, Read(kReportRead, _, sizeof(LaunchReport)))
      .WillOnce(Invoke(ReadsReport(
          AfterForkFailureReport(kWorker, {"chdir to", "/srv/app", ENOENT}))));
  EXPECT_CALL(os_, WaitPid(kWorker, _, 0))
      .WillOnce(Return(SysCallSuccess(kWorker)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  EXPECT_THAT(started,
              StatusIs(absl::StatusCode::kNotFound,
                       "chdir to /srv/app failed: No such file or directory"));
  EXPECT_THAT(started, HasExitCode(EX_OSERR));
}

TEST_F(WorkerStartTest, AReportThatCannotBeReadKillsAndReapsTheWorker) {
  InSequence in_order;
  ExpectSupervisorForked();
  EXPECT_CALL(os_, Read(kReportRead, _, sizeof(LaunchReport)))
      .WillOnce(Return(SysCallSizeResult{-1, EIO}));
  EXPECT_CALL(os_, Kill(kWorker, SIGKILL)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, WaitPid(kWorker, _, 0))
      .WillOnce(Return(SysCallSuccess(kWorker)));
  EXPECT_CALL(os_, Close(kPidFd)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  EXPECT_THAT(started, StatusIs(absl::StatusCode::kUnknown,
                                "reading the worker's report failed: "
                                "Input/output error"));
  EXPECT_THAT(started, HasExitCode(EX_OSERR));
}

TEST_F(WorkerStartTest, AWorkerWithoutAPidFdIsKilledAndReaped) {
  InSequence in_order;
  ExpectForked(SysCallSuccess(kWorker));
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, PidFdOpen(kWorker, 0))
      .WillOnce(Return(SysCallFailure(EMFILE)));
  EXPECT_CALL(os_, Read(kReportRead, _, sizeof(LaunchReport)))
      .WillOnce(Invoke(ReadsReport(ExecNext())))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os_, Kill(kWorker, SIGKILL)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, WaitPid(kWorker, _, 0))
      .WillOnce(Return(SysCallSuccess(kWorker)));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  EXPECT_THAT(started, StatusIs(absl::StatusCode::kResourceExhausted,
                                "opening a pidfd for worker 1001 failed: Too "
                                "many open files"));
  EXPECT_THAT(started, HasExitCode(EX_OSERR));
}

TEST_F(WorkerStartTest, AFailedForkIsNamed) {
  InSequence in_order;
  ExpectForked(SysCallFailure(EAGAIN));
  EXPECT_CALL(os_, Close(kReportWrite)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os_, Close(kReportRead)).WillOnce(Return(SysCallSuccess()));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  EXPECT_THAT(started, StatusIs(absl::StatusCode::kUnavailable,
                                "forking the worker failed: Resource "
                                "temporarily unavailable"));
  EXPECT_THAT(started, HasExitCode(EX_OSERR));
}

TEST_F(WorkerStartTest, AFailedPipeIsNamed) {
  EXPECT_CALL(os_, Pipe(_, O_CLOEXEC)).WillOnce(Return(SysCallFailure(EMFILE)));
  absl::StatusOr<StartedWorker> started = StartWorker(os_, plan_, argv_);
  EXPECT_THAT(started, StatusIs(absl::StatusCode::kResourceExhausted,
                                "making the worker's report pipe failed: Too "
                                "many open files"));
  EXPECT_THAT(started, HasExitCode(EX_OSERR));
}

}  // namespace
}  // namespace daemonkit::internal
