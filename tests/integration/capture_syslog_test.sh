#!/usr/bin/env bash
# daemonize --stdout/--stderr=syslog against a real rsyslogd, started here on
# a private socket with a configuration of our own:
#
#   - each stream's facility and severity, the tag (COMMAND's base name, or
#     --syslog-tag) and the pid (COMMAND's; the supervisor's for its own
#     lines), in the RFC 3164 layout syslog(3) sends;
#   - the escaping, byte for byte: tab kept, backslash doubled, NUL, control
#     characters and invalid UTF-8 as \xHH, valid UTF-8 kept;
#   - "supervisor: COMMAND ended: exit status 3" at daemon.err;
#   - a line over 16 KiB in pieces that end " [line continues]";
#   - a burst of 5,000 lines from a COMMAND that exits at once: they all
#     arrive, though rsyslogd's socket holds a few at a time and most still
#     wait in the supervisor when COMMAND's end is seen;
#   - rsyslogd stopped and started again while COMMAND writes 20,000
#     numbered lines: every line arrives once, in order, whole;
#   - rsyslogd killed while COMMAND writes 3 MB: 1 MiB of lines waits, the
#     rest is dropped whole and one notice says how many, exactly.
#
# rsyslog's side, chosen so that the files show what daemonize sent:
#   - parser.escapeControlCharactersOnReceive="off": rsyslog would otherwise
#     turn a tab into "#011" and any control byte into "#ooo" on receipt.
#     Off, a control byte that daemonize failed to escape reaches the file
#     raw, and the exact comparisons (and the no-control-byte check) see it.
#   - UsePIDFromSystem="off" (the default, said here): the pid is the one in
#     the message, not the sender's (which is always the supervisor).
#   - RateLimit.Interval="0": no rate limiting of the 20,000-line runs.
#   - omfile with flushOnTXEnd="on" and asyncWriting="off": each batch is in
#     the file once rsyslog has processed it, so polling the file works.
#   - One line per message with the parsed fields, "F facility.severity
#     tag=TAG pid=PID msg=MSG" (rsyslog keeps the space after "TAG[PID]:" in
#     MSG), and one with the datagram itself, "R RAWMSG", in one action, so
#     that both are written together.
#   - A file per rsyslogd instance, so that a restart's checks know which
#     instance received which line.
#
# Datagrams that rsyslogd had not read yet when it stops die with its socket:
# the kernel took them, so daemonize's send succeeded and it cannot know
# (at most net.unix.max_dgram_qlen + 1 of them, 11 by default). That is so
# for any syslog(3) client; the exact restart check therefore stops rsyslogd
# while COMMAND pauses, once its last line arrived, and a second restart
# check stops it while COMMAND writes and allows that many lines, at the
# stop, no more.
set -euo pipefail

daemonize=$(readlink -f "$TEST_SRCDIR/daemonkit/tools/daemonize")
source "$TEST_SRCDIR/daemonkit/tests/support/shell_checks.sh"
rsyslogd=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
# The socket's path must fit in sun_path (108 bytes), which TEST_TMPDIR may
# not: a directory of the test's own (mode 0700) under /tmp.
work=$(mktemp -d /tmp/daemonkit-capture-syslog.XXXXXX)
socket=$work/log

rsyslog_pid=
pid_files=()
cleanup() {
  local pid_file
  for pid_file in "${pid_files[@]}"; do
    "$daemonize" --stop --stop-timeout=1s --pid-file="$pid_file" \
      > /dev/null 2>&1 || true
  done
  if [[ -n $rsyslog_pid ]]; then
    kill -KILL "$rsyslog_pid" 2> /dev/null || true
    wait "$rsyslog_pid" 2> /dev/null || true
  fi
  if [[ $failures -ne 0 && -n ${TEST_UNDECLARED_OUTPUTS_DIR:-} ]]; then
    cp "$work"/*.log "$TEST_UNDECLARED_OUTPUTS_DIR/" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() {
  echo $(($(date +%s%N) / 1000000))
}

# poll SECONDS COMMAND [ARGS...]: runs COMMAND every 10 ms until it
# succeeds; fails once SECONDS have passed.
poll() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@"; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.01
  done
}

# has FILE LINE: FILE holds LINE, whole.
has() {
  grep -qxF -- "$2" "$1" 2> /dev/null
}

# gone PID: PID runs no more (or is a zombie its parent has not reaped).
gone() {
  ! start_time "$1" > /dev/null
}

# parent PID: PID's parent.
parent() {
  awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2> /dev/null || true
}

# start_rsyslog NAME: starts rsyslogd, which writes what it receives to
# $work/NAME.log, and waits until its socket is bound.
start_rsyslog() {
  cat > "$work/$1.conf" << EOF
global(workDirectory="$work" maxMessageSize="64k"
       parser.escapeControlCharactersOnReceive="off")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$socket" CreatePath="on"
      RateLimit.Interval="0" UsePIDFromSystem="off")
template(name="both" type="string" string="F %syslogfacility-text%.%syslogseverity-text% tag=%programname% pid=%procid% msg=%msg%\nR %rawmsg%\n")
*.* action(type="omfile" file="$work/$1.log" template="both"
           flushOnTXEnd="on" asyncWriting="off")
EOF
  "$rsyslogd" -n -f "$work/$1.conf" -i "$work/$1.pid" \
    > "$work/$1.stderr" 2>&1 &
  rsyslog_pid=$!
  if ! poll 10 test -S "$socket"; then
    echo "rsyslogd did not bind $socket:" >&2
    cat "$work/$1.stderr" >&2
    return 1
  fi
}

# stop_rsyslog SIGNAL: stops rsyslogd with SIGNAL and waits until it is gone.
stop_rsyslog() {
  kill -"$1" "$rsyslog_pid"
  # (Quietly: bash would say "Killed".)
  { wait "$rsyslog_pid"; } 2> /dev/null || true
  rsyslog_pid=
}

# fields FILE PREFIX: the MSG of every "F" line of FILE that starts with
# PREFIX (e.g. "local3.notice tag=writer.sh pid=12"), with the space rsyslog
# keeps at MSG's start removed.
fields() {
  local prefix="F $2 msg= "
  awk -v p="$prefix" 'index($0, p) == 1 { print substr($0, length(p) + 1) }' \
    "$1"
}

# raws FILE: the "R" lines, without their "R ".
raws() {
  sed -n 's/^R //p' "$1"
}

# run_of FILE: "FIRST-LAST" when FILE holds consecutive numbers, one a line;
# otherwise what breaks the run.
run_of() {
  awk 'NR == 1 { first = $1 }
    NR > 1 && $1 != last + 1 { print "after " last ": " $0; bad = 1; exit }
    { last = $1 }
    END { if (!bad) print (NR ? first "-" last : "none") }' "$1"
}

# ---------------------------------------------------------------------------
# Facility, severity, tag, pid, escaping, the supervisor's line, long lines.
start_rsyslog r1

# Lines of exactly 16 KiB, one byte more, and 40,000 bytes, of text that
# does not repeat (numbers and commas).
long_line() {
  awk -v n="$1" -v p="$2" 'BEGIN {
    s = p; for (i = 0; length(s) < n; i++) s = s i ","; print substr(s, 1, n)
  }'
}
long_line 16384 A > "$work/long.txt"
long_line 16385 B >> "$work/long.txt"
long_line 40000 C >> "$work/long.txt"

writer=$work/writer.sh
cat > "$writer" << 'EOF'
#!/bin/bash
# writer.sh DIR: lines on stdout and stderr, then exit 3 once DIR/go exists.
echo "out one"
echo "err one" >&2
printf 'a\tb\\c\001\000\377 \303\251 \302\205\177\r end\n'
cat "$1/long.txt"
echo "out two"
echo "err two" >&2
until [[ -e $1/go ]]; do sleep 0.01; done
exit 3
EOF
chmod 755 "$writer"

pid_file=$work/writer.pid
pid_files+=("$pid_file")
check "writer: daemonize starts it" "$daemonize" --pid-file="$pid_file" \
  --stdout=syslog:local3.notice --stderr=syslog --syslog-socket="$socket" \
  -- "$writer" "$work"
command=$(cat "$pid_file" 2> /dev/null) || command=
supervisor=$(parent "$command")
check "writer: the pid file names COMMAND ($command), a child of the supervisor ($supervisor)" \
  test -n "$command" -a -n "$supervisor" -a "$command" != "$supervisor"
out="local3.notice tag=writer.sh pid=$command"
err="daemon.err tag=writer.sh pid=$command"
check "writer: its last lines arrive" poll 10 eval \
  'has "$work/r1.log" "F $out msg= out two" &&
   has "$work/r1.log" "F $err msg= err two"'
touch "$work/go"
ended="daemon.err tag=writer.sh pid=$supervisor msg= supervisor: $writer ended: exit status 3"
check "writer: the supervisor's line arrives" poll 10 has "$work/r1.log" \
  "F $ended"
check "writer: the service ends, the supervisor is gone" poll 10 eval \
  '[[ ! -e $pid_file ]] && gone "$supervisor"'

# 1. Facility and severity per stream; 2. tag and pid.
check_eq "stdout: at local3.notice, tag writer.sh, COMMAND's pid" \
  "$(fields "$work/r1.log" "$out" | sed -n '1p; $p' | tr '\n' '|')" \
  "out one|out two|"
check_eq "stderr: at daemon.err, tag writer.sh, COMMAND's pid" \
  "$(fields "$work/r1.log" "$err" | tr '\n' '|')" "err one|err two|"
check_eq "writer: no other line under its tag (9 stdout messages with the pieces, 2 stderr, the supervisor's)" \
  "$(grep -c '^F .* tag=writer\.sh ' "$work/r1.log")" 12
# The datagram, as syslog(3) lays it out: <PRI>Mmm dd hh:mm:ss TAG[PID]: TEXT
# (local3.notice = 19 * 8 + 5 = 157, daemon.err = 3 * 8 + 3 = 27).
months='(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
stamp="$months [ 123][0-9] [012][0-9]:[0-5][0-9]:[0-5][0-9]"
check "stdout: the datagram is '<157>Mmm dd hh:mm:ss writer.sh[$command]: out one'" \
  grep -qxE "R <157>$stamp writer\.sh\[$command\]: out one" "$work/r1.log"
check "stderr: the datagram is '<27>Mmm dd hh:mm:ss writer.sh[$command]: err one'" \
  grep -qxE "R <27>$stamp writer\.sh\[$command\]: err one" "$work/r1.log"
sent=$(raws "$work/r1.log" | grep -F "writer.sh[$command]: out one" |
  cut -c6-20)
age=$(($(date +%s) - $(date -d "$sent" +%s)))
check "stdout: its timestamp ($sent) is the local time it was read (${age}s ago)" \
  test "$age" -ge 0 -a "$age" -le 60

# 3. Escaping, byte for byte.
escaped='a'$'\t''b\\c\x01\x00\xff '$'\xc3\xa9'' \xc2\x85\x7f\x0d end'
check_eq "escaping: tab kept, backslash doubled, \\001 NUL \\377 C1 DEL CR as \\xHH, é kept" \
  "$(fields "$work/r1.log" "$out" | sed -n 2p)" "$escaped"
controls=$(tr -d '\t\n\040-\176\200-\377' < "$work/r1.log" | wc -c)
check_eq "escaping: no raw control byte (but tab) reached rsyslog" \
  "$controls" 0

# 4. The supervisor's own line.
check_eq "supervisor: 'ended: exit status 3' at daemon.err with its pid" \
  "$(grep -cxF "F $ended" "$work/r1.log")" 1

# 6. Long lines.
fields "$work/r1.log" "$out" | sed -n '3,$p' | sed '$d' > "$work/pieces.txt"
check_eq "long lines: 16,384 bytes whole, 16,385 in 2 pieces, 40,000 in 3" \
  "$(awk '{ print length($0) }' "$work/pieces.txt" | tr '\n' ' ')" \
  "16384 16401 1 16401 16401 7232 "
check_eq "long lines: every piece but a line's last ends ' [line continues]'" \
  "$(grep -c ' \[line continues\]$' "$work/pieces.txt")" 3
check "long lines: the pieces put together are the lines written" \
  cmp -s "$work/long.txt" <(awk '{
      if (sub(/ \[line continues\]$/, "")) printf "%s", $0; else print
    }' "$work/pieces.txt")

# 2. --syslog-tag, and stdout's default priority, daemon.info.
pid_file=$work/tagged.pid
pid_files+=("$pid_file")
check "tagged: daemonize starts it" "$daemonize" --pid-file="$pid_file" \
  --stdout=syslog --syslog-tag=myapp --syslog-socket="$socket" \
  -- /bin/sh -c 'echo tagged; exec sleep 1000'
command=$(cat "$pid_file" 2> /dev/null) || command=
check "tagged: the line arrives at daemon.info, tag myapp, COMMAND's pid ($command)" \
  poll 10 has "$work/r1.log" "F daemon.info tag=myapp pid=$command msg= tagged"
check_eq "tagged: no line under COMMAND's name" \
  "$(grep -c '^F .* tag=sh ' "$work/r1.log" || true)" 0
check "tagged: daemonize --stop" "$daemonize" --stop --pid-file="$pid_file" \
  > /dev/null

# A burst: COMMAND writes 5,000 lines at once and exits. rsyslogd's socket
# holds a few datagrams at a time (max_dgram_qlen), so most of them wait in
# the supervisor when COMMAND's end is seen; they arrive all the same, then
# the supervisor's line.
seq=$(command -v seq)
pid_file=$work/burst.pid
pid_files+=("$pid_file")
check "burst: daemonize starts seq 5000" "$daemonize" --pid-file="$pid_file" \
  --stdout=syslog --stderr=syslog --syslog-socket="$socket" -- "$seq" 5000
check "burst: the service ends" poll 10 test ! -e "$pid_file"
# (The two streams share the socket, but not an order: the supervisor's line
# may come before stdout's last.)
check "burst: the last line and the supervisor's line arrive" poll 10 eval \
  'grep -qE "^F daemon\.info tag=seq pid=[0-9]+ msg= 5000$" "$work/r1.log" &&
   grep -qE "^F daemon\.err tag=seq pid=[0-9]+ msg= supervisor: $seq ended: exit status 0$" "$work/r1.log"'
check_eq "burst: every line arrived, in order" \
  "$(sed -nE 's/^F daemon\.info tag=seq pid=[0-9]+ msg= //p' "$work/r1.log" |
    run_of /dev/stdin)" 1-5000

# ---------------------------------------------------------------------------
# 5. rsyslogd restarted while COMMAND writes.

# counter.sh DIR FIRST LAST [PAUSE_AT]: lines "n FIRST" to "n LAST", 200 at
# a time with 20 ms between (about 8,000 a second); after line PAUSE_AT it
# waits for DIR/down. Every 200 lines, the last number is in DIR/progress
# (replaced, never seen empty).
counter=$work/counter.sh
cat > "$counter" << 'EOF'
#!/bin/bash
for ((i = $2; i <= $3; i++)); do
  printf 'n %d\n' "$i"
  if ((i % 200 == 0)); then
    echo "$i" > "$1/progress.new"
    mv "$1/progress.new" "$1/progress"
    sleep 0.02
  fi
  if ((i == ${4:-0})); then
    until [[ -e $1/down ]]; do sleep 0.01; done
  fi
done
exit 0
EOF
chmod 755 "$counter"

# numbers FILE PREFIX: the numbers of FILE's "n NUMBER" messages with PREFIX,
# in order; a message of that PREFIX that is no such line is printed as
# "torn: MSG".
numbers() {
  fields "$1" "$2" | awk '
    /^n [0-9]+$/ { print $2; next }
    /^supervisor: / { next }
    { print "torn: " $0 }'
}


# counter_run NAME ARGS...: starts counter.sh DIR ARGS..., with a fresh DIR,
# sets `command` and `supervisor`.
counter_run() {
  local name=$1
  shift
  rm -rf "$work/$name.d"
  mkdir "$work/$name.d"
  pid_file=$work/$name.pid
  pid_files+=("$pid_file")
  check "$name: daemonize starts it" "$daemonize" --pid-file="$pid_file" \
    --stdout=syslog --stderr=syslog --syslog-socket="$socket" \
    -- "$counter" "$work/$name.d" "$@"
  command=$(cat "$pid_file" 2> /dev/null) || command=
  supervisor=$(parent "$command")
}

# counter_end NAME LOG LAST: waits until line LAST and the supervisor's
# "ended" line are in LOG, and the service is gone.
counter_end() {
  local log=$2 last=$3
  check "$1: the last line and 'ended: exit status 0' arrive" poll 20 eval \
    'has "$log" "F daemon.info tag=counter.sh pid=$command msg= n $last" &&
     has "$log" "F daemon.err tag=counter.sh pid=$supervisor msg= supervisor: $counter ended: exit status 0"'
  check "$1: the service ends" poll 10 eval \
    '[[ ! -e $pid_file ]] && gone "$supervisor"'
}

# 5a. Stopped (SIGTERM) while COMMAND pauses after line 10,000, once that
# line arrived: nothing is in flight. COMMAND goes on writing at once, while
# rsyslogd is down for 300 ms and while it starts again. Every line arrives,
# once, in order, none dropped.
start=$(now_ms)
counter_run restart 1 20000 10000
stdout_of="daemon.info tag=counter.sh pid=$command"
check "restart: lines 1 to 10,000 arrive" poll 20 has "$work/r1.log" \
  "F $stdout_of msg= n 10000"
stop_rsyslog TERM
touch "$work/restart.d/down"
sleep 0.3
progress=$(cat "$work/restart.d/progress")
start_rsyslog r2
check "restart: COMMAND wrote on while rsyslogd was down (to line $progress)" \
  test "$progress" -gt 10000
counter_end restart "$work/r2.log" 20000
numbers "$work/r1.log" "$stdout_of" > "$work/restart.1"
numbers "$work/r2.log" "$stdout_of" > "$work/restart.2"
check_eq "restart: the first rsyslogd got lines 1 to 10,000" \
  "$(run_of "$work/restart.1")" 1-10000
check_eq "restart: the second one got lines 10,001 to 20,000, in order" \
  "$(run_of "$work/restart.2")" 10001-20000
check_eq "restart: no line dropped, no notice" \
  "$(cat "$work/r1.log" "$work/r2.log" | grep -c 'msg= daemonize: ' || true)" 0
echo "     (20,000 lines, rsyslogd restarted once: $(($(now_ms) - start)) ms)"

# 5b. Stopped (SIGTERM) while COMMAND writes, once line 10,000 arrived: the
# lines the first rsyslogd had not read when it stopped are lost with its
# socket (at most max_dgram_qlen + 1); every other line arrives, once, in
# order, whole.
start=$(now_ms)
counter_run midstream 1 20000
stdout_of="daemon.info tag=counter.sh pid=$command"
check "midstream: line 10,000 arrives" poll 20 has "$work/r2.log" \
  "F $stdout_of msg= n 10000"
stop_rsyslog TERM
sleep 0.3
start_rsyslog r3
counter_end midstream "$work/r3.log" 20000
numbers "$work/r2.log" "$stdout_of" > "$work/midstream.1"
numbers "$work/r3.log" "$stdout_of" > "$work/midstream.2"
first=$(run_of "$work/midstream.1")
second=$(run_of "$work/midstream.2")
check "midstream: the first rsyslogd got lines 1 to N ($first)" \
  grep -qxE '1-[0-9]+' <<< "$first"
check "midstream: the second one got lines M to 20,000 ($second)" \
  grep -qxE '[0-9]+-20000' <<< "$second"
lost=$((${second%-*} - ${first#*-} - 1))
queue=$(cat /proc/sys/net/unix/max_dgram_qlen)
check "midstream: missing: $lost line(s), only at the stop, at most those rsyslogd's socket held ($((queue + 1)))" \
  test "$lost" -ge 0 -a "$lost" -le $((queue + 1))
check_eq "midstream: no line dropped by daemonize, no notice" \
  "$(cat "$work/r2.log" "$work/r3.log" | grep -c 'msg= daemonize: ' || true)" 0
echo "     (20,000 lines, rsyslogd restarted once: $(($(now_ms) - start)) ms)"

# 5c. Killed (SIGKILL: its socket stays, refusing) while COMMAND pauses after
# line 100, then COMMAND writes 30,000 lines of 100 bytes (3 MB) at once.
# 1 MiB of them waits; the rest is dropped, whole lines; rsyslogd starts
# again and gets what waited, then one notice of the lines dropped; then
# COMMAND writes 100 lines more, which arrive after it. (Written while the
# 1 MiB still drained, they could fill the buffer again, syslog being
# slower than COMMAND: lines dropped for EAGAIN, said in a second notice.
# The checks allow that, but COMMAND waits for the first notice.)
overflow=$work/overflow.sh
cat > "$overflow" << 'EOF'
#!/bin/bash
# overflow.sh DIR: 100 lines, DIR/down, 30,000 at once, DIR/up, 100 more.
pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
for ((i = 1; i <= 100; i++)); do printf 'n %d %s\n' "$i" "$pad"; done
until [[ -e $1/down ]]; do sleep 0.01; done
awk -v pad="$pad" 'BEGIN { for (i = 101; i <= 30100; i++) print "n", i, pad }'
touch "$1/written"
until [[ -e $1/up ]]; do sleep 0.01; done
for ((i = 30101; i <= 30200; i++)); do printf 'n %d %s\n' "$i" "$pad"; done
exit 0
EOF
chmod 755 "$overflow"
start=$(now_ms)
mkdir "$work/overflow.d"
pid_file=$work/overflow.pid
pid_files+=("$pid_file")
check "overflow: daemonize starts it" "$daemonize" --pid-file="$pid_file" \
  --stdout=syslog --stderr=syslog --syslog-socket="$socket" \
  -- "$overflow" "$work/overflow.d"
command=$(cat "$pid_file" 2> /dev/null) || command=
supervisor=$(parent "$command")
pad=$(printf 'x%.0s' {1..90})
stdout_of="daemon.info tag=overflow.sh pid=$command"
check "overflow: lines 1 to 100 arrive" poll 10 has "$work/r3.log" \
  "F $stdout_of msg= n 100 $pad"
stop_rsyslog KILL
touch "$work/overflow.d/down"
check "overflow: COMMAND wrote its 3 MB while rsyslogd was down" \
  poll 20 test -e "$work/overflow.d/written"
# rsyslogd binds its socket again at the path; the old one is removed here,
# so that its appearance says the new one is bound.
rm "$socket"
start_rsyslog r4
notice="daemon.info tag=overflow.sh pid=$supervisor"
check "overflow: what waited arrives, then the notice" poll 20 grep -qs \
  "^F $notice msg= daemonize: " "$work/r4.log"
touch "$work/overflow.d/up"
check "overflow: the last line and 'ended: exit status 0' arrive" \
  poll 20 eval \
  'has "$work/r4.log" "F $stdout_of msg= n 30200 $pad" &&
   has "$work/r4.log" "F daemon.err tag=overflow.sh pid=$supervisor msg= supervisor: $overflow ended: exit status 0"'
check "overflow: the service ends" poll 10 eval \
  '[[ ! -e $pid_file ]] && gone "$supervisor"'
# The stream as rsyslogd got it: "N" for a line, "D COUNT WHY" for a notice
# (the supervisor's pid, stdout's priority), "?" for anything else.
awk -v line="F $stdout_of msg= n " -v pad=" $pad" \
  -v notice="F $notice msg= daemonize: " '
  index($0, line) == 1 {
    rest = substr($0, length(line) + 1)
    if (rest ~ /^[0-9]+ x+$/ && substr(rest, index(rest, " ")) == pad) {
      print "N", rest + 0
    } else {
      print "? " $0
    }
    next
  }
  index($0, notice) == 1 {
    rest = substr($0, length(notice) + 1)
    if (match(rest, /^[0-9]+ lines of stdout dropped: /)) {
      split(rest, word, " ")
      print "D", word[1], substr(rest, RLENGTH + 1)
    } else {
      print "? " $0
    }
  }' "$work/r3.log" "$work/r4.log" > "$work/overflow.stream"
check_eq "overflow: every message is a whole line or a notice" \
  "$(grep -c '^?' "$work/overflow.stream" || true)" 0
# Each gap in the numbers comes right after a notice that counts it (the
# notice of lines dropped at the end comes after them); no number comes
# twice or out of order.
check_eq "overflow: the numbers go up; each gap follows a notice of its size" \
  "$(awk '
    $1 == "D" { said = $2; next }
    $1 == "N" {
      if ($2 <= last) { print "line " $2 " after " last; exit }
      if ($2 - last - 1 != said) {
        print $2 - last - 1 " missing before " $2 ", notice said " said + 0
        exit
      }
      last = $2; said = 0
    }
    END {
      if (30200 - last != said) {
        print 30200 - last " missing at the end, notice said " said + 0
      } else {
        print "ok"
      }
    }
    ' "$work/overflow.stream")" ok
dropped=$(awk '$1 == "D" { n += $2 } END { print n + 0 }' "$work/overflow.stream")
check_eq "overflow: one notice, of lines dropped: Connection refused" \
  "$(awk '$1 == "D" { $2 = "N"; print }' "$work/overflow.stream" |
    tr '\n' '|')" "D N Connection refused|"
received=$(grep -c '^N' "$work/overflow.stream" || true)
check_eq "overflow: lines received ($received) and dropped ($dropped): all 30,200" \
  "$((received + dropped))" 30200
check "overflow: some lines were dropped" test "$dropped" -gt 0
# What waited: lines 101 to the last before the gap, as datagrams
# "<30>Mmm dd hh:mm:ss overflow.sh[PID]: n NUMBER PAD". Lines are taken
# while less than 1 MiB waits, each record counting its bytes and the 8 of
# its size (src/output_capture.cc).
before_gap=$(awk '$1 == "D" { print last; exit } $1 == "N" { last = $2 }' \
  "$work/overflow.stream")
header=$((${#command} + 35)) # "<30>" 15 " overflow.sh[" PID "]: "
check_eq "overflow: what waited was 1 MiB: lines 101 to $before_gap, the last one over the 1,048,576th byte" \
  "$(awk -v from=101 -v to="$before_gap" -v h="$header" -v pad=${#pad} '
    BEGIN {
      for (i = from; i <= to; i++) {
        size = h + length("n " i " ") + pad + 8
        if (i == to) last = size
        total += size
      }
      print (total - last < 1048576 && total >= 1048576) ? "yes" : total
    }')" yes
echo "     (30,200 lines, $dropped dropped: $(($(now_ms) - start)) ms)"

stop_rsyslog TERM
# Nothing of the test is left: no supervisor, no COMMAND, no rsyslogd.
echo "$work" > "$TEST_TMPDIR/marker"
check_eq "nothing is left running" \
  "$(grep -lsaF -f "$TEST_TMPDIR/marker" /proc/[0-9]*/cmdline | wc -l)" 0

finish_checks
