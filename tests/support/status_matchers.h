// gMock matchers for absl::Status and absl::StatusOr<T> (Abseil 20220623 has
// none), so that a test says what it expects in one line:
//
//   EXPECT_THAT(Detach(options, os), StatusIs(absl::StatusCode::kNotFound,
//                                             "opening ... failed: ..."));
//   EXPECT_THAT(Detach(options, os), HasExitCode(EX_USAGE));
//   EXPECT_THAT(Detach(options, os), HasMessage(HasSubstr("umask")));
//   EXPECT_THAT(daemon->Ready(), IsOk());
#ifndef DAEMONKIT_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define DAEMONKIT_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemonkit/exit_code.h"
#include "gmock/gmock.h"

namespace daemonkit::test {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is ok") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.ok();
}

// The status's code is `code`.
MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code;
}

// The status's code is `code` and its message matches `message` (a string
// or a matcher such as HasSubstr).
MATCHER_P2(StatusIs, code, message,
           "has status code " + absl::StatusCodeToString(code) +
               " and a message that " +
               ::testing::DescribeMatcher<const std::string&>(message)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::Matches(::testing::MatcherCast<const std::string&>(
             message))(std::string(status.message()));
}

// The status's message matches `message` (a string or a matcher).
MATCHER_P(HasMessage, message,
          "has a message that " +
              ::testing::DescribeMatcher<const std::string&>(message)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status;
  return ::testing::Matches(::testing::MatcherCast<const std::string&>(
      message))(std::string(status.message()));
}

// The exit code (sysexits.h) a launcher would exit with is `code`.
MATCHER_P(HasExitCode, code,
          "has exit code " + ::testing::PrintToString(code)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "whose status is " << status << ", exit code "
                   << ExitCodeOf(status);
  return ExitCodeOf(status) == code;
}

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_SUPPORT_STATUS_MATCHERS_H_
