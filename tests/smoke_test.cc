#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
TEST(Smoke, Works) { absl::StatusOr<int> s = absl::ErrnoToStatus(EAGAIN, "x"); EXPECT_EQ(s.status().message(), "x: Resource temporarily unavailable"); }
