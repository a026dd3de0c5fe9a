#!/bin/sh
# The API reference builds from the header comments with no Doxygen warning: every
# public function, type and macro is documented, every parameter and return value.
# Runs doc/Doxyfile (configured from doc/Doxyfile.in) into a scratch directory, after
# checking that every header has the @file comment without which Doxygen skips it.
# Exit 0: pass; 1: fail; 77: skip (no doxygen).

srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
doxyfile=$builddir/doc/Doxyfile

doxygen=${DOXYGEN:-}
test -n "$doxygen" || doxygen=$(command -v doxygen 2>/dev/null)
if test -z "$doxygen"; then
  echo "SKIP: doxygen not found (DOXYGEN is empty and doxygen is not on PATH)"
  exit 77
fi
if test ! -f "$doxyfile"; then
  echo "FAIL: $doxyfile not found: configure writes it from doc/Doxyfile.in"
  exit 1
fi

# Doxygen documents the functions and macros of a header only when the header itself
# has a @file comment; without one they escape its warnings, so each must have it.
missing=0
for header in "$srcdir"/include/rmm/*.h "$srcdir"/include/rmm/*.hpp "$srcdir"/include/rmm/mr/*.hpp \
  "$srcdir"/include/rmm/mr/device/*.hpp "$srcdir"/include/rmm/mr/device/detail/*.hpp "$srcdir"/include/rmm/mr/host/*.hpp; do
  test -f "$header" || continue
  if ! grep -q '[@\\]file' "$header"; then
    echo "FAIL: $header has no @file comment, so Doxygen would skip its declarations"
    missing=1
  fi
done
test $missing -eq 0 || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-doc-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# Later settings win: the same configuration, written elsewhere, warnings to a file.
{
  cat "$doxyfile"
  echo "OUTPUT_DIRECTORY = $work"
  echo "WARN_LOGFILE = $work/warnings"
} | "$doxygen" - >"$work/output" 2>&1
status=$?

if test $status -ne 0 || test -s "$work/warnings"; then
  echo "FAIL: $doxygen reports warnings (exit $status):"
  cat "$work/output" "$work/warnings" 2>/dev/null | sed 's/^/    /'
  exit 1
fi
if test ! -f "$work/html/index.html"; then
  echo "FAIL: $doxygen wrote no html/index.html"
  cat "$work/output" | sed 's/^/    /'
  exit 1
fi
pages=$(find "$work/html" -name '*_8h*.html' -o -name '*_8hpp*.html' | wc -l | tr -d ' ')
echo "PASS: $doxygen $("$doxygen" --version) built the reference of $pages header pages with no warning"
exit 0
