"""daemonkit's supervisor against other supervisors, side by side, in one run.

`compare.py --supervisors` runs this. Each supervisor watches the same idle
program (peers/service.c, linked statically: it appends a line with its pid
to a "beacon" file, then pauses) and is measured for

  memory     Pss, Rss and private memory of the supervisor process alone
             (/proc/PID/smaps_rollup), read while one supervisor of each
             kind runs, so that no two share their program's pages;
  wake-ups   its context switches (voluntary and not, every thread) over
             idle windows, all supervisors side by side, per minute;
  restart    from a SIGKILL of the running instance to the next instance's
             beacon line (inotify on the beacon file), minus the delay the
             supervisor was configured or built to wait first;
  stop       from the stop request to the end of a tree of 100 processes
             that obey SIGTERM (the instance forks 99 children, then
             pauses): a pidfd on each of the 100, polled.

Service directories, pid files and status files are on a tmpfs (/dev/shm),
as /run is on most systems; everything runs at nice -20, so that other load
on a shared machine delays every supervisor less, and alike.

Every process started is found again by a marker in its environment
(BENCH_SERVICE), killed through a pidfd and reaped: compare.py is a child
subreaper, so the orphans a supervisor leaves come back to it.
"""

import ctypes
import http.client
import os
import platform
import random
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

import debian
import release_build

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN_PACKAGES = ["s6", "runit", "daemontools", "daemon", "supervisor", "gcc",
                   "libc6-dev"]
IDLE_SETTLE = 2.0  # daemontools' supervise sleeps 1 s after each start.
RUNNING_BEFORE_KILL = 1.5  # More than each peer's 1-second rule.
STOP_GRACE = 1.0  # How long a stop may take before what is left is counted.
TREE = 100
PRIORITY = -20
STATE_PARENT = "/dev/shm"

libc = ctypes.CDLL(None, use_errno=True)
IN_MODIFY = 0x2


# ---------------------------------------------------------------- processes

def read_fields(path, names):
    """{name: int} of the "Name: value ..." lines of a /proc file."""
    found = {}
    try:
        with open(path) as text:
            for line in text:
                name, _, rest = line.partition(":")
                if name in names:
                    found[name] = int(rest.split()[0])
    except OSError:
        pass
    return found


def parent_of(pid):
    return read_fields(f"/proc/{pid}/status", {"PPid"}).get("PPid", 0)


def memory_kib(pid):
    """(Pss, Rss, private) in KiB, from smaps_rollup."""
    fields = read_fields(f"/proc/{pid}/smaps_rollup",
                         {"Pss", "Rss", "Private_Clean", "Private_Dirty"})
    return (fields.get("Pss", 0), fields.get("Rss", 0),
            fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0))


def context_switches(pid):
    """Voluntary plus involuntary context switches of every thread."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for task in tasks:
        fields = read_fields(f"/proc/{pid}/task/{task}/status",
                             {"voluntary_ctxt_switches",
                              "nonvoluntary_ctxt_switches"})
        total += sum(fields.values())
    return total


def cpu_ms(pid):
    """CPU time the process has had, from /proc/PID/schedstat (a zombie's
    too), in ms."""
    try:
        with open(f"/proc/{pid}/schedstat") as schedstat:
            return int(schedstat.read().split()[0]) / 1e6
    except (OSError, IndexError, ValueError):
        return float("nan")


def mappings_kib(pid):
    """[(what, Rss, Pss, private)] of /proc/PID/smaps, grouped by file and
    kind (text, read-only data, data, anonymous), largest Pss first."""
    groups = {}
    current = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                perms = head[1]
                path = head[5] if len(head) > 5 else "[anonymous]"
                path = os.path.basename(path) if path.startswith("/") else path
                kind = ("text" if "x" in perms else
                        "read-only" if "w" not in perms else "writable")
                current = groups.setdefault(f"{path} {kind}", [0, 0, 0])
            elif head[0] in ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"):
                value = int(head[1])
                if head[0] == "Rss:":
                    current[0] += value
                elif head[0] == "Pss:":
                    current[1] += value
                else:
                    current[2] += value
    rows = [(what, *values) for what, values in groups.items() if values[0]]
    return sorted(rows, key=lambda row: -row[2])


def marked_processes(marker, exact=True):
    """Pids whose environment holds BENCH_SERVICE=`marker` (or, not
    `exact`, a value that starts with it)."""
    wanted = f"BENCH_SERVICE={marker}".encode() + (b"\0" if exact else b"")
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as environ:
                    if wanted in environ.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def kill_exactly(pids, signal_number=signal.SIGKILL):
    """Signals each pid through a pidfd; returns the pidfds (the caller
    closes them)."""
    pidfds = []
    for pid in pids:
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            signal.pidfd_send_signal(pidfd, signal_number)
        except OSError:
            pass
        pidfds.append(pidfd)
    return pidfds


def reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_marked(marker, exact=True):
    """Kills every process of a service, the supervisor too, and reaps what
    comes back to this subreaper."""
    for _ in range(50):
        pids = marked_processes(marker, exact)
        if not pids:
            break
        for pidfd in kill_exactly(pids):
            select.select([pidfd], [], [], 1)
            os.close(pidfd)
        reap_all()
    time.sleep(0.02)
    reap_all()


# ------------------------------------------------------------------ beacons

class Beacon:
    """The file each instance appends its pids to; watched with inotify."""

    def __init__(self, path):
        self.path = path
        open(path, "w").close()
        self.seen = 0
        self.inotify = libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        libc.inotify_add_watch(self.inotify, path.encode(), IN_MODIFY)

    def _lines(self):
        """The complete lines (a line is written whole, but may be read
        while it is written)."""
        with open(self.path) as text:
            return [line.split() for line in text.read().split("\n")[:-1]]

    def next_instance(self, timeout):
        """Waits for the next line: ([pids], the instant it was seen in ns),
        or (None, None) after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self._lines()
            if len(lines) > self.seen:
                self.seen = len(lines)
                return [int(pid) for pid in lines[-1]], time.monotonic_ns()
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            if select.select([self.inotify], [], [], left)[0]:
                try:
                    os.read(self.inotify, 4096)
                except BlockingIOError:
                    pass

    def close(self):
        os.close(self.inotify)


# -------------------------------------------------------------- supervisors

class Service:
    """One supervisor watching one instance at a time."""

    def __init__(self, kind, directory, children):
        self.kind = kind
        self.directory = directory
        self.marker = directory
        os.makedirs(directory)
        self.beacon = Beacon(os.path.join(directory, "beacon"))
        self.env = dict(os.environ, BENCH_BEACON=self.beacon.path,
                        BENCH_CHILDREN=str(children), BENCH_SERVICE=self.marker)
        self.popen = None
        self.supervisor = 0
        self.instance = []

    def started(self, timeout=10):
        pids, _ = self.beacon.next_instance(timeout)
        if pids is None:
            raise RuntimeError(f"{self.kind.name}: no instance within {timeout} s")
        self.instance = pids
        self.supervisor = parent_of(pids[0])
        return self

    def end(self):
        end_marked(self.marker)
        if self.popen is not None:
            self.popen.poll()
        self.beacon.close()


class Supervisor:
    """How to start, and ask to stop, one kind of supervisor.

    delay_ms: what it waits, configured or built in, before it restarts an
    instance that ran for RUNNING_BEFORE_KILL seconds; subtracted."""
    name = ""
    delay_ms = 0.0
    delay_note = ""
    keeps = "nothing else"
    stop_note = ""

    def __init__(self, work):
        self.work = work

    def launch(self, service):
        raise NotImplementedError

    def request_stop(self, service):
        raise NotImplementedError

    def start(self, directory, children=0):
        service = Service(self, directory, children)
        try:
            self.launch(service)
            return service.started()
        except BaseException:
            service.end()
            raise


class Daemonkit(Supervisor):
    keeps = "nothing else (the launcher exits)"

    def __init__(self, work, delay="100ms", stop_command=False):
        super().__init__(work)
        self.delay = delay
        self.delay_ms = float(delay[:-2])
        self.stop_command = stop_command
        self.name = "daemonkit daemonize --respawn" + (
            f" --respawn-delay={delay}" if delay != "100ms" else "")
        self.delay_note = (f"{delay}, doubled for each failure in a row; "
                           "back to it after an instance that was ready for "
                           "more than --respawn-max-delay (1s here)")
        if delay != "100ms":
            self.delay_note = f"{delay} (and --respawn-max-delay={delay})"
        self.stop_note = ("`daemonize --stop --pid-file=F` (the whole command)"
                          if stop_command else
                          "SIGTERM to the supervisor (what `--stop` sends)")

    def pid_file(self, service):
        return os.path.join(service.directory, "pid")

    def launch(self, service):
        max_delay = "1s" if self.delay == "100ms" else self.delay
        subprocess.run(
            [os.path.join(self.work, "daemonize"),
             "--pid-file=" + self.pid_file(service), "--respawn",
             "--respawn-delay=" + self.delay, "--respawn-max-delay=" + max_delay,
             "--respawn-limit=0", "--", os.path.join(self.work, "service")],
            env=service.env, check=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def request_stop(self, service):
        if self.stop_command:
            return subprocess.Popen(
                [os.path.join(self.work, "daemonize"), "--stop",
                 "--pid-file=" + self.pid_file(service)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
        for pidfd in kill_exactly([service.supervisor], signal.SIGTERM):
            os.close(pidfd)
        return None


class ServiceDirectory(Supervisor):
    """s6-supervise, runsv and supervise: a directory whose ./run is the
    service (a symbolic link to the binary, so no shell runs), controlled by
    writing one character to supervise/control, as s6-svc -d, sv down and
    svc -d do (the client's own start-up is left out)."""
    program = ""

    def prepare(self, service):
        os.symlink(os.path.join(self.work, "service"),
                   os.path.join(service.directory, "run"))

    def launch(self, service):
        self.prepare(service)
        service.popen = subprocess.Popen(
            [self.program, service.directory], env=service.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

    def request_stop(self, service):
        control = os.open(os.path.join(service.directory, "supervise", "control"),
                          os.O_WRONLY | os.O_NONBLOCK)
        os.write(control, b"d")
        os.close(control)


class S6(ServiceDirectory):
    name = "s6 s6-supervise"
    program = "/usr/bin/s6-supervise"
    keeps = "s6-svscan usually (not run here)"
    delay_note = ("0 after an instance that was ready (notification-fd) for "
                  "more than 1 s; else 1 s after its death (s6-supervise(8))")
    stop_note = "`s6-svc -d`: SIGTERM and SIGCONT to the instance alone"

    def prepare(self, service):
        super().prepare(service)
        # The readiness protocol: the instance writes a newline to fd 3.
        with open(os.path.join(service.directory, "notification-fd"), "w") as f:
            f.write("3\n")
        service.env["BENCH_NOTIFY_FD"] = "3"


class Runit(ServiceDirectory):
    name = "runit runsv"
    program = "/usr/bin/runsv"
    keeps = "runsvdir usually (not run here)"
    delay_note = ("0 after an instance that ran for more than 1 s; else 1 s "
                  "(runsv(8))")
    stop_note = "`sv down`: SIGTERM and SIGCONT to the instance alone"


class Daemontools(ServiceDirectory):
    name = "daemontools supervise"
    program = "/usr/bin/supervise"
    keeps = "svscan usually (not run here)"
    delay_note = ("0; it sleeps 1 s after each start, blind meanwhile "
                  "(supervise(8))")
    stop_note = "`svc -d`: SIGTERM and SIGCONT to the instance alone"


class Libslack(Supervisor):
    name = "libslack daemon --respawn"
    keeps = "nothing else"
    delay_note = ("0 until --attempts (5; 100 here) instances in a row "
                  "lasted less than --acceptable (300 s), then --delay "
                  "(300 s) (daemon(1))")
    stop_note = "SIGTERM to daemon (what `daemon --stop` sends): passed to the instance alone"

    def launch(self, service):
        subprocess.run(
            ["/usr/bin/daemon", "--respawn", "--attempts=100", "--",
             os.path.join(self.work, "service")],
            env=service.env, check=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def request_stop(self, service):
        for pidfd in kill_exactly([service.supervisor], signal.SIGTERM):
            os.close(pidfd)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        return UnixHTTPConnection(self.path)


class Supervisord(Supervisor):
    keeps = "nothing else (one supervisord runs many programs)"
    delay_note = ("0 for an instance in state RUNNING (startsecs=0 here); "
                  "its loop polls with a 1 s timeout")

    def __init__(self, work, stop_as_group=False):
        super().__init__(work)
        self.stop_as_group = stop_as_group
        self.name = "supervisord" + (" stopasgroup=true" if stop_as_group else "")
        self.stop_note = ("XML-RPC stopProcess (what `supervisorctl stop` "
                          "calls): SIGTERM to the instance's process group"
                          if stop_as_group else
                          "XML-RPC stopProcess (what `supervisorctl stop` "
                          "calls): SIGTERM to the instance alone")

    def launch(self, service):
        directory = service.directory
        configuration = os.path.join(directory, "supervisord.conf")
        with open(configuration, "w") as conf:
            conf.write(f"""[unix_http_server]
file={directory}/supervisor.sock
[supervisord]
nodaemon=true
user=root
logfile={directory}/supervisord.log
pidfile={directory}/supervisord.pid
childlogdir={directory}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:service]
command={self.work}/service
autorestart=true
startsecs=0
stopasgroup={"true" if self.stop_as_group else "false"}
stdout_logfile=NONE
stderr_logfile=NONE
""")
        service.popen = subprocess.Popen(
            ["/usr/bin/supervisord", "-c", configuration], env=service.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

    def request_stop(self, service):
        proxy = xmlrpc.client.ServerProxy(
            "http://localhost", transport=UnixTransport(
                os.path.join(service.directory, "supervisor.sock")))
        proxy.supervisor.stopProcess("service", False)


# ------------------------------------------------------------- measurements

def measure_idle(services, windows, seconds):
    """{kind name: [(Pss, Rss, private, wake-ups per minute)]} over
    `windows` windows of `seconds`, all services side by side."""
    samples = {}
    time.sleep(IDLE_SETTLE)
    for window in range(windows):
        before = {s.kind.name: context_switches(s.supervisor) for s in services}
        memory = {s.kind.name: memory_kib(s.supervisor) for s in services}
        time.sleep(seconds)
        for s in services:
            woke = context_switches(s.supervisor) - before[s.kind.name]
            samples.setdefault(s.kind.name, []).append(
                (*memory[s.kind.name], woke * 60.0 / seconds))
        print(f"idle window {window + 1}/{windows}", file=sys.stderr)
    return samples


def measure_restarts(services, rounds):
    """{kind name: [(ms from SIGKILL to the next instance, less the delay,
    the supervisor's CPU ms meanwhile)]}."""
    samples = {}
    for round_number in range(rounds):
        for service in random.sample(services, len(services)):
            old = service.instance[0]
            cpu = cpu_ms(service.supervisor)
            started = time.monotonic_ns()
            pidfds = kill_exactly([old])
            pids, seen = service.beacon.next_instance(5)
            cpu = cpu_ms(service.supervisor) - cpu
            for pidfd in pidfds:
                os.close(pidfd)
            name = service.kind.name
            if pids is None:
                samples.setdefault(name, []).append((float("nan"), cpu))
                continue
            service.instance = pids
            samples.setdefault(name, []).append(
                ((seen - started) / 1e6 - service.kind.delay_ms, cpu))
        reap_all()
        time.sleep(RUNNING_BEFORE_KILL)
        print(f"restart round {round_number + 1}/{rounds}", file=sys.stderr)
    return samples


def measure_stop(kind, directory):
    """One stop of a fresh tree of TREE processes: (ms to the instance's
    end, ms to the end of all, or None, how many were left, the supervisor's
    CPU ms from the request to the end of the wait)."""
    service = kind.start(directory, children=TREE - 1)
    try:
        time.sleep(RUNNING_BEFORE_KILL)  # supervise sleeps 1 s after a start.
        pidfds = []
        for pid in service.instance:
            try:
                pidfds.append(os.pidfd_open(pid))
            except OSError:
                pass
        if len(pidfds) != TREE:
            raise RuntimeError(f"{kind.name}: tree of {len(pidfds)} processes")
        poller = select.poll()
        for pidfd in pidfds:
            poller.register(pidfd, select.POLLIN)
        left = set(pidfds)
        main_gone = all_gone = None
        cpu = cpu_ms(service.supervisor)
        started = time.monotonic_ns()
        command = kind.request_stop(service)
        deadline = time.monotonic() + STOP_GRACE
        while left and time.monotonic() < deadline:
            for pidfd, _ in poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                if pidfd in left:
                    left.discard(pidfd)
                    poller.unregister(pidfd)
                    if pidfd == pidfds[0]:
                        main_gone = time.monotonic_ns()
            if not left:
                all_gone = time.monotonic_ns()
        if command is not None:
            command.wait()
        # A supervisor that exited is a zombie until end() reaps it.
        cpu = cpu_ms(service.supervisor) - cpu
        for pidfd in pidfds:
            os.close(pidfd)
        return ((main_gone - started) / 1e6 if main_gone else None,
                (all_gone - started) / 1e6 if all_gone else None, len(left), cpu)
    finally:
        service.end()


# ------------------------------------------------------------------ running

def build(work):
    for program in ("service", "proc_scan"):
        subprocess.run(["cc", "-O2", "-static", "-o", os.path.join(work, program),
                        os.path.join(ROOT, "bench", "peers", program + ".c")],
                       check=True)
    release_build.copy_release_programs(work, {"daemonize": "//tools:daemonize"})


def run(work, windows, window_seconds, restart_rounds, stop_runs):
    """Measures everything, with the programs in `work`; returns the report
    (Markdown)."""
    debian.install_missing(DEBIAN_PACKAGES)
    build(work)
    # The machine may be shared (other users' compilers): at a higher
    # priority, which every supervisor and instance inherits alike, they
    # wait less behind that load. Mostly asleep, they take little from it.
    os.setpriority(os.PRIO_PROCESS, 0, PRIORITY)
    # Service directories, pid files and status files on a tmpfs, as /run
    # is on most systems: each supervisor writes some at every change.
    state = tempfile.mkdtemp(prefix="daemonkit-bench-", dir=STATE_PARENT)
    os.chmod(state, 0o755)
    try:
        return measure_all(work, state, windows, window_seconds, restart_rounds,
                           stop_runs)
    finally:
        end_marked(state, exact=False)  # Whatever an interruption left.
        shutil.rmtree(state, ignore_errors=True)


def measure_all(work, state, windows, window_seconds, restart_rounds, stop_runs):
    ours = Daemonkit(work)
    idle_kinds = [ours, S6(work), Runit(work), Daemontools(work), Libslack(work),
                  Supervisord(work)]
    fast = Daemonkit(work, delay="1ms")
    services = []
    try:
        for kind in idle_kinds:
            services.append(kind.start(os.path.join(state, f"idle-{len(services)}")))
        idle = measure_idle(services, windows, window_seconds)
        maps = {s.kind.name: mappings_kib(s.supervisor) for s in services[:2]}
        services.append(fast.start(os.path.join(state, "idle-fast")))
        time.sleep(RUNNING_BEFORE_KILL)
        # Two supervisors of the same binary share its pages.
        shared = [memory_kib(services[0].supervisor),
                  memory_kib(services[-1].supervisor)]
        restarts = measure_restarts(services, restart_rounds)
    finally:
        for service in services:
            service.end()
    stop_kinds = [ours, Daemonkit(work, stop_command=True)] + idle_kinds[1:] + [
        Supervisord(work, stop_as_group=True)]
    stops = {}
    for run_number in range(stop_runs):
        for index, kind in random.sample(list(enumerate(stop_kinds)), len(stop_kinds)):
            directory = os.path.join(state, f"stop-{run_number}-{index}")
            stops.setdefault(index, []).append(measure_stop(kind, directory))
        print(f"stop run {run_number + 1}/{stop_runs}", file=sys.stderr)
    processes, scan_ms = subprocess.run(
        [os.path.join(work, "proc_scan")], check=True, capture_output=True,
        text=True).stdout.split()
    return render(Results(
        scan=(int(processes), float(scan_ms)),
        idle_kinds=idle_kinds, idle=idle, maps=maps, shared=shared,
        restart_kinds=[ours, fast, *idle_kinds[1:]], restarts=restarts,
        stop_kinds=stop_kinds, stops=stops, windows=windows,
        window_seconds=window_seconds, restart_rounds=restart_rounds,
        stop_runs=stop_runs))


# --------------------------------------------------------------- reporting

class Results:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def median(values):
    values = [v for v in values if v is not None and v == v]
    return statistics.median(values) if values else float("nan")


def ratio(value, ours):
    if not ours or value != value or ours != ours:
        return "—"
    return f"{value / ours:.2f}"


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for row in info:
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    processes = sum(1 for entry in os.listdir("/proc") if entry.isdigit())
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[0]
    return (f"Machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}, "
            f"{processes} processes, load {load} at the end")


def render(r):
    ours = r.idle_kinds[0].name
    lines = [
        f"{machine()}. Medians of {r.windows} idle windows of "
        f"{r.window_seconds:g} s, {r.restart_rounds} restarts and {r.stop_runs} "
        f"stops per supervisor, all run at nice {PRIORITY}; ratio = the peer's "
        "figure / daemonkit's.",
        "",
        "### Memory and idle wake-ups",
        "",
        "| supervisor | also running usually (not counted) | Pss KiB | ratio | "
        "Rss KiB | private KiB | wake-ups per minute idle |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    our_pss = median(s[0] for s in r.idle[ours])
    for kind in r.idle_kinds:
        samples = r.idle[kind.name]
        pss = median(s[0] for s in samples)
        lines.append(
            f"| {kind.name} | {kind.keeps} | {pss:.0f} | {ratio(pss, our_pss)} | "
            f"{median(s[1] for s in samples):.0f} | "
            f"{median(s[2] for s in samples):.0f} | "
            f"{median(s[3] for s in samples):.1f} |")
    lines += ["", "With two daemonkit supervisors running (the restart test), "
              "their Pss: " + " and ".join(f"{m[0]} KiB" for m in r.shared) +
              " (Rss " + " and ".join(f"{m[1]}" for m in r.shared) + ")."]
    for name, rows in r.maps.items():
        lines += ["", f"Where {name}'s memory is, idle (KiB, /proc/PID/smaps "
                  "by file and kind, the largest first):", "",
                  "| mapping | Rss | Pss | private |", "| --- | ---: | ---: | ---: |"]
        for what, rss, pss, private in rows[:8]:
            lines.append(f"| {what} | {rss} | {pss} | {private} |")
        rest = rows[8:]
        if rest:
            lines.append(f"| {len(rest)} more | {sum(x[1] for x in rest)} | "
                         f"{sum(x[2] for x in rest)} | {sum(x[3] for x in rest)} |")
    lines += [
        "", "### Restart after a crash", "",
        "From SIGKILL of the running instance to the next instance's line in "
        "its beacon, less the delay the supervisor waits by design; each "
        f"instance had run {RUNNING_BEFORE_KILL:g} s. The supervisor's CPU "
        "time (schedstat) over the same span.", "",
        "| supervisor | its delay here (subtracted) | crash to next instance "
        "less the delay, ms | min | max | ratio | supervisor CPU, ms | failed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    our_restart = median(s[0] for s in r.restarts[ours])
    for kind in r.restart_kinds:
        samples = r.restarts[kind.name]
        valid = [s[0] for s in samples if s[0] == s[0]]
        restart = median(valid)
        lines.append(
            f"| {kind.name} | {kind.delay_note} | {restart:.2f} | "
            f"{min(valid, default=float('nan')):.2f} | "
            f"{max(valid, default=float('nan')):.2f} | "
            f"{ratio(restart, our_restart)} | {median(s[1] for s in samples):.2f} | "
            f"{len(samples) - len(valid)} |")
    lines += ["", "For scale: one scan of /proc as daemonkit's process tree "
              "does it (every /proc/PID/stat read) takes "
              f"{r.scan[1]:.2f} ms here, with {r.scan[0]} processes "
              "(`bench/peers/proc_scan.c`, median of 21)."]
    lines += [
        "", f"### Stopping a tree of {TREE} processes", "",
        "From the stop request to the end (a pidfd each) of the instance and of "
        f"all {TREE} processes; what still runs {STOP_GRACE:g} s after the "
        "request is counted as left running (and then killed by the benchmark). "
        "The supervisor's CPU time over the same span.", "",
        "| supervisor | stop request | instance gone, ms | all gone, ms | "
        "ratio | left running | supervisor CPU, ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    our_stop = median(s[1] for s in r.stops[0])
    for index, kind in enumerate(r.stop_kinds):
        samples = r.stops[index]
        all_gone = [s[1] for s in samples if s[1] is not None]
        gone = (f"{median(all_gone):.2f}" if len(all_gone) == len(samples)
                else f"never in {len(samples) - len(all_gone)} of {len(samples)}")
        lines.append(
            f"| {kind.name} | {kind.stop_note} | "
            f"{median(s[0] for s in samples):.2f} | {gone} | "
            f"{ratio(median(all_gone), our_stop) if all_gone else '—'} | "
            f"{median(s[2] for s in samples):.0f} | "
            f"{median(s[3] for s in samples):.2f} |")
    lines.append("")
    return "\n".join(lines)
