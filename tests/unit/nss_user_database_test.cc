// NssUserDatabase, glibc's lookups, against a group database the test
// writes: each test runs its lookups in a child with a mount namespace of its
// own, where the file is bind-mounted over /etc/group, so that glibc's files
// backend reads entries larger than the first buffers daemonkit gives it.
// (getent_user_database_test checks the ordinary entries against getent.)

#include "src/nss_user_database.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace daemonkit::internal {
namespace {

// Runs `look_up` in a child whose /etc/group holds `contents`; returns what
// it returned, or "skip: <why>" when the child could not replace the file
// (no permission to make a mount namespace, outside the test sandbox).
std::string WithGroupFile(const std::string& contents,
                          const std::function<std::string()>& look_up) {
  const char* directory = getenv("TEST_TMPDIR");
  std::string path =
      absl::StrCat(directory != nullptr ? directory : "/tmp", "/group-XXXXXX");
  const int file = mkstemp(path.data());
  if (file < 0) return absl::StrCat("mkstemp: ", strerror(errno));
  const bool written = write(file, contents.data(), contents.size()) ==
                       static_cast<ssize_t>(contents.size());
  close(file);
  if (!written) return "cannot write the group file";
  int report[2];
  if (pipe(report) != 0) return absl::StrCat("pipe: ", strerror(errno));
  const pid_t child = fork();
  if (child == 0) {
    close(report[0]);
    std::string said;
    if (unshare(CLONE_NEWNS) != 0) {
      said = absl::StrCat("skip: unshare: ", strerror(errno));
    } else if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) !=
                   0 ||
               mount(path.c_str(), "/etc/group", nullptr, MS_BIND, nullptr) !=
                   0) {
      said = absl::StrCat("skip: mount: ", strerror(errno));
    } else {
      said = look_up();
    }
    const bool sent = write(report[1], said.data(), said.size()) ==
                      static_cast<ssize_t>(said.size());
    _exit(sent ? 0 : 1);
  }
  close(report[1]);
  std::string said;
  char buffer[4096];
  ssize_t got;
  while ((got = read(report[0], buffer, sizeof buffer)) > 0) {
    said.append(buffer, static_cast<size_t>(got));
  }
  close(report[0]);
  int status = 0;
  waitpid(child, &status, 0);
  unlink(path.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::StrCat("the child failed, wait status ", status);
  }
  return said;
}

// "name:x:gid:member,member,...": a group line with `count` members.
std::string GroupLine(const std::string& name, gid_t gid, int count) {
  std::vector<std::string> members;
  for (int i = 0; i < count; ++i) members.push_back(absl::StrCat("member", i));
  return absl::StrCat(name, ":x:", gid, ":", absl::StrJoin(members, ","), "\n");
}

std::string Describe(const LookupResult<GroupEntry>& found) {
  return found.found.has_value()
             ? absl::StrCat(found.found->name, " ", found.found->gid)
             : absl::StrCat("none, error ", found.error);
}

#define SKIP_IF_NO_NAMESPACE(said) \
  if (said.rfind("skip: ", 0) == 0) GTEST_SKIP() << said

TEST(NssUserDatabaseTest, GroupLargerThanTheFirstBufferIsFound) {
  // About 60 KiB, where the first buffer is 4 KiB.
  const std::string said = WithGroupFile(GroupLine("large", 5000, 6000), [] {
    return Describe(NssUserDatabase().GroupByName("large"));
  });
  SKIP_IF_NO_NAMESPACE(said);
  EXPECT_EQ(said, "large 5000");
}

TEST(NssUserDatabaseTest, GroupLargerThanAnyBufferIsAnErrorNotAbsence) {
  // About 1.2 MiB, where the buffer stops growing at 1 MiB.
  const std::string said = WithGroupFile(GroupLine("huge", 5001, 120000), [] {
    return Describe(NssUserDatabase().GroupByName("huge"));
  });
  SKIP_IF_NO_NAMESPACE(said);
  EXPECT_EQ(said, absl::StrCat("none, error ", ERANGE));
}

TEST(NssUserDatabaseTest, UserInMoreGroupsThanTheFirstGuessGetsThemAll) {
  std::string groups;
  std::vector<gid_t> expected = {100};  // The primary group comes first.
  for (gid_t gid = 6000; gid < 6040; ++gid) {
    absl::StrAppend(&groups, "g", gid, ":x:", gid, ":someone,crowd\n");
    expected.push_back(gid);
  }
  const std::string said = WithGroupFile(groups, [] {
    const LookupResult<std::vector<gid_t>> listed =
        NssUserDatabase().GroupsOf("crowd", 100);
    return listed.found.has_value() ? absl::StrJoin(*listed.found, ",")
                                    : absl::StrCat("error ", listed.error);
  });
  SKIP_IF_NO_NAMESPACE(said);
  EXPECT_EQ(said, absl::StrJoin(expected, ","));
}

}  // namespace
}  // namespace daemonkit::internal
