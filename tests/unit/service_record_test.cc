// The supervisor's status record, through real files (PosixOs) in a private
// directory under TEST_TMPDIR: what the writer leaves, and what the reader
// makes of files anyone might have put there. Failures come from
// FaultInjectingOs or an OsWrapper over PosixOs, so the directory shows what
// a failed write leaves behind.

#include "src/service_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "daemonkit/os_wrapper.h"
#include "daemonkit/posix_os.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mocks/fault_injecting_os.h"
#include "tests/support/status_matchers.h"

namespace daemonkit::internal {
namespace {

using ::daemonkit::test::HasExitCode;
using ::daemonkit::test::HasMessage;
using ::daemonkit::test::IsOk;
using ::daemonkit::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Call = FaultInjectingOs::Call;
using Fault = FaultInjectingOs::Fault;

constexpr char kName[] = "app.pid.status";

ServiceRecord SampleRecord() {
  ServiceRecord record;
  record.pid = 4242;
  record.started = absl::FromUnixMicros(1700000000123456);
  record.starts = 3;
  record.status_text = "serving 12 clients";
  record.last_exit = "exit status 3";
  record.gave_up = true;
  return record;
}

auto Fields(const ServiceRecord& record) {
  return std::tie(record.pid, record.started, record.starts, record.status_text,
                  record.last_exit, record.gave_up);
}

// The temporary name this process writes through.
std::string TempName() {
  return absl::StrCat(".", kName, ".", getpid(), ".tmp");
}

class ServiceRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(getenv("TEST_TMPDIR"), "/record.XXXXXX");
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    dir_fd_ = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir_fd_, 0);
  }
  void TearDown() override { close(dir_fd_); }

  std::string Path(absl::string_view name = kName) const {
    return absl::StrCat(dir_, "/", name);
  }
  // The directory's entries, sorted.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    DIR* dir = opendir(dir_.c_str());
    while (const dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }
  void Put(absl::string_view name, const std::string& content) const {
    std::ofstream(Path(name), std::ios::binary) << content;
  }
  std::string Content(absl::string_view name = kName) const {
    std::ostringstream content;
    content << std::ifstream(Path(name), std::ios::binary).rdbuf();
    return content.str();
  }
  absl::Status Write(const ServiceRecord& record) {
    return WriteServiceRecord(posix_, dir_fd_, kName, record);
  }
  absl::StatusOr<ServiceRecord> Read() {
    return ReadServiceRecord(posix_, Path());
  }

  Os& posix_ = PosixOs::Default();
  std::string dir_;
  int dir_fd_ = -1;
};

TEST(ServiceRecordPathTest, IsThePidFilesPathWithStatusAppended) {
  EXPECT_EQ(ServiceRecordPath("/run/app.pid"), "/run/app.pid.status");
  EXPECT_EQ(ServiceRecordPath("app.pid"), "app.pid.status");
}

TEST_F(ServiceRecordTest, RoundTripsEveryFieldInAFileAnyoneMayRead) {
  const mode_t umask_before = umask(077);
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  umask(umask_before);
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Fields(*read), Fields(SampleRecord()));
  struct stat info;
  ASSERT_EQ(stat(Path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0644u);
  EXPECT_THAT(Names(), ElementsAre(kName));
}

TEST_F(ServiceRecordTest, RoundTripsAnEmptyRecord) {
  ServiceRecord empty;
  empty.started = absl::FromUnixMicros(-1);  // Before 1970: still a time.
  ASSERT_THAT(Write(empty), IsOk());
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Fields(*read), Fields(empty));
}

TEST_F(ServiceRecordTest, StatusTextCannotForgeAKey) {
  ServiceRecord record = SampleRecord();
  record.gave_up = false;
  const char kHostile[] = "up\nstarts=99\ngave_up=1\n\\n \\\0 mid\r=";
  record.status_text = std::string(kHostile, sizeof kHostile - 1);
  ASSERT_NE(record.status_text.find('\0'), std::string::npos);
  ASSERT_THAT(Write(record), IsOk());
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Fields(*read), Fields(record));
  const std::string content = Content();
  EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 6);
  EXPECT_EQ(content.find('\0'), std::string::npos);
}

TEST_F(ServiceRecordTest, LongTextsAreCutToTheirLimits) {
  ServiceRecord record = SampleRecord();
  const std::string head = std::string("\nstarts=99\\\0", 12);
  // Each \x01 is escaped to four bytes: the largest record there is.
  record.status_text = head + std::string(5 * 1024 - head.size(), '\x01');
  record.last_exit = std::string(300, 'e');
  ASSERT_THAT(Write(record), IsOk());
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->status_text, record.status_text.substr(0, 1024));
  EXPECT_EQ(read->last_exit, std::string(128, 'e'));
  EXPECT_EQ(read->starts, 3);
}

TEST_F(ServiceRecordTest, StatusTextIsCutBetweenUtf8Characters) {
  struct Case {
    std::string text;
    size_t kept;
  };
  const std::string two = "\xC3\xA9";           // é
  const std::string four = "\xF0\x9F\x98\x80";  // 😀
  std::string twos = "a", fours = "a";
  for (int i = 0; i < 600; ++i) twos += two;    // Byte 1024 ends an é.
  for (int i = 0; i < 300; ++i) fours += four;  // Byte 1024 ends a 😀.
  for (const Case& test : {Case{twos, 1023}, Case{fours, 1021},
                           // Not UTF-8: the cut backs off 3 bytes at most.
                           Case{std::string(2000, '\x80'), 1021}}) {
    ServiceRecord record = SampleRecord();
    record.status_text = test.text;
    ASSERT_THAT(Write(record), IsOk());
    const absl::StatusOr<ServiceRecord> read = Read();
    ASSERT_THAT(read, IsOk());
    EXPECT_EQ(read->status_text, test.text.substr(0, test.kept));
  }
}

TEST_F(ServiceRecordTest, ReplacingLeavesNoTemporaryFile) {
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  ServiceRecord next = SampleRecord();
  next.pid = 7;
  ASSERT_THAT(Write(next), IsOk());
  EXPECT_THAT(Names(), ElementsAre(kName));
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->pid, 7);
}

TEST_F(ServiceRecordTest, TemporaryLeftBySameWritersPidIsReplaced) {
  Put(TempName(), "pid=1\n");
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  EXPECT_THAT(Names(), ElementsAre(kName));
  EXPECT_THAT(Read(), IsOk());
}

TEST_F(ServiceRecordTest, SymbolicLinkAtTheTemporaryNameIsNeverFollowed) {
  Put("victim", "untouched");
  ASSERT_EQ(symlink("victim", Path(TempName()).c_str()), 0);
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  EXPECT_THAT(Names(), ElementsAre(kName, "victim"));
  EXPECT_EQ(Content("victim"), "untouched");
}

struct FailedStep {
  Call call;
  int error;
  std::string step;  // The message's start, with <temp> for TempName().
  int exit_code;
};

class ServiceRecordWriteFailureTest
    : public ServiceRecordTest,
      public ::testing::WithParamInterface<FailedStep> {};

TEST_P(ServiceRecordWriteFailureTest, LeavesTheOldRecordAndNothingElse) {
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  FaultInjectingOs os(posix_);
  os.Inject(Fault::NthOf(GetParam().call, 1, GetParam().error));
  ServiceRecord next = SampleRecord();
  next.pid = 7;
  const absl::Status written = WriteServiceRecord(os, dir_fd_, kName, next);
  EXPECT_TRUE(os.fired());
  std::string step = GetParam().step;
  step.replace(step.find("<temp>"), 6, TempName());
  EXPECT_THAT(written, HasMessage(absl::StrCat(
                           step, " failed: ", strerror(GetParam().error))));
  EXPECT_THAT(written, HasExitCode(GetParam().exit_code));
  EXPECT_THAT(Names(), ElementsAre(kName));
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Fields(*read), Fields(SampleRecord()));
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, ServiceRecordWriteFailureTest,
    ::testing::Values(
        FailedStep{Call::kOpenAt, EACCES, "creating service record <temp>",
                   EX_CANTCREAT},
        FailedStep{Call::kWrite, ENOSPC, "writing service record <temp>",
                   EX_IOERR},
        FailedStep{Call::kClose, EIO, "writing service record <temp>",
                   EX_IOERR},
        FailedStep{Call::kRenameAt, EACCES,
                   "renaming <temp> to service record app.pid.status",
                   EX_CANTCREAT}),
    [](const ::testing::TestParamInfo<FailedStep>& info) {
      return FaultInjectingOs::Name(info.param.call);
    });

TEST_F(ServiceRecordTest, LeftoverThatCannotBeRemovedIsReported) {
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  Put(TempName(), "pid=1\n");
  FaultInjectingOs os(posix_);
  os.Inject(Fault::NthOf(Call::kUnlinkAt, 1, EPERM));
  const absl::Status written =
      WriteServiceRecord(os, dir_fd_, kName, SampleRecord());
  EXPECT_THAT(written, HasMessage(absl::StrCat(
                           "removing leftover service record ", TempName(),
                           " failed: Operation not permitted")));
  EXPECT_THAT(written, HasExitCode(EX_CANTCREAT));
  EXPECT_THAT(Names(), ElementsAre(TempName(), kName));
  EXPECT_THAT(Read(), IsOk());
}

TEST_F(ServiceRecordTest, InterruptedCallsAreRetried) {
  for (const Call call : {Call::kOpenAt, Call::kWrite}) {
    FaultInjectingOs os(posix_);
    os.Inject(Fault::NthOf(call, 1, EINTR));
    EXPECT_THAT(WriteServiceRecord(os, dir_fd_, kName, SampleRecord()), IsOk());
    EXPECT_TRUE(os.fired());
  }
  for (const Call call : {Call::kOpen, Call::kRead}) {
    FaultInjectingOs os(posix_);
    os.Inject(Fault::NthOf(call, 1, EINTR));
    EXPECT_THAT(ReadServiceRecord(os, Path()), IsOk());
    EXPECT_TRUE(os.fired());
  }
}

// Writes at most `limit` bytes a call, as write(2) may.
class ShortWrites : public OsWrapper {
 public:
  ShortWrites(Os& target, size_t limit) : OsWrapper(target), limit_(limit) {}
  SysCallSizeResult Write(int fd, const void* buffer, size_t size) override {
    return OsWrapper::Write(fd, buffer, std::min(size, limit_));
  }

 private:
  size_t limit_;
};

TEST_F(ServiceRecordTest, ShortWritesAreContinued) {
  ShortWrites os(posix_, 7);
  ASSERT_THAT(WriteServiceRecord(os, dir_fd_, kName, SampleRecord()), IsOk());
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Fields(*read), Fields(SampleRecord()));
}

TEST_F(ServiceRecordTest, WriteThatMakesNoProgressFails) {
  ShortWrites os(posix_, 0);
  const absl::Status written =
      WriteServiceRecord(os, dir_fd_, kName, SampleRecord());
  EXPECT_THAT(written,
              HasMessage(absl::StrCat("writing service record ", TempName(),
                                      " failed: Input/output error")));
  EXPECT_THAT(Names(), IsEmpty());
}

TEST_F(ServiceRecordTest, MissingRecordIsNotFound) {
  EXPECT_THAT(Read(), StatusIs(absl::StatusCode::kNotFound,
                               absl::StrCat("no service record ", Path())));
}

TEST_F(ServiceRecordTest, SymbolicLinkIsRefused) {
  Put("elsewhere", absl::StrCat("pid=1\nstarted=0\nstarts=1\nstatus=\n",
                                "last_exit=\ngave_up=0\n"));
  ASSERT_EQ(symlink("elsewhere", Path().c_str()), 0);
  EXPECT_THAT(Read(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               absl::StrCat("service record ", Path(),
                                            " is a symbolic link; refusing "
                                            "to follow it")));
}

TEST_F(ServiceRecordTest, DirectoryAndFifoAreRefusedWithoutWaiting) {
  ASSERT_EQ(mkdir(Path().c_str(), 0755), 0);
  EXPECT_THAT(Read(), HasMessage(absl::StrCat("service record ", Path(),
                                              " is not a regular file")));
  ASSERT_EQ(rmdir(Path().c_str()), 0);
  ASSERT_EQ(mkfifo(Path().c_str(), 0644), 0);
  EXPECT_THAT(Read(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Read(), HasExitCode(EX_NOINPUT));
}

// A valid record's lines, for the reader's tests to change.
std::vector<std::string> ValidLines() {
  return {"pid=4242",  "started=1700000000123456", "starts=3",
          "status=up", "last_exit=exit status 3",  "gave_up=1"};
}

std::string Text(const std::vector<std::string>& lines) {
  return absl::StrCat(absl::StrJoin(lines, "\n"), "\n");
}

TEST_F(ServiceRecordTest, UnknownKeysAreSkipped) {
  std::vector<std::string> lines = ValidLines();
  lines.insert(lines.begin() + 2, "future=\\q anything=");
  lines.push_back("=");
  Put(kName, Text(lines));
  const absl::StatusOr<ServiceRecord> read = Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->starts, 3);
  EXPECT_EQ(read->status_text, "up");
}

TEST_F(ServiceRecordTest, RecordOfTheLargestSizeIsReadAndOneByteMoreIsNot) {
  std::vector<std::string> lines = ValidLines();
  lines.push_back("padding=");
  const size_t room = kMaxServiceRecordBytes - Text(lines).size();
  lines.back() += std::string(room, 'x');
  Put(kName, Text(lines));
  ASSERT_EQ(Content().size(), 8192u);
  EXPECT_THAT(Read(), IsOk());
  lines.back() += "x";
  Put(kName, Text(lines));
  EXPECT_THAT(Read(), StatusIs(absl::StatusCode::kDataLoss,
                               absl::StrCat("service record ", Path(),
                                            " is malformed: larger than "
                                            "8192 bytes")));
  EXPECT_THAT(Read(), HasExitCode(EX_DATAERR));
}

struct MalformedCase {
  std::string name;
  std::string text;
  std::string why;
};

// `line` in place of line `index` of a valid record.
std::string Replacing(size_t index, const std::string& line) {
  std::vector<std::string> lines = ValidLines();
  lines[index] = line;
  return Text(lines);
}

std::vector<MalformedCase> MalformedCases() {
  const std::string valid = Text(ValidLines());
  return {
      {"Empty", "", "no newline at its end"},
      {"CutShort", valid.substr(0, valid.size() - 1), "no newline at its end"},
      {"Garbage", "garbage\n" + valid, "line 1 is not key=value"},
      {"EmptyLine", "\n" + valid, "line 1 is not key=value"},
      {"PidNotANumber", Replacing(0, "pid=abc"), "line 1: bad value for pid"},
      {"PidNegative", Replacing(0, "pid=-1"), "line 1: bad value for pid"},
      {"PidPlus", Replacing(0, "pid=+1"), "line 1: bad value for pid"},
      {"PidSpace", Replacing(0, "pid= 1"), "line 1: bad value for pid"},
      {"PidEmpty", Replacing(0, "pid="), "line 1: bad value for pid"},
      {"PidTooLarge", Replacing(0, "pid=2147483648"),
       "line 1: bad value for pid"},
      {"PidNul", Replacing(0, std::string("pid=1\0", 6)),
       "line 1: bad value for pid"},
      {"StartedFraction", Replacing(1, "started=1.5"),
       "line 2: bad value for started"},
      {"StartedMinus", Replacing(1, "started=-"),
       "line 2: bad value for started"},
      {"StartedOverflow", Replacing(1, "started=9223372036854775808"),
       "line 2: bad value for started"},
      {"StartsNegative", Replacing(2, "starts=-1"),
       "line 3: bad value for starts"},
      {"StatusBadEscape", Replacing(3, "status=\\q"),
       "line 4: bad value for status"},
      {"StatusEndsInBackslash", Replacing(3, "status=up\\"),
       "line 4: bad value for status"},
      {"LastExitBadHex", Replacing(4, "last_exit=\\x"),
       "line 5: bad value for last_exit"},
      {"GaveUpWord", Replacing(5, "gave_up=yes"),
       "line 6: bad value for gave_up"},
      {"GaveUpEmpty", Replacing(5, "gave_up="),
       "line 6: bad value for gave_up"},
      {"Duplicate", valid + "pid=1\n", "line 7: pid appears a second time"},
      {"Missing",
       Text({"pid=1", "started=0", "starts=1", "status=", "last_exit="}),
       "no gave_up"},
  };
}

class ServiceRecordMalformedTest
    : public ServiceRecordTest,
      public ::testing::WithParamInterface<MalformedCase> {};

TEST_P(ServiceRecordMalformedTest, IsAnErrorNamingTheFile) {
  Put(kName, GetParam().text);
  const absl::StatusOr<ServiceRecord> read = Read();
  EXPECT_THAT(read, StatusIs(absl::StatusCode::kDataLoss,
                             absl::StrCat("service record ", Path(),
                                          " is malformed: ", GetParam().why)));
  EXPECT_THAT(read, HasExitCode(EX_DATAERR));
}

INSTANTIATE_TEST_SUITE_P(
    Records, ServiceRecordMalformedTest, ::testing::ValuesIn(MalformedCases()),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      return info.param.name;
    });

class ServiceRecordReadFailureTest
    : public ServiceRecordTest,
      public ::testing::WithParamInterface<FailedStep> {};

TEST_P(ServiceRecordReadFailureTest, NamesTheStepAndThePath) {
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  FaultInjectingOs os(posix_);
  os.Inject(Fault::NthOf(GetParam().call, 1, GetParam().error));
  const absl::StatusOr<ServiceRecord> read = ReadServiceRecord(os, Path());
  EXPECT_THAT(
      read, HasMessage(absl::StrCat(GetParam().step, " ", Path(),
                                    " failed: ", strerror(GetParam().error))));
  EXPECT_THAT(read, HasExitCode(GetParam().exit_code));
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, ServiceRecordReadFailureTest,
    ::testing::Values(
        FailedStep{Call::kOpen, EACCES, "opening service record", EX_NOINPUT},
        FailedStep{Call::kFStat, EIO, "checking service record", EX_IOERR},
        FailedStep{Call::kRead, EIO, "reading service record", EX_IOERR}),
    [](const ::testing::TestParamInfo<FailedStep>& info) {
      return FaultInjectingOs::Name(info.param.call);
    });

TEST_F(ServiceRecordTest, RemoveTakesTheRecordAndNothingElse) {
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  Put("app.pid", "4242\n");
  EXPECT_THAT(RemoveServiceRecord(posix_, dir_fd_, kName), IsOk());
  EXPECT_THAT(Names(), ElementsAre("app.pid"));
  EXPECT_THAT(RemoveServiceRecord(posix_, dir_fd_, kName), IsOk())
      << "a missing record is fine";
}

TEST_F(ServiceRecordTest, RemoveFailureIsReported) {
  ASSERT_THAT(Write(SampleRecord()), IsOk());
  FaultInjectingOs os(posix_);
  os.Inject(Fault::NthOf(Call::kUnlinkAt, 1, EROFS));
  const absl::Status removed = RemoveServiceRecord(os, dir_fd_, kName);
  EXPECT_THAT(removed, HasMessage("removing service record app.pid.status "
                                  "failed: Read-only file system"));
  EXPECT_THAT(removed, HasExitCode(EX_CANTCREAT));
  EXPECT_THAT(Names(), ElementsAre(kName));
}

}  // namespace
}  // namespace daemonkit::internal
