#include "tests/support/proc_view.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace daemonkit::test {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ReadLink(const std::string& path) {
  char target[4096];
  const ssize_t length = readlink(path.c_str(), target, sizeof target);
  return length < 0 ? "" : std::string(target, static_cast<size_t>(length));
}

bool Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

std::vector<std::string> StatFields(pid_t pid) {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos || name_end + 2 > stat.size()) return {};
  return absl::StrSplit(stat.substr(name_end + 2), ' ');
}

std::string StatusField(pid_t pid, const std::string& name) {
  std::istringstream status(ReadFile(absl::StrCat("/proc/", pid, "/status")));
  for (std::string line; std::getline(status, line);) {
    if (absl::StartsWith(line, name + ":")) {
      return std::string(
          absl::StripAsciiWhitespace(line.substr(name.size() + 1)));
    }
  }
  return "";
}

std::map<pid_t, char> ChildrenOf(pid_t pid) {
  std::map<pid_t, char> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (const struct dirent* entry = readdir(proc)) {
    pid_t child;
    if (!absl::SimpleAtoi(entry->d_name, &child)) continue;
    const std::vector<std::string> fields = StatFields(child);
    pid_t parent;
    // stat(5): field 3 is the state, field 4 the parent.
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &parent) &&
        parent == pid && !fields[0].empty()) {
      children[child] = fields[0][0];
    }
  }
  closedir(proc);
  return children;
}

std::vector<int> OpenFds(pid_t pid) {
  std::vector<int> fds;
  const std::string path = absl::StrCat("/proc/", pid, "/fd");
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return fds;
  while (const struct dirent* entry = readdir(dir)) {
    int fd;
    // The listing's own descriptor shows when a process lists itself.
    if (absl::SimpleAtoi(entry->d_name, &fd) &&
        (pid != getpid() || fd != dirfd(dir))) {
      fds.push_back(fd);
    }
  }
  closedir(dir);
  std::sort(fds.begin(), fds.end());
  return fds;
}

bool Runs(pid_t pid) {
  const std::vector<std::string> fields = StatFields(pid);
  return !fields.empty() && fields[0] != "Z" && fields[0] != "X";
}

pid_t ParentOf(pid_t pid) {
  const std::vector<std::string> fields = StatFields(pid);
  int parent = -1;
  if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &parent)) return -1;
  return parent;
}

std::vector<pid_t> PidsIn(const std::string& path) {
  std::vector<pid_t> pids;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(path), '\n', absl::SkipEmpty())) {
    int pid;
    if (absl::SimpleAtoi(line, &pid)) pids.push_back(pid);
  }
  return pids;
}

}  // namespace daemonkit::test
