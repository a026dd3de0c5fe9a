#!/bin/sh
# rmm-replay end to end, with --simulate so that no GPU is needed: the shipped example
# log, a round trip (a log written through the logging adaptor replays to the peak that
# the statistics adaptor saw), failures, and the messages for bad input.
# Exit 0: pass; 1: fail.

srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
replay=$builddir/tools/rmm-replay
make_log=$builddir/examples/replay/make_log
example=$srcdir/examples/replay/example.csv

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-replay-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

failed=0
fail() { echo "FAIL: $*"; failed=1; }

# The value after "KEY:" in a report, first word only.
field() { sed -n "s/^$1: *\([^ ]*\).*/\1/p" "$2"; }

# The example: every row replayed, per log thread and on one thread alike.
rows=$(($(wc -l <"$example") - 1))
"$replay" --resource 'statistics(arena(cuda, 50%))' --simulate 1GiB "$example" >"$work/per-log" 2>"$work/err" ||
  fail "replay of the example: $(cat "$work/err")"
"$replay" --resource 'statistics(arena(cuda, 50%))' --simulate 1GiB --threads 1 "$example" >"$work/one" 2>&1 ||
  fail "replay of the example on one thread: $(cat "$work/one")"
cat "$work/per-log"
test "$(field events "$work/per-log")" = "$rows" || fail "events: expected $rows"
test "$(field failures "$work/per-log")" = 0 || fail "the example should replay without failures"
grep -q '^threads: *2 in the log, replayed on one thread each' "$work/per-log" || fail "two log threads"
test "$(field 'peak bytes in use' "$work/per-log")" = "$(field 'peak bytes in use' "$work/one")" ||
  fail "per-log and one-thread replays differ in peak bytes in use"
grep -q '^fragmentation at peak: [0-9.]*% (arena)' "$work/per-log" || fail "fragmentation of the arena"
grep -q '^peak footprint: *536870912 ' "$work/per-log" || fail "footprint: the arena holds 50% of 1 GiB"
test -s "$work/err" && fail "stderr is not a terminal: no progress line expected: $(cat "$work/err")"
"$replay" -r host -s 1GiB --progress "$example" >/dev/null 2>"$work/err" || fail "--progress"
grep -q "$rows/$rows events (100%)" "$work/err" || fail "--progress prints the count"

# The pool and binning over it: the same peak, the pool's fragmentation.
"$replay" -r 'binning(pool(cuda, 50%), 8, 16)' -s 1GiB "$example" >"$work/binning" 2>&1 || fail "binning: $(cat "$work/binning")"
"$replay" -r 'pool(cuda, initial=25%)' -s 1GiB "$example" >"$work/pool" 2>&1 || fail "pool: $(cat "$work/pool")"
test "$(field 'peak bytes in use' "$work/pool")" = "$(field 'peak bytes in use' "$work/per-log")" || fail "pool: peak"
grep -q '^fragmentation at peak: [0-9.]*% (pool)' "$work/pool" || fail "fragmentation of the pool"
grep -q '^peak footprint: *268435456 ' "$work/pool" || fail "footprint: the pool holds 25% of 1 GiB"

# Round trip: the peak that the statistics adaptor saw while the log was written.
"$make_log" "$work/round.csv" 1 3000 >"$work/made" || fail "make_log"
"$replay" -r 'thread_safe(host)' -s 4GiB "$work/round.csv" >"$work/round" 2>&1 || fail "replay: $(cat "$work/round")"
expected=$(field 'peak bytes in use' "$work/made")
test -n "$expected" && test "$(field 'peak bytes in use' "$work/round")" = "$expected" ||
  fail "round trip: statistics saw $expected, replay reports $(field 'peak bytes in use' "$work/round")"

# The same round trip from C++: the log of upstream RMM's logging_resource_adaptor over a
# user class derived from device_memory_resource (examples/cpp/custom_resource, built when
# configure found a C++17 compiler) replays to the peak its statistics adaptor printed.
cpp_log=$builddir/examples/cpp/custom_resource
if test -x "$cpp_log"; then
  "$cpp_log" "$work/cpp.csv" >"$work/cpp-made" 2>&1 || fail "custom_resource: $(cat "$work/cpp-made")"
  "$replay" -r 'thread_safe(host)' -s 4GiB "$work/cpp.csv" >"$work/cpp-round" 2>&1 || fail "replay: $(cat "$work/cpp-round")"
  expected=$(field 'peak bytes in use' "$work/cpp-made")
  test -n "$expected" && test "$(field 'peak bytes in use' "$work/cpp-round")" = "$expected" ||
    fail "C++ round trip: statistics saw $expected, replay reports $(field 'peak bytes in use' "$work/cpp-round")"
fi

# A hand-made log: columns in another order, streams in hex with and without 0x, a
# logged failure (skipped), a free of a pointer never allocated, and a pointer reused
# after its free.
cat >"$work/hand.csv" <<'LOG'
Action,Size,Pointer,Thread,Stream,Time
allocate,1000,0x7f0000000000,7,0,t
allocate,3000,7f0000001000,7,0x1234,t
allocate failure,1099511627776,(nil),7,0,t
free,1000,0x7f0000000000,7,0,t
free,64,0x7f00deadbeef,7,0,t
allocate,500,0x7f0000000000,8,1234,t
free,3000,0x7f0000001000,7,0x1234,t
free,500,0x7f0000000000,8,1234,t

LOG
"$replay" -r 'statistics(host)' -s 1MiB "$work/hand.csv" >"$work/hand" 2>&1 || fail "hand-made log: $(cat "$work/hand")"
test "$(field events "$work/hand")" = 8 || fail "hand-made log: 8 events"
test "$(field allocations "$work/hand")" = 3 || fail "hand-made log: 3 allocations"
test "$(field 'logged failures' "$work/hand")" = 1 || fail "hand-made log: 1 logged failure"
test "$(field frees "$work/hand")" = 3 || fail "hand-made log: 3 frees"
test "$(field 'unmatched frees' "$work/hand")" = 1 || fail "hand-made log: 1 unmatched free"
test "$(field 'peak bytes in use' "$work/hand")" = 4000 || fail "hand-made log: peak 4000"
grep -q '^leaked by the log: *0 allocations' "$work/hand" || fail "hand-made log: nothing leaked"
grep -q '^threads: *2 in the log' "$work/hand" || fail "hand-made log: 2 threads"

# Frees paired across threads before playback: a pointer allocated again while live (its
# free was lost: the older block is freed then), a free of a pointer never allocated, and a
# block freed by another thread. Per-log, concurrent and one-thread replays report the same.
cat >"$work/pairs.csv" <<'LOG'
Thread,Time,Action,Pointer,Size,Stream
1,t,allocate,0x1000,100,0
2,t,allocate,0x1000,200,0
1,t,free,0x2000,100,0
2,t,allocate,0x3000,300,0
1,t,free,0x3000,300,0
2,t,free,0x1000,200,0
1,t,allocate,0x1000,50,0
LOG
for mode in per-log concurrent 1; do
  "$replay" -r 'statistics(host)' -s 1MiB -t $mode "$work/pairs.csv" >"$work/pairs-$mode" 2>&1 ||
    fail "paired log ($mode): $(cat "$work/pairs-$mode")"
  test "$(field allocations "$work/pairs-$mode")" = 4 || fail "paired log ($mode): 4 allocations"
  test "$(field frees "$work/pairs-$mode")" = 2 || fail "paired log ($mode): 2 frees"
  test "$(field 'unmatched frees' "$work/pairs-$mode")" = 2 || fail "paired log ($mode): 2 unmatched frees"
  test "$(field 'peak bytes in use' "$work/pairs-$mode")" = 500 || fail "paired log ($mode): peak 500"
  grep -q '^leaked by the log: *1 allocations, 50 bytes' "$work/pairs-$mode" || fail "paired log ($mode): 50 bytes leaked"
done
grep -q '^threads: *2 in the log, replayed on one thread each' "$work/pairs-per-log" || fail "paired log: per-log threads"
grep -q '^threads: *2 in the log, replayed concurrently, on one thread each' "$work/pairs-concurrent" ||
  fail "paired log: concurrent threads"

# Concurrent replay: one thread allocates, another frees each block two rows later. Every
# free must wait for its allocation; the simulated leaf refuses a free of a pointer it
# has not handed out, so a free played too early fails the replay.
awk 'BEGIN { print "Thread,Time,Action,Pointer,Size,Stream";
  for (i = 1; i <= 20000; i++) { printf "1,t,allocate,0x%x,%d,0\n", i * 4096, 256 + i % 5000;
    if (i > 2) printf "2,t,free,0x%x,%d,0\n", (i - 2) * 4096, 256 + (i - 2) % 5000 } }' >"$work/handoff.csv"
"$replay" -r 'pool(cuda, 64MiB)' -s 1GiB -t concurrent "$work/handoff.csv" >"$work/handoff" 2>&1 ||
  fail "concurrent handoff: $(tail -3 "$work/handoff")"
test "$(field frees "$work/handoff")" = 19998 || fail "concurrent handoff: every free replayed"
grep -q '^leaked by the log: *2 allocations' "$work/handoff" || fail "concurrent handoff: two blocks left"
grep -q "^peak bytes in use: .*the log's: rows were replayed concurrently" "$work/handoff" ||
  fail "concurrent handoff: the log's peak"
grep -q '^fragmentation at peak: not sampled' "$work/handoff" || fail "concurrent handoff: no fragmentation sample"

# Too little memory: failures are counted, their frees skipped, the exit status is 0.
"$replay" -r 'limiting(cuda, 1MiB)' -s 1GiB "$example" >"$work/small" 2>&1 || fail "replay under a limit"
test "$(field failures "$work/small")" -gt 0 || fail "a 1 MiB limit should fail some allocations"

# Bad input: file and line, or the spec's column; status 1 (2 for usage).
expect_error() { # status pattern command...
  status=$1 pattern=$2
  shift 2
  "$@" >"$work/out" 2>&1
  got=$?
  test $got -eq "$status" || fail "$*: exit $got, expected $status"
  grep -q -- "$pattern" "$work/out" || fail "$*: output lacks '$pattern': $(cat "$work/out")"
}
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,00:00:00.000001,allocate,0x100,10,0\n1,00:00:00.000002,allocate,0x200,ten,0\n' >"$work/bad-size.csv"
expect_error 1 "bad-size.csv:3: bad size 'ten'" "$replay" -r host -s 1GiB "$work/bad-size.csv"
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,t,allocate,0x100\n' >"$work/short.csv"
expect_error 1 "short.csv:2: 4 fields, the header has 6" "$replay" -r host -s 1GiB "$work/short.csv"
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,t,malloc,0x100,1,0\n' >"$work/action.csv"
expect_error 1 "action.csv:2: bad action" "$replay" -r host -s 1GiB "$work/action.csv"
printf 'Thread,Time,Action,Size,Stream\n' >"$work/header.csv"
expect_error 1 "header.csv:1: the header lacks the column 'Pointer'" "$replay" -r host -s 1GiB "$work/header.csv"
: >"$work/empty.csv"
expect_error 1 "empty file" "$replay" -r host -s 1GiB "$work/empty.csv"
expect_error 1 "cannot open" "$replay" -r host -s 1GiB "$work/missing.csv"
expect_error 1 "column 12: unknown resource 'hots'" "$replay" -r 'statistics(hots)' -s 1GiB "$example"
expect_error 1 "bad --simulate size" "$replay" -r host -s lots "$example"
expect_error 2 "resource is required" "$replay" "$example"

# Sizes of options go through the spec grammar's parser: no nan, hex, exponents or fractions of a byte.
for size in nan inf 0x10 1e9 1.9B -1 0 '50%' 18446744073709551616; do
  expect_error 1 "bad --simulate size" "$replay" -r host -s "$size" "$example"
done
"$replay" -r host -s 4.1GB "$example" >"$work/decimal" 2>&1 || fail "--simulate 4.1GB: $(cat "$work/decimal")"
grep -q '(leaves simulated, 4.1GB)' "$work/decimal" || fail "--simulate 4.1GB is exact"
# An arena of nearly all of a 2^64-byte device: a clear error, no crash.
expect_error 1 "cannot build arena" "$replay" -r 'arena(cuda, 100%)' -s 18446744073709550000 "$example"

# Bad fields: a short prefix of what was there, NUL bytes, numbers past 64 bits.
long=$(printf 'x%.0s' $(seq 1 5000))
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,t,allocate,0x100,%s,0\n' "$long" >"$work/long.csv"
expect_error 1 "long.csv:2: bad size 'xxxxxxxxxxxxxxxxxxxxxxxx...'" "$replay" -r host -s 1GiB "$work/long.csv"
test "$(wc -c <"$work/out")" -lt 200 || fail "a bad field is echoed whole: $(wc -c <"$work/out") bytes"
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,t,allocate,0x100,1\0000,0\n' >"$work/nul.csv"
expect_error 1 "nul.csv:2: a NUL byte in the row" "$replay" -r host -s 1GiB "$work/nul.csv"
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,t,allocate,0x100,99999999999999999999999,0\n' >"$work/big.csv"
expect_error 1 "big.csv:2: size too large for 64 bits" "$replay" -r host -s 1GiB "$work/big.csv"
# An allocation of bytes at a null pointer could never be freed or reported.
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,t,allocate,(nil),64,0\n' >"$work/nil.csv"
expect_error 1 "nil.csv:2: an allocation of bytes with a null pointer" "$replay" -r host -s 1GiB "$work/nil.csv"
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,t,allocate,0,64,0\n' >"$work/zero.csv"
expect_error 1 "zero.csv:2: an allocation of bytes with a null pointer" "$replay" -r host -s 1GiB "$work/zero.csv"

# Many thread ids: read in linear time; where threads cannot all start (a low ulimit -v),
# the replay shares them among fewer instead of hanging. Skipped under sanitizers, whose
# shadow memory needs more address space than the limit leaves.
awk 'BEGIN { print "Thread,Time,Action,Pointer,Size,Stream";
  for (i = 1; i <= 6000; i++) { printf "%d,t,allocate,0x%x,100,0\n%d,t,free,0x%x,100,0\n", i, i * 4096, i, i * 4096 } }' \
  >"$work/threads.csv"
if ! nm "$builddir/tools/rmm-replay" 2>/dev/null | grep -q __asan_init &&
  ! nm "$builddir/tools/.libs/rmm-replay" 2>/dev/null | grep -q __asan_init; then
  (ulimit -v 1500000 && timeout 120 "$replay" -r 'pool(cuda, 1GiB)' -s 64GiB "$work/threads.csv") >"$work/threads" 2>&1
  got=$?
  test $got -eq 0 || fail "6000 thread ids under ulimit -v: exit $got: $(tail -3 "$work/threads")"
  grep -q '^threads: *6000 in the log' "$work/threads" || fail "6000 thread ids: $(tail -3 "$work/threads")"
  test "$(field frees "$work/threads")" = 6000 || fail "6000 thread ids: every free replayed"
  (ulimit -v 1500000 && timeout 120 "$replay" -r 'pool(cuda, 1GiB)' -s 64GiB -t concurrent "$work/threads.csv") \
    >"$work/threads-concurrent" 2>&1 || fail "6000 thread ids, concurrent: $(tail -3 "$work/threads-concurrent")"
  test "$(field frees "$work/threads-concurrent")" = 6000 || fail "6000 thread ids, concurrent: every free replayed"
fi
expect_error 2 "per-log, concurrent or 1" "$replay" -r host -t 3 "$example"
expect_error 2 "follow the log's order" "$replay" -r host -s 1GiB -t concurrent --plot "$work/p.svg" "$example"

exit $failed
