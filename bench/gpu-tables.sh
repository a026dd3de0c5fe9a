#!/bin/sh
# On a GPU machine: the tables of bench/RESULTS.md, one run of bench/suballoc_bench per
# resource and stream kind (cuda_async in the same run), written to DIR/table-*.md.
#   bench/gpu-tables.sh BENCH_PROGRAM DIR [--scale X]
set -u
bench=$1
dir=$2
shift 2
mkdir -p "$dir"
for streams in known plain; do
  flag=
  [ "$streams" = plain ] && flag=--plain-streams
  for resource in cuda_async pool fixed_size binning arena expandable; do
    "$bench" $flag --resource "$resource" "$@" > "$dir/table-$streams-$resource.md" 2> "$dir/table-$streams-$resource.err"
    echo "== $streams $resource"
    cat "$dir/table-$streams-$resource.md"
  done
done
