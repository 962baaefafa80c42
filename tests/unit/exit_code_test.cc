#include "daemonkit/exit_code.h"

#include <sysexits.h>

#include "gtest/gtest.h"

namespace daemonkit {
namespace {

TEST(ExitCodeTest, OkIsZero) {
  EXPECT_EQ(ExitCodeOf(absl::OkStatus()), 0);
  EXPECT_TRUE(WithExitCode(absl::OkStatus(), EX_OSERR).ok());
}

TEST(ExitCodeTest, AttachedCodeWins) {
  const absl::Status status =
      WithExitCode(absl::InvalidArgumentError("bad"), EX_CANTCREAT);
  EXPECT_EQ(ExitCodeOf(status), EX_CANTCREAT);
  EXPECT_EQ(status.message(), "bad");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExitCodeTest, DerivedFromTheCodeWhenNoneIsAttached) {
  EXPECT_EQ(ExitCodeOf(absl::InvalidArgumentError("bad flag")), EX_USAGE);
  EXPECT_EQ(ExitCodeOf(absl::InternalError("bug")), EX_SOFTWARE);
}

}  // namespace
}  // namespace daemonkit
