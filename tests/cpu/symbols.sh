#!/bin/sh
# The exported symbols, the version script and the headers name the same functions:
#   - the symbols librmm.so exports (nm -D --defined-only),
#   - the names in the global section of lib/librmm.map,
#   - the functions declared with RMM_API in include/rmm/*.h (and the generated version.h),
# and every exported symbol is the default version RMM_1.0 (name@@RMM_1.0).
# Exit 0: pass; 1: fail; 77: skip (no nm, or no shared library).

srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
library=$builddir/lib/.libs/librmm.so
map=$srcdir/lib/librmm.map
version=RMM_1.0

if ! command -v nm >/dev/null 2>&1; then
  echo "SKIP: nm not found"
  exit 77
fi
if test ! -f "$library"; then
  echo "SKIP: $library not built (shared library disabled?)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-symbols.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# nm from binutils 2.35 on prints versions by default; older ones need the option.
nm -D --defined-only --with-symbol-versions "$library" >"$work/nm" 2>/dev/null ||
  nm -D --defined-only "$library" >"$work/nm" || exit 1

# "ADDRESS TYPE NAME[@@VERSION]"; type A is the version node itself, not a symbol.
awk '$2 != "A" && NF >= 3 { print $3 }' "$work/nm" | sort -u >"$work/versioned"
sed 's/@.*//' "$work/versioned" | sort -u >"$work/exported"

# The global section of the version script, comments removed.
sh "$srcdir/tests/map-names.sh" "$map" | sort -u >"$work/map"

# Functions declared with RMM_API: the identifier right before the first "(" after
# each RMM_API. Comments and preprocessor lines (the macro's own #define) are skipped,
# and a declaration may span several lines.
headers=
for header in "$srcdir"/include/rmm/*.h; do
  test -f "$header" && headers="$headers $header"
done
generated=$builddir/include/rmm/version.h
case "$headers " in
  *" $generated "*) ;;
  *) test -f "$generated" && headers="$headers $generated" ;;
esac
# shellcheck disable=SC2086 # one word per header path
awk '
  # Prints the identifier before the first "(" after each RMM_API in the text of one file.
  function declared(text,    out, block, line, rest, stop, declaration, name, paren) {
    out = ""
    while (text != "") {
      block = index(text, "/*")
      line = index(text, "//")
      if (block == 0 && line == 0) { out = out text; break }
      if (line == 0 || (block > 0 && block < line)) {
        out = out substr(text, 1, block - 1) " "
        rest = substr(text, block + 2)
        stop = index(rest, "*/")
        text = stop > 0 ? substr(rest, stop + 2) : ""
      } else {
        out = out substr(text, 1, line - 1) " "
        rest = substr(text, line + 2)
        stop = index(rest, "\n")
        text = stop > 0 ? substr(rest, stop) : ""
      }
    }
    while (match(out, /(^|[^A-Za-z0-9_])RMM_API[^A-Za-z0-9_]/)) {
      out = substr(out, RSTART + RLENGTH)
      paren = index(out, "(")
      if (paren == 0) break
      declaration = substr(out, 1, paren - 1)
      if (match(declaration, /[A-Za-z_][A-Za-z0-9_]*[ \t\n]*$/)) {
        name = substr(declaration, RSTART, RLENGTH)
        sub(/[ \t\n]+$/, "", name)
        print name
      }
    }
  }
  FNR == 1 { if (NR > 1) declared(text); text = ""; continued = 0 }
  # Preprocessor lines, continuations included: the #define of RMM_API names no function.
  continued || /^[ \t]*#/ { continued = /\\$/; next }
  { text = text $0 "\n" }
  END { if (NR > 0) declared(text) }' $headers | sort -u >"$work/headers"

failed=0
for set in exported map headers; do
  test -s "$work/$set" || { echo "FAIL: no names found in the $set set"; failed=1; }
done

# Each name missing from some set, with where it is and is not.
(cd "$work" && awk '
  { names[$0] = 1; has[FILENAME, $0] = 1 }
  END {
    for (name in names) {
      where = ""; missing = ""
      for (i = 1; i < ARGC; i++)
        if ((ARGV[i], name) in has) where = where " " ARGV[i]; else missing = missing " " ARGV[i]
      if (missing != "") print "FAIL: " name " is in:" where " but not in:" missing
    }
  }' exported map headers) | sort >"$work/differences"
cat "$work/differences"
test -s "$work/differences" && failed=1

# Every exported symbol must be the default version of RMM_1.0.
grep -v "@@$version\$" "$work/versioned" | while read -r symbol; do
  echo "FAIL: $symbol is exported without the version @@$version"
done | tee "$work/unversioned"
test -s "$work/unversioned" && failed=1

# DESIGN.md section 4: every global symbol of the library's objects that is not exported
# is rmm__..., so that a static link never meets a bare name such as arena_heap_init.
objects=$(find "$builddir/lib" -path '*/.libs/*.o' 2>/dev/null)
if test -n "$objects"; then
  # shellcheck disable=SC2086 # one word per object path
  nm -g --defined-only $objects 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBRC]/ { print $3 }' | sort -u |
    grep -v '^rmm__' | grep -v -x -F -f "$work/exported" | sed 's/^/FAIL: an internal symbol without the rmm__ prefix: /' |
    tee "$work/bare"
  test -s "$work/bare" && failed=1
fi

if test "$failed" -ne 0; then
  echo
  echo "exported = nm -D --defined-only $library"
  echo "map      = the global section of $map"
  echo "headers  = functions declared with RMM_API in:$headers"
  exit 1
fi
echo "PASS: $(wc -l <"$work/map" | tr -d ' ') functions agree in the library, the map and the headers, all @@$version"
exit 0
