# What the shell tests share: numbered ok/FAIL lines, checks, the summary,
# and a process's identity. Source it; it defines functions and two counters.

failures=0
checked=0

ok() {
  checked=$((checked + 1))
  echo "ok   $1"
}

fail() {
  checked=$((checked + 1))
  failures=$((failures + 1))
  echo "FAIL $1"
}

# check DESCRIPTION COMMAND [ARGS...]: ok when COMMAND succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

# check_eq DESCRIPTION ACTUAL EXPECTED
check_eq() {
  if [[ -n $2 && $2 == "$3" ]]; then
    ok "$1 ($2)"
  else
    fail "$1: '$2', expected '$3'"
  fi
}

# finish_checks: the summary line; the test's exit status.
finish_checks() {
  echo "$((checked - failures)) passed, $failures failed"
  [[ $failures -eq 0 ]]
}

# start_time PID [PROC]: PID's start time (field 22 of its stat) in the
# /proc at PROC (default /proc), which with the pid names a process for
# good; fails when there is no such process or it is a zombie (its parent
# may reap it late).
start_time() {
  local stat
  stat=$(cat "${2:-/proc}/$1/stat" 2> /dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  [[ $1 != Z ]] && echo "${20}"
}
