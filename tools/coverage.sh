#!/usr/bin/env bash
# Line coverage of daemonkit's library: src/, include/ and mocks/ (not tests/,
# examples/, tools/, bench/ or external/), as measured by the test suite.
#
# Usage: tools/coverage.sh [--help] [--no-flush] [TARGET_PATTERN...]
#   TARGET_PATTERN  what to build and test (default: //...)
#   --no-flush      do not preload tools/gcov_flush.c (see 1. below)
#
# `bazel coverage` needs @remote_coverage_tools, which is not available
# offline (bazel/stand_ins.bzl), so this script does by hand what it would do:
#
#   1. `./bazelw test --config=gcov` builds every target with gcc's --coverage
#      at -O0 in its own output directory (bazel-out/k8-fastbuild-gcov; the
#      normal build's outputs stay as they were) and runs the tests, never
#      from the test cache. Each instrumented process writes its counters
#      (.gcda) when it exits, into coverage/gcda/ through GCOV_PREFIX, a path
#      the sandbox is told to leave writable. Only exit(3) writes them, and
#      the tests' forked children and daemons end with _exit(2) or execve(2)
#      by design, so the tests run with tools/gcov_flush.c preloaded, which
#      writes them there too. A process killed by a signal still writes
#      nothing, nor does one that is statically linked and does not exit
#      (docs/coverage.md).
#   2. The notes files gcc wrote beside each object (.gcno, not declared to
#      Bazel, so kept because .bazelrc compiles outside the sandbox in that
#      config) are gathered with the counters, for the objects of the current
#      build only (asked of `bazel aquery`, so stale objects do not count).
#   3. gcovr (Debian's package; installed with apt-get when missing and root)
#      turns them into per-line counts; headers are reported under include/
#      rather than the _virtual_includes links Bazel compiles them through.
#
# Prints a per-file table (lines, executed, percentage, uncovered lines) and
# the total, and writes under coverage/ (git-ignored):
#   coverage/coverage.txt       the same table
#   coverage/html/index.html    the report, each file with its lines marked
#   coverage/coverage.json      gcovr's JSON, for other tools
# Exits non-zero when a test fails (the figures are then printed all the same,
# but count only what ran) or when no coverage could be gathered.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

targets=()
flush=1
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      usage
      exit 0
      ;;
    --no-flush) flush=0 ;;
    -*)
      echo "coverage.sh: unknown option: $arg (see --help)" >&2
      exit 2
      ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(//...)

cd "$(dirname "$0")/.."
workspace=$PWD
out=$workspace/coverage

if ! command -v gcovr >/dev/null 2>&1; then
  echo "coverage.sh: installing gcovr" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "coverage.sh: cannot install it: not root. Install it with:" >&2
    echo "    sudo apt-get install gcovr" >&2
    exit 1
  fi
  if ! { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcovr; } >&2; then
    echo "coverage.sh: apt-get could not install gcovr" >&2
    exit 1
  fi
fi

timings=()
step_name=
step_started=0
# step NAME: starts timing the step called NAME, ending the one before.
step() {
  end_step
  step_name=$1
  step_started=$SECONDS
  echo "coverage.sh: $step_name" >&2
}
end_step() {
  if [ -n "$step_name" ]; then
    timings+=("$(printf '%5ds  %s' $((SECONDS - step_started)) "$step_name")")
  fi
  step_name=
}

rm -rf "$out"
mkdir -p "$out/gcda" "$out/data"

# gcc's objects name their .gcda files after where they were compiled:
# /proc/self/cwd/bazel-out/..., as Bazel runs gcc with PWD=/proc/self/cwd.
# GCOV_PREFIX_STRIP drops the first three directories.
# GCOV_ERROR_FILE: libgcov's complaints (a process that could not write its
# counters) go there rather than into the output that tests compare.
errors=$out/gcda/gcov-errors.txt
test_flags=(--nocache_test_results
  --test_env=GCOV_PREFIX="$out/gcda" --test_env=GCOV_PREFIX_STRIP=3
  --test_env=GCOV_ERROR_FILE="$errors"
  --sandbox_writable_path="$out/gcda")
if [ "$flush" -eq 1 ]; then
  # With the gcc that compiles the tests: libgcov must be the same version.
  gcc -shared -fPIC -O1 -Wall -o "$out/gcov_flush.so" tools/gcov_flush.c -lgcov
  test_flags+=(--test_env=LD_PRELOAD="$out/gcov_flush.so")
fi

step "build and test with --config=gcov"
test_status=0
./bazelw test --config=gcov "${test_flags[@]}" "${targets[@]}" ||
  test_status=$?
# 3: some tests failed; 4: no test to run. Anything else: nothing was built.
if [ "$test_status" -ne 0 ] && [ "$test_status" -ne 3 ]; then
  echo "coverage.sh: bazel test failed (exit $test_status)" >&2
  exit 1
fi

step "gather counters and notes of the current objects"
execroot=$(./bazelw info --config=gcov execution_root 2>/dev/null)
query="mnemonic(\"CppCompile\", deps($(printf ' + %s' "${targets[@]}" | cut -c4-)))"
objects=$(./bazelw aquery --config=gcov "$query" --output=text 2>/dev/null |
  grep -o 'bazel-out/[^] ,]*\.o' | grep -v '/bin/external/' | sort -u)
counted=0
for object in $objects; do
  base=${object%.o}
  # Compiled without --config=gcov's flags (or not compiled): nothing to read.
  [ -f "$execroot/$base.gcno" ] || continue
  mkdir -p "$out/data/$(dirname "$base")"
  cp "$execroot/$base.gcno" "$out/data/$base.gcno"
  if [ -f "$out/gcda/$base.gcda" ]; then
    cp "$out/gcda/$base.gcda" "$out/data/$base.gcda"
    counted=$((counted + 1))
  fi
done
if [ "$counted" -eq 0 ]; then
  echo "coverage.sh: no test wrote coverage counters under $out/gcda" >&2
  exit 1
fi

step "gcov (gcovr)"
# gcovr names files as the compiler saw them from the execution root (src/...
# and bazel-out/.../_virtual_includes/<target>/daemonkit/...), and filters on
# their real paths, which lead back into this workspace.
workspace_regex=$(python3 -c 'import re, sys; print(re.escape(sys.argv[1]))' "$workspace")
(cd "$execroot" && gcovr -j 2 --root . \
  --filter "$workspace_regex/(src|include|mocks)/" \
  --json "$out/execroot.json" "$out/data")
python3 - "$execroot" "$workspace" "$out/execroot.json" "$out/coverage.json" <<'EOF'
# Renames each file to its path in the workspace (include/daemonkit/os.h, not
# bazel-out/.../_virtual_includes/os/daemonkit/os.h).
import json, os, sys
execroot, workspace, source, destination = sys.argv[1:]
with open(source) as f:
    report = json.load(f)
for entry in report["files"]:
    real = os.path.realpath(os.path.join(execroot, entry["file"]))
    entry["file"] = os.path.relpath(real, workspace)
with open(destination, "w") as f:
    json.dump(report, f)
EOF
rm "$out/execroot.json"

step "reports"
mkdir -p "$out/html"
gcovr --root . --add-tracefile "$out/coverage.json" \
  --txt "$out/coverage.txt" \
  --html-details "$out/html/index.html" --html-title "daemonkit line coverage" \
  --print-summary >"$out/summary.txt"
end_step

cat "$out/coverage.txt"
grep '^lines:' "$out/summary.txt"
echo
echo "Report: $out/html/index.html"
echo "Steps:"
printf '  %s\n' "${timings[@]}"
if [ "$flush" -eq 0 ]; then
  echo "Without --no-flush, processes that end with _exit(2) count too."
fi
if [ -s "$errors" ]; then
  cp "$errors" "$out/gcov-errors.txt"
  echo "Some processes could not write their counters ($(wc -l <"$errors") complaints): $out/gcov-errors.txt"
fi
if [ "$test_status" -eq 3 ]; then
  echo "coverage.sh: some tests failed; these figures count only what ran" >&2
  exit 1
fi
