"""python-daemon (PEP 3143): DaemonContext detaches; the launcher's exit says
nothing about the daemon. Usage: python3 python_daemon.py LOG INTERVAL"""

import sys
import time

import daemon


def main(log, interval):
    with daemon.DaemonContext():
        with open(log, "a", buffering=1) as out:
            while True:
                out.write(time.strftime("%Y-%m-%dT%H:%M:%S%z\n"))
                time.sleep(interval)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
