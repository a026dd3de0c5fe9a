#!/bin/sh
# The fuzz drivers for a bounded run: every corpus file, then FUZZ_ITERATIONS (default
# 3000) seeded mutations each. FUZZ_SEED picks another sequence. Exit 0: pass; 1: fail.
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
iterations=${FUZZ_ITERATIONS:-3000}
seed=${FUZZ_SEED:-1}
failed=0
for target in spec replay; do
  if ! "$builddir/tests/fuzz/${target}_fuzz" -n "$iterations" -s "$seed" "$srcdir/tests/fuzz/corpus/$target"; then
    echo "FAIL: ${target}_fuzz (seed $seed); rerun it with the same -n and -s to reproduce"
    failed=1
  fi
done
exit $failed
