#!/bin/sh
# Sanitizer-visible sub-allocations: under compute-sanitizer memcheck, a write 44 bytes
# past a 256-byte block of each sub-allocator is reported (the sub-allocators register
# their chunks and blocks through the NVTX memory API), and with RMM_NVTX=0 it is not
# (the write stays inside memory that cudaMalloc handed out).
#   sh tests/gpu/nvtx_memcheck.sh            in the build tree (make check runs it)
#   gpu-bundle/bin/nvtx_memcheck.sh          in a bundle (gpu-bundle/run runs it)
# FAMILIES='arena pool' limits the families. Exit 0: pass; 1: fail; 77: skip (no
# compute-sanitizer or no GPU).
here=$(cd "$(dirname "$0")" && pwd)
builddir=${top_builddir:-.}
program=$builddir/tests/gpu/overrun
test -x "$program" || program=$here/tests_gpu_overrun
sanitizer=${COMPUTE_SANITIZER:-$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)}
test -x "$sanitizer" || { echo "SKIP: compute-sanitizer not found (set COMPUTE_SANITIZER)"; exit 77; }
test -x "$program" || { echo "FAIL: $program was not built"; exit 1; }

"$program" 'arena(cuda, 16MiB)' >/dev/null 2>&1
test $? -eq 77 && { echo "SKIP: no usable GPU"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-nvtx.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

failed=0
for family in ${FAMILIES:-arena pool fixed_size binning}; do
  case $family in
    arena) spec='arena(cuda, 16MiB)' ;;
    pool) spec='pool(cuda, 16MiB)' ;;
    fixed_size) spec='fixed_size(cuda, 256)' ;;
    binning) spec='binning(cuda, 8, 12)' ;;
    *) spec=$family ;;
  esac
  "$sanitizer" --tool memcheck --error-exitcode 99 "$program" "$spec" >"$work/on" 2>&1
  on=$?
  RMM_NVTX=0 "$sanitizer" --tool memcheck --error-exitcode 99 "$program" "$spec" >"$work/off" 2>&1
  off=$?
  if test $on -eq 99 && grep -q "Invalid" "$work/on" && test $off -eq 0; then
    echo "PASS: $family: the overrun is reported, and not with RMM_NVTX=0"
  else
    echo "FAIL: $family: with annotations exit $on (expected 99 and a report), with RMM_NVTX=0 exit $off (expected 0)"
    tail -n 25 "$work/on"
    failed=1
  fi
done
exit $failed
