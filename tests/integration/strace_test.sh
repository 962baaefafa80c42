#!/usr/bin/env bash
# The timestamp example under strace's fault injection: the kernel itself
# answers the first fork or setsid with an error. Each start must fail with the
# step and the errno text, exit EX_OSERR (71), and leave no daemon behind.
# (strace counts calls per process, so it cannot aim at the second fork alone;
# fault_injection_test fails that one with seccomp.)
set -euo pipefail

timestamp="$TEST_SRCDIR/daemonkit/examples/timestamp"
log="$TEST_TMPDIR/strace.log"
failures=0

# check NAME INJECTION EXPECTED_STDERR
check() {
  local name=$1 injection=$2 expected=$3 status=0
  # strace -f waits for every tracee: a daemon left behind would hang it.
  # Under --config=asan, LeakSanitizer cannot check a traced process.
  ASAN_OPTIONS=detect_leaks=0 timeout 10 strace -f -qq -o /dev/null -e trace="${injection%%:*}" -e inject="$injection" \
    "$timestamp" --log="$log" --interval=100ms 2>"$TEST_TMPDIR/err" || status=$?
  local err
  err=$(cat "$TEST_TMPDIR/err")
  if [[ $status -ne 71 || $err != "$expected" ]]; then
    echo "FAIL $name: exit $status, stderr: $err (expected 71, $expected)"
    failures=$((failures + 1))
  else
    echo "ok   $name: $err"
  fi
  # No daemon may be left: its log would keep growing.
  sleep 0.3
  if [[ -s $log ]]; then
    echo "FAIL $name: a daemon is writing $log"
    failures=$((failures + 1))
    pkill -KILL -f -- "--log=$log" || true
    rm -f "$log"
  fi
}

check "first fork" "clone:error=EAGAIN:when=1" \
  "timestamp: first fork failed: Resource temporarily unavailable"
check "setsid" "setsid:error=EPERM" \
  "timestamp: setsid failed: Operation not permitted"
echo "$((2 - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
