#include "tests/support/proc_expectations.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace daemonkit::test {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrEq;

constexpr int kProcDirFd = 60;

// Descriptors apart from those of the lock proofs, one per pid.
int StatFd(pid_t pid) { return 300 + pid % 100; }

// A Read action that delivers `text` once, then end of file.
std::function<SysCallSizeResult(int, void*, size_t)> Reads(std::string text) {
  return [text](int, void* buffer, size_t size) -> SysCallSizeResult {
    EXPECT_GE(size, text.size());
    memcpy(buffer, text.data(), text.size());
    return {static_cast<ssize_t>(text.size()), 0};
  };
}

}  // namespace

std::vector<char> DirectoryEntries(const std::vector<std::string>& names) {
  std::vector<char> buffer;
  for (const std::string& name : names) {
    const size_t length = offsetof(struct dirent64, d_name) + name.size() + 1;
    const size_t record = (length + 7) & ~size_t{7};
    const size_t offset = buffer.size();
    buffer.resize(offset + record, '\0');
    auto* entry = reinterpret_cast<struct dirent64*>(buffer.data() + offset);
    entry->d_reclen = static_cast<unsigned short>(record);
    memcpy(entry->d_name, name.c_str(), name.size() + 1);
  }
  return buffer;
}

std::function<SysCallSizeResult(int, void*, size_t)> GetsEntries(
    std::vector<char> entries) {
  return [entries](int, void* buffer, size_t size) -> SysCallSizeResult {
    EXPECT_GE(size, entries.size());
    memcpy(buffer, entries.data(), entries.size());
    return {static_cast<ssize_t>(entries.size()), 0};
  };
}

void ExpectLockProof(MockOs& os, pid_t pid, const struct stat& file,
                     bool holds) {
  // In the order of the calls, whatever the test's own order.
  const ::testing::InSequence in_order;
  const int fd_dir = 100 + pid % 100;
  const int fd_info = 200 + pid % 100;
  EXPECT_CALL(os, Open(StrEq(absl::StrCat("/proc/", pid, "/fd")), _, _))
      .WillOnce(Return(SysCallSuccess(fd_dir)));
  EXPECT_CALL(os, GetDents(fd_dir, _, _))
      .WillOnce(Invoke(GetsEntries(DirectoryEntries({".", "..", "3"}))));
  EXPECT_CALL(os, FStatAt(fd_dir, StrEq("3"), _, 0))
      .WillOnce(DoAll(SetArgPointee<2>(file), Return(SysCallSuccess())));
  EXPECT_CALL(os, Open(StrEq(absl::StrCat("/proc/", pid, "/fdinfo/3")), _, _))
      .WillOnce(Return(SysCallSuccess(fd_info)));
  const std::string lock =
      absl::StrCat("lock:\t1: OFDLCK ADVISORY  ", holds ? "WRITE" : "READ ",
                   " -1 fe:00:", file.st_ino, " 0 EOF\n");
  EXPECT_CALL(os, Read(fd_info, _, _))
      .WillOnce(
          Invoke(Reads(absl::StrCat("pos:\t0\nflags:\t02100002\n", lock))))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os, Close(fd_info)).WillOnce(Return(SysCallSuccess()));
  // A holder found ends the listing; otherwise it is read to its end.
  if (!holds) {
    EXPECT_CALL(os, GetDents(fd_dir, _, _))
        .WillOnce(Return(SysCallSizeResult{0, 0}));
  }
  EXPECT_CALL(os, Close(fd_dir)).WillOnce(Return(SysCallSuccess()));
}

void ExpectLockProofFails(MockOs& os, pid_t pid, int error) {
  EXPECT_CALL(os, Open(StrEq(absl::StrCat("/proc/", pid, "/fd")), _, _))
      .WillOnce(Return(SysCallFailure(error)));
}

void ExpectHolderScan(MockOs& os, const struct stat& file,
                      const std::vector<std::pair<pid_t, bool>>& processes) {
  const ::testing::InSequence in_order;
  EXPECT_CALL(os, Open(StrEq("/proc"), _, _))
      .WillOnce(Return(SysCallSuccess(kProcDirFd)));
  std::vector<std::string> names = {".", "..", "self", "sys"};
  for (const auto& [pid, holds] : processes) names.push_back(absl::StrCat(pid));
  EXPECT_CALL(os, GetDents(kProcDirFd, _, _))
      .WillOnce(Invoke(GetsEntries(DirectoryEntries(names))));
  for (const auto& [pid, holds] : processes) {
    ExpectLockProof(os, pid, file, holds);
  }
  EXPECT_CALL(os, GetDents(kProcDirFd, _, _))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os, Close(kProcDirFd)).WillOnce(Return(SysCallSuccess()));
}

std::string StatLine(const internal::ProcessStat& stat,
                     const std::string& name) {
  // Fields 7 to 21 and from 23 on, as a shell's child on a terminal has them.
  return absl::StrCat(stat.pid, " (", name, ") ", std::string(1, stat.state),
                      " ", stat.ppid, " ", stat.pgrp, " ", stat.session,
                      " 34816 ", stat.pgrp,
                      " 4194304 104 0 0 0 0 0 0 0 20 0 1 0 ", stat.start_ticks,
                      " 8450048 224 18446744073709551615 1 1 0 0 0 0 0 0 0 0 "
                      "0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
}

void ExpectStat(MockOs& os, pid_t pid, const std::string& line) {
  const int fd = StatFd(pid);
  EXPECT_CALL(os, Open(StrEq(absl::StrCat("/proc/", pid, "/stat")), _, _))
      .WillOnce(Return(SysCallSuccess(fd)))
      .RetiresOnSaturation();
  EXPECT_CALL(os, Read(fd, _, _))
      .WillOnce(Invoke(Reads(line)))
      .RetiresOnSaturation();
  EXPECT_CALL(os, Close(fd))
      .WillOnce(Return(SysCallSuccess()))
      .RetiresOnSaturation();
}

void ExpectProcListing(MockOs& os, const std::vector<pid_t>& pids) {
  std::vector<std::string> names = {".", "..", "self", "sys"};
  for (pid_t pid : pids) names.push_back(absl::StrCat(pid));
  EXPECT_CALL(os, Open(StrEq("/proc"), _, _))
      .WillOnce(Return(SysCallSuccess(kProcDirFd)));
  EXPECT_CALL(os, GetDents(kProcDirFd, _, _))
      .WillOnce(Invoke(GetsEntries(DirectoryEntries(names))))
      .WillOnce(Return(SysCallSizeResult{0, 0}));
  EXPECT_CALL(os, Close(kProcDirFd)).WillOnce(Return(SysCallSuccess()));
}

void ExpectProcesses(MockOs& os,
                     const std::vector<internal::ProcessStat>& processes) {
  std::vector<pid_t> pids;
  for (const internal::ProcessStat& process : processes) {
    pids.push_back(process.pid);
    ExpectStat(os, process.pid, StatLine(process));
  }
  ExpectProcListing(os, pids);
}

}  // namespace daemonkit::test
