#!/usr/bin/env bash
# daemonize.1 (made from docs/daemonize.md by //docs:daemonize_man) reads
# cleanly with man -l at the usual widths, has a man page's sections, and
# documents every long option `daemonize --help` lists.
set -euo pipefail

page="$TEST_SRCDIR/daemonkit/docs/daemonize.1"
daemonize="$TEST_SRCDIR/daemonkit/tools/daemonize"
source "$TEST_SRCDIR/daemonkit/tests/support/shell_checks.sh"

# render WIDTH: the page as man shows it; man's and troff's warnings in
# $TEST_TMPDIR/warnings.
render() {
  MANWIDTH="$1" MAN_KEEP_FORMATTING= man --warnings -l "$page" \
    2> "$TEST_TMPDIR/warnings" | col -b
}

for width in 80 60; do
  if render "$width" > "$TEST_TMPDIR/page.$width" &&
    [[ ! -s $TEST_TMPDIR/warnings ]]; then
    ok "man -l at $width columns: no warning"
  else
    fail "man -l at $width columns:"
    cat "$TEST_TMPDIR/warnings"
  fi
done
text="$TEST_TMPDIR/page.80"

head -1 "$text" | grep -q '^DAEMONIZE(1)' && ok "titled DAEMONIZE(1)" ||
  fail "title: $(head -1 "$text")"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS SUPERVISION CONTROL \
  'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
  grep -qx "$section" "$text" && ok "section $section" ||
    fail "no section $section"
done

# documented OPTION: whether the page shows OPTION (a long option) anywhere.
documented() { grep -q -- "$1\\b" "$text"; }

options=$("$daemonize" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[[ $(wc -l <<< "$options") -ge 20 ]] && ok "--help lists the options" ||
  fail "--help lists too few options: $options"
for option in $options; do
  documented "$option" || fail "$option is not in the man page"
done
# The check can fail: an option no page has.
documented --no-such-option && fail "the check finds what is not there" ||
  ok "every option of --help is in the page"

finish_checks
