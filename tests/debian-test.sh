#!/bin/bash
# The Debian packages, end to end (CI runs it as root; make check does not):
#   1. copies the source tree (tracked and untracked files, no build output) to a scratch
#      directory, so the tree it tests stays clean;
#   2. builds the .debs there: DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -d;
#   3. runs lintian on them and fails on any error;
#   4. installs them with dpkg -i;
#   5. runs the autopkgtest debian/tests/pkgconfig-hello: it compiles examples/hello.c with
#      nothing but `pkg-config --cflags --libs rmm` and runs it: 0 (it allocated on a GPU)
#      or 77 (no usable GPU, a clean failure) pass; and debian/tests/pkgconfig-cpp: every
#      installed C++ header of upstream RMM's paths compiles alone with c++ and pkg-config,
#      and examples/cpp/custom_resource.cpp builds that way and runs (0 with or without a GPU);
#   6. checks that `man -w rmm_pool_create` and `man -w rmm` find the installed pages;
#   7. checks that the installed librmm.so.1 exports exactly debian/librmm1.symbols;
#   8. imports the Python package (python3-rmm) and finds rmm-replay (rmm-tools);
#   9. purges the packages and checks that nothing of them is left.
# rmm-tools is built when tools/local.mk builds rmm-replay, python3-rmm when
# python/rmm/__init__.py exists; otherwise the build profiles pkg.librmm.notools and
# pkg.librmm.nopython leave them out, and the test says so.
#
#   sudo bash tests/debian-test.sh [SRCDIR]     (SRCDIR defaults to the current directory)
# RMM_DEBIAN_TEST_KEEP=1 keeps the scratch directory (build log, .debs, lintian output).
# Each stage prints its time; the last line is "debian-test: PASS" or "debian-test: FAIL".
set -uo pipefail

srcdir=$(cd "${1:-.}" && pwd) || exit 1
packages="librmm1 librmm-dev librmm-doc rmm-tools python3-rmm"

if test "$(id -u)" -ne 0; then
  echo "debian-test: must run as root (it installs and removes packages)" >&2
  exit 1
fi
for tool in dpkg-buildpackage lintian dpkg pkg-config man nm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "debian-test: $tool not found (see .ci/deps)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-debian-test.XXXXXX") || exit 1
failed=0
started=$SECONDS

purge() {
  local installed
  installed=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' $packages 2>/dev/null |
    awk '$1 != "un" { print $2 }')
  test -z "$installed" || dpkg --purge $installed >/dev/null
}
cleanup() {
  purge
  if test -n "${RMM_DEBIAN_TEST_KEEP:-}"; then
    echo "debian-test: the build is kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Runs one stage and prints its time; a failed stage stops the test.
stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo "=== debian-test: $name"
  if "$@"; then
    echo "=== debian-test: $name: ok ($((SECONDS - start)) s)"
  else
    echo "=== debian-test: $name: FAILED ($((SECONDS - start)) s)"
    echo "debian-test: FAIL ($((SECONDS - started)) s)"
    exit 1
  fi
}

copy_tree() {
  mkdir -p "$work/src" || return 1
  if git -C "$srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and untracked files that git does not ignore (no build output), less
    # tracked files deleted in the work tree.
    (cd "$srcdir" && git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do
        if test -e "$f" || test -L "$f"; then printf '%s\0' "$f"; fi
      done | tar --null -T - -cf -) | tar -xf - -C "$work/src" || return 1
  else
    cp -a "$srcdir/." "$work/src/" || return 1
  fi
  test -f "$work/src/debian/control"
}

profiles=
build() {
  if ! grep -q 'rmm-replay' "$srcdir/tools/local.mk" 2>/dev/null; then
    profiles="$profiles,pkg.librmm.notools"
    echo "debian-test: tools/local.mk builds no rmm-replay: rmm-tools is left out (pkg.librmm.notools)"
  fi
  if test ! -f "$srcdir/python/rmm/__init__.py"; then
    profiles="$profiles,pkg.librmm.nopython"
    echo "debian-test: no python/rmm/__init__.py: python3-rmm is left out (pkg.librmm.nopython)"
  fi
  profiles=${profiles#,}
  (cd "$work/src" &&
    DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" \
      dpkg-buildpackage -us -uc -b -d ${profiles:+-P"$profiles"} >"$work/build.log" 2>&1)
  local rc=$?
  if test $rc -ne 0; then
    tail -n 60 "$work/build.log"
    return 1
  fi
  # Every package the profiles keep must have been built.
  local expect=$packages pkg missing=0
  case ",$profiles," in *,pkg.librmm.notools,*) expect=${expect/rmm-tools/} ;; esac
  case ",$profiles," in *,pkg.librmm.nopython,*) expect=${expect/python3-rmm/} ;; esac
  for pkg in $expect; do
    if ! ls "$work"/${pkg}_*.deb >/dev/null 2>&1; then
      echo "debian-test: $pkg was not built"
      missing=1
    fi
  done
  ls -l "$work"/*.deb
  test $missing -eq 0
}

run_lintian() {
  # Errors fail; warnings are printed for the record.
  lintian --fail-on error "$work"/*.changes 2>&1 | grep -v '^running with root privileges' |
    tee "$work/lintian.log"
  local rc=${PIPESTATUS[0]}
  if grep -q '^E: ' "$work/lintian.log"; then
    echo "debian-test: lintian reports errors"
    return 1
  fi
  return "$rc"
}

install_debs() {
  purge
  # The debug symbols are not needed; a Docker-style path-exclude of man pages is undone,
  # since the man pages are part of what this test checks.
  local debs
  debs=$(ls "$work"/*.deb | grep -v -- '-dbgsym_')
  # shellcheck disable=SC2086 # one word per package file
  dpkg --path-include='/usr/share/man/*' -i $debs
}

# The autopkgtest itself (debian/tests/pkgconfig-hello), run from the copied tree as
# autopkgtest would: it builds examples/hello.c with pkg-config alone and runs it.
hello() {
  (cd "$work/src" && AUTOPKGTEST_TMP="$work" sh debian/tests/pkgconfig-hello)
}

# The C++ autopkgtest (debian/tests/pkgconfig-cpp): upstream RMM's names with c++ alone.
cpp() {
  (cd "$work/src" && AUTOPKGTEST_TMP="$work" sh debian/tests/pkgconfig-cpp)
}

man_pages() {
  local page ok=0
  for page in rmm_pool_create rmm; do
    if man -w "$page"; then :; else echo "debian-test: man -w $page finds nothing"; ok=1; fi
  done
  if dpkg-query -W rmm-tools >/dev/null 2>&1; then
    man -w rmm-replay || { echo "debian-test: man -w rmm-replay finds nothing"; ok=1; }
  fi
  return $ok
}

symbols() {
  local library
  library=$(dpkg -L librmm1 | grep '/librmm\.so\.1$' | head -n 1)
  test -n "$library" || { echo "debian-test: librmm1 installs no librmm.so.1"; return 1; }
  # "ADDRESS TYPE NAME@@VERSION" -> NAME@VERSION, the form of the symbols file; the
  # version node, "ADDRESS A RMM_1.0", is RMM_1.0@RMM_1.0 there.
  nm -D --defined-only --with-symbol-versions "$library" |
    awk 'NF >= 3 { s = $3; if (!sub(/@@/, "@", s)) s = s "@" s; print s }' | LC_ALL=C sort -u >"$work/exported"
  sed -n 's/^ \([^ ]*\) .*/\1/p' "$srcdir/debian/librmm1.symbols" | LC_ALL=C sort -u >"$work/listed"
  if ! diff -u "$work/listed" "$work/exported"; then
    echo "debian-test: $library (+) and debian/librmm1.symbols (-) differ"
    return 1
  fi
  echo "debian-test: $library exports the $(wc -l <"$work/listed" | tr -d ' ') symbols of debian/librmm1.symbols"
}

extras() {
  local ok=0
  if dpkg-query -W python3-rmm >/dev/null 2>&1; then
    (cd "$work" && /usr/bin/python3 -c 'import rmm; print("debian-test: import rmm:", rmm.__file__)') || ok=1
  else
    echo "debian-test: python3-rmm not built; import rmm not checked"
  fi
  if dpkg-query -W rmm-tools >/dev/null 2>&1; then
    if test -x /usr/bin/rmm-replay && ! ldd /usr/bin/rmm-replay | grep -q 'not found'; then
      echo "debian-test: /usr/bin/rmm-replay is installed and its libraries resolve"
    else
      echo "debian-test: /usr/bin/rmm-replay is missing or does not load"
      ok=1
    fi
  else
    echo "debian-test: rmm-tools not built; rmm-replay not checked"
  fi
  return $ok
}

remove() {
  local files
  files=$(dpkg -L librmm1 librmm-dev 2>/dev/null | grep -E 'librmm\.so|rmm\.pc|/rmm/rmm\.h$')
  purge || return 1
  local left
  left=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' $packages 2>/dev/null | awk '$1 != "un"')
  test -z "$left" || { echo "debian-test: still installed: $left"; return 1; }
  for f in $files; do
    test ! -e "$f" || { echo "debian-test: $f is left after the purge"; return 1; }
  done
  ! pkg-config --exists rmm || { echo "debian-test: pkg-config still finds rmm"; return 1; }
}

stage "copy the source tree" copy_tree
stage "dpkg-buildpackage -us -uc -b -d (nocheck)" build
stage "lintian" run_lintian
stage "dpkg -i" install_debs
stage "autopkgtest pkgconfig-hello: hello.c with pkg-config --cflags --libs rmm" hello
stage "autopkgtest pkgconfig-cpp: C++ headers and custom_resource.cpp with c++ and pkg-config" cpp
stage "man -w" man_pages
stage "exported symbols = debian/librmm1.symbols" symbols
stage "python3-rmm and rmm-tools" extras
stage "dpkg --purge" remove
echo "debian-test: PASS ($((SECONDS - started)) s)"
