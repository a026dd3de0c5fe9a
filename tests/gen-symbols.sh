#!/bin/sh
# debian/librmm1.symbols from lib/librmm.map: one line per global name of the version
# script, name@RMM_1.0, plus the version node itself. A symbol already in the file keeps
# its version; a new one gets the version of the top entry of debian/changelog (the
# release that adds it).
#
#   tests/gen-symbols.sh [SRCDIR]          rewrites SRCDIR/debian/librmm1.symbols
#   tests/gen-symbols.sh --check [SRCDIR]  exit 1 (and a diff) when the file is stale;
#                                          run as a test, 77 when there is no debian/
set -u

check=no
if test "${1:-}" = --check; then
  check=yes
  shift
fi
srcdir=${1:-${top_srcdir:-.}}
map=$srcdir/lib/librmm.map
symbols=$srcdir/debian/librmm1.symbols
changelog=$srcdir/debian/changelog
node=RMM_1.0

if test ! -f "$changelog"; then
  if test "$check" = yes; then
    echo "SKIP: no debian/ in $srcdir (a tarball built without it)"
    exit 77
  fi
  echo "gen-symbols: $changelog not found" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-gen-symbols.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# The global names of the version script, comments removed.
sh "$srcdir/tests/map-names.sh" "$map" | LC_ALL=C sort -u >"$work/names"
if test ! -s "$work/names"; then
  echo "gen-symbols: no global names in $map" >&2
  exit 1
fi

# "librmm (1.0.0) unstable; ..." -> 1.0.0
release=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$changelog")
if test -z "$release"; then
  echo "gen-symbols: no version on the first line of $changelog" >&2
  exit 1
fi

# The versions the current file gives its symbols, to keep them.
: >"$work/known"
test -f "$symbols" && sed -n 's/^ \([^ ]*\) \([^ ]*\)$/\1 \2/p' "$symbols" >"$work/known"

{
  echo "librmm.so.1 librmm1 #MINVER#"
  echo "* Build-Depends-Package: librmm-dev"
  { echo "$node"; cat "$work/names"; } | awk -v node="$node" -v release="$release" -v known="$work/known" '
    BEGIN { while ((getline line < known) > 0) { split(line, f, " "); version[f[1]] = f[2] } }
    {
      symbol = $0 "@" node
      print " " symbol " " ((symbol in version) ? version[symbol] : release)
    }'
} >"$work/symbols"

if test "$check" = yes; then
  if test -f "$symbols" && cmp -s "$work/symbols" "$symbols"; then
    echo "PASS: debian/librmm1.symbols lists the $(wc -l <"$work/names" | tr -d ' ') functions of lib/librmm.map"
    exit 0
  fi
  echo "FAIL: debian/librmm1.symbols does not match lib/librmm.map; run tests/gen-symbols.sh:"
  diff -u "$symbols" "$work/symbols"
  exit 1
fi
cp "$work/symbols" "$symbols" || exit 1
echo "gen-symbols: wrote $symbols ($(wc -l <"$work/names" | tr -d ' ') functions)"
