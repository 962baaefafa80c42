#include "tools/lean_init_launch.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "daemonkit/unique_fd.h"
#include "src/file_trust.h"

namespace daemonkit::tools {
namespace {

// The daemonize-init beside `program`, opened; none (-1) unless it is a
// regular file that only trusted users could have made what it is.
UniqueFd OpenTrusted(Os& os, const std::string& program) {
  const internal::FileTrust trust = {os.GetUid(), std::nullopt};
  const std::string directory = program.substr(0, program.rfind('/') + 1);
  UniqueFd dir(
      os,
      os.Open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0).value);
  struct stat info;
  if (dir.get() < 0 || !os.FStat(dir.get(), &info).ok() ||
      trust.OthersMayWrite(info)) {
    return UniqueFd();
  }
  UniqueFd file(os, os.OpenAt(dir.get(), "daemonize-init",
                              O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0)
                        .value);
  if (file.get() < 0 || !os.FStat(file.get(), &info).ok() ||
      !S_ISREG(info.st_mode) || trust.OthersMayWrite(info)) {
    return UniqueFd();
  }
  return file;
}

}  // namespace

void ExecLeanInit(Os& os, absl::Duration stop_timeout,
                  const std::vector<std::string>& args) {
  char self[PATH_MAX];
  const SysCallSizeResult length =
      os.ReadLink("/proc/self/exe", self, sizeof self);
  if (!length.ok() || length.value <= 0 ||
      static_cast<size_t>(length.value) >= sizeof self) {
    return;
  }
  std::string program(self, static_cast<size_t>(length.value));
  const UniqueFd init = OpenTrusted(os, program);
  if (init.get() < 0) return;
  // Close-on-exec: the kernel opens an ELF program before it closes them.
  const std::string path = absl::StrCat("/proc/self/fd/", init.get());
  std::vector<std::string> strings = {
      "daemonize-init",
      absl::StrCat("--stop-timeout-ms=",
                   absl::ToInt64Milliseconds(stop_timeout)),
      "--", program, "--init-child"};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& each : strings) argv.push_back(each.data());
  argv.push_back(nullptr);
  os.ExecVe(path.c_str(), argv.data(), environ);
}

}  // namespace daemonkit::tools
