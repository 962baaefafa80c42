"""daemonkit's captured output against the other loggers, side by side, in one run.

`compare.py --capture` runs this. One program (peers/lines.c, linked
statically) writes 1,000,000 lines of exactly 100 bytes to its standard
output as fast as it can, fully buffered; each logger takes them and
writes them with a timestamp:

  daemonkit    daemonize --foreground --timestamps --stdout=FILE -- lines:
               the supervisor is daemonize itself, COMMAND its child, the
               lines come through a pipe the supervisor reads;
  s6-log       lines | s6-log t sNNN DIR      (TAI64N, no rotation)
  svlogd       lines | svlogd -tt DIR         (UTC, "s0" in DIR/config: none)
  multilog     lines | multilog t s16777215 n20 DIR (TAI64N; 16,777,215 is
               multilog's largest size, so it rotates 7 times)
  libslack     daemon --output=FILE -- lines  (no timestamps: it has none;
               detached, as it is used: in --foreground it also copies the
               output to its own stdout)

and, to syslog, against a private rsyslogd (imuxsock on its own socket, no
rate limit, omfile into one file per run), the same 1,000,000 lines, and
100,000 paced at 20,000 lines per second (less than rsyslogd takes here):
once with this machine's net.unix.max_dgram_qlen (Linux's default, 10
datagrams wait at most), once with systemd's 512 (rsyslogd then runs in a
network namespace of its own, where it is set):

  daemonkit    daemonize --foreground --stdout=syslog --syslog-socket=S -- lines
  logger       lines | logger -u S           (util-linux; one datagram a line)

For each: the wall time from the first start to the logging process's exit
(for syslog, also to the last line's arrival in rsyslog's file: the size of
the file stops changing), lines per second, and the CPU time of the logging
process alone, user and system: read from /proc/PID/stat and
/proc/PID/schedstat of its zombie (waitid with WNOWAIT, then reaped). Not
wait4's rusage: that of daemonize would include its reaped child, the
producer; /proc/PID/stat keeps a process's own utime and stime apart from
its children's (cutime, cstime). Every output is read back: the lines, and
how many of the producer's lines 0..999,999 are there whole, once and in
order. A run that lost lines says so.

This process is a child subreaper (compare.py), so libslack's daemon, which
detaches, is reaped here too. Outputs go to a tmpfs (/dev/shm): what is
measured is the loggers, not the disk of a shared machine (multilog's fsync
at each rotation costs little there). Everything runs at nice -20, which
each process inherits alike.
"""

import glob
import os
import platform
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import debian
import release_build

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN_PACKAGES = ["s6", "runit", "daemontools", "daemon", "rsyslog", "bsdutils",
                   "gcc", "libc6-dev"]
LINES = 1_000_000
LINE_BYTES = 100
PACED_LINES = 100_000
PACED_RATE = 20_000  # Lines per second: less than rsyslog takes here.
PRIORITY = -20
OUTPUT_PARENT = "/dev/shm"
# s6-log's largest file size; the output here is 126 MB, so no rotation
# (the default, 99,999 bytes, would rotate about 1,260 times).
S6_SIZE = 268435455
MULTILOG_SIZE = 16777215  # multilog's largest.
QUIET = 1.0  # Seconds without growth after which rsyslog's file is complete.
TIMEOUT = 120

TAIL = b" " + b"x" * (LINE_BYTES - 11)  # After the 9 digits, before '\n'.
DROPPED = re.compile(rb"daemonize: (\d+) lines? of stdout dropped")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- processes

class Started:
    """Everything this run started and has not reaped, to end on an
    interruption: pid -> its Popen, or None for a process it did not start
    itself (libslack's detached daemon)."""
    pids = {}


def spawn(argv, **kwargs):
    process = subprocess.Popen(argv, **kwargs)
    Started.pids[process.pid] = process
    return process


def reaped(pid, status=0):
    """Forgets `pid`, reaped here: its Popen must never wait for it again
    (the pid may be another child's by then)."""
    process = Started.pids.pop(pid, None)
    if process is not None:
        process.returncode = status


def kill_exactly(pid):
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        select.select([pidfd], [], [], 5)
    except OSError:
        pass
    finally:
        os.close(pidfd)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    reaped(pid, -signal.SIGKILL)


def end_all():
    """Ends what this run started, and the orphans that came back to this
    subreaper (the producer of a logger that was killed)."""
    for pid in list(Started.pids) + children():
        kill_exactly(pid)


def children():
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2:].split()[1]) == me:
            found.append(int(entry))
    return found


def reap_left():
    """Reaps what ended and is not watched (libslack's middle process)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        reaped(pid)


def own_cpu(pid):
    """(user s, system s, total s) of the zombie `pid`: its own, not its
    children's. The total is schedstat's run time (ns, all these loggers
    have one thread); the split is stat's utime and stime (clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2:].split()
    user, system = int(fields[11]), int(fields[12])
    with open(f"/proc/{pid}/schedstat") as schedstat:
        total = int(schedstat.read().split()[0]) / 1e9
    ticks = user + system
    share = user / ticks if ticks else 0.5
    return total * share, total * (1 - share), total


def wait_exit(pid, started, timeout=TIMEOUT):
    """Waits for `pid` (a child) to end; returns (seconds since `started`,
    exit status, (user, system, total) CPU seconds of its own), then reaps
    it. None for the time when it did not end in `timeout`."""
    pidfd = os.pidfd_open(pid)
    try:
        readable, _, _ = select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    ended = time.monotonic()
    if not readable:
        kill_exactly(pid)
        return None, None, (float("nan"),) * 3
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    cpu = own_cpu(pid)
    _, status = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(status)
    reaped(pid, status)
    return ended - started, status, cpu


def detached_children(comm):
    """Pids of this process's children named `comm` (zombies too) in a
    session that is neither this one nor their own: what a double fork left,
    not its middle process (which is in this session until its setsid, then
    leads its own)."""
    found = []
    me = os.getpid()
    mine = os.getsid(0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        parent, session = int(fields[1]), int(fields[3])
        if (name == comm and parent == me and session != int(entry)
                and session != mine):
            found.append(int(entry))
    return found


# ------------------------------------------------------------------ checking

def check(paths, expected):
    """(lines, intact, in order, stamps) of the files, read one after
    another: the lines there, how many distinct producer lines
    0..expected-1 end one of them whole, whether those come in increasing
    order, and how many distinct prefixes (timestamps) they have."""
    data = b"".join(open(path, "rb").read() for path in paths)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    numbers = []
    stamps = set()
    for line in lines:
        digits = line[-LINE_BYTES + 1:-LINE_BYTES + 10]
        if line.endswith(TAIL) and len(line) >= LINE_BYTES - 1 and digits.isdigit():
            numbers.append(int(digits))
            stamps.add(line[:-LINE_BYTES + 1])
    intact = len({n for n in numbers if n < expected})
    in_order = all(a < b for a, b in zip(numbers, numbers[1:]))
    return len(lines), intact, in_order, len(stamps)


def log_files(directory):
    """A multilog-style directory's files, oldest first."""
    return sorted(glob.glob(os.path.join(directory, "@*"))) + [
        os.path.join(directory, "current")]


# ------------------------------------------------------------- file loggers

class Sample:
    def __init__(self, **fields):
        self.__dict__.update(fields)


class FileLogger:
    """A logger writing LINES lines to files; `argv(output)` runs it, and
    `piped` says whether it reads the producer's stdout (else it runs the
    producer itself)."""

    def __init__(self, name, how, stamp, piped, argv, prepare, files, comm=None):
        self.name, self.how, self.stamp, self.piped = name, how, stamp, piped
        self.argv, self.prepare, self.files, self.comm = argv, prepare, files, comm

    def measure(self, work, output):
        self.prepare(output)
        producer = [os.path.join(work, "lines"), str(LINES)]
        errors = open(output + ".stderr", "wb")
        started = time.monotonic()
        if self.piped:
            read, write = os.pipe()
            logger = spawn(self.argv(output), stdin=read, stdout=subprocess.DEVNULL,
                           stderr=errors)
            source = spawn(producer, stdin=subprocess.DEVNULL, stdout=write,
                           stderr=errors)
            os.close(read)
            os.close(write)
            seconds, status, cpu = wait_exit(logger.pid, started)
            wait_exit(source.pid, started)
        else:
            launcher = spawn(self.argv(output) + producer, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=errors)
            if self.comm is None:
                seconds, status, cpu = wait_exit(launcher.pid, started)
            else:
                # It detaches: the launcher exits, the process that logs is
                # this subreaper's child from then on.
                _, status, _ = wait_exit(launcher.pid, started)
                # Its middle process forks it after the launcher exits.
                deadline = time.monotonic() + 10
                loggers = []
                while status == 0 and not loggers and time.monotonic() < deadline:
                    loggers = detached_children(self.comm)
                for pid in loggers:
                    Started.pids[pid] = None
                if status != 0 or len(loggers) != 1:
                    print(f"{self.name}: launcher exit {status}, detached "
                          f"processes found: {loggers}", file=sys.stderr)
                    for pid in loggers:
                        kill_exactly(pid)
                    seconds, cpu = None, (float("nan"),) * 3
                else:
                    seconds, status, cpu = wait_exit(loggers[0], started)
        errors.close()
        reap_left()
        files = [f for f in self.files(output) if os.path.exists(f)]
        lines, intact, in_order, stamps = check(files, LINES)
        size = sum(os.path.getsize(f) for f in files)
        with open(output + ".stderr", "rb") as said:
            complaint = said.read().decode(errors="replace").strip()
        if status != 0 or seconds is None:
            print(f"{self.name}: exit {status}: {complaint[-300:]}", file=sys.stderr)
        return Sample(seconds=seconds, status=status, cpu=cpu, lines=lines,
                      intact=intact, in_order=in_order, files=len(files),
                      stamps=stamps,
                      bytes_per_line=size / lines if lines else float("nan"))


def file_loggers(work):
    daemonize = os.path.join(work, "daemonize")

    def directory(output):
        shutil.rmtree(output, ignore_errors=True)

    def svlogd_directory(output):
        shutil.rmtree(output, ignore_errors=True)
        os.makedirs(output)
        with open(os.path.join(output, "config"), "w") as config:
            config.write("s0\n")

    def nothing(output):
        if os.path.exists(output):
            os.remove(output)

    return [
        FileLogger("daemonkit daemonize", "`daemonize --foreground --timestamps "
                   "--stdout=FILE -- lines`: the supervisor reads a pipe",
                   "RFC 3339, µs, local zone", False,
                   lambda out: [daemonize, "--foreground", "--timestamps",
                                "--stdout=" + out, "--"],
                   nothing, lambda out: [out]),
        FileLogger("s6-log", f"`lines \\| s6-log t s{S6_SIZE} DIR`: no rotation",
                   "TAI64N", True,
                   lambda out: ["s6-log", "t", f"s{S6_SIZE}", out],
                   directory, log_files),
        FileLogger("runit svlogd", "`lines \\| svlogd -tt DIR`, `s0` in DIR/config: "
                   "no rotation", "UTC, 10 µs", True,
                   lambda out: ["svlogd", "-tt", out], svlogd_directory, log_files),
        FileLogger("daemontools multilog",
                   f"`lines \\| multilog t s{MULTILOG_SIZE} n20 DIR`: its largest "
                   "file size, so it rotates (each time: fsync, rename)", "TAI64N",
                   True, lambda out: ["multilog", "t", f"s{MULTILOG_SIZE}", "n20", out],
                   directory, log_files),
        FileLogger("libslack daemon", "`daemon --output=FILE -- lines`, detached "
                   "(with --foreground it copies to its stdout too)", "none: it has none",
                   False,
                   lambda out: ["daemon", "--noconfig", "--output=" + out, "--"],
                   nothing, lambda out: [out], comm="daemon"),
    ]


# ------------------------------------------------------------------- syslog

class Rsyslog:
    """A private rsyslogd: imuxsock on its own socket, without rate limits;
    each program name (syslog tag) to a file of its own, so that each run,
    with a tag of its own, has its own file."""

    def __init__(self, directory, queue=None):
        self.directory = directory
        self.queue = queue
        os.makedirs(directory, mode=0o755)
        self.socket = os.path.join(directory, "log")
        config = os.path.join(directory, "rsyslog.conf")
        with open(config, "w") as text:
            text.write(f"""\
global(workDirectory="{directory}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{self.socket}" RateLimit.Interval="0")
template(name="line" type="string"
         string="%timegenerated:::date-rfc3339% %syslogtag%%msg%\\n")
template(name="file" type="string" string="{directory}/%programname%.log")
action(type="omfile" dynaFile="file" template="line")
""")
        self.errors = open(os.path.join(directory, "rsyslogd.stderr"), "wb")
        argv = ["rsyslogd", "-n", "-f", config, "-i",
                os.path.join(directory, "rsyslogd.pid")]
        if queue is not None:
            # A datagram socket's queue length is its network namespace's
            # net.unix.max_dgram_qlen when it is made: set in a namespace of
            # its own, the machine's stays as it is. unshare and sh exec, so
            # the pid is rsyslogd's.
            argv = ["unshare", "--net", "--", "sh", "-c",
                    f"echo {queue} > /proc/sys/net/unix/max_dgram_qlen && "
                    'exec "$@"', "sh"] + argv
        self.process = spawn(argv, stdin=subprocess.DEVNULL, stdout=self.errors,
                             stderr=self.errors)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("rsyslogd did not start: " + open(
                    os.path.join(directory, "rsyslogd.stderr")).read())
            time.sleep(0.01)

    def file(self, tag):
        return os.path.join(self.directory, tag + ".log")

    def cpu(self):
        """CPU seconds of all its threads so far."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            text = stat.read()
        fields = text[text.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def end(self):
        kill_exactly(self.process.pid)
        self.errors.close()


class SyslogSender:
    def __init__(self, name, how, piped, argv):
        self.name, self.how, self.piped, self.argv = name, how, piped, argv

    def measure(self, work, rsyslog, tag, count, rate):
        producer = [os.path.join(work, "lines"), str(count)]
        if rate:
            producer.append(str(rate))
        log = rsyslog.file(tag)
        errors = open(os.path.join(rsyslog.directory, tag + ".stderr"), "wb")
        rsyslog_cpu = rsyslog.cpu()
        started = time.monotonic()
        if self.piped:
            read, write = os.pipe()
            sender = spawn(self.argv(rsyslog.socket, tag), stdin=read,
                           stdout=subprocess.DEVNULL, stderr=errors)
            source = spawn(producer, stdin=subprocess.DEVNULL, stdout=write,
                           stderr=errors)
            os.close(read)
            os.close(write)
        else:
            sender = spawn(self.argv(rsyslog.socket, tag) + producer,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=errors)
            source = None
        # The sender's end, and meanwhile the growth of rsyslog's file.
        pidfd = os.pidfd_open(sender.pid)
        size, grown, sent = 0, started, None
        deadline = started + TIMEOUT
        while True:
            readable, _, _ = select.select([pidfd], [], [], 0.005)
            now = time.monotonic()
            if readable and sent is None:
                sent = now
            try:
                current = os.path.getsize(log)
            except OSError:
                current = 0
            if current != size:
                size, grown = current, now
            if sent is not None and now - max(grown, sent) >= QUIET:
                break
            if now > deadline:
                break
        os.close(pidfd)
        if sent is None:
            seconds, status, cpu = None, None, (float("nan"),) * 3
            kill_exactly(sender.pid)
        else:
            _, status, cpu = wait_exit(sender.pid, started)
            seconds = sent - started
        if source is not None:
            wait_exit(source.pid, started)
        errors.close()
        reap_left()
        rsyslog_cpu = rsyslog.cpu() - rsyslog_cpu
        lines, intact, in_order, _ = (check([log], count) if size
                                      else (0, 0, True, 0))
        with open(log, "rb") if size else open(os.devnull, "rb") as text:
            notices = DROPPED.findall(text.read())
        return Sample(seconds=seconds, status=status, cpu=cpu, lines=lines,
                      intact=intact, in_order=in_order, notices=len(notices),
                      said_dropped=sum(int(n) for n in notices),
                      arrived=(grown - started) if size else float("nan"),
                      rsyslog_cpu=rsyslog_cpu)


class Scenario:
    def __init__(self, key, count, rate, queue):
        self.key, self.count, self.rate, self.queue = key, count, rate, queue

    def title(self):
        pace = (f"paced at {self.rate:,} lines/s" if self.rate
                else "as fast as the producer writes")
        queue = (f"{self.queue} (as systemd sets it)" if self.queue
                 else f"{default_queue()} (this machine's, Linux's default)")
        return (f"{self.count:,} lines of {LINE_BYTES} bytes to syslog, {pace}; "
                f"the syslog socket's queue: {queue}")


SCENARIOS = [Scenario("flood", LINES, 0, None),
             Scenario("paced", PACED_LINES, PACED_RATE, None),
             Scenario("paced512", PACED_LINES, PACED_RATE, 512)]


def default_queue():
    with open("/proc/sys/net/unix/max_dgram_qlen") as qlen:
        return int(qlen.read())


def syslog_senders(work):
    daemonize = os.path.join(work, "daemonize")
    return [
        SyslogSender("daemonkit daemonize", "`daemonize --foreground --stdout=syslog "
                     "--syslog-socket=S --syslog-tag=T -- lines`", False,
                     lambda socket, tag: [daemonize, "--foreground", "--stdout=syslog",
                                          "--syslog-socket=" + socket,
                                          "--syslog-tag=" + tag, "--"]),
        SyslogSender("util-linux logger", "`lines \\| logger -u S -t T -i` "
                     "(blocking: the producer waits)", True,
                     lambda socket, tag: ["logger", "-u", socket, "-t", tag, "-i"]),
    ]


# ------------------------------------------------------------------ running

def build(work):
    subprocess.run(["cc", "-O2", "-static", "-o", os.path.join(work, "lines"),
                    os.path.join(ROOT, "bench", "peers", "lines.c")], check=True)
    release_build.copy_release_programs(work, {"daemonize": "//tools:daemonize"})


def load():
    with open("/proc/loadavg") as loadavg:
        return loadavg.read().split()[0]


def run(work, file_runs, syslog_runs):
    """Measures everything, with the programs in `work`; returns the report
    (Markdown)."""
    debian.install_missing(DEBIAN_PACKAGES)
    build(work)
    print("built", file=sys.stderr)
    os.setpriority(os.PRIO_PROCESS, 0, PRIORITY)
    outputs = tempfile.mkdtemp(prefix="daemonkit-capture-", dir=OUTPUT_PARENT)
    os.chmod(outputs, 0o755)
    load_before = load()
    try:
        loggers = file_loggers(work)
        files = {}
        for round_number in range(file_runs):
            for index, logger in random.sample(list(enumerate(loggers)), len(loggers)):
                output = os.path.join(outputs, f"file-{index}")
                files.setdefault(index, []).append(logger.measure(work, output))
                shutil.rmtree(output, ignore_errors=True)
                for leftover in glob.glob(output + "*"):
                    os.remove(leftover)
            print(f"file run {round_number + 1}/{file_runs}, load {load()}",
                  file=sys.stderr)
        senders = syslog_senders(work)
        syslog = {}
        for scenario in SCENARIOS:
            rsyslog = Rsyslog(os.path.join(outputs, f"rsyslog-{scenario.key}"),
                              scenario.queue)
            try:
                for round_number in range(syslog_runs):
                    for index, sender in random.sample(list(enumerate(senders)),
                                                       len(senders)):
                        tag = f"{scenario.key}-{round_number}-{index}"
                        syslog.setdefault((scenario.key, index), []).append(
                            sender.measure(work, rsyslog, tag, scenario.count,
                                           scenario.rate))
                        os.remove(rsyslog.file(tag))
                    print(f"syslog {scenario.key} run {round_number + 1}/"
                          f"{syslog_runs}, load {load()}", file=sys.stderr)
            finally:
                rsyslog.end()
    finally:
        end_all()
        shutil.rmtree(outputs, ignore_errors=True)
    return render(loggers, files, senders, syslog, file_runs, syslog_runs,
                  load_before, load())


# --------------------------------------------------------------- reporting

def middle(samples, key):
    """The sample with the median `key` (of an even number, the upper one),
    so that figures shown together come from one run."""
    valid = sorted((s for s in samples if key(s) == key(s)), key=key)
    return valid[len(valid) // 2] if valid else None


def cpu_text(sample):
    """'total (user + system)' of one run."""
    if sample is None:
        return "—"
    user, system, total = sample.cpu
    return f"{total:.3f} ({user:.3f} + {system:.3f})"


def median(values):
    values = [v for v in values if v is not None and v == v]
    return statistics.median(values) if values else float("nan")


def ratio(value, base):
    if not base or value != value or base != base:
        return "—"
    return f"{value / base:.2f}"


def machine(load_before, load_after):
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for row in info:
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    processes = sum(1 for entry in os.listdir("/proc") if entry.isdigit())
    return (f"Machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}, "
            f"{processes} processes, load {load_before} at the start and "
            f"{load_after} at the end")


def arrivals(samples, expected):
    """"all" when every run had every line whole and in order; else the
    worst run's figures."""
    failed = [s for s in samples if s.seconds is None]
    bad = [s for s in samples if s.seconds is not None and (
        s.intact != expected or not s.in_order or s.lines != expected)]
    said = [f"**{len(failed)} of {len(samples)} runs failed** (not counted)"
            ] if failed else []
    if bad:
        worst = min(bad, key=lambda s: s.intact)
        order = "" if worst.in_order else ", out of order"
        said.append(f"**{len(bad)} of {len(samples)} runs short**: worst "
                    f"{worst.intact:,} of {expected:,}{order}")
    return "; ".join(said) if said else "all, in order"


def render(loggers, files, senders, syslog, file_runs, syslog_runs, load_before,
           load_after):
    lines = [
        f"{machine(load_before, load_after)}. Medians of {file_runs} runs per "
        f"logger to files and {syslog_runs} to syslog, interleaved, all run at "
        f"nice {PRIORITY}, outputs on a tmpfs; ratio = the figure / s6-log's (to "
        "syslog: / logger's).",
        "",
        f"### {LINES:,} lines of {LINE_BYTES} bytes to a file, with timestamps",
        "",
        "Wall time from the start to the logging process's exit (every line "
        "written); its CPU time alone, not the producer's: the run with the "
        "median total, split into user and system time. Distinct timestamps: "
        "how many different ones the 1,000,000 lines carry.",
        "",
        "| logger | how | timestamp (distinct ones) | lines arrived | wall s | "
        "lines/s | ratio | CPU s (user + sys) | CPU s per million lines | ratio | "
        "bytes per line | files |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
        "---: |",
    ]
    base = 1  # s6-log
    base_rate = median(s.intact / s.seconds for s in files[base] if s.seconds)
    base_cpu = median(s.cpu[2] for s in files[base])
    summary = {}
    for index, logger in enumerate(loggers):
        samples = files[index]
        seconds = median(s.seconds for s in samples)
        rate = median(s.intact / s.seconds for s in samples if s.seconds)
        cpu = median(s.cpu[2] for s in samples)
        per_million = median(s.cpu[2] / (s.intact / 1e6) for s in samples if s.intact)
        summary[index] = (rate, cpu)
        stamps = median(s.stamps for s in samples if s.seconds is not None)
        lines.append(
            f"| {logger.name} | {logger.how} | {logger.stamp} "
            f"({stamps:,.0f}) | "
            f"{arrivals(samples, LINES)} | {seconds:.3f} | {rate:,.0f} | "
            f"{ratio(rate, base_rate)} | "
            f"{cpu_text(middle(samples, lambda s: s.cpu[2]))} | {per_million:.3f} | "
            f"{ratio(cpu, base_cpu)} | {median(s.bytes_per_line for s in samples):.0f} | "
            f"{median(s.files for s in samples if s.seconds is not None):.0f} |")
    rate, cpu = summary[0]
    met = rate > base_rate and cpu <= base_cpu
    lines += [
        "",
        f"Target (more lines per second than s6-log at no more CPU): "
        f"{rate:,.0f} against {base_rate:,.0f} lines/s ({ratio(rate, base_rate)}x), "
        f"{cpu:.3f} against {base_cpu:.3f} CPU s ({ratio(cpu, base_cpu)}x): "
        f"**{'met' if met else 'missed'}**.",
    ]
    for scenario in SCENARIOS:
        count = scenario.count
        lines += [
            "",
            f"### {scenario.title()}",
            "",
            "A private rsyslogd (imuxsock without rate limits, omfile). Said "
            "dropped: the lines daemonize's notices say it dropped (in how many "
            "notices); unaccounted: neither arrived nor said dropped (in the worst "
            "run). Sender "
            "exits: the wall time to the sender's exit; last arrival: to the last "
            "growth of rsyslog's file; lines/s: lines arrived / last arrival. "
            "CPU: the sender's alone; rsyslogd's (all its threads) over the same "
            "run, for scale.",
            "",
            "| sender | how | lines arrived | said dropped (notices) | unaccounted "
            "(worst) | sender "
            "exits, s | last arrival, s | lines/s | ratio | sender CPU s (user + "
            "sys) | per million lines arrived | ratio | rsyslogd CPU s |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
            "---: | ---: | ---: |",
        ]
        base_samples = syslog[(scenario.key, 1)]
        base_rate = median(s.intact / s.arrived for s in base_samples if s.intact)
        base_cpu = median(s.cpu[2] / (s.intact / 1e6) for s in base_samples
                          if s.intact)
        for index, sender in enumerate(senders):
            samples = syslog[(scenario.key, index)]
            rate = median(s.intact / s.arrived for s in samples if s.intact)
            per_million = median(s.cpu[2] / (s.intact / 1e6) for s in samples
                                 if s.intact)
            lines.append(
                f"| {sender.name} | {sender.how} | "
                f"{median(s.intact for s in samples):,.0f} of {count:,} "
                f"({arrivals(samples, count)}) | "
                f"{median(s.said_dropped for s in samples):,.0f} "
                f"({median(s.notices for s in samples):,.0f}) | "
                f"{median(count - s.intact - s.said_dropped for s in samples):,.0f} "
                f"({max(count - s.intact - s.said_dropped for s in samples):,}) | "
                f"{median(s.seconds for s in samples):.3f} | "
                f"{median(s.arrived for s in samples):.3f} | {rate:,.0f} | "
                f"{ratio(rate, base_rate)} | "
                f"{cpu_text(middle(samples, lambda s: s.cpu[2]))} | "
                f"{per_million:.3f} | "
                f"{ratio(per_million, base_cpu)} | "
                f"{median(s.rsyslog_cpu for s in samples):.2f} |")
    lines.append("")
    return "\n".join(lines)
