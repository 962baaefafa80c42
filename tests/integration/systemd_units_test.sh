#!/usr/bin/env bash
# The example systemd units pass `systemd-analyze verify`, run against the
# real timestamp and daemonize binaries, with nothing to warn about.
set -euo pipefail

timestamp="$TEST_SRCDIR/daemonkit/examples/timestamp"
daemonize="$TEST_SRCDIR/daemonkit/tools/daemonize"
units="$TEST_SRCDIR/daemonkit/examples/systemd"
failures=0
checked=0

# verify UNIT_FILE: exit status and output of systemd-analyze verify.
verify() {
  local copy="$TEST_TMPDIR/$(basename "$1")"
  sed -e "s|/usr/local/bin/timestamp|$timestamp|g" \
    -e "s|/usr/local/bin/daemonize|$daemonize|g" "$1" > "$copy"
  systemd-analyze verify --man=no "$copy" > "$TEST_TMPDIR/verify.out" 2>&1
}

for unit in "$units"/*.service; do
  checked=$((checked + 1))
  if verify "$unit" && [[ ! -s $TEST_TMPDIR/verify.out ]]; then
    echo "ok   $(basename "$unit")"
  else
    echo "FAIL $(basename "$unit"):"
    cat "$TEST_TMPDIR/verify.out"
    failures=$((failures + 1))
  fi
done

# The check can fail: a unit with a typo does.
printf '[Service]\nType=notfy\nExecStart=/usr/local/bin/timestamp\n' \
  > "$TEST_TMPDIR/broken.service"
checked=$((checked + 1))
if verify "$TEST_TMPDIR/broken.service" && [[ ! -s $TEST_TMPDIR/verify.out ]]; then
  echo "FAIL broken.service passed verification"
  failures=$((failures + 1))
else
  echo "ok   broken.service is refused"
fi

[[ $checked -ge 3 ]] || { echo "FAIL: found no units"; failures=$((failures + 1)); }
echo "$((checked - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
