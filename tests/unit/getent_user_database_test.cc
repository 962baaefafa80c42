// The getent lookups: the same answers as glibc's own for the same keys (this
// test is linked dynamically), every step of running getent through Os, and
// every one of those steps failing.
#include "src/getent_user_database.h"

#include <errno.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "daemonkit/posix_os.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/fault_injecting_os.h"
#include "mocks/mock_os.h"
#include "src/nss_user_database.h"
#include "tests/support/proc_view.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::OpenFds;
using ::testing::_;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;
using ::testing::StrictMock;

constexpr char kUnknownUser[] = "daemonkit-no-such-user";

class GetentUserDatabaseTest : public ::testing::Test {
 protected:
  GetentUserDatabase getent_{PosixOs::Default()};
  NssUserDatabase glibc_;
};

TEST_F(GetentUserDatabaseTest, ThisTestIsLinkedDynamically) {
  EXPECT_FALSE(LinkedStatically());
}

TEST_F(GetentUserDatabaseTest, UserByNameAndByIdAsGlibcHasIt) {
  for (const std::string name : {"root", "nobody", "daemon"}) {
    const LookupResult<UserEntry> expected = glibc_.UserByName(name);
    ASSERT_TRUE(expected.found.has_value()) << name;
    const uid_t uid = expected.found->uid;
    for (const LookupResult<UserEntry>& found :
         {getent_.UserByName(name), getent_.UserById(uid),
          glibc_.UserById(uid)}) {
      ASSERT_TRUE(found.found.has_value()) << name << ": " << found.error;
      EXPECT_EQ(found.found->name, expected.found->name);
      EXPECT_EQ(found.found->uid, expected.found->uid);
      EXPECT_EQ(found.found->gid, expected.found->gid);
    }
  }
}

TEST_F(GetentUserDatabaseTest, UnknownUserIsNotFoundWithoutError) {
  for (const std::string key : {kUnknownUser, "-x", "4000000000"}) {
    const LookupResult<UserEntry> found = getent_.UserByName(key);
    EXPECT_FALSE(found.found.has_value()) << key;
    EXPECT_EQ(found.error, 0) << key;
  }
  EXPECT_FALSE(getent_.UserById(4000000000u).found.has_value());
  EXPECT_FALSE(glibc_.UserById(4000000000u).found.has_value());
  EXPECT_EQ(glibc_.UserById(4000000000u).error, 0);
  EXPECT_FALSE(glibc_.UserByName(kUnknownUser).found.has_value());
  EXPECT_EQ(glibc_.UserByName(kUnknownUser).error, 0);
}

TEST_F(GetentUserDatabaseTest, EveryGroupAsGlibcHasIt) {
  setgrent();
  int compared = 0;
  while (struct group* expected = getgrent()) {
    const std::string name = expected->gr_name;
    const gid_t gid = expected->gr_gid;
    for (const LookupResult<GroupEntry>& found :
         {getent_.GroupByName(name), glibc_.GroupByName(name)}) {
      ASSERT_TRUE(found.found.has_value()) << name << ": " << found.error;
      EXPECT_EQ(found.found->name, name);
      EXPECT_EQ(found.found->gid, gid);
    }
    ++compared;
  }
  endgrent();
  EXPECT_GT(compared, 0);
  EXPECT_FALSE(getent_.GroupByName("daemonkit-no-such-group").found);
  EXPECT_FALSE(glibc_.GroupByName("daemonkit-no-such-group").found);
}

TEST_F(GetentUserDatabaseTest, GroupsOfAsGetgrouplistHasThem) {
  for (const char* user : {"root", "nobody", kUnknownUser}) {
    gid_t expected[64];
    int count = 64;
    ASSERT_GE(getgrouplist(user, 12345, expected, &count), 0);
    const std::vector<gid_t> want(expected, expected + count);
    for (const LookupResult<std::vector<gid_t>>& listed :
         {getent_.GroupsOf(user, 12345), glibc_.GroupsOf(user, 12345)}) {
      ASSERT_TRUE(listed.found.has_value()) << user << ": " << listed.error;
      EXPECT_EQ(*listed.found, want) << user;
    }
  }
}

// The child's side, walked in-process: a mock Fork returns 0.
TEST(GetentThroughOsTest, ChildPutsStdoutOnThePipeAndRunsGetent) {
  StrictMock<MockOs> os;
  InSequence in_order;
  EXPECT_CALL(os, Pipe(_, O_CLOEXEC)).WillOnce([](int fds[2], int) {
    fds[0] = 5;
    fds[1] = 6;
    return SysCallSuccess();
  });
  EXPECT_CALL(os, Fork()).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os, Open(StrEq("/dev/null"), O_RDWR | O_CLOEXEC, 0))
      .WillOnce(Return(SysCallSuccess(7)));
  EXPECT_CALL(os, Dup2(7, STDIN_FILENO)).WillOnce(Return(SysCallSuccess(0)));
  EXPECT_CALL(os, Dup2(6, STDOUT_FILENO)).WillOnce(Return(SysCallSuccess(1)));
  EXPECT_CALL(os, Dup2(7, STDERR_FILENO)).WillOnce(Return(SysCallSuccess(2)));
  EXPECT_CALL(os, ExecVe(StrEq(kGetentPath), _, _))
      .WillOnce([](const char*, char* const argv[], char* const*) {
        EXPECT_STREQ(argv[0], "getent");
        EXPECT_STREQ(argv[1], "passwd");
        EXPECT_STREQ(argv[2], "--");
        EXPECT_STREQ(argv[3], "-x");
        EXPECT_EQ(argv[4], nullptr);
        return SysCallFailure(ENOENT);
      });
  EXPECT_CALL(os, Exit(127));
  // Only a mock Exit returns: the pipe's ends are closed as Run returns.
  EXPECT_CALL(os, Close(6)).WillOnce(Return(SysCallSuccess()));
  EXPECT_CALL(os, Close(5)).WillOnce(Return(SysCallSuccess()));
  GetentUserDatabase getent(os);
  EXPECT_EQ(getent.UserByName("-x").error, ECHILD);
}

// The launcher's side: what getent printed and how it exited.
class GetentParentTest : public ::testing::Test {
 protected:
  // Expects the pipe and the fork, then the read of `printed`, then the
  // reaping with `status`.
  void ExpectGetent(const std::string& printed, int status) {
    EXPECT_CALL(os_, Pipe(_, O_CLOEXEC)).WillOnce([](int fds[2], int) {
      fds[0] = 5;
      fds[1] = 6;
      return SysCallSuccess();
    });
    EXPECT_CALL(os_, Fork()).WillOnce(Return(SysCallSuccess(4242)));
    EXPECT_CALL(os_, Close(6)).WillOnce(Return(SysCallSuccess()));
    auto& read = EXPECT_CALL(os_, Read(5, _, _));
    if (!printed.empty()) {
      read.WillOnce([printed](int, void* buffer, size_t) {
        std::memcpy(buffer, printed.data(), printed.size());
        return SysCallSizeResult{static_cast<ssize_t>(printed.size()), 0};
      });
    }
    read.WillOnce(Return(SysCallSizeResult{0, 0}));
    EXPECT_CALL(os_, Close(5)).WillOnce(Return(SysCallSuccess()));
    EXPECT_CALL(os_, WaitPid(4242, _, 0))
        .WillOnce(
            DoAll(SetArgPointee<1>(status), Return(SysCallSuccess(4242))));
  }

  StrictMock<MockOs> os_;
  GetentUserDatabase getent_{os_};
};

constexpr int ExitedWith(int code) { return code << 8; }

TEST_F(GetentParentTest, FoundEntryIsParsed) {
  ExpectGetent("www-data:x:33:34:www-data:/var/www:/usr/sbin/nologin\n",
               ExitedWith(0));
  const LookupResult<UserEntry> found = getent_.UserByName("www-data");
  ASSERT_TRUE(found.found.has_value()) << found.error;
  EXPECT_EQ(found.found->name, "www-data");
  EXPECT_EQ(found.found->uid, 33u);
  EXPECT_EQ(found.found->gid, 34u);
}

TEST_F(GetentParentTest, ExitStatusTwoIsNotFound) {
  ExpectGetent("", ExitedWith(2));
  const LookupResult<GroupEntry> found = getent_.GroupByName("ghosts");
  EXPECT_FALSE(found.found.has_value());
  EXPECT_EQ(found.error, 0);
}

TEST_F(GetentParentTest, GarbageOrAnotherStatusIsAnError) {
  ExpectGetent("root:x:zero:0:root:/root:/bin/bash\n", ExitedWith(0));
  EXPECT_EQ(getent_.UserByName("root").error, EIO);
  ExpectGetent("", ExitedWith(127));
  EXPECT_EQ(getent_.UserByName("root").error, EIO);
  ExpectGetent("staff:x:50\n", ExitedWith(0));
  EXPECT_EQ(getent_.GroupByName("staff").error, EIO);
  ExpectGetent("root 0 x\n", ExitedWith(0));
  EXPECT_EQ(getent_.GroupsOf("root", 0).error, EIO);
  ExpectGetent("", ExitedWith(127));
  EXPECT_EQ(getent_.GroupsOf("root", 0).error, EIO);
}

TEST_F(GetentParentTest, GroupsOfPutsThePrimaryGroupFirstOnce) {
  ExpectGetent("nobody          65534 100 27\n", ExitedWith(0));
  const LookupResult<std::vector<gid_t>> listed =
      getent_.GroupsOf("nobody", 100);
  ASSERT_TRUE(listed.found.has_value()) << listed.error;
  EXPECT_THAT(*listed.found, ElementsAre(100, 65534, 27));
}

// The calls process `process` made in the last lookup, in order.
std::vector<FaultInjectingOs::Call> CallsOf(const FaultInjectingOs& os,
                                            int process) {
  std::vector<FaultInjectingOs::Call> calls;
  for (const FaultInjectingOs::Record& record : os.calls()) {
    if (record.process == process) calls.push_back(record.call);
  }
  return calls;
}

// Every call a real lookup makes, in the launcher (process 0) and in getent's
// child (process 1), fails in turn: the lookup fails (a failed Close alone is
// no failure: the descriptor is gone all the same), and no descriptor or
// child is left behind.
TEST(GetentFaultInjectionTest, EveryFailingCallFailsTheLookupCleanly) {
  using Call = FaultInjectingOs::Call;
  FaultInjectingOs os(PosixOs::Default());
  GetentUserDatabase getent(os);
  os.Inject({});
  ASSERT_TRUE(getent.UserByName("root").found.has_value());
  const std::vector<int> fds_before = OpenFds(getpid());
  int failures = 0;
  for (int process : {0, 1}) {
    const std::vector<Call> calls = CallsOf(os, process);
    for (size_t nth = 1; nth <= calls.size(); ++nth) {
      const Call call = calls[nth - 1];
      SCOPED_TRACE(testing::Message()
                   << "process " << process << ", call " << nth << ": "
                   << FaultInjectingOs::Name(call));
      os.Inject(FaultInjectingOs::Fault::NthCall(static_cast<int>(nth), EMFILE)
                    .InProcess(process));
      const LookupResult<UserEntry> found = getent.UserByName("root");
      if (!FaultInjectingOs::CanFail(call)) continue;
      ASSERT_TRUE(os.fired());
      ++failures;
      if (call == Call::kClose) {
        EXPECT_TRUE(found.found.has_value());
      } else {
        EXPECT_FALSE(found.found.has_value());
        EXPECT_NE(found.error, 0);
      }
      // A waitpid(2) that fails leaves the child to this test; the kernel
      // fails it only with ECHILD, which the lookup handles.
      if (call == Call::kWaitPid) waitpid(-1, nullptr, 0);
      EXPECT_EQ(OpenFds(getpid()), fds_before);
      EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
    }
  }
  EXPECT_GE(failures, 10);
}

}  // namespace
}  // namespace daemonkit::internal
