#!/bin/sh
# Installs the build into a scratch prefix, compiles examples/hello.c with nothing but
# `pkg-config --cflags --libs rmm`, and runs it: 0 with a GPU, 77 (clean failure) without.
set -eu
srcdir=$(cd "${1:-.}" && pwd)
builddir=$(pwd)
stage=$builddir/install-test
rm -rf "$stage"
make -s install DESTDIR="$stage/root" >/dev/null
prefix=$(sed -n 's/^prefix=//p' pkgconfig/rmm.pc)
pcdir=$(find "$stage/root" -name rmm.pc -printf '%h\n' | head -n 1)
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$stage/root$prefix" --cflags --libs rmm)
echo "pkg-config --cflags --libs rmm: $flags"
${CC:-cc} -std=c17 -Wall -Wextra -Wpedantic -Werror "$srcdir/examples/hello.c" $flags -o "$stage/hello"
libdir=$(dirname "$(find "$stage/root" -name 'librmm.so.1' | head -n 1)")
set +e
LD_LIBRARY_PATH="$libdir" "$stage/hello"
rc=$?
set -e
case $rc in
  0) echo "install-test: hello allocated on the GPU" ;;
  77) echo "install-test: hello failed cleanly without a GPU (skip)" ;;
  *) echo "install-test: hello failed with exit $rc"; exit 1 ;;
esac
