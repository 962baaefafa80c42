// Command-line checking for the examples: an unknown flag or a bad value ends
// the program with EX_USAGE (64) and one clear line, where
// absl::ParseCommandLine would exit with status 1.
#ifndef DAEMONKIT_EXAMPLES_STRICT_FLAGS_H_
#define DAEMONKIT_EXAMPLES_STRICT_FLAGS_H_

namespace daemonkit::examples {

// Checks every flag in `argv` against the program's Abseil flags, then parses
// them with absl::ParseCommandLine (so --help and friends work as usual).
// Positional arguments are refused too.
void ParseFlagsOrExit(int argc, char** argv, const char* program);

}  // namespace daemonkit::examples

#endif  // DAEMONKIT_EXAMPLES_STRICT_FLAGS_H_
