"""Local stand-ins for the repositories Bazel 4.2.3's WORKSPACE suffix downloads.

@rules_cc and @rules_java forward to the native rules (which is all Bazel 4
needs of them); @remote_coverage_tools has empty targets, so `bazel coverage`
is not available offline.
"""

def _stand_in_repository_impl(repository_ctx):
    repository_ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % repository_ctx.name)
    for source, destination in repository_ctx.attr.files.items():
        repository_ctx.symlink(source, destination)

_stand_in_repository = repository_rule(
    implementation = _stand_in_repository_impl,
    attrs = {"files": attr.label_keyed_string_dict(allow_files = True)},
)

def offline_stand_ins():
    """Declares the stand-ins; call before anything else in WORKSPACE."""
    _stand_in_repository(
        name = "rules_cc",
        files = {
            "@daemonkit//bazel:stand_ins/rules_cc.BUILD": "cc/BUILD",
            "@daemonkit//bazel:stand_ins/rules_cc_defs.bzl": "cc/defs.bzl",
        },
    )
    _stand_in_repository(
        name = "rules_java",
        files = {
            "@daemonkit//bazel:stand_ins/empty.BUILD": "java/BUILD",
            "@daemonkit//bazel:stand_ins/rules_java_defs.bzl": "java/defs.bzl",
        },
    )
    _stand_in_repository(
        name = "remote_coverage_tools",
        files = {"@daemonkit//bazel:stand_ins/remote_coverage_tools.BUILD": "BUILD"},
    )
