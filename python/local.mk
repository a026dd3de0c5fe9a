# python/: the pure-Python rmm package over librmm.so.1 (ctypes; no compiled code).
# Installed under $(pythondir)/rmm; Debian passes pythondir=/usr/lib/python3/dist-packages.
# Other areas add their modules with += to the lists below.
rmmpydir = $(pythondir)/rmm
rmmpylibrmmdir = $(pythondir)/rmm/pylibrmm
rmmallocatorsdir = $(pythondir)/rmm/allocators
rmmcudadir = $(pythondir)/rmm/_cuda
if HAVE_PYTHON
rmmpy_PYTHON = \
	python/rmm/__init__.py \
	python/rmm/_lib.py \
	python/rmm/_sizes.py \
	python/rmm/_version.py \
	python/rmm/_snapshot.py \
	python/rmm/mr.py \
	python/rmm/rmm.py \
	python/rmm/snapshot_svg.py
nodist_rmmpy_PYTHON = python/rmm/_config.py
rmmpylibrmm_PYTHON = \
	python/rmm/pylibrmm/__init__.py \
	python/rmm/pylibrmm/cuda_stream.py \
	python/rmm/pylibrmm/cuda_stream_pool.py \
	python/rmm/pylibrmm/device_buffer.py \
	python/rmm/pylibrmm/logger.py \
	python/rmm/pylibrmm/memory_resource.py \
	python/rmm/pylibrmm/stream.py
rmmallocators_PYTHON = \
	python/rmm/allocators/__init__.py
rmmcuda_PYTHON = \
	python/rmm/_cuda/__init__.py \
	python/rmm/_cuda/gpu.py \
	python/rmm/_cuda/stream.py
# Made by `make` too, so that the source tree's package finds an installed library.
noinst_DATA = python/rmm/_config.py
endif

# _config.py records the installed library's directory. It is made here rather than
# by configure because configure leaves ${exec_prefix} in @libdir@ unexpanded.
python/rmm/_config.py: $(srcdir)/python/rmm/_config.py.in Makefile
	$(AM_V_GEN)$(MKDIR_P) python/rmm && \
	commit=`git -C $(srcdir) rev-parse HEAD 2>/dev/null || :` && \
	sed -e 's|@libdir[@]|$(libdir)|g' -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	  -e "s|@GIT_COMMIT[@]|$$commit|g" \
	  $(srcdir)/python/rmm/_config.py.in > $@.tmp && mv $@.tmp $@
CLEANFILES += python/rmm/_config.py python-test-counts
EXTRA_DIST += python/rmm/_config.py.in

# The pytest suite, as one automake test: tests/python.sh writes pytest's own counts
# to python-test-counts. GPU tests skip without a device.
python_tests = \
	python/tests/conftest.py \
	python/tests/test_abi.py \
	python/tests/test_buffer.py \
	python/tests/test_compat.py \
	python/tests/test_errors.py \
	python/tests/test_lifetime.py \
	python/tests/test_mr.py \
	python/tests/test_reinitialize.py \
	python/tests/test_sizes.py \
	python/tests/test_snapshot.py \
	python/tests/test_stream.py \
	python/tests/test_trim.py \
	python/tests/test_gpu.py
EXTRA_DIST += tests/python.sh $(python_tests)
if HAVE_PYTHON
TESTS += tests/python.sh
endif
include $(srcdir)/python/extras.mk
