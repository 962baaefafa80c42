#include "src/exec_search_path.h"

#include <errno.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace daemonkit::internal {
namespace {

// execvp(3)'s default when PATH is unset.
constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";

}  // namespace

int ExecSearchingPath(Os& os, const std::vector<std::string>& argv) {
  std::vector<char*> arguments;
  for (const std::string& argument : argv) {
    arguments.push_back(const_cast<char*>(argument.c_str()));
  }
  arguments.push_back(nullptr);
  const std::string& program = argv[0];
  if (program.find('/') != std::string::npos) {
    return os.ExecVe(program.c_str(), arguments.data(), environ).error;
  }
  const char* path = os.GetEnv("PATH");
  bool denied = false;
  for (absl::string_view directory :
       absl::StrSplit(path != nullptr ? path : kDefaultPath, ':')) {
    const std::string candidate =
        absl::StrCat(directory.empty() ? "." : directory, "/", program);
    const int error =
        os.ExecVe(candidate.c_str(), arguments.data(), environ).error;
    // As execvp: look further on these; remember a file found but refused.
    if (error == EACCES) {
      denied = true;
    } else if (error != ENOENT && error != ENOTDIR && error != ESTALE) {
      return error;
    }
  }
  return denied ? EACCES : ENOENT;
}

}  // namespace daemonkit::internal
