# doc/: the API reference built by Doxygen from the header comments.
# `make html` (or `make doxygen-doc`) writes doc/html/ and fails on any Doxygen warning
# (WARN_AS_ERROR = FAIL_ON_WARNINGS); tests/doc-test.sh checks the same in make check.
EXTRA_DIST += doc/Doxyfile.in tests/doc-test.sh doc/arena.md doc/concurrency.md doc/snapshots.md doc/replay-plot.svg \
	doc/snapshot-map.svg
TESTS += tests/doc-test.sh
AM_TESTS_ENVIRONMENT += DOXYGEN='$(DOXYGEN)'; export DOXYGEN;

doc_headers = $(rmminclude_HEADERS) $(nodist_rmminclude_HEADERS)

if HAVE_DOXYGEN
html-local: doc/html/index.html
doc/html/index.html: doc/Doxyfile $(doc_headers)
	$(AM_V_GEN)rm -rf doc/html && $(DOXYGEN) doc/Doxyfile
else
html-local:
	@echo "make html: doxygen was not found when configure ran" >&2; exit 1
endif

doxygen-doc: html
clean-local: clean-doc-html
clean-doc-html:
	-rm -rf doc/html
.PHONY: doxygen-doc clean-doc-html

# Packaging: debian/ travels in the tarball (a native source package), with the
# checks that keep it in step: tests/debian-symbols.sh (make check) compares the
# symbols file with lib/librmm.map; tests/debian-test.sh (CI, as root) builds,
# installs, uses and removes the packages.
TESTS += tests/debian-symbols.sh
EXTRA_DIST += tests/debian-symbols.sh tests/gen-symbols.sh tests/debian-test.sh \
	debian/changelog debian/control debian/copyright debian/rules debian/source/format \
	debian/not-installed debian/librmm1.install debian/librmm1.symbols \
	debian/librmm-dev.install debian/librmm-doc.install debian/librmm-doc.docs \
	debian/librmm-doc.doc-base debian/rmm-tools.install debian/python3-rmm.install \
	debian/tests/control debian/tests/pkgconfig-hello debian/tests/pkgconfig-cpp
