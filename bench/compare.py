#!/usr/bin/env python3
"""daemonkit against the other daemonizers, side by side, in one run.

Starts the same loop (a timestamp line to a log every 10 s) through each
launcher, interleaved, many times, and measures for each start:

  exit   when the launcher exits, from the moment it was started (a pidfd);
  line   when the daemon's first log line lands (inotify on the log's
         directory): the daemon is doing its work;
  rss    the resident memory of what the start left running.

A launcher that does not wait for readiness exits early whatever its daemon
still has to do, so the fair comparison is daemonkit's exit (the daemon said
it is ready) against each peer's first line. Each setting of RLIMIT_NOFILE is
measured: 1,024; the hard limit of this machine; and 1,048,576, which cannot
be set here and is simulated by an LD_PRELOAD shim (nofile_shim.c).

Two references show where a launcher's time goes: a plain C double fork with
a readiness pipe (peers/handshake.c), run like the peers; and start-up floors,
programs that only start and exit (an empty C program, a C++ one linked as
daemonkit's release binaries, timestamp --help), timed in the same rounds.

Every daemon is stopped by its exact pid (pidfd_send_signal) and reaped here:
this process is a child subreaper.

With --supervisors it compares daemonkit's supervisor (daemonize --respawn)
with s6, runit, daemontools, libslack's daemon and supervisord instead: memory,
idle wake-ups, restart after a crash, stop of a 100-process tree
(bench/supervisors.py says how).

With --capture it compares daemonkit's captured output (daemonize
--timestamps --stdout=FILE, and --stdout=syslog) with s6-log, svlogd,
multilog, libslack's daemon --output and logger(1): 1,000,000 lines, lines
per second and the logger's CPU time (bench/capture.py says how).

With --init it compares daemonize --init with tini, dumb-init and catatonit,
each process 1 of a PID namespace: memory, idle wake-ups, how soon an orphan
is reaped, SIGTERM to exit (bench/init.py says how).

  sudo bench/compare.py [--runs N] [--write docs/benchmarks.md]
  sudo bench/compare.py --supervisors [--write docs/benchmarks.md]
  sudo bench/compare.py --capture [--write docs/benchmarks.md]
  sudo bench/compare.py --init [--write docs/benchmarks.md]
"""

import argparse
import ctypes
import os
import platform
import random
import resource
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time

import capture
import init
import release_build
import supervisors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_DIR = os.path.join(ROOT, "bench", "peers")
DEBIAN_PACKAGES = ["daemonize", "daemon", "python3-daemon", "libdaemon-dev", "gcc"]
SIMULATED_NOFILE = 1048576
SIMULATION_NOTE = (
    "daemonkit's release binaries are linked statically, so the shim does not "
    "reach them; they never read RLIMIT_NOFILE while close_range(2) works (only "
    "their last resort, one close per possible descriptor, does), so their "
    "figures here are what they would be at 1,048,576.")
INTERVAL = "10"

libc = ctypes.CDLL(None, use_errno=True)
IN_MODIFY = 0x2
PR_SET_CHILD_SUBREAPER = 36


def install_peers():
    missing = [p for p in DEBIAN_PACKAGES
               if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if missing:
        print("installing from Debian:", " ".join(missing), file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq"] + missing, check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def build(work):
    """Builds the C peers, the shim, and daemonkit's binaries
    (--config=release: optimized, linked statically)."""
    def cc(output, *arguments):
        subprocess.run(["cc", "-O2", "-o", os.path.join(work, output), *arguments],
                       check=True)
    cc("loop", os.path.join(PEERS_DIR, "loop.c"))
    cc("daemon3", os.path.join(PEERS_DIR, "daemon3.c"))
    cc("handshake", os.path.join(PEERS_DIR, "handshake.c"))
    cc("empty", os.path.join(PEERS_DIR, "empty.c"))
    cc("libdaemon", os.path.join(PEERS_DIR, "libdaemon.c"), "-ldaemon")
    cc("nofile_shim.so", "-shared", "-fPIC",
       os.path.join(ROOT, "bench", "nofile_shim.c"), "-ldl")
    release_build.copy_release_programs(work, {
        "timestamp": "//examples:timestamp",
        "daemonkit-daemonize": "//tools:daemonize",
        "startup_floor": "//bench:startup_floor",
    })


def peers(work):
    """(name, waits for readiness, argv for a log path)."""
    loop = os.path.join(work, "loop")
    return [
        ("daemonkit timestamp", "yes: Ready() after its log is open",
         lambda log: [os.path.join(work, "timestamp"), "--log=" + log,
                      "--interval=" + INTERVAL + "s"]),
        ("daemonkit daemonize", "yes: the exec",
         lambda log: [os.path.join(work, "daemonkit-daemonize"), "--", loop, log,
                      INTERVAL]),
        ("glibc daemon(3)", "no",
         lambda log: [os.path.join(work, "daemon3"), log, INTERVAL]),
        ("libdaemon", "yes: daemon_retval_send",
         lambda log: [os.path.join(work, "libdaemon"), log, INTERVAL]),
        ("reference: double fork + readiness pipe in C", "yes: one byte",
         lambda log: [os.path.join(work, "handshake"), log, INTERVAL]),
        ("python-daemon", "no",
         lambda log: ["/usr/bin/python3", os.path.join(PEERS_DIR, "python_daemon.py"),
                      log, INTERVAL]),
        ("bmc daemonize", "no",
         lambda log: ["/usr/bin/daemonize", loop, log, INTERVAL]),
        ("libslack daemon", "no",
         lambda log: ["/usr/bin/daemon", "--", loop, log, INTERVAL]),
        ("start-stop-daemon --background", "no",
         lambda log: ["/usr/sbin/start-stop-daemon", "--start", "--background",
                      "--exec", loop, "--", log, INTERVAL]),
    ]


def floors(work):
    """(name, argv) of programs that only start and exit: where a launcher's
    time goes before it does anything."""
    return [
        ("an empty C program", [os.path.join(work, "empty")]),
        ("C++ with absl::Status, linked as daemonkit's release binaries",
         [os.path.join(work, "startup_floor")]),
        ("daemonkit timestamp --help", [os.path.join(work, "timestamp"), "--help"]),
    ]


def start(argv, env):
    """Starts `argv` with no standard streams: (start instant in ns, the
    process, a pidfd on it)."""
    started = time.monotonic_ns()
    program = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return started, program, os.pidfd_open(program.pid)


def time_exit(argv, env):
    """Milliseconds from starting `argv` to its exit (a pidfd)."""
    start_ns, program, pidfd = start(argv, env)
    select.select([pidfd], [], [], 20)
    exited = time.monotonic_ns()
    os.close(pidfd)
    program.wait()
    return (exited - start_ns) / 1e6


def processes_with(text):
    """Pids whose command line mentions `text`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if text.encode() in cmdline.read():
                    found.append(int(entry))
        except OSError:
            pass
    return found


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stop_exactly(pid):
    """SIGKILL through a pidfd (never a recycled pid), then reap."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        select.select([pidfd], [], [], 5)
    except ProcessLookupError:
        pass
    finally:
        os.close(pidfd)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def measure(argv, log, env):
    """One start: (exit ms, first line ms, rss KiB), or None when it failed."""
    directory = os.path.dirname(log)
    inotify = libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
    libc.inotify_add_watch(inotify, directory.encode(), IN_MODIFY)
    start_ns, launcher, pidfd = start(argv, env)
    exited = line = None
    deadline = time.monotonic() + 20
    while (exited is None or line is None) and time.monotonic() < deadline:
        readable, _, _ = select.select([pidfd, inotify], [], [], 1)
        now = time.monotonic_ns()
        if pidfd in readable and exited is None:
            exited = now
        if inotify in readable:
            events = os.read(inotify, 4096)
            offset = 0
            while offset < len(events):
                _, _, _, length = struct.unpack_from("iIII", events, offset)
                name = events[offset + 16:offset + 16 + length].rstrip(b"\0")
                if name == os.path.basename(log).encode() and line is None:
                    line = now
                offset += 16 + length
    os.close(pidfd)
    os.close(inotify)
    status = launcher.wait()
    time.sleep(0.05)  # Let the daemon settle into its sleep.
    left = processes_with(log)
    rss = sum(rss_kib(pid) for pid in left)
    for pid in left:
        stop_exactly(pid)
    if status != 0 or exited is None or line is None:
        return None
    return ((exited - start_ns) / 1e6, (line - start_ns) / 1e6, rss)


def settings(work):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    shim = dict(os.environ, LD_PRELOAD=os.path.join(work, "nofile_shim.so"))
    return [
        ("1,024", (1024, hard), dict(os.environ)),
        (f"{hard:,} (hard limit)", (hard, hard), dict(os.environ)),
        (f"{SIMULATED_NOFILE:,} (simulated)", (hard, hard), shim),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--write", help="replace the results section of this file")
    group = parser.add_argument_group("supervisors")
    group.add_argument("--supervisors", action="store_true",
                       help="compare supervisors instead of start-ups")
    group.add_argument("--idle-windows", type=int, default=3)
    group.add_argument("--idle-seconds", type=float, default=20)
    group.add_argument("--restarts", type=int, default=15)
    group.add_argument("--stops", type=int, default=7)
    group = parser.add_argument_group("captured output")
    group.add_argument("--capture", action="store_true",
                       help="compare captured output with other loggers instead")
    group.add_argument("--file-runs", type=int, default=5)
    group.add_argument("--syslog-runs", type=int, default=3)
    group = parser.add_argument_group("container init")
    group.add_argument("--init", action="store_true",
                       help="compare daemonize --init with tini, dumb-init and "
                       "catatonit instead")
    group.add_argument("--init-starts", type=int, default=5)
    group.add_argument("--init-idle-seconds", type=float, default=60,
                       help="idle window in all, over the starts")
    group.add_argument("--init-orphans", type=int, default=200)
    group.add_argument("--init-term-runs", type=int, default=7)
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("compare.py: run as root (it installs the peers from Debian)")
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Not under /tmp: libslack's daemon refuses to run a program from a
    # group- or world-writable directory.
    work = os.path.join(ROOT, "bench", ".work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o755)
    if arguments.supervisors or arguments.capture or arguments.init:
        # Interrupted (even started in the background, where SIGINT comes
        # ignored), it still stops and removes all it started.
        def interrupt(signal_number, frame):
            raise KeyboardInterrupt(signal.Signals(signal_number).name)
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
        try:
            if arguments.capture:
                report = capture.run(work, arguments.file_runs,
                                     arguments.syslog_runs)
                section = "capture"
            elif arguments.init:
                report = init.run(work, arguments.init_starts,
                                  arguments.init_idle_seconds,
                                  arguments.init_orphans, arguments.init_term_runs)
                section = "init"
            else:
                report = supervisors.run(work, arguments.idle_windows,
                                         arguments.idle_seconds, arguments.restarts,
                                         arguments.stops)
                section = "supervisors"
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(report)
        if arguments.write:
            write_results(arguments.write, report, section)
        return
    install_peers()
    build(work)
    all_peers = peers(work)
    all_settings = settings(work)
    all_floors = floors(work)
    results = {}  # (peer, setting) -> list of (exit, line, rss)
    failures = {}
    floor_times = {}  # floor -> list of exit ms, at the first setting
    for run in range(arguments.runs):
        resource.setrlimit(resource.RLIMIT_NOFILE, all_settings[0][1])
        for name, argv in random.sample(all_floors, len(all_floors)):
            floor_times.setdefault(name, []).append(time_exit(argv, all_settings[0][2]))
        # Settings in a new order each round too: no setting always runs first.
        for setting, limits, env in random.sample(all_settings, len(all_settings)):
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            order = list(all_peers)
            random.shuffle(order)
            for name, _, argv in order:
                log = os.path.join(work, f"run{run}-{len(results)}.log")
                sample = measure(argv(log), log, env)
                if sample is None:
                    failures[(name, setting)] = failures.get((name, setting), 0) + 1
                else:
                    results.setdefault((name, setting), []).append(sample)
                if os.path.exists(log):
                    os.remove(log)
        print(f"run {run + 1}/{arguments.runs}", file=sys.stderr)
    report = render(all_peers, all_settings, results, failures, arguments.runs)
    report += render_floors(all_floors, floor_times, all_settings[0][0])
    print(report)
    if arguments.write:
        write_results(arguments.write, report)
    shutil.rmtree(work)


def median(samples, index):
    return statistics.median(s[index] for s in samples) if samples else float("nan")


def render(all_peers, all_settings, results, failures, runs):
    ours = "daemonkit timestamp"
    base = all_settings[0][0]
    our_exit = median(results.get((ours, base), []), 0)
    lines = []
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for row in info:
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    lines.append(f"Machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}; "
                 f"{runs} interleaved runs per launcher and setting; medians in ms.")
    lines.append("")
    lines.append("The fair comparison is a peer's first line against daemonkit's exit "
                 f"(its daemon ready): ratio = peer's line / daemonkit timestamp's exit "
                 f"at {base} ({our_exit:.2f} ms).")
    lines.append("")
    for setting, _, _ in all_settings:
        lines.append(f"### RLIMIT_NOFILE {setting}")
        lines.append("")
        lines.append("| launcher | waits for readiness | exit | first line | "
                     "ratio to ours | RSS KiB | failed starts |")
        lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for name, waits, _ in all_peers:
            samples = results.get((name, setting), [])
            exit_ms, line_ms = median(samples, 0), median(samples, 1)
            ready = exit_ms if name.startswith("daemonkit") else line_ms
            lines.append(
                f"| {name} | {waits} | {exit_ms:.2f} | {line_ms:.2f} | "
                f"{ready / our_exit:.2f} | {median(samples, 2):.0f} | "
                f"{failures.get((name, setting), 0)} |")
        lines.append("")
        if "simulated" in setting:
            lines.append(SIMULATION_NOTE)
            lines.append("")
    return "\n".join(lines)


def render_floors(all_floors, floor_times, setting):
    lines = ["", f"### Start-up floors (RLIMIT_NOFILE {setting})", "",
             "Programs that only start and exit, timed the same way in the same rounds.",
             "", "| program | exit | over the empty C program |",
             "| --- | ---: | ---: |"]
    empty = statistics.median(floor_times[all_floors[0][0]])
    for name, _ in all_floors:
        exit_ms = statistics.median(floor_times[name])
        lines.append(f"| {name} | {exit_ms:.2f} | {exit_ms - empty:+.2f} |")
    lines.append("")
    return "\n".join(lines)


def write_results(path, report, section="results"):
    begin, end = f"<!-- {section}: begin -->", f"<!-- {section}: end -->"
    with open(path) as document:
        text = document.read()
    if begin not in text or end not in text:
        sys.exit(f"compare.py: {path} has no {begin} ... {end} section")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w") as document:
        document.write(f"{head}{begin}\n{report}\n{end}{tail}")


if __name__ == "__main__":
    main()
