// OsWrapper, the base of decorators: every Os call, expanded from
// os_call_list.h, reaches the wrapped Os with its arguments unchanged and
// brings its result back.

#include "daemonkit/os_wrapper.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"
#include "tests/support/forwarded_call.h"

namespace daemonkit {
namespace {

using ::daemonkit::test::CallAndExpectTargetsResult;
using ::daemonkit::test::DistinctArguments;
using ::daemonkit::test::ReturnsIfCalledWith;
using ::testing::StrictMock;

TEST(OsWrapperTest, TargetIsTheWrappedOs) {
  StrictMock<MockOs> target;
  const OsWrapper wrapper(target);
  EXPECT_EQ(&wrapper.target(), &target);
}

// A test per call: Forwards<Call>WithItsArgumentsAndResult. The target is a
// strict mock, so a call that reached it twice, or reached another method,
// fails too.
#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments)             \
  TEST(OsWrapperTest, Forwards##Name##WithItsArgumentsAndResult) {         \
    StrictMock<MockOs> target;                                             \
    OsWrapper wrapper(target);                                             \
    const auto sent = DistinctArguments(&Os::Name);                        \
    EXPECT_CALL(target, Name).WillOnce(ReturnsIfCalledWith<Result>(sent)); \
    CallAndExpectTargetsResult(wrapper, &Os::Name, sent);                  \
  }
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL

}  // namespace
}  // namespace daemonkit
