#!/bin/sh
# debian/librmm1.symbols lists exactly the functions of lib/librmm.map (regenerate it
# with tests/gen-symbols.sh after adding a function). Exit 77 without debian/.
exec sh "${top_srcdir:-.}/tests/gen-symbols.sh" --check "${top_srcdir:-.}"
