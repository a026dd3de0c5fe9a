#!/bin/sh
# Every exported function (the global names of lib/librmm.map) has a section-3 page,
# man/man3/NAME.3, that is installed (listed in dist_man_MANS), passes
# `mandoc -T lint -W warning`, has the sections every librmm page has, and shows the
# function in its SYNOPSIS. When man/man7/rmm.7 exists, it names every section-3 page
# and passes the lint too.
# Exit 0: pass; 1: fail; 77: skip (no mandoc, and nothing else failed).

srcdir=${top_srcdir:-.}
map=$srcdir/lib/librmm.map
overview=$srcdir/man/man7/rmm.7

mandoc=${MANDOC:-}
test -n "$mandoc" || mandoc=$(command -v mandoc 2>/dev/null)

work=$(mktemp -d "${TMPDIR:-/tmp}/rmm-manpages.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# The global names of the version script, comments removed.
sh "$srcdir/tests/map-names.sh" "$map" | sort -u >"$work/names"

# The pages the build installs, from every fragment that adds to dist_man_MANS.
cat "$srcdir"/Makefile.am "$srcdir"/man/*.mk 2>/dev/null |
  grep -o 'man/man3/[A-Za-z0-9_.-]*\.3' | sort -u >"$work/installed"

# The pages to check: one per exported function, where it exists.
: >"$work/pages"
failed=0
while read -r name; do
  if test -f "$srcdir/man/man3/$name.3"; then
    echo "$srcdir/man/man3/$name.3" >>"$work/pages"
  else
    echo "FAIL: $name is exported but man/man3/$name.3 does not exist"
    failed=1
  fi
done <"$work/names"
test -s "$work/names" || { echo "FAIL: no global names found in $map"; failed=1; }

# Sections, SYNOPSIS and installation of every page, in one pass. A section title is
# compared as written, quotes dropped: `.SH "RETURN VALUE"` is RETURN VALUE.
if test -s "$work/pages"; then
  # shellcheck disable=SC2046 # one word per page path
  awk -v installed="$work/installed" '
    BEGIN {
      count = split("NAME|LIBRARY|SYNOPSIS|DESCRIPTION|RETURN VALUE|ERRORS|ATTRIBUTES|SEE ALSO", wanted, "|")
      while ((getline line < installed) > 0) listed[line] = 1
    }
    function finish(    i, missing) {
      if (page == "") return
      missing = ""
      for (i = 1; i <= count; i++)
        if (!(wanted[i] in seen)) missing = missing " \"" wanted[i] "\""
      if (missing != "") { print "FAIL: man/man3/" name ".3 lacks the section(s)" missing; bad = 1 }
      if (!synopsis_names) { print "FAIL: the SYNOPSIS of man/man3/" name ".3 does not mention " name; bad = 1 }
      if (!(("man/man3/" name ".3") in listed)) {
        print "FAIL: man/man3/" name ".3 is not in dist_man_MANS (man/*.mk), so it is not installed"
        bad = 1
      }
    }
    FNR == 1 {
      finish()
      page = FILENAME
      name = page; sub(/.*\//, "", name); sub(/\.3$/, "", name)
      split("", seen); in_synopsis = 0; synopsis_names = 0
    }
    /^\.SH[ \t]/ {
      title = $0; sub(/^\.SH[ \t]+/, "", title); gsub(/"/, "", title); sub(/[ \t]+$/, "", title)
      seen[title] = 1
      in_synopsis = (title == "SYNOPSIS")
      next
    }
    in_synopsis && match($0, "(^|[^A-Za-z0-9_])" name "([^A-Za-z0-9_]|$)") { synopsis_names = 1 }
    END { finish(); exit bad }' $(cat "$work/pages") || failed=1
fi

# mandoc names the page in each of its messages.
if test -n "$mandoc" && test -s "$work/pages"; then
  # shellcheck disable=SC2046 # one word per page path
  "$mandoc" -T lint -W warning $(cat "$work/pages") >"$work/lint" 2>&1
  status=$?
  if test $status -ne 0 || test -s "$work/lint"; then
    echo "FAIL: pages do not pass $mandoc -T lint -W warning (exit $status):"
    sed 's/^/    /' "$work/lint"
    failed=1
  fi
fi

# The overview names every section-3 page (it arrives later; until then, nothing to check),
# and passes the same lint.
if test -f "$overview"; then
  if test -n "$mandoc"; then
    "$mandoc" -T lint -W warning "$overview" >"$work/lint7" 2>&1
    status=$?
    if test $status -ne 0 || test -s "$work/lint7"; then
      echo "FAIL: man/man7/rmm.7 does not pass $mandoc -T lint -W warning (exit $status):"
      sed 's/^/    /' "$work/lint7"
      failed=1
    fi
  fi
  for page in "$srcdir"/man/man3/*.3; do
    test -f "$page" || continue
    name=${page##*/}
    echo "${name%.3}"
  done >"$work/section3"
  awk -v overview="$overview" '
    BEGIN { while ((getline line < overview) > 0) text = text " " line " " }
    !match(text, "[^A-Za-z0-9_]" $0 "[^A-Za-z0-9_]") { print "FAIL: man/man7/rmm.7 does not name " $0 "(3)"; bad = 1 }
    END { exit bad }' "$work/section3" || failed=1
fi

test "$failed" -eq 0 || exit 1
if test -z "$mandoc"; then
  echo "SKIP: mandoc not found (MANDOC is empty and mandoc is not on PATH); the other checks passed"
  exit 77
fi
echo "PASS: $(wc -l <"$work/pages" | tr -d ' ') exported functions have installed, lint-clean pages with every section"
exit 0
