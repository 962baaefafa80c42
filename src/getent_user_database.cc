#include "src/getent_user_database.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "daemonkit/unique_fd.h"
#include "src/os_helpers.h"

extern char** environ;

namespace daemonkit::internal {
namespace {

// getent's exit status when the key is not in the database.
constexpr int kNotFound = 2;
// The child's exit status when it could not run getent.
constexpr int kCannotRun = 127;
// Far more than any passwd or group entry; the rest is not kept.
constexpr size_t kLargestOutput = 1 << 20;

// In the child: stdin and stderr on /dev/null, stdout into the pipe, then
// getent. Only calls that allocate nothing, as after any fork.
void ExecGetent(Os& os, int output, char* const argv[]) {
  const SysCallIntResult null = os.Open("/dev/null", O_RDWR | O_CLOEXEC, 0);
  if (null.ok() && os.Dup2(null.value, STDIN_FILENO).ok() &&
      os.Dup2(output, STDOUT_FILENO).ok() &&
      os.Dup2(null.value, STDERR_FILENO).ok()) {
    os.ExecVe(kGetentPath, argv, environ);
  }
  os.Exit(kCannotRun);
}

// Reads `fd` to its end into `printed` (up to kLargestOutput); 0 or errno.
int ReadAll(Os& os, int fd, std::string* printed) {
  for (;;) {
    char chunk[4096];
    const SysCallSizeResult got =
        RetryOnEintr([&] { return os.Read(fd, chunk, sizeof chunk); });
    if (!got.ok()) return got.error;
    if (got.value == 0) return 0;
    if (printed->size() < kLargestOutput) {
      printed->append(chunk, static_cast<size_t>(got.value));
    }
  }
}

// "name:password:uid:gid:gecos:home:shell"
LookupResult<UserEntry> ParsePasswd(absl::string_view line) {
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
  UserEntry entry;
  if (fields.size() != 7 || !absl::SimpleAtoi(fields[2], &entry.uid) ||
      !absl::SimpleAtoi(fields[3], &entry.gid)) {
    return {std::nullopt, EIO};
  }
  entry.name = std::string(fields[0]);
  return {std::move(entry), 0};
}

}  // namespace

bool LinkedStatically() {
  static const bool linked_statically = [] {
    bool has_interpreter = false;
    dl_iterate_phdr(
        [](struct dl_phdr_info* info, size_t, void* data) {
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            if (info->dlpi_phdr[i].p_type == PT_INTERP) {
              *static_cast<bool*>(data) = true;
            }
          }
          return 1;  // The first object is the program itself.
        },
        &has_interpreter);
    return !has_interpreter;
  }();
  return linked_statically;
}

LookupResult<std::string> GetentUserDatabase::Run(const char* database,
                                                  const std::string& key) {
  // "--": a key that starts with '-' is a key, not an option. Built before
  // the fork, since the child must not allocate.
  const char* const argv[] = {"getent", database, "--", key.c_str(), nullptr};
  int pipe_fds[2];
  if (const SysCallIntResult piped = os_.Pipe(pipe_fds, O_CLOEXEC);
      !piped.ok()) {
    return {std::nullopt, piped.error};
  }
  // Above 0, 1 and 2, so that the child's dup2s cannot land on them.
  const SysCallIntResult moved_output = MoveAboveStdio(os_, pipe_fds[0]);
  const SysCallIntResult moved_input = MoveAboveStdio(os_, pipe_fds[1]);
  UniqueFd output(os_, moved_output.ok() ? moved_output.value : -1);
  UniqueFd input(os_, moved_input.ok() ? moved_input.value : -1);
  SysCallIntResult child = !moved_output.ok() ? moved_output : moved_input;
  if (child.ok()) child = os_.Fork();
  if (child.ok() && child.value == 0) {
    ExecGetent(os_, input.get(), const_cast<char* const*>(argv));
    return {std::nullopt, ECHILD};  // Only a mock Exit returns.
  }
  input.reset();
  if (!child.ok()) return {std::nullopt, child.error};
  std::string printed;
  const int read_error = ReadAll(os_, output.get(), &printed);
  output.reset();
  int status = 0;
  const SysCallIntResult reaped =
      RetryOnEintr([&] { return os_.WaitPid(child.value, &status, 0); });
  if (read_error != 0) return {std::nullopt, read_error};
  std::string line = printed.substr(0, printed.find('\n'));
  // ECHILD: this process ignores SIGCHLD, so the status is gone; what getent
  // printed tells.
  const bool found = reaped.ok() ? WIFEXITED(status) && WEXITSTATUS(status) == 0
                                 : reaped.error == ECHILD && !line.empty();
  if (found) return {std::move(line), 0};
  const bool not_found =
      reaped.ok() ? WIFEXITED(status) && WEXITSTATUS(status) == kNotFound
                  : reaped.error == ECHILD;
  if (not_found) return {};
  return {std::nullopt, reaped.ok() ? EIO : reaped.error};
}

LookupResult<UserEntry> GetentUserDatabase::UserByName(
    const std::string& name) {
  const LookupResult<std::string> line = Run("passwd", name);
  if (!line.found.has_value()) return {std::nullopt, line.error};
  return ParsePasswd(*line.found);
}

LookupResult<UserEntry> GetentUserDatabase::UserById(uid_t uid) {
  const LookupResult<std::string> line = Run("passwd", std::to_string(uid));
  if (!line.found.has_value()) return {std::nullopt, line.error};
  return ParsePasswd(*line.found);
}

LookupResult<GroupEntry> GetentUserDatabase::GroupByName(
    const std::string& name) {
  const LookupResult<std::string> line = Run("group", name);
  if (!line.found.has_value()) return {std::nullopt, line.error};
  // "name:password:gid:member,member,..."
  const std::vector<absl::string_view> fields =
      absl::StrSplit(*line.found, ':');
  GroupEntry entry;
  if (fields.size() != 4 || !absl::SimpleAtoi(fields[2], &entry.gid)) {
    return {std::nullopt, EIO};
  }
  entry.name = std::string(fields[0]);
  return {std::move(entry), 0};
}

LookupResult<std::vector<gid_t>> GetentUserDatabase::GroupsOf(
    const std::string& user, gid_t group) {
  // getent initgroups succeeds for any user: one with no other groups, or
  // none at all, is listed alone.
  const LookupResult<std::string> line = Run("initgroups", user);
  if (!line.ok()) return {std::nullopt, line.error};
  std::vector<gid_t> groups = {group};
  // "user  gid gid ...": the user's name, then the group ids.
  const std::vector<absl::string_view> words =
      absl::StrSplit(line.found.value_or(""), ' ', absl::SkipEmpty());
  for (size_t i = 1; i < words.size(); ++i) {
    gid_t gid;
    if (!absl::SimpleAtoi(words[i], &gid)) return {std::nullopt, EIO};
    if (gid != group) groups.push_back(gid);
  }
  return {std::move(groups), 0};
}

}  // namespace daemonkit::internal
