#!/bin/sh
# Prints the global names of a version script (lib/librmm.map), one a line, in the
# order they stand, comments removed. Shared by tests/cpu/symbols.sh,
# tests/cpu/manpages.sh and tests/gen-symbols.sh.
#
#   tests/map-names.sh MAPFILE
if test $# -ne 1; then
  echo "usage: $0 MAPFILE" >&2
  exit 2
fi
awk '
  { text = text $0 "\n" }
  END {
    while ((start = index(text, "/*")) > 0) {
      rest = substr(text, start + 2)
      stop = index(rest, "*/")
      text = substr(text, 1, start - 1) " " (stop > 0 ? substr(rest, stop + 2) : "")
    }
    start = index(text, "global:")
    if (start == 0) exit
    text = substr(text, start + 7)
    stop = index(text, "local:")
    if (stop > 0) text = substr(text, 1, stop - 1)
    n = split(text, entries, ";")
    for (i = 1; i <= n; i++) {
      gsub(/[ \t\n]+/, "", entries[i])
      if (entries[i] != "" && entries[i] != "}") print entries[i]
    }
  }' "$1"
