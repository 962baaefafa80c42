#!/usr/bin/env bash
# README.md quotes examples/minimal.cc whole, and the program does what the
# README says: the launcher prints the daemon's pid once it is ready, and a
# daemon that cannot open its log makes the launcher say why and exit 73
# (EX_CANTCREAT), leaving nothing running.
set -euo pipefail

root="$TEST_SRCDIR/daemonkit"
minimal="$root/examples/minimal"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# The ```cpp block that follows the README line naming examples/minimal.cc.
quoted=$(awk '
  !found && /examples\/minimal\.cc/ { armed = 1 }
  armed && /^```cpp$/ { inside = 1; armed = 0; found = 1; next }
  inside && /^```$/ { exit }
  inside { print }' "$root/README.md")
if ! diff <(printf '%s\n' "$quoted") "$root/examples/minimal.cc"; then
  fail "README.md's quote of examples/minimal.cc differs from the file (above)"
fi

# A ready daemon: the launcher exits 0 with its pid, and it serves.
log="$TEST_TMPDIR/beats.log"
pid=$("$minimal" "$log") || fail "the launcher exited $?"
# The daemon opens (creates) its log before it says it is ready.
[ -e "$log" ] || fail "the launcher returned before the daemon was ready"
for _ in $(seq 50); do
  grep -qx "beat 0" "$log" && break
  sleep 0.1
done
grep -qx "beat 0" "$log" || fail "the daemon wrote no line in 5 s"
state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
case "$state" in S | R) ;; *) fail "daemon $pid is $state, not running" ;; esac
kill -TERM "$pid" 2>/dev/null || true

# A daemon that cannot open its log: the launcher reports it.
status=0
"$minimal" /nonexistent/beats.log 2>"$TEST_TMPDIR/err" >/dev/null || status=$?
[ "$status" -eq 73 ] || fail "a log that cannot be opened exited $status, not 73"
expected="minimal: cannot open /nonexistent/beats.log: No such file or directory"
[ "$(cat "$TEST_TMPDIR/err")" = "$expected" ] ||
  fail "said '$(cat "$TEST_TMPDIR/err")', not '$expected'"
if pgrep -f "$minimal /nonexistent" >/dev/null; then
  fail "a failed start left a daemon running"
fi

[ "$failures" -eq 0 ] && echo "PASS"
exit "$failures"
