"""daemonkit's programs as the benchmarks run them: built with
--config=release (optimized, linked statically; see .bazelrc) and copied
out of Bazel's output tree into the benchmark's own directory."""

import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def copy_release_programs(work, programs):
    """Builds `programs`, {name in `work`: Bazel target such as
    "//tools:daemonize"}, and copies each into `work` under its name."""
    bazel = os.path.join(ROOT, "bazelw")
    subprocess.run([bazel, "build", "--config=release"] + list(programs.values()),
                   cwd=ROOT, check=True, capture_output=True)
    bin_dir = subprocess.run([bazel, "info", "--config=release", "bazel-bin"],
                             cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout.strip()
    for name, target in programs.items():
        package, program = target.lstrip("/").split(":")
        shutil.copy(os.path.join(bin_dir, package, program), os.path.join(work, name))
