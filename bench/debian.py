"""The peers the benchmarks compare with are Debian packages: installed when
missing, with apt-get (no other network here)."""

import os
import subprocess
import sys


def install_missing(packages):
    """Installs those of `packages` that dpkg does not know as installed."""
    missing = [p for p in packages
               if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not missing:
        return
    print("installing from Debian:", " ".join(missing), file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq"] + missing, check=True, env=env)
