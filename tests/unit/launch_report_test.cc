// The launch report: what crosses the readiness pipe, and how it reads back.

#include "src/launch_report.h"

#include <errno.h>
#include <sysexits.h>
#include <unistd.h>

#include <string>

#include "daemonkit/exit_code.h"
#include "daemonkit/posix_os.h"
#include "gtest/gtest.h"
#include "src/after_fork_failure.h"
#include "src/errno_status.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::HasExitCode;
TEST(LaunchReportTest, StepFailureNamesStepSubjectAndErrno) {
  const LaunchReport report =
      AfterForkFailureReport(7, {"chdir to", "/srv", EACCES});
  EXPECT_EQ(report.kind, LaunchReport::kFailed);
  EXPECT_EQ(report.pid, 7);
  const absl::Status status = StatusFromReport(report);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(), "chdir to /srv failed: Permission denied");
  EXPECT_THAT(status, HasExitCode(EX_OSERR));
  EXPECT_EQ(ErrnoStatus("setsid", EPERM, EX_OSERR).message(),
            "setsid failed: Operation not permitted");
}

TEST(LaunchReportTest, StepFailureWithAReasonIsAFailedPrecondition) {
  const LaunchReport report = AfterForkFailureReport(
      7, {"dropping privileges", nullptr, 0, "the old user id came back"});
  const absl::Status status = StatusFromReport(report);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "dropping privileges failed: the old user id came back");
  EXPECT_THAT(status, HasExitCode(EX_OSERR));
}

TEST(LaunchReportTest, LongMessagesAreTruncatedNotOverrun) {
  const std::string long_message(2000, 'x');
  const LaunchReport report =
      StatusReport(1, absl::UnknownError(long_message), EX_SOFTWARE);
  const absl::Status status = StatusFromReport(report);
  EXPECT_EQ(status.message(),
            long_message.substr(0, sizeof(report.message) - 1));
}

TEST(LaunchReportTest, OkCodeFromTheWireStillReadsAsAFailure) {
  LaunchReport report = StatusReport(1, absl::UnknownError("x"), 1);
  report.status_code = 0;
  EXPECT_FALSE(StatusFromReport(report).ok());
}

TEST(LaunchReportTest, RoundTripsThroughARealPipe) {
  Os& os = PosixOs::Default();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const LaunchReport sent =
      StatusReport(42, absl::NotFoundError("no config"), EX_CONFIG);
  EXPECT_EQ(WriteReport(os, fds[1], sent).value,
            static_cast<ssize_t>(sizeof sent));
  close(fds[1]);
  LaunchReport received;
  EXPECT_EQ(ReadReport(os, fds[0], &received).value,
            static_cast<ssize_t>(sizeof received));
  EXPECT_EQ(received.pid, 42);
  EXPECT_EQ(StatusFromReport(received).message(), "no config");
  EXPECT_EQ(ReadReport(os, fds[0], &received).value, 0) << "end-of-file";
  close(fds[0]);
}

TEST(LaunchReportTest, WritingToAClosedPipeFailsInsteadOfKilling) {
  Os& os = PosixOs::Default();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  EXPECT_EQ(WriteReport(os, fds[1], StatusReport(1, absl::UnknownError("x"), 1))
                .error,
            EPIPE);
  close(fds[1]);
}

}  // namespace
}  // namespace daemonkit::internal
