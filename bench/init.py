"""daemonize --init against tini, dumb-init and catatonit, in one run.

`compare.py --init` runs this. Each init runs as process 1 of a real PID
namespace, `unshare --pid --fork --mount-proc INIT [--] COMMAND`, as a
container runtime would start it; its host pid is unshare's child. Measured:

  memory     Pss and Rss of the init alone (/proc/PID/smaps_rollup) while
             COMMAND (`sleep 1000`) idles, one init of each kind running side
             by side, so that no two share their program's pages;
  wake-ups   the init's context switches (voluntary and not) over the same
             idle windows, per minute;
  reaping    from an orphan's exit (its pidfd readable) to its reaping by the
             init (/proc/PID gone): COMMAND leaves orphans blocked opening a
             FIFO each, which the init inherits; the benchmark opens one FIFO
             at a time for writing, releasing exactly one orphan;
  TERM       from SIGTERM to the init from outside (as `docker stop` sends it)
             to unshare's exit, COMMAND `sleep 1000` (which dies of it), and
             the exit status that comes out.

Everything runs at nice -20 (inherited alike), as supervisors.py does.
"""

import os
import random
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import debian
import release_build
import supervisors
from supervisors import context_switches, mappings_kib, memory_kib, median, ratio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN_PACKAGES = ["tini", "dumb-init", "catatonit"]
PRIORITY = -20
SETTLE = 1.0  # After a start, before the init counts as idle.
STOP_WAIT = 5.0  # How long a TERM may take before the run counts as failed.
REAP_WAIT = 1.0  # How long one orphan may wait to be reaped.
BASE = "dumb-init"  # Memory ratios are against it (the target).


class Init:
    """One kind of init: how it is named, and its argv before COMMAND."""

    def __init__(self, name, binary, prefix, package=None):
        self.name = name
        self.binary = binary
        self.prefix = prefix
        self.package = package


def inits(work):
    """daemonize --init twice: alone, process 1 is daemonize-init; with a
    ready file (in `work`, which only root may write), the supervisor."""
    daemonize = os.path.join(work, "daemonize")
    ready_file = os.path.join(work, "service.ready")
    return [
        Init("daemonkit daemonize --init", os.path.join(work, "daemonize-init"),
             [daemonize, "--init", "--"]),
        Init("daemonkit daemonize --init --ready-file", daemonize,
             [daemonize, "--init", f"--ready-file={ready_file}", "--"]),
        Init("tini", "/usr/bin/tini", ["/usr/bin/tini", "--"], "tini"),
        Init("dumb-init", "/usr/bin/dumb-init", ["/usr/bin/dumb-init"], "dumb-init"),
        Init("catatonit", "/usr/bin/catatonit", ["/usr/bin/catatonit", "--"],
             "catatonit"),
    ]


# ---------------------------------------------------------------- processes

def children_of(pid):
    """Pids whose parent is `pid` (this kernel has no /proc/PID/task/*/children)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and supervisors.parent_of(entry) == pid:
            found.append(int(entry))
    return found


def command_name(pid):
    try:
        with open(f"/proc/{pid}/comm") as comm:
            return comm.read().strip()
    except OSError:
        return ""


class Container:
    """One init as process 1 of a new PID namespace, COMMAND under it."""

    def __init__(self, init, command, children=1):
        """Starts it and waits until the init has `children` children, one of
        them `sleep` (COMMAND ends by exec'ing it)."""
        self.init = init
        self.unshare = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount-proc", *init.prefix, *command],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.pid = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = children_of(self.unshare.pid)
            if found:
                self.pid = found[0]
                below = children_of(self.pid)
                if len(below) >= children and any(
                        command_name(pid) == "sleep" for pid in below):
                    return
            time.sleep(0.01)
        self.end()
        raise RuntimeError(f"{init.name}: COMMAND not running within 10 s")

    def end(self):
        """SIGKILL to the init ends the whole namespace; unshare then exits."""
        if self.unshare.poll() is None:
            if self.pid:
                for pidfd in supervisors.kill_exactly([self.pid]):
                    os.close(pidfd)
            else:
                self.unshare.kill()
        self.unshare.wait()


def pidfd_exited(pidfd):
    return bool(select.select([pidfd], [], [], 0)[0])


# ------------------------------------------------------------- measurements

def measure_idle(all_inits, starts, seconds):
    """{name: [(Pss, Rss, wake-ups per minute)]}: `starts` times, one
    container of each kind side by side, each idle for seconds / starts.
    Also {name: smaps by mapping} of the first start."""
    samples, maps = {}, {}
    window = seconds / starts
    for start in range(starts):
        containers = []
        try:
            for init in random.sample(all_inits, len(all_inits)):
                containers.append(Container(init, ["sleep", "1000"]))
            time.sleep(SETTLE)
            before = {c.init.name: context_switches(c.pid) for c in containers}
            for c in containers:
                pss, rss, _ = memory_kib(c.pid)
                samples.setdefault(c.init.name, []).append([pss, rss])
                if start == 0:
                    maps[c.init.name] = mappings_kib(c.pid)
            time.sleep(window)
            for c in containers:
                woke = context_switches(c.pid) - before[c.init.name]
                samples[c.init.name][-1].append(woke * 60.0 / window)
        finally:
            for c in containers:
                c.end()
        print(f"idle start {start + 1}/{starts}", file=sys.stderr)
    return samples, maps


def orphan_command(fifos):
    """COMMAND for the reaping test: a subshell per FIFO starts a background
    job that blocks opening it, then exits, so the job is orphaned to the
    init; then COMMAND becomes `sleep`."""
    return ["sh", "-c",
            'for f in "$@"; do (: < "$f" &); done; exec sleep 1000', "sh", *fifos]


def reap_once(fifo, pidfds):
    """Releases the orphan blocked on `fifo`: microseconds from its pidfd
    becoming readable to its /proc entry's end, or None."""
    writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        readable, _, _ = select.select(list(pidfds), [], [], REAP_WAIT)
        exited = time.monotonic_ns()
    finally:
        os.close(writer)
    if len(readable) != 1:
        return None
    pid = pidfds.pop(readable[0])
    os.close(readable[0])
    # Busy: the zombie's /proc entry goes the moment the init reaps it.
    deadline = exited + int(REAP_WAIT * 1e9)
    while time.monotonic_ns() < deadline:
        try:
            os.stat(f"/proc/{pid}/stat")
        except (FileNotFoundError, ProcessLookupError):  # ESRCH: mid-reap.
            return (time.monotonic_ns() - exited) / 1e3
    return None


def measure_reaping(init, directory, count):
    """[µs or None] for `count` orphans, released one at a time."""
    fifos = [os.path.join(directory, f"fifo.{i}") for i in range(count)]
    for fifo in fifos:
        os.mkfifo(fifo)
    container = Container(init, orphan_command(fifos), children=count + 1)
    try:
        pidfds = {}
        for pid in children_of(container.pid):
            if command_name(pid) != "sleep":
                pidfds[os.pidfd_open(pid)] = pid
        if len(pidfds) != count:
            raise RuntimeError(f"{init.name}: {len(pidfds)} orphans, not {count}")
        samples = []
        for fifo in random.sample(fifos, count):
            samples.append(reap_once(fifo, pidfds))
        for pidfd in pidfds:
            os.close(pidfd)
        return samples
    finally:
        container.end()
        for fifo in fifos:
            os.remove(fifo)


def exit_status(returncode):
    """unshare exits with its child's status, or kills itself with the
    child's signal (Popen's negative return code)."""
    if returncode is None:
        return "none in time"
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return str(returncode)


def measure_term(init):
    """(ms from SIGTERM to the init to unshare's exit, or None; status)."""
    container = Container(init, ["sleep", "1000"])
    try:
        time.sleep(0.1)  # Let it reach its wait.
        pidfd = os.pidfd_open(container.unshare.pid)
        started = time.monotonic_ns()
        os.kill(container.pid, signal.SIGTERM)
        done = select.select([pidfd], [], [], STOP_WAIT)[0]
        ended = time.monotonic_ns()
        os.close(pidfd)
        if not done:
            return None, exit_status(None)
        return (ended - started) / 1e6, exit_status(container.unshare.wait())
    finally:
        container.end()


# ------------------------------------------------------------------ binaries

def is_static(path):
    """An ELF file without a PT_INTERP program header needs no dynamic
    loader: linked statically."""
    with open(path, "rb") as elf:
        header = elf.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:
            return None  # Not a 64-bit ELF file.
        phoff, = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        elf.seek(phoff)
        table = elf.read(phentsize * phnum)
    types = [struct.unpack_from("<I", table, i * phentsize)[0] for i in range(phnum)]
    return 3 not in types  # PT_INTERP


def version(init):
    if init.package is None:
        return "this tree, --config=release"
    return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", init.package],
                          capture_output=True, text=True).stdout


# ------------------------------------------------------------------ running

def build(work):
    release_build.copy_release_programs(work, {
        "daemonize": "//tools:daemonize",
        "daemonize-init": "//tools:daemonize-init",
    })


def run(work, starts, idle_seconds, orphans, term_runs):
    """Measures everything, with daemonize and daemonize-init copied into
    `work`; returns the report (Markdown)."""
    debian.install_missing(DEBIAN_PACKAGES)
    build(work)
    os.setpriority(os.PRIO_PROCESS, 0, PRIORITY)
    all_inits = inits(work)
    idle, maps = measure_idle(all_inits, starts, idle_seconds)
    reaping = {}
    fifo_dir = tempfile.mkdtemp(prefix="daemonkit-init-", dir="/dev/shm")
    try:
        # Four rounds, the inits in a new order each: none always first.
        for round_number in range(4):
            for init in random.sample(all_inits, len(all_inits)):
                reaping.setdefault(init.name, []).extend(
                    measure_reaping(init, fifo_dir, orphans // 4))
            print(f"reaping round {round_number + 1}/4", file=sys.stderr)
    finally:
        shutil.rmtree(fifo_dir, ignore_errors=True)
    terms = {}
    for _ in range(term_runs):
        for init in random.sample(all_inits, len(all_inits)):
            terms.setdefault(init.name, []).append(measure_term(init))
    print("TERM runs done", file=sys.stderr)
    return render(all_inits, idle, maps, reaping, terms, starts, idle_seconds,
                  term_runs)


# --------------------------------------------------------------- reporting

def percentile(values, fraction):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(fraction * len(values)))]


def render(all_inits, idle, maps, reaping, terms, starts, idle_seconds, term_runs):
    ours = all_inits[0].name
    base_pss = median(s[0] for s in idle[BASE])
    lines = [
        f"{supervisors.machine()}. Each init process 1 of its own PID namespace "
        f"(`unshare --pid --fork --mount-proc`), all at nice {PRIORITY}.",
        "",
        "### Memory and idle wake-ups",
        "",
        f"Medians of {starts} starts, one container of each kind side by side, "
        f"COMMAND `sleep 1000`; wake-ups over {idle_seconds:g} s in all "
        f"({idle_seconds / starts:g} s per start), per minute. Ratio = the "
        f"figure / {BASE}'s.",
        "",
        "| init | version | binary KiB | static | Pss KiB | ratio | Rss KiB | "
        "ratio | wake-ups per minute idle |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    base_rss = median(s[1] for s in idle[BASE])
    for init in all_inits:
        samples = idle[init.name]
        pss, rss = median(s[0] for s in samples), median(s[1] for s in samples)
        static = {True: "yes", False: "no", None: "?"}[is_static(init.binary)]
        lines.append(
            f"| {init.name} | {version(init)} | "
            f"{os.path.getsize(init.binary) / 1024:.0f} | {static} | {pss:.0f} | "
            f"{ratio(pss, base_pss)} | {rss:.0f} | {ratio(rss, base_rss)} | "
            f"{median(s[2] for s in samples):.1f} |")
    for name in (ours, all_inits[1].name, BASE):
        lines += ["", f"Where {name}'s memory is, idle (KiB, /proc/PID/smaps by "
                  "file and kind, the largest Pss first):", "",
                  "| mapping | Rss | Pss | private |", "| --- | ---: | ---: | ---: |"]
        rows = maps[name]
        for what, rss, pss, private in rows[:6]:
            lines.append(f"| {what} | {rss} | {pss} | {private} |")
        if rows[6:]:
            rest = rows[6:]
            lines.append(f"| {len(rest)} more | {sum(r[1] for r in rest)} | "
                         f"{sum(r[2] for r in rest)} | {sum(r[3] for r in rest)} |")
    count = len(reaping[ours])
    our_reap = median(reaping[ours])
    our_term = median(t[0] for t in terms[ours])
    lines += [
        "", "### Reaping and stopping", "",
        f"Reaping: {count} orphans per init, released one at a time (four "
        "containers of each kind, interleaved); from the orphan's pidfd "
        "readable to its /proc entry gone, µs. TERM: SIGTERM to the init from "
        f"outside, to unshare's exit, median of {term_runs} runs, ms. Ratio = "
        "the figure / daemonize's.",
        "",
        "| init | reaping median µs | p99 µs | max µs | ratio | not reaped in "
        f"{REAP_WAIT:g} s | TERM to exit ms | ratio | exit status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for init in all_inits:
        reaped = [s for s in reaping[init.name] if s is not None]
        reap = median(reaped)
        times = [t[0] for t in terms[init.name]]
        statuses = sorted({t[1] for t in terms[init.name]})
        lines.append(
            f"| {init.name} | {reap:.0f} | {percentile(reaped, 0.99):.0f} | "
            f"{max(reaped, default=float('nan')):.0f} | {ratio(reap, our_reap)} | "
            f"{len(reaping[init.name]) - len(reaped)} | {median(times):.2f} | "
            f"{ratio(median(times), our_term)} | {', '.join(statuses)} |")
    lines.append("")
    return "\n".join(lines)
