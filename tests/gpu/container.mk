# GPU tests of lib/container and lib/stream, and the examples (run as GPU tests too).
container_gpu_tests = tests/gpu/container_test tests/gpu/stream_test
check_PROGRAMS += $(container_gpu_tests)
TESTS += $(container_gpu_tests)

tests_gpu_container_test_SOURCES = tests/gpu/container_test.c
tests_gpu_container_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_container_test_LDFLAGS = $(test_ldflags)
tests_gpu_container_test_LDADD = $(gpu_ldadd) -lm
tests_gpu_stream_test_SOURCES = tests/gpu/stream_test.c
tests_gpu_stream_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_stream_test_LDFLAGS = $(test_ldflags)
tests_gpu_stream_test_LDADD = $(gpu_ldadd)

# examples/: C forms of RMM's README examples, built and run by make check (77 without a GPU).
container_examples = examples/device_buffer examples/device_uvector examples/device_scalar examples/stream_pool
check_PROGRAMS += $(container_examples)
TESTS += $(container_examples)
example_cppflags = $(AM_CPPFLAGS) $(CUDA_CPPFLAGS)
example_ldadd = lib/librmm.la $(CUDART_LIBS)

examples_device_buffer_SOURCES = examples/device_buffer.c
examples_device_buffer_CPPFLAGS = $(example_cppflags)
examples_device_buffer_LDFLAGS = $(test_ldflags)
examples_device_buffer_LDADD = $(example_ldadd)
examples_device_uvector_SOURCES = examples/device_uvector.c
examples_device_uvector_CPPFLAGS = $(example_cppflags)
examples_device_uvector_LDFLAGS = $(test_ldflags)
examples_device_uvector_LDADD = $(example_ldadd)
examples_device_scalar_SOURCES = examples/device_scalar.c
examples_device_scalar_CPPFLAGS = $(example_cppflags)
examples_device_scalar_LDFLAGS = $(test_ldflags)
examples_device_scalar_LDADD = $(example_ldadd)
examples_stream_pool_SOURCES = examples/stream_pool.c
examples_stream_pool_CPPFLAGS = $(example_cppflags)
examples_stream_pool_LDFLAGS = $(test_ldflags)
examples_stream_pool_LDADD = $(example_ldadd)
