#!/bin/sh
# A smoke run of bench/suballoc_bench over host memory: it must exit 0 and print the
# table's header and one row per workload. Timings are not checked.
# Exit 0: pass; 1: fail.

builddir=${top_builddir:-.}
bench=$builddir/bench/suballoc_bench

if ! test -x "$bench"; then
  echo "FAIL: $bench is not built"
  exit 1
fi
out=$(mktemp "${TMPDIR:-/tmp}/rmm-bench-smoke.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
trap 'exit 1' HUP INT TERM

if ! "$bench" --host --scale 0.01 >"$out"; then
  echo "FAIL: suballoc_bench --host --scale 0.01 exited with status $?"
  cat "$out"
  exit 1
fi
cat "$out"
failed=0
grep -q '^| workload | host | pool | arena | binning | fixed_size | expandable |$' "$out" || { echo "FAIL: no table header"; failed=1; }
for row in 'pair' 'frag F=100,000' 'frag F=100,000 (simulated)' 'random, 4 threads' 'xstream' 'replay'; do
  grep -q "^| $row" "$out" || { echo "FAIL: no row '$row'"; failed=1; }
done
exit $failed
