#include "src/process_tree.h"

#include <fcntl.h>
#include <stdint.h>
#include <sysexits.h>

#include <string>
#include <unordered_map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "daemonkit/unique_fd.h"
#include "src/dir_entries.h"
#include "src/errno_status.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

// A stat line is a few hundred bytes: a name of at most 64, then numbers.
constexpr size_t kMaxStatLine = 1024;

// Fields 3 to 22, the last one ProcessStat needs.
constexpr int kFieldsRead = 20;

// Splits the text after the command name into fields 3, 4, ... 22; false
// unless each is ended by a space, so a line cut short cannot end field 22
// early.
bool SplitFields(absl::string_view text,
                 absl::string_view (&fields)[kFieldsRead]) {
  for (absl::string_view& field : fields) {
    const size_t end = text.find(' ');
    if (end == absl::string_view::npos) return false;
    field = text.substr(0, end);
    text.remove_prefix(end + 1);
  }
  return true;
}

// "PID (NAME) STATE PPID PGRP SESSION ...". NAME may hold anything but NUL,
// ") " too; the numbers after it never hold ')', so the last one ends it.
std::optional<ProcessStat> ParseStat(absl::string_view line) {
  const size_t name_start = line.find(" (");
  const size_t name_end = line.rfind(')');
  if (name_start == absl::string_view::npos ||
      name_end == absl::string_view::npos || name_end < name_start + 2 ||
      !absl::StartsWith(line.substr(name_end), ") ")) {
    return std::nullopt;
  }
  ProcessStat stat;
  absl::string_view fields[kFieldsRead];  // fields[N - 3] is field N.
  if (!absl::SimpleAtoi(line.substr(0, name_start), &stat.pid) ||
      !SplitFields(line.substr(name_end + 2), fields) ||
      fields[0].size() != 1 || !absl::SimpleAtoi(fields[1], &stat.ppid) ||
      !absl::SimpleAtoi(fields[2], &stat.pgrp) ||
      !absl::SimpleAtoi(fields[3], &stat.session) ||
      !absl::SimpleAtoi(fields[19], &stat.start_ticks)) {
    return std::nullopt;
  }
  stat.state = fields[0][0];
  return stat;
}

// What /proc/PID/stat says of every process listed in /proc.
absl::StatusOr<std::vector<ProcessStat>> ScanProc(Os& os) {
  const SysCallIntResult opened =
      RetryOnEintr([&] { return os.Open("/proc", kDirectoryFlags, 0); });
  if (!opened.ok()) return ErrnoStatus("opening /proc", opened.error, EX_OSERR);
  const UniqueFd proc(os, opened.value);
  std::vector<ProcessStat> processes;
  const SysCallIntResult listed =
      ForEachDirEntry(os, proc.get(), [&](const char* name) {
        const int pid = ParseNumberName(name);
        if (pid > 0) {
          const std::optional<ProcessStat> stat = ReadProcessStat(os, pid);
          if (stat) processes.push_back(*stat);
        }
        return true;
      });
  if (!listed.ok()) return ErrnoStatus("listing /proc", listed.error, EX_OSERR);
  return processes;
}

// The children of each process as lists, in /proc's order, of indices into
// a scan: built in one pass, walked in time linear in what they hold.
class ChildLists {
 public:
  static constexpr size_t kNone = SIZE_MAX;

  // Leaves out the processes with pid `root`. /proc lists each pid once, so
  // each process has one parent and a walk from root meets it once; only an
  // entry with root's pid could lead back (root gone and its pid reused,
  // during the scan, by a child of a descendant).
  ChildLists(const std::vector<ProcessStat>& processes, pid_t root)
      : next_(processes.size(), kNone) {
    // Backwards, each in front of its list, so each list is in /proc's order.
    for (size_t i = processes.size(); i-- > 0;) {
      if (processes[i].pid == root) continue;
      const auto [first, added] = first_.try_emplace(processes[i].ppid, i);
      if (!added) next_[i] = std::exchange(first->second, i);
    }
  }

  // The first child of `parent`, or kNone.
  size_t First(pid_t parent) const {
    const auto first = first_.find(parent);
    return first == first_.end() ? kNone : first->second;
  }
  // The sibling after `child`, or kNone.
  size_t Next(size_t child) const { return next_[child]; }

 private:
  std::unordered_map<pid_t, size_t> first_;
  std::vector<size_t> next_;
};

}  // namespace

std::optional<ProcessStat> ReadProcessStat(Os& os, pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/stat");
  const SysCallIntResult opened = RetryOnEintr(
      [&] { return os.Open(path.c_str(), O_RDONLY | O_CLOEXEC, 0); });
  if (!opened.ok()) return std::nullopt;
  const UniqueFd file(os, opened.value);
  char line[kMaxStatLine];
  // The kernel writes the whole line at the first read.
  const SysCallSizeResult got =
      RetryOnEintr([&] { return os.Read(file.get(), line, sizeof line); });
  if (!got.ok()) return std::nullopt;
  const std::optional<ProcessStat> stat =
      ParseStat(absl::string_view(line, static_cast<size_t>(got.value)));
  if (!stat || stat->pid != pid) return std::nullopt;
  return stat;
}

absl::StatusOr<std::vector<ProcessId>> Descendants(Os& os, pid_t root) {
  const absl::StatusOr<std::vector<ProcessStat>> processes = ScanProc(os);
  if (!processes.ok()) return processes.status();
  const ChildLists children(*processes, root);
  // Breadth first, so parents come before their children; `descendants` is
  // the walk's queue too.
  std::vector<ProcessId> descendants;
  const auto add_children_of = [&](pid_t parent) {
    for (size_t child = children.First(parent); child != ChildLists::kNone;
         child = children.Next(child)) {
      const ProcessStat& process = (*processes)[child];
      descendants.push_back({process.pid, process.start_ticks});
    }
  };
  add_children_of(root);
  for (size_t next = 0; next < descendants.size(); ++next) {
    add_children_of(descendants[next].pid);
  }
  return descendants;
}

bool StillRunning(Os& os, const ProcessId& process) {
  const std::optional<ProcessStat> stat = ReadProcessStat(os, process.pid);
  return stat && stat->start_ticks == process.start_ticks &&
         stat->state != 'Z' && stat->state != 'X';
}

}  // namespace daemonkit::internal
