# python/: rmm.statistics, rmm.allocators' framework modules, their tests and the Python
# examples (included from python/local.mk, after its lists).
if HAVE_PYTHON
rmmpy_PYTHON += python/rmm/statistics.py
rmmallocators_PYTHON += \
	python/rmm/allocators/cupy.py \
	python/rmm/allocators/numba.py \
	python/rmm/allocators/torch.py
endif
python_tests += \
	python/tests/test_allocators.py \
	python/tests/test_examples.py \
	python/tests/test_statistics.py
EXTRA_DIST += \
	examples/python/device_buffer.py \
	examples/python/example_support.py \
	examples/python/memory_resources.py \
	examples/python/readme.py \
	examples/python/use_cupy.py \
	examples/python/use_numba.py \
	examples/python/use_torch.py
