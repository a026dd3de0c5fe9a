#!/bin/sh
# Every prototype a section-3 page shows in its SYNOPSIS is the header's declaration:
# the same return type, name, parameter types and parameter names (spacing aside), so
# the two copies cannot drift; and every function the headers declare is shown. Exit 0: pass; 1: fail; 77: skip (no python3).
srcdir=${top_srcdir:-.}
command -v python3 >/dev/null 2>&1 || exit 77
exec python3 - "$srcdir" <<'PY'
import glob, os, re, sys

srcdir = sys.argv[1]

def normalize(text):
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s*([*(),])\s*", r"\1", text)
    return text

# Declarations of the public headers: RMM_API ... name(...);
declared = {}
for header in glob.glob(os.path.join(srcdir, "include/rmm/*.h")):
    text = open(header, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    for match in re.finditer(r"RMM_API\s+([^;{}#]*?\b(rmm_\w+)\s*\([^;{}]*\))\s*(?:RMM_\w+(?:\([^)]*\))?\s*)*;", text):
        declared[match.group(2)] = normalize(match.group(1))

def roff_text(line):
    """The text a .B/.BI/.BR/.I/.IR line prints, fonts dropped: .B and .I put spaces
    between their arguments, the alternating macros (.BI, .BR, ...) none."""
    macro, _, body = line.partition(" ")
    tokens = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', body)
    words = [quoted if quoted or not bare else bare for quoted, bare in tokens]
    text = (" " if macro in (".B", ".I") else "").join(words)
    return text.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")

failed = 0
checked = 0
shown_names = set()
for page in sorted(glob.glob(os.path.join(srcdir, "man/man3/*.3"))):
    lines = open(page, encoding="utf-8").read().split("\n")
    try:
        start = lines.index(".SH SYNOPSIS")
    except ValueError:
        continue
    text = []
    for line in lines[start + 1:]:
        if line.startswith(".SH"):
            break
        if re.match(r"\.(B|BI|BR|I|IR|RB|RI)\b", line):
            printed = roff_text(line)
            if not printed.lstrip().startswith("#"):
                text.append(printed)
        elif line and not line.startswith("."):
            text.append(line)
    synopsis = re.sub(r"/\*.*?\*/", " ", " ".join(text))
    for match in re.finditer(r"([A-Za-z_][\w\s*]*?\b(rmm_\w+)\s*\([^;{}]*\))\s*;", synopsis):
        name = match.group(2)
        if name not in declared:
            continue  # a type or a callback, not a function of the headers
        checked += 1
        shown_names.add(name)
        shown = normalize(match.group(1))
        if shown != declared[name]:
            print(f"FAIL: {os.path.relpath(page, srcdir)}: SYNOPSIS shows\n  {shown}\nbut the header declares\n  {declared[name]}")
            failed = 1
for name in sorted(set(declared) - shown_names):
    print(f"FAIL: {name} is declared in include/rmm but no SYNOPSIS shows its prototype")
    failed = 1
if checked < 50:
    print(f"FAIL: only {checked} SYNOPSIS prototypes matched a header declaration")
    failed = 1
print(f"{checked} SYNOPSIS prototypes compared with the headers")
sys.exit(failed)
PY
