// A path split into the directory that holds it and its last component, to
// open the directory once and the file relative to it.
#ifndef DAEMONKIT_SRC_PATH_PARTS_H_
#define DAEMONKIT_SRC_PATH_PARTS_H_

#include <string>

namespace daemonkit::internal {

struct PathParts {
  std::string directory;  // "." for a bare name, "/" for "/name".
  std::string name;       // Empty, "." or "..": the path names no file.
};

inline PathParts SplitPath(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

inline bool NamesAFile(const PathParts& parts) {
  return !parts.name.empty() && parts.name != "." && parts.name != "..";
}

}  // namespace daemonkit::internal

#endif  // DAEMONKIT_SRC_PATH_PARTS_H_
