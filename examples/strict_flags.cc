#include "examples/strict_flags.h"

#include <sysexits.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace daemonkit::examples {
namespace {

[[noreturn]] void UsageError(const char* program, const std::string& what) {
  std::fprintf(stderr, "%s: %s (see --help)\n", program, what.c_str());
  std::exit(EX_USAGE);
}

}  // namespace

void ParseFlagsOrExit(int argc, char** argv, const char* program) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "-")) {
      UsageError(program, absl::StrCat("unexpected argument '", arg, "'"));
    }
    absl::ConsumePrefix(&arg, "-");
    const size_t equals = arg.find('=');
    const absl::string_view name = arg.substr(0, equals);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && equals == absl::string_view::npos &&
        absl::StartsWith(name, "no")) {
      // --nofoo for a boolean foo.
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) continue;
    }
    if (flag == nullptr) {
      UsageError(program, absl::StrCat("unknown flag --", name));
    }
    std::string value;
    if (equals != absl::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (flag->IsOfType<bool>()) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      UsageError(program, absl::StrCat("--", name, " needs a value"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      UsageError(program, error);
    }
  }
  if (absl::ParseCommandLine(argc, argv).size() > 1) {
    UsageError(program, "unexpected arguments after --");
  }
}

}  // namespace daemonkit::examples
