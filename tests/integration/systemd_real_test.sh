#!/usr/bin/env bash
# The example units under a real systemd (tests/support/systemd_sandbox.sh),
# run as users would run them: daemonize-forking.service and
# daemonize-notify.service with a COMMAND that starts a tree of processes, and
# the timestamp example's two units. `systemctl start` succeeds only when
# COMMAND runs, systemd's MainPID and the pid file name the right process,
# `systemctl reload` reaches COMMAND, and `systemctl stop` leaves no process
# and no pid file. Needs real root (tags = ["no-sandbox"]).
set -euo pipefail

source "$TEST_SRCDIR/daemonkit/tests/support/systemd_sandbox.sh"

daemonize=$(readlink -f "$TEST_SRCDIR/daemonkit/tools/daemonize")
timestamp=$(readlink -f "$TEST_SRCDIR/daemonkit/examples/timestamp")
examples=$TEST_SRCDIR/daemonkit/examples/systemd
work=$(mktemp -d "$TEST_TMPDIR/work.XXXXXX")
source "$TEST_SRCDIR/daemonkit/tests/support/shell_checks.sh"

# timed COMMAND [ARGS...]: runs COMMAND, sets `took` to its milliseconds.
timed() {
  local start status=0
  start=$(date +%s%N)
  "$@" || status=$?
  took=$((($(date +%s%N) - start) / 1000000))
  return $status
}

# in_sandbox PATH: the host's name for PATH inside the sandbox.
in_sandbox() {
  sandbox_path "$1"
}

# show UNIT PROPERTY: one property of UNIT.
show() {
  sandbox_systemctl show --property="$2" --value "$1"
}

# remember PROC PID...: "PROC PID START" lines for the processes still there.
remember() {
  local proc=$1 pid start
  shift
  for pid in "$@"; do
    if start=$(start_time "$pid" "$proc"); then
      echo "$proc $pid $start"
    else
      echo "     $pid is gone already" >&2
    fi
  done
}

# all_gone FILE: none of the processes that FILE remembers runs any more.
all_gone() {
  local proc pid start left=
  while read -r proc pid start; do
    [[ $(start_time "$pid" "$proc") == "$start" ]] && left+=" $pid"
  done < "$1"
  [[ -z $left ]] || echo "     still running:$left" >&2
  [[ -z $left ]]
}

# cgroup_empty UNIT: UNIT's cgroup holds no process (or is gone).
cgroup_empty() {
  local procs
  procs=$(cat "$(sandbox_unit_cgroup "$1")/cgroup.procs" 2> /dev/null) || true
  [[ -z $procs ]] || echo "     left in the cgroup: $procs" >&2
  [[ -z $procs ]]
}

# wait_for FILE: until FILE exists, at most 3 s.
wait_for() {
  local i
  for ((i = 0; i < 300; i++)); do
    [[ -s $1 ]] && return 0
    sleep 0.01
  done
  return 1
}

# COMMAND for the daemonize units: reloads on SIGHUP by writing a line;
# starts a child, a child that ignores SIGTERM, an orphan in its own session
# (the supervisor, a subreaper, adopts it) and the child it waits on. Records
# their pids, and its own last, once the tree is complete, in directory $1.
tree=$work/tree.sh
cat > "$tree" << 'EOF'
#!/bin/bash
records=$1
trap 'echo reloaded >> "$records/reloads"' HUP
sleep 1000 & echo $! >> "$records/pids"
(trap '' TERM; exec sleep 1000) & echo $! >> "$records/pids"
(setsid sleep 1000 & echo $! >> "$records/pids")
sleep 1000 & keep=$!
echo $keep >> "$records/pids"
echo $$ > "$records/command.pid"
while [[ -e /proc/$keep ]]; do wait $keep || true; done
EOF
chmod 755 "$tree"

# install_example EXAMPLE UNIT SED_EXPRESSION...: the example unit file,
# edited by sed, as UNIT in the sandbox. Fails when an expression changed
# nothing, so that the test never runs a unit it did not mean to.
install_example() {
  local example=$examples/$1 unit=$SANDBOX_UNITS/$2 expression
  shift 2
  cp "$example" "$unit"
  for expression in "$@"; do
    cp "$unit" "$unit.before"
    sed -i -e "$expression" "$unit"
    if cmp -s "$unit" "$unit.before"; then
      echo "$example: '$expression' changed nothing" >&2
      return 1
    fi
  done
  rm -f "$unit.before"
}

# A daemonize example as unit NAME, running the tree with records in
# $work/NAME. The stop timeout is short: the child that ignores SIGTERM
# waits for the SIGKILL.
install_daemonize_example() {
  mkdir "$work/$2"
  install_example "$1" "$2.service" \
    "s|/usr/local/bin/daemonize|$daemonize|g" \
    "s|/run/app.pid|/run/$2.pid|g" \
    "s| -- /usr/local/bin/app --port=8080| --stop-timeout=300ms -- $tree $work/$2|"
}

sandbox_init
install_daemonize_example daemonize-forking.service forking
install_daemonize_example daemonize-notify.service notify
# The notify example with a COMMAND that does not exist.
install_example daemonize-notify.service missing-notify.service \
  "s|/usr/local/bin/daemonize|$daemonize|g" \
  "s|/run/app.pid|/run/missing-notify.pid|g" \
  "s|/usr/local/bin/app|$work/no-such-command|" \
  "/^Restart=/d"
# The forking example with a COMMAND that does not exist.
install_example daemonize-forking.service missing.service \
  "s|/usr/local/bin/daemonize|$daemonize|g" \
  "s|/run/app.pid|/run/missing.pid|g" \
  "s|/usr/local/bin/app|$work/no-such-command|"
install_example timestamp-forking.service timestamp-forking.service \
  "s|/usr/local/bin/timestamp|$timestamp|g" \
  "s|/var/log/timestamp.log|$work/timestamp-forking.log|" \
  "s|--interval=10s|--interval=100ms|"
install_example timestamp.service timestamp.service \
  "s|/usr/local/bin/timestamp|$timestamp|g" \
  "s|/var/log/timestamp.log|$work/timestamp.log|" \
  "s|--interval=10s|--interval=100ms|"

if ! timed sandbox_boot; then
  echo "FAIL systemd did not boot"
  exit 1
fi
echo "     systemd booted in $took ms"
proc=$(in_sandbox /proc)

# A started tree: $1 the unit, $2 its records. Sets command (COMMAND's pid)
# and remembers the unit's processes in $work/$1.procs, as the host and the
# sandbox number them.
started_tree() {
  local unit=$1 records=$2
  check "$unit: COMMAND runs and started its children" \
    wait_for "$records/command.pid"
  command=$(cat "$records/command.pid" 2> /dev/null) || command=
  local host_pids
  host_pids=$(cat "$(sandbox_unit_cgroup "$unit.service")/cgroup.procs") || true
  # The supervisor, COMMAND and its four children.
  check_eq "$unit: processes in the unit's cgroup" \
    "$(echo "$host_pids" | wc -l)" 6
  {
    # shellcheck disable=SC2046
    remember /proc $host_pids
    # shellcheck disable=SC2046
    remember "$proc" "$command" $(cat "$records/pids")
  } > "$work/$unit.procs"
}

# reload_reaches UNIT RECORDS: systemctl reload makes COMMAND's trap run.
reload_reaches() {
  if ! sandbox_systemctl reload "$1.service"; then
    fail "$1: systemctl reload"
    return
  fi
  check "$1: systemctl reload reaches COMMAND (its SIGHUP trap ran)" \
    wait_for "$2/reloads"
}

# stopped_clean UNIT [PID_FILE]: after systemctl stop, nothing of it is left.
stopped_clean() {
  if timed sandbox_systemctl stop "$1.service"; then
    ok "$1: systemctl stop, in $took ms"
  else
    fail "$1: systemctl stop"
  fi
  check "$1: its cgroup is empty" cgroup_empty "$1.service"
  check "$1: every process it had is gone" all_gone "$work/$1.procs"
  if [[ -n $2 ]]; then
    check "$1: no pid file $2" test ! -e "$(in_sandbox "$2")"
  fi
}

# --- daemonize-forking.service ------------------------------------------
records=$work/forking
if timed sandbox_systemctl start forking.service; then
  ok "forking: systemctl start, in $took ms"
else
  fail "forking: systemctl start"
fi
started_tree forking "$records"
main_pid=$(show forking.service MainPID) || true
check_eq "forking: MainPID is COMMAND's pid" "$main_pid" "$command"
check_eq "forking: the pid file names MainPID" \
  "$(cat "$(in_sandbox /run/forking.pid)")" "$main_pid"
check "forking: MainPID runs COMMAND (its cmdline)" \
  grep -qF "$tree" "$proc/$main_pid/cmdline"
parent=$(awk '/^PPid:/ { print $2 }' "$proc/$main_pid/status") || true
check_eq "forking: COMMAND's parent is daemonize's supervisor" \
  "$(readlink "$proc/$parent/exe")" "$daemonize"
reload_reaches forking "$records"
stopped_clean forking /run/forking.pid

# --- a COMMAND that cannot run --------------------------------------------
if sandbox_systemctl start missing.service 2> /dev/null; then
  fail "missing: systemctl start succeeded"
else
  ok "missing: systemctl start fails"
fi
# ExecStart is a control process under Type=forking: its status is there.
exec_start=$(show missing.service ExecStart) || true
check_eq "missing: daemonize's exit status" \
  "$(echo "$exec_start" | grep -o 'status=[0-9]*')" status=127
check_eq "missing: the unit" "$(show missing.service ActiveState)" failed
check "missing: its cgroup is empty" cgroup_empty missing.service
check "missing: no pid file" test ! -e "$(in_sandbox /run/missing.pid)"

# --- daemonize-notify.service ----------------------------------------------
records=$work/notify
if timed sandbox_systemctl start notify.service; then
  ok "notify: systemctl start, in $took ms"
else
  fail "notify: systemctl start"
fi
started_tree notify "$records"
main_pid=$(show notify.service MainPID) || true
check_eq "notify: MainPID is daemonize's supervisor" \
  "$(readlink "$proc/$main_pid/exe")" "$daemonize"
check_eq "notify: the pid file names COMMAND" \
  "$(cat "$(in_sandbox /run/notify.pid)")" "$command"
check_eq "notify: COMMAND's parent is MainPID" \
  "$(awk '/^PPid:/ { print $2 }' "$proc/$command/status")" "$main_pid"
reload_reaches notify "$records"
# COMMAND killed: the supervisor stops the rest and exits 128+9, which systemd
# sees, so Restart=on-failure starts a new one.
rm -f "$records/command.pid" "$records/pids"
sandbox_exec kill -KILL "$command" || true
check "notify: a new COMMAND after the first was killed" \
  wait_for "$records/command.pid"
check_eq "notify: systemd saw the failure and restarted" \
  "$(show notify.service NRestarts)" 1
check "notify: every process of the killed COMMAND is gone" \
  all_gone "$work/notify.procs"
started_tree notify "$records"
stopped_clean notify /run/notify.pid
check_eq "notify: systemd saw a clean stop" \
  "$(show notify.service Result)" success

if sandbox_systemctl start missing-notify.service; then
  fail "missing-notify: systemctl start succeeded"
else
  ok "missing-notify: systemctl start fails"
fi
check_eq "missing-notify: the unit" \
  "$(show missing-notify.service ActiveState)" failed
check_eq "missing-notify: daemonize's exit status" \
  "$(show missing-notify.service ExecMainStatus)" 127
check "missing-notify: its cgroup is empty" cgroup_empty missing-notify.service
check "missing-notify: no pid file" \
  test ! -e "$(in_sandbox /run/missing-notify.pid)"

# --- the timestamp example's units ----------------------------------------
# timestamp_unit UNIT PID_FILE: start, MainPID, reload, stop.
timestamp_unit() {
  local unit=$1 pid_file=$2 log=$work/$1.log
  if timed sandbox_systemctl start "$unit.service"; then
    ok "$unit: systemctl start, in $took ms"
  else
    fail "$unit: systemctl start"
  fi
  main_pid=$(show "$unit.service" MainPID) || true
  check_eq "$unit: MainPID runs timestamp" \
    "$(readlink "$proc/$main_pid/exe")" "$timestamp"
  if [[ -n $pid_file ]]; then
    check_eq "$unit: the pid file names MainPID" \
      "$(cat "$(in_sandbox "$pid_file")")" "$main_pid"
  fi
  check "$unit: it writes its log" wait_for "$log"
  # shellcheck disable=SC2046
  remember /proc $(cat "$(sandbox_unit_cgroup "$unit.service")/cgroup.procs") \
    > "$work/$unit.procs"
  check "$unit: systemctl reload" sandbox_systemctl reload "$unit.service"
  stopped_clean "$unit" "$pid_file"
}
timestamp_unit timestamp-forking /run/timestamp.pid
timestamp_unit timestamp ""

if [[ $failures -ne 0 ]]; then
  echo "PID 1's console:"
  cat "$SANDBOX_CONSOLE"
fi
finish_checks
