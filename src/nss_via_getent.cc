#include "src/nss_via_getent.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace daemonkit::internal {
namespace {

// Debian's libc-bin, which is Essential, always has it here.
constexpr char kGetent[] = "/usr/bin/getent";
// getent's exit status when the key is not in the database.
constexpr int kNotFound = 2;
// Far more than any passwd or group entry; the rest is not kept.
constexpr size_t kLargestOutput = 1 << 20;

// Runs `getent DATABASE -- KEY` and keeps the first line it prints. Value 1
// when getent found KEY, 0 when not; error why getent could not be run.
SysCallIntResult RunGetent(const char* database, const std::string& key,
                           std::string* line) {
  int output[2];
  if (pipe2(output, O_CLOEXEC) != 0) return {-1, errno};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  // "--": a key that starts with '-' is a key, not an option.
  const char* const argv[] = {"getent", database, "--", key.c_str(), nullptr};
  pid_t pid;
  const int spawned = posix_spawn(&pid, kGetent, &actions, nullptr,
                                  const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(output[1]);
  if (spawned != 0) {
    close(output[0]);
    return {-1, spawned};
  }
  std::string printed;
  int read_error = 0;
  for (;;) {
    char chunk[4096];
    const ssize_t got = read(output[0], chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) read_error = errno;
    if (got <= 0) break;
    if (printed.size() < kLargestOutput) printed.append(chunk, got);
  }
  close(output[0]);
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  if (read_error != 0) return {-1, read_error};
  *line = printed.substr(0, printed.find('\n'));
  // ECHILD: this process ignores SIGCHLD, so the status is gone; what getent
  // printed tells.
  if (reaped < 0) return {line->empty() ? 0 : 1, 0};
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {1, 0};
  if (WIFEXITED(status) && WEXITSTATUS(status) == kNotFound) return {0, 0};
  return {-1, EIO};
}

// Lays out C strings and pointer arrays in a caller's buffer, as the
// getpwnam_r family does; nullptr once the buffer is full.
class BufferWriter {
 public:
  BufferWriter(char* buffer, size_t size)
      : next_(buffer), end_(buffer + size) {}

  char* Copy(absl::string_view text) {
    if (next_ == nullptr || static_cast<size_t>(end_ - next_) <= text.size()) {
      next_ = nullptr;
      return nullptr;
    }
    char* copy = next_;
    std::memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    next_ += text.size() + 1;
    return copy;
  }

  char** Pointers(size_t count) {
    if (next_ == nullptr) return nullptr;
    const size_t misaligned =
        reinterpret_cast<uintptr_t>(next_) % alignof(char*);
    const size_t padding = misaligned == 0 ? 0 : alignof(char*) - misaligned;
    const size_t bytes = padding + count * sizeof(char*);
    if (static_cast<size_t>(end_ - next_) < bytes) {
      next_ = nullptr;
      return nullptr;
    }
    char** pointers = reinterpret_cast<char**>(next_ + padding);
    next_ += bytes;
    return pointers;
  }

 private:
  char* next_;
  char* const end_;
};

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

SysCallIntResult GetentPasswd(const std::string& key, struct passwd* entry,
                              char* buffer, size_t size) {
  std::string line;
  const SysCallIntResult found = RunGetent("passwd", key, &line);
  if (found.value != 1) return found;
  // name:password:uid:gid:gecos:home:shell
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
  if (fields.size() != 7 || !absl::SimpleAtoi(fields[2], &entry->pw_uid) ||
      !absl::SimpleAtoi(fields[3], &entry->pw_gid)) {
    return {-1, EIO};
  }
  BufferWriter writer(buffer, size);
  entry->pw_name = writer.Copy(fields[0]);
  entry->pw_passwd = writer.Copy(fields[1]);
  entry->pw_gecos = writer.Copy(fields[4]);
  entry->pw_dir = writer.Copy(fields[5]);
  entry->pw_shell = writer.Copy(fields[6]);
  if (entry->pw_shell == nullptr) return {0, ERANGE};
  return found;
}

SysCallIntResult GetentGroup(const std::string& key, struct group* entry,
                             char* buffer, size_t size) {
  std::string line;
  const SysCallIntResult found = RunGetent("group", key, &line);
  if (found.value != 1) return found;
  // name:password:gid:member,member,...
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
  if (fields.size() != 4 || !absl::SimpleAtoi(fields[2], &entry->gr_gid)) {
    return {-1, EIO};
  }
  const std::vector<absl::string_view> members =
      absl::StrSplit(fields[3], ',', absl::SkipEmpty());
  BufferWriter writer(buffer, size);
  entry->gr_mem = writer.Pointers(members.size() + 1);
  entry->gr_name = writer.Copy(fields[0]);
  entry->gr_passwd = writer.Copy(fields[1]);
  for (size_t i = 0; entry->gr_mem != nullptr && i < members.size(); ++i) {
    entry->gr_mem[i] = writer.Copy(members[i]);
  }
  if (entry->gr_mem == nullptr || entry->gr_passwd == nullptr ||
      (!members.empty() && entry->gr_mem[members.size() - 1] == nullptr)) {
    return {0, ERANGE};
  }
  entry->gr_mem[members.size()] = nullptr;
  return found;
}

SysCallIntResult GetentGroupList(const char* user, gid_t group, gid_t* groups,
                                 int* count) {
  std::string line;
  // getent initgroups succeeds for any user: one with no other groups, or
  // none at all, is listed alone.
  const SysCallIntResult listed = RunGetent("initgroups", user, &line);
  if (!listed.ok()) return listed;
  std::vector<gid_t> all = {group};
  // The user's name, then the group ids.
  const std::vector<absl::string_view> words =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  for (size_t i = 1; i < words.size(); ++i) {
    gid_t gid;
    if (!absl::SimpleAtoi(words[i], &gid)) return {-1, EIO};
    if (gid != group) all.push_back(gid);
  }
  const int total = static_cast<int>(all.size());
  if (total > *count) {
    *count = total;
    return {-1, ERANGE};
  }
  std::copy(all.begin(), all.end(), groups);
  *count = total;
  return {total, 0};
}

}  // namespace daemonkit::internal
