"""daemonkit's third-party dependencies, offline, under their upstream names.

GoogleTest is built from Debian's source package (/usr/src/googletest) and
Abseil is linked from Debian's libabsl-dev (its static archives). Both are exposed under the labels
their upstream projects use (@com_google_googletest//:gtest_main,
@com_google_absl//absl/status:statusor, ...), so a project with network access
can swap in the upstream archives by changing only its WORKSPACE.
"""

# Upstream Abseil label -> pkg-config module of Debian's libabsl-dev.
ABSEIL_LIBRARIES = {
    "absl/base:core_headers": "absl_core_headers",
    "absl/cleanup:cleanup": "absl_cleanup",
    "absl/flags:commandlineflag": "absl_flags_commandlineflag",
    "absl/flags:flag": "absl_flags",
    "absl/flags:parse": "absl_flags_parse",
    "absl/flags:reflection": "absl_flags_reflection",
    "absl/flags:usage": "absl_flags_usage",
    "absl/functional:function_ref": "absl_function_ref",
    "absl/status:status": "absl_status",
    "absl/status:statusor": "absl_statusor",
    "absl/strings:str_format": "absl_str_format",
    "absl/strings:strings": "absl_strings",
    "absl/time:time": "absl_time",
    "absl/types:span": "absl_span",
}

def _static(pkg_config_libs):
    """Links Abseil's static archives: one process start then relocates no
    three dozen shared libraries (about 5 ms), and maps fewer pages. The group
    lets the archives, which pkg-config lists as a closure, resolve each
    other."""
    flags = [flag for flag in pkg_config_libs.strip().split(" ") if flag]
    archives = ["-l:lib%s.a" % flag[2:] for flag in flags if flag.startswith("-labsl_")]
    others = [flag for flag in flags if not flag.startswith("-labsl_")]
    if not archives:
        return others
    return ["-Wl,--start-group"] + archives + ["-Wl,--end-group"] + others

def _system_abseil_impl(repository_ctx):
    repository_ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % repository_ctx.name)
    repository_ctx.file("BUILD", "")
    targets_by_package = {}
    for label, module in ABSEIL_LIBRARIES.items():
        package, target = label.split(":")
        result = repository_ctx.execute(["pkg-config", "--libs", module])
        if result.return_code != 0:
            fail("Abseil's %s was not found by pkg-config (%s). Install Debian's " % (module, result.stderr.strip()) +
                 "libabsl-dev, or run the build through ./bazelw, which does.")
        targets_by_package.setdefault(package, []).append(
            "cc_library(\n    name = %r,\n    linkopts = %r,\n)\n" % (target, _static(result.stdout)),
        )
    for package, targets in targets_by_package.items():
        repository_ctx.file(
            package + "/BUILD",
            "# Generated: Debian's libabsl-dev; headers come from /usr/include.\n\n" +
            'package(default_visibility = ["//visibility:public"])\n\n' +
            "\n".join(targets),
        )

system_abseil = repository_rule(
    implementation = _system_abseil_impl,
    local = True,
)

def daemonkit_dependencies():
    """Declares Abseil, GoogleTest and Google Benchmark (for bench/ only);
    skips any the WORKSPACE already has."""
    if not native.existing_rule("com_google_absl"):
        system_abseil(name = "com_google_absl")
    if not native.existing_rule("com_github_google_benchmark"):
        native.new_local_repository(
            name = "com_github_google_benchmark",
            build_file = "@daemonkit//bazel:benchmark.BUILD",
            path = "/usr/include/benchmark",
        )
    if not native.existing_rule("com_google_googletest"):
        native.new_local_repository(
            name = "com_google_googletest",
            build_file = "@daemonkit//bazel:googletest.BUILD",
            path = "/usr/src/googletest",
        )
