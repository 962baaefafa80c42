#!/usr/bin/env bash
# Debian's start-stop-daemon with daemonize's supervisor, the recipe
#
#   start-stop-daemon --start --pidfile F --exec COMMAND --startas daemonize \
#       -- --pid-file=F -- COMMAND ARGS...
#   start-stop-daemon --stop --pidfile F --exec COMMAND
#
# The pid file names COMMAND, so --exec names COMMAND's executable (for a
# script, its interpreter: that is what /proc/PID/exe shows). A second start
# finds it running and starts nothing; --stop signals COMMAND alone, and the
# supervisor, seeing it end, stops the rest, removes the pid file and exits.
set -euo pipefail

daemonize=$(readlink -f "$TEST_SRCDIR/daemonkit/tools/daemonize")
timestamp=$(readlink -f "$TEST_SRCDIR/daemonkit/examples/timestamp")
work=$(mktemp -d "$TEST_TMPDIR/work.XXXXXX")
source "$TEST_SRCDIR/daemonkit/tests/support/shell_checks.sh"

# remember PID...: "PID START" lines for the processes still there.
remember() {
  local pid start
  for pid in "$@"; do
    start=$(start_time "$pid") && echo "$pid $start"
  done
}

# with_marker MARKER: the live processes whose command line holds MARKER
# (read from a file, so that grep's own command line does not).
with_marker() {
  echo "$1" > "$work/marker"
  grep -lsF -f "$work/marker" /proc/[0-9]*/cmdline | cut -d/ -f3 | sort -n |
    tr '\n' ' ' || true
}

# all_gone FILE MARKER: within 3 s, none of the processes that FILE
# remembers runs any more, nor any other with MARKER in its command line.
all_gone() {
  local i pid start left
  for ((i = 0; i < 300; i++)); do
    left=
    while read -r pid start; do
      [[ $(start_time "$pid") == "$start" ]] && left+=" $pid"
    done < "$1"
    left+=$(with_marker "$2")
    [[ -z ${left// /} ]] && return 0
    sleep 0.01
  done
  echo "     still running:$left" >&2
  return 1
}

# parent PID: PID's parent.
parent() {
  awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2> /dev/null || true
}

# exe PID: what PID runs.
exe() {
  readlink "/proc/$1/exe" || true
}

stopped=()
# On the way out, whatever a failed check left running is stopped.
cleanup() {
  local pid_file
  for pid_file in "${stopped[@]}"; do
    "$daemonize" --stop --stop-timeout=1s --pid-file="$pid_file" \
      > /dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# --- timestamp, a program: --exec names it ------------------------------
pid_file=$work/timestamp.pid
log=$work/timestamp.log
stopped+=("$pid_file")
start=(start-stop-daemon --start --pidfile "$pid_file" --exec "$timestamp"
  --startas "$daemonize" -- --pid-file="$pid_file" --stop-timeout=300ms
  -- "$timestamp" --foreground --log="$log" --interval=50ms)
check "timestamp: start-stop-daemon --start" "${start[@]}"
command=$(cat "$pid_file" 2> /dev/null) || command=
check_eq "timestamp: the pid file names COMMAND" "$(exe "$command")" \
  "$timestamp"
supervisor=$(parent "$command")
check_eq "timestamp: its parent is daemonize's supervisor" \
  "$(exe "$supervisor")" "$daemonize"
remember "$command" "$supervisor" > "$work/timestamp.procs"

status=0
output=$("${start[@]}" 2>&1) || status=$?
check_eq "timestamp: a second start fails" "$status" 1
check "timestamp: ... saying it is already running ($output)" \
  grep -q "already running" <<< "$output"
check_eq "timestamp: ... and starts nothing: the processes with its log" \
  "$(with_marker "--log=$log")" "$(echo "$supervisor $command" |
    tr ' ' '\n' | sort -n | tr '\n' ' ')"

check "timestamp: start-stop-daemon --stop" \
  start-stop-daemon --stop --pidfile "$pid_file" --exec "$timestamp"
check "timestamp: COMMAND and the supervisor are gone" \
  all_gone "$work/timestamp.procs" "--log=$log"
check "timestamp: no pid file" test ! -e "$pid_file"

# --- a script that starts a tree: --exec names its interpreter ----------
# COMMAND: a child, a child that ignores SIGTERM, an orphan in its own
# session (the supervisor, a subreaper, adopts it) and the child it waits
# on; it records their pids, and its own last, in directory $1.
records=$work/tree
mkdir "$records"
tree=$work/tree.sh
cat > "$tree" << 'EOF'
#!/bin/bash
records=$1
sleep 1000 & echo $! >> "$records/pids"
(trap '' TERM; exec sleep 1000) & echo $! >> "$records/pids"
(setsid sleep 1000 & echo $! >> "$records/pids")
sleep 1000 & keep=$!
echo $keep >> "$records/pids"
echo $$ > "$records/command.pid"
while [[ -e /proc/$keep ]]; do wait $keep || true; done
EOF
chmod 755 "$tree"
pid_file=$work/tree.pid
stopped+=("$pid_file")
check "tree: start-stop-daemon --start" \
  start-stop-daemon --start --pidfile "$pid_file" --exec /bin/bash \
  --startas "$daemonize" -- --pid-file="$pid_file" --stop-timeout=300ms \
  -- "$tree" "$records"
for ((i = 0; i < 300; i++)); do
  [[ -s $records/command.pid ]] && break
  sleep 0.01
done
command=$(cat "$records/command.pid" 2> /dev/null) || command=
check_eq "tree: the pid file names COMMAND" \
  "$(cat "$pid_file" 2> /dev/null)" "$command"
supervisor=$(parent "$command")
# shellcheck disable=SC2046
remember "$supervisor" "$command" $(cat "$records/pids") > "$work/tree.procs"
check_eq "tree: processes: the supervisor, COMMAND and 4 children" \
  "$(wc -l < "$work/tree.procs")" 6

check "tree: start-stop-daemon --stop" \
  start-stop-daemon --stop --pidfile "$pid_file" --exec /bin/bash
check "tree: every process is gone, the child that ignores SIGTERM too" \
  all_gone "$work/tree.procs" "$records"
check "tree: no pid file" test ! -e "$pid_file"

finish_checks
