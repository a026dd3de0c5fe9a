#!/bin/sh
# rmm-replay's pictures with --simulate (no GPU): --plot writes well-formed SVG whose
# series have one point per sample (every event of a short log; one per stride of a
# long one), --snapshot writes the stack's JSON at the log's peak, and the snapshot
# map (python3 -m rmm.snapshot_svg) draws it.
# Exit 0: pass; 1: fail; 77: skip (no xmllint).

srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
replay=$builddir/tools/rmm-replay
example=$srcdir/examples/replay/example.csv

command -v xmllint >/dev/null 2>&1 || { echo "SKIP: xmllint is not installed (apt install libxml2-utils)"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-replay-plot-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

failed=0
fail() { echo "FAIL: $*"; failed=1; }

# For each polyline of an SVG: "ID SAMPLES POINTS", one line each.
series() {
  xmllint --xpath '//*[local-name()="polyline"]' "$1" 2>/dev/null | sed 's/<polyline/\n&/g' | sed -n 's/.*id="\([^"]*\)".*data-samples="\([0-9]*\)".*points="\([^"]*\)".*/\1 \2 \3/p' |
    while read -r id samples points; do
      echo "$id $samples $(echo "$points" | wc -w)"
    done
}

check_plot() { # FILE EXPECTED_SAMPLES
  xmllint --noout "$1" || { fail "$1 is not well-formed XML"; return; }
  series "$1" >"$work/series"
  test "$(wc -l <"$work/series")" -eq 3 || fail "$1: expected 3 series, got: $(cat "$work/series")"
  while read -r id samples points; do
    test "$samples" -eq "$2" || fail "$1: series $id has $samples samples, expected $2"
    test "$points" -eq "$samples" || fail "$1: series $id has $points points for $samples samples"
  done <"$work/series"
}

# The example log: fewer events than the plot's 1000 points, so one sample per event.
rows=$(($(wc -l <"$example") - 1))
"$replay" --resource 'arena(cuda, 8MiB)' --simulate 64MiB --plot "$work/plot.svg" --snapshot "$work/snap.json" \
  "$example" >"$work/out" 2>&1 || fail "replay with --plot: $(cat "$work/out")"
check_plot "$work/plot.svg" "$rows"
cat "$work/series"

# A longer log: 2500 events sampled every third one, and the last.
{
  echo "Thread,Time,Action,Pointer,Size,Stream"
  i=1
  while test $i -le 1250; do
    printf '1,00:00:00.000000,allocate,0x%x,%d,0\n1,00:00:00.000000,free,0x%x,%d,0\n' $((i * 4096)) $((i * 16)) \
      $((i * 4096)) $((i * 16))
    i=$((i + 1))
  done
} >"$work/long.csv"
"$replay" --resource 'arena(cuda, 8MiB)' --simulate 64MiB --plot "$work/long.svg" "$work/long.csv" >"$work/out" 2>&1 ||
  fail "replay of the long log: $(cat "$work/out")"
check_plot "$work/long.svg" 834

# A leaf knows no free blocks: its fragmentation is unknown and drawn nowhere, not as 0.
"$replay" --resource cuda --simulate 64MiB --plot "$work/leaf.svg" "$example" >"$work/out" 2>&1 ||
  fail "replay of a leaf with --plot: $(cat "$work/out")"
series "$work/leaf.svg" >"$work/leaf-series"
grep -q "^in-use $rows $rows\$" "$work/leaf-series" || fail "the leaf's in-use series: $(cat "$work/leaf-series")"
grep -q '^fragmentation 0 0$' "$work/leaf-series" || fail "the leaf's unknown fragmentation was drawn: $(cat "$work/leaf-series")"

# The snapshot at the log's peak: JSON with the arena's chunk and its live blocks.
grep -q '"format": "librmm-snapshot"' "$work/snap.json" || fail "--snapshot wrote no snapshot"
grep -q '"name": "arena"' "$work/snap.json" || fail "--snapshot lacks the arena"
grep -q '"allocated": true' "$work/snap.json" || fail "--snapshot at the peak has no live block"

# An unwritable plot is an error.
"$replay" --resource 'arena(cuda, 8MiB)' --simulate 64MiB --plot /nonexistent-dir/p.svg "$example" >"$work/out" 2>&1 &&
  fail "an unwritable --plot succeeded"
grep -q -- "--plot: cannot write" "$work/out" || fail "no message for an unwritable --plot: $(cat "$work/out")"

# The snapshot map, where Python can load this build's library (not a sanitizer build's).
python=${PYTHON:-/usr/bin/python3}
library=$builddir/lib/.libs/librmm.so.1
if test -x "$python" && test -e "$library" && ! ldd "$library" 2>/dev/null | grep -q libasan; then
  RMM_LIBRARY=$(cd "$(dirname "$library")" && pwd)/$(basename "$library") \
    PYTHONPATH=$(cd "$srcdir/python" && pwd) "$python" -m rmm.snapshot_svg "$work/snap.json" "$work/map.svg" ||
    fail "python3 -m rmm.snapshot_svg failed"
  xmllint --noout "$work/map.svg" || fail "the snapshot map is not well-formed XML"
  blocks=$(grep -c '<g class="block">' "$work/map.svg")
  listed=$(grep -c '"allocated": ' "$work/snap.json")
  test "$blocks" -eq "$listed" || fail "the map draws $blocks blocks of $listed"
fi

# A log with no events still gets its snapshot: the stack as it was built.
printf 'Thread,Time,Action,Pointer,Size,Stream\n' >"$work/empty.csv"
"$replay" --resource 'pool(cuda, 1MiB)' --simulate 64MiB --snapshot "$work/empty.json" "$work/empty.csv" \
  >"$work/empty.out" 2>&1 || fail "an empty log with --snapshot: $(tail -n 3 "$work/empty.out")"
grep -q '"name": "pool"' "$work/empty.json" 2>/dev/null || fail "an empty log wrote no snapshot"

test $failed -eq 0 && echo "PASS: rmm-replay --plot and --snapshot"
exit $failed
