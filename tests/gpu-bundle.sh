#!/bin/sh
# Collects the built test programs and the shared libraries they load into
# gpu-bundle/, with a `run` script, so the suite can run on a machine that has a GPU
# but no build tools:   make gpu-bundle   then, there:   gpu-bundle/run
set -eu
builddir=$1
tests=" $2 "
shift 2
bundle=$builddir/gpu-bundle
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"

# Only the programs that are tests: helpers that make check builds are not run.
for program in "$@"; do
  case $tests in *" $program "*) ;; *) continue ;; esac
  name=$(echo "$program" | tr / _)
  cp "$builddir/$program" "$bundle/bin/$name"
done
# The program tests/install-test.sh built against an installed prefix, if it ran.
if [ -x "$builddir/install-test/hello" ]; then
  cp "$builddir/install-test/hello" "$bundle/bin/installed_hello"
fi
cp -P "$builddir"/lib/.libs/librmm.so* "$bundle/lib/"
# The Python package and its pytest suite (and the Python examples its tests run).
srcdir=$(cd "$(dirname "$0")/.." && pwd)
if [ -d "$srcdir/python/rmm" ]; then
  mkdir -p "$bundle/python"
  cp -R "$srcdir/python/rmm" "$srcdir/python/tests" "$bundle/python/"
  find "$bundle/python" -name __pycache__ -prune -exec rm -rf {} +
  if [ -d "$srcdir/examples/python" ]; then
    mkdir -p "$bundle/examples"
    cp -R "$srcdir/examples/python" "$bundle/examples/"
  fi
  # What the ABI and README tests read beside the package: the headers and the README.
  cp -R "$srcdir/include" "$bundle/"
  [ "$builddir/include" -ef "$srcdir/include" ] || cp -R "$builddir/include/." "$bundle/include/"
  cp "$srcdir/README" "$bundle/"
fi

# Test scripts that drive the bundled programs (they find them beside themselves).
for script in "$srcdir"/tests/gpu/*.sh; do
  [ -e "$script" ] && cp "$script" "$bundle/bin/"
done

# Libraries outside the base system that the programs need (check's subunit, say).
for program in "$bundle"/bin/*; do
  case $program in *.sh) continue ;; esac
  ldd "$program" | awk '$3 ~ /^\// { print $3 }'
done | sort -u | while read -r library; do
  case $(basename "$library") in
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|librmm.so*) ;;
    *) cp -L "$library" "$bundle/lib/" ;;
  esac
done

cat > "$bundle/run" <<'RUN'
#!/bin/sh
# Runs every bundled test program; prints one line per program and a closing count.
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-300}
logs=${RMM_BUNDLE_LOGS:-$here/logs}
mkdir -p "$logs"
passed=0 failed=0 skipped=0
for program in "$here"/bin/*; do
  name=$(basename "$program")
  "$program" > "$logs/$name.log" 2>&1
  rc=$?
  case $rc in
    0) passed=$((passed + 1)); echo "PASS: $name" ;;
    77) skipped=$((skipped + 1)); echo "SKIP: $name ($(head -n 1 "$logs/$name.log"))" ;;
    *) failed=$((failed + 1)); echo "FAIL: $name (exit $rc)"; tail -n 20 "$logs/$name.log" ;;
  esac
done
# The Python suite, where the machine's python3 has pytest: its own counts join the total.
if [ -d "$here/python/tests" ] && python3 -c 'import pytest' 2>/dev/null; then
  RMM_LIBRARY="$here/lib/librmm.so.1" PYTHONPATH="$here/python" PYTHONDONTWRITEBYTECODE=1 \
    RMM_PYTEST_COUNTS="$logs/python-test-counts" \
    python3 -m pytest -q -p no:cacheprovider -rs "$here/python/tests" > "$logs/python.log" 2>&1
  rc=$?
  if [ -s "$logs/python-test-counts" ]; then
    read -r p _ f _ s _ < "$logs/python-test-counts"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    echo "python: $(cat "$logs/python-test-counts")"
  else
    failed=$((failed + 1))
  fi
  [ "$rc" -eq 0 ] || { echo "FAIL: python (exit $rc)"; tail -n 40 "$logs/python.log"; }
fi
echo "$passed passed, $failed failed, $skipped skipped"
test "$failed" -eq 0
RUN
chmod +x "$bundle/run"
echo "gpu-bundle: $(ls "$bundle/bin" | wc -l) programs in $bundle; run $bundle/run on the GPU machine"
