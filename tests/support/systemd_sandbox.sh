# A real systemd for tests: the host's systemd (Debian 12's 252) boots as
# PID 1 in private PID, mount, cgroup, UTS and IPC namespaces, with unit files
# from a private directory only, in about 150 ms (docs: design.md, "A real
# systemd for tests"). Source this file from a bash test that runs as real
# root, outside Bazel's sandbox (tags = ["no-sandbox"]):
#
#   source "$TEST_SRCDIR/daemonkit/tests/support/systemd_sandbox.sh"
#   sandbox_init                      # $SANDBOX_UNITS, and the EXIT trap
#   cp my.service "$SANDBOX_UNITS/"
#   sandbox_boot                      # systemd runs, the system is "running"
#   sandbox_systemctl start my.service
#   cat "$(sandbox_path /run/my.pid)"
#   cat "$(sandbox_unit_cgroup my.service)/cgroup.procs"
#
# Everything the sandbox starts lives in one fresh cgroup2 directory, which
# sandbox_teardown empties (SIGKILL to PID 1, then cgroup.kill) and removes:
# systemd, its services, and the commands run inside with sandbox_exec.
# sandbox_init sets an EXIT trap that calls it, so a failing test leaves
# nothing either; a test that sets its own EXIT trap must call
# sandbox_teardown from it. Should the test be killed outright (SIGKILL,
# after Bazel's timeout), a watchdog in a session of its own kills the
# cgroup once the test's shell is gone (and every process the test started
# itself in the background, which inherit the watchdog's pipe).
#
# Nothing of the host's is used or changed: /run is a tmpfs, /sys and
# /proc/sys are read-only (otherwise systemd raises the host's fs.file-max,
# fs.nr_open and net.unix.max_dgram_qlen), /etc/systemd/system is the private
# unit directory and the only one (never /lib/systemd/system, whose
# tmpfiles-setup would empty the host's /tmp), no generators run, and PID 1
# logs to a pty, kept in $SANDBOX_CONSOLE. There is no journald or D-Bus.

SANDBOX_SYSTEMD=${SANDBOX_SYSTEMD:-/lib/systemd/systemd}
# The host's cgroup2 hierarchy (/sys/fs/cgroup/unified on a hybrid host).
SANDBOX_CGROUP_MOUNT=${SANDBOX_CGROUP_MOUNT:-$(findmnt -n -t cgroup2 -o TARGET | head -n 1)}
# How long sandbox_boot waits for the system to be running, in seconds.
SANDBOX_BOOT_TIMEOUT=${SANDBOX_BOOT_TIMEOUT:-20}

SANDBOX_DIR=
SANDBOX_UNITS=
SANDBOX_CONSOLE=
SANDBOX_CGROUP=
SANDBOX_PID=
SANDBOX_SCRIPT_PID=
SANDBOX_WATCHDOG=
SANDBOX_WATCHDOG_PID=
SANDBOX_EXEC_PID=

# sandbox_init: makes the work directory and the unit directory, with the
# stub targets that systemd and default dependencies need, and sets the
# traps that tear the sandbox down whatever happens.
sandbox_init() {
  SANDBOX_DIR=$(mktemp -d "${TEST_TMPDIR:-/tmp}/systemd-sandbox.XXXXXX")
  SANDBOX_UNITS=$SANDBOX_DIR/units
  SANDBOX_CONSOLE=$SANDBOX_DIR/console.log
  mkdir "$SANDBOX_UNITS"
  # sandbox.target is what systemd boots into; the others are what a
  # service's default dependencies name (Requires=sysinit.target,
  # After=basic.target, Conflicts=shutdown.target) and what an example's
  # [Install] section names. Empty: there is no system to set up.
  local target
  for target in sandbox sysinit basic shutdown multi-user default; do
    printf '[Unit]\nDescription=%s (a stub of the systemd sandbox)\n' \
      "$target.target" > "$SANDBOX_UNITS/$target.target"
  done
  trap 'sandbox_teardown || true' EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# sandbox_boot: boots systemd and waits until `systemctl is-system-running`
# says "running". Sets SANDBOX_PID (PID 1, as the host numbers it) and
# SANDBOX_CGROUP. Returns non-zero, with PID 1's console on stderr, when the
# boot fails.
sandbox_boot() {
  if [[ $(id -u) -ne 0 || -z $SANDBOX_CGROUP_MOUNT ]]; then
    echo "sandbox_boot: needs real root and a cgroup2 hierarchy (outside" \
      "Bazel's sandbox: tags = [\"no-sandbox\"])" >&2
    return 1
  fi
  SANDBOX_CGROUP=$(mktemp -d "$SANDBOX_CGROUP_MOUNT/daemonkit-sandbox.XXXXXX")
  # payload: the cgroup namespace's root, systemd's whole tree. harness: the
  # commands run inside with sandbox_exec, so that cgroup.kill reaches them.
  mkdir "$SANDBOX_CGROUP/payload" "$SANDBOX_CGROUP/harness"
  # The watchdog reads a pipe that only this shell writes to: end of file
  # means the test is gone, however it went. The commands below do not
  # inherit the pipe, so that they cannot keep it open.
  exec {SANDBOX_WATCHDOG}> >(
    exec setsid /bin/bash -c 'cat > /dev/null
      [[ -d $0 ]] || exit 0
      echo 1 > "$0/cgroup.kill"
      for ((i = 0; i < 500; i++)); do
        grep -q "^populated 1" "$0/cgroup.events" || break
        sleep 0.01
      done
      find "$0" -depth -type d -exec rmdir {} +
      rm -rf "$1"' "$SANDBOX_CGROUP" "$SANDBOX_DIR" > /dev/null 2>&1
  )
  SANDBOX_WATCHDOG_PID=$!
  cat > "$SANDBOX_DIR/launch.sh" << 'EOF'
# In the pty that script(1) made: the first process of the payload cgroup,
# then PID 1 of new namespaces, and there systemd.
set -eu
echo "$$" > "$SANDBOX_CGROUP/payload/cgroup.procs"
exec unshare --pid --fork --mount --mount-proc --cgroup --uts --ipc \
  --propagation=private /bin/bash "$SANDBOX_DIR/init.sh" "$(tty)"
EOF
  cat > "$SANDBOX_DIR/init.sh" << 'EOF'
# PID 1 of the new namespaces, before it becomes systemd. $1: the pty.
set -eu
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
# The cgroup namespace's root is $SANDBOX_CGROUP/payload.
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
mount -o remount,bind,ro /sys
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
mount --bind "$SANDBOX_UNITS" /etc/systemd/system
mount --bind "$1" /dev/console
exec env -i container=daemonkit-sandbox \
  SYSTEMD_UNIT_PATH=/etc/systemd/system:/run/systemd/system \
  SYSTEMD_GENERATOR_PATH= SYSTEMD_ENVIRONMENT_GENERATOR_PATH= \
  "$SANDBOX_SYSTEMD" --unit=sandbox.target --log-target=console
EOF
  SANDBOX_CGROUP=$SANDBOX_CGROUP SANDBOX_DIR=$SANDBOX_DIR \
    SANDBOX_UNITS=$SANDBOX_UNITS SANDBOX_SYSTEMD=$SANDBOX_SYSTEMD SHELL=/bin/bash \
    script --quiet --flush --command "exec /bin/bash $SANDBOX_DIR/launch.sh" \
    "$SANDBOX_CONSOLE" < /dev/null > /dev/null 2>&1 {SANDBOX_WATCHDOG}>&- &
  SANDBOX_SCRIPT_PID=$!
  # PID 1 is the process in init.scope whose innermost pid is 1: systemd
  # moved itself there, so its cgroups are set up.
  local deadline=$((SECONDS + SANDBOX_BOOT_TIMEOUT)) pid
  while [[ -z $SANDBOX_PID ]]; do
    for pid in $(cat "$SANDBOX_CGROUP/payload/init.scope/cgroup.procs" 2> /dev/null); do
      if grep -Eq '^NSpid:.*[[:space:]]1$' "/proc/$pid/status" 2> /dev/null; then
        SANDBOX_PID=$pid
      fi
    done
    if [[ -z $SANDBOX_PID ]]; then
      if ! kill -0 "$SANDBOX_SCRIPT_PID" 2> /dev/null || ((SECONDS > deadline)); then
        echo "sandbox_boot: systemd did not start; its console:" >&2
        cat "$SANDBOX_CONSOLE" >&2
        return 1
      fi
      sleep 0.01
    fi
  done
  local state
  state=$(sandbox_exec timeout "$SANDBOX_BOOT_TIMEOUT" \
    systemctl is-system-running --wait) || true
  if [[ $state != running ]]; then
    echo "sandbox_boot: the system is '$state', not 'running'; the console:" >&2
    cat "$SANDBOX_CONSOLE" >&2
    return 1
  fi
}

# sandbox_exec COMMAND [ARGS...]: runs COMMAND in the sandbox's namespaces
# (as root, in the harness cgroup) and returns its exit status. It runs as a
# job that this shell waits for, so that a signal to the test (Bazel's
# SIGTERM at its timeout) runs the traps at once, not when COMMAND is done.
sandbox_exec() {
  (
    echo "$BASHPID" > "$SANDBOX_CGROUP/harness/cgroup.procs" &&
      exec nsenter --target "$SANDBOX_PID" --all "$@"
  ) 0<&0 {SANDBOX_WATCHDOG}>&- &
  SANDBOX_EXEC_PID=$!
  wait "$SANDBOX_EXEC_PID"
}

# sandbox_systemctl ARGS...: systemctl inside the sandbox.
sandbox_systemctl() {
  sandbox_exec systemctl --no-pager "$@"
}

# sandbox_path PATH: the host's name for PATH as the sandbox sees it (its
# /run is its own).
sandbox_path() {
  echo "/proc/$SANDBOX_PID/root$1"
}

# sandbox_unit_cgroup UNIT: the host's path of UNIT's cgroup directory (a
# service of the default slice).
sandbox_unit_cgroup() {
  echo "$SANDBOX_CGROUP/payload/system.slice/$1"
}

# sandbox_teardown: kills everything the sandbox holds, without a shutdown
# (systemd-shutdown would SIGSTOP a command of ours still running inside),
# waits for it to be gone and removes its cgroups. Keeps PID 1's
# console in Bazel's undeclared outputs, when there are any. Safe to call
# twice, and never fails (nor stops, under set -e, half-way).
sandbox_teardown() {
  local -
  set +e
  if [[ -n $SANDBOX_CGROUP && -d $SANDBOX_CGROUP ]]; then
    # PID 1 first: the kernel kills the rest of its PID namespace, and each
    # process is reaped by its parent (unshare reaps PID 1, script reaps
    # unshare); killed all at once, some would be left to the host's init,
    # which reaps slowly here. Then cgroup.kill, for whatever remains.
    if [[ -n $SANDBOX_PID ]]; then
      kill -KILL "$SANDBOX_PID" 2> /dev/null
    else
      echo 1 > "$SANDBOX_CGROUP/cgroup.kill" 2> /dev/null
    fi
    local i
    for ((i = 0; i < 500; i++)); do
      ((i == 100)) && echo 1 > "$SANDBOX_CGROUP/cgroup.kill" 2> /dev/null
      grep -q '^populated 1' "$SANDBOX_CGROUP/cgroup.events" 2> /dev/null || break
      sleep 0.01
    done
    echo 1 > "$SANDBOX_CGROUP/cgroup.kill" 2> /dev/null
    # Reaped here, bash says nothing of the jobs that cgroup.kill killed.
    [[ -n $SANDBOX_EXEC_PID ]] && wait "$SANDBOX_EXEC_PID" 2> /dev/null
    [[ -n $SANDBOX_SCRIPT_PID ]] && wait "$SANDBOX_SCRIPT_PID" 2> /dev/null
    find "$SANDBOX_CGROUP" -depth -type d -exec rmdir {} + 2> /dev/null
    if [[ -d $SANDBOX_CGROUP ]]; then
      echo "sandbox_teardown: could not remove $SANDBOX_CGROUP" >&2
    fi
  fi
  if [[ -n $SANDBOX_WATCHDOG ]]; then
    exec {SANDBOX_WATCHDOG}>&-
    wait "$SANDBOX_WATCHDOG_PID" 2> /dev/null
  fi
  if [[ -n $SANDBOX_DIR && -d $SANDBOX_DIR ]]; then
    if [[ -n ${TEST_UNDECLARED_OUTPUTS_DIR:-} && -f $SANDBOX_CONSOLE ]]; then
      cp "$SANDBOX_CONSOLE" "$TEST_UNDECLARED_OUTPUTS_DIR/systemd-console.log"
    fi
    rm -rf "$SANDBOX_DIR"
  fi
  SANDBOX_CGROUP=
  SANDBOX_DIR=
  SANDBOX_PID=
  SANDBOX_SCRIPT_PID=
  SANDBOX_WATCHDOG=
  SANDBOX_WATCHDOG_PID=
  SANDBOX_EXEC_PID=
}
