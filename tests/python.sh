#!/bin/sh
# The Python package's pytest suite over the library just built. Writes pytest's own
# counts as one line "P passed, F failed, S skipped" to python-test-counts in the
# build directory. Exit 0: pass; 1: fail; 77: skip (no pytest, or a sanitizer build
# whose library Python cannot load).
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
python=${PYTHON:-/usr/bin/python3}
test -x "$python" || python=python3
counts=$builddir/python-test-counts
rm -f "$counts"

library=$builddir/lib/.libs/librmm.so.1
if ! test -e "$library"; then
  echo "FAIL: $library was not built"
  exit 1
fi
if ! "$python" -c 'import pytest' 2>/dev/null; then
  echo "SKIP: pytest is not installed for $python (apt install python3-pytest)"
  exit 77
fi
# An ASan build needs its runtime loaded first, which python3 does not do.
if command -v ldd >/dev/null 2>&1 && ldd "$library" 2>/dev/null | grep -q libasan; then
  echo "SKIP: librmm is built with sanitizers; Python cannot load it"
  exit 77
fi

RMM_LIBRARY=$(cd "$(dirname "$library")" && pwd)/$(basename "$library")
RMM_PYTEST_COUNTS=$(cd "$builddir" && pwd)/python-test-counts
PYTHONPATH=$(cd "$srcdir/python" && pwd)${PYTHONPATH:+:$PYTHONPATH}
PYTHONDONTWRITEBYTECODE=1
# The headers, for the ABI probe that test_abi.py compiles with $CC.
RMM_SOURCE_DIR=$(cd "$srcdir" && pwd)
RMM_BUILD_DIR=$(cd "$builddir" && pwd)
export RMM_LIBRARY RMM_PYTEST_COUNTS PYTHONPATH PYTHONDONTWRITEBYTECODE RMM_SOURCE_DIR RMM_BUILD_DIR
# No cache: the source tree may be read-only (distcheck).
"$python" -m pytest -q -p no:cacheprovider "$srcdir/python/tests"
rc=$?
case $rc in
  0) exit 0 ;;
  5) echo "SKIP: pytest collected no tests"; exit 77 ;;
  *) exit 1 ;;
esac
