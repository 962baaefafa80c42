#include "heartbeat.h"

#include <errno.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/mock_os.h"

namespace consumer {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;

TEST(HeartbeatTest, WritesOneWholeLine) {
  StrictMock<daemonkit::MockOs> os;
  std::string written;
  EXPECT_CALL(os, Write(7, _, _))
      .WillOnce(Invoke([&](int, const void* data, size_t size) {
        written.assign(static_cast<const char*>(data), size);
        return daemonkit::SysCallSizeResult{static_cast<ssize_t>(size), 0};
      }));
  EXPECT_TRUE(Beat(os, 7, 3).ok());
  EXPECT_EQ(written, "beat 3\n");
}

TEST(HeartbeatTest, AFailedWriteCarriesItsErrno) {
  StrictMock<daemonkit::MockOs> os;
  EXPECT_CALL(os, Write(7, _, _))
      .WillOnce(Return(daemonkit::SysCallSizeResult{-1, ENOSPC}));
  EXPECT_EQ(Beat(os, 7, 3).message(), "beat: No space left on device");
}

}  // namespace
}  // namespace consumer
