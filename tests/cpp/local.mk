# tests/cpp: C++ tests of the header-only rmm.hpp and thrust.hpp.
# CPU tests build with the system C++ compiler (C++17); the Thrust tests and the C++
# examples build with nvcc when configure found it, and exit 77 without a GPU.
cpp_cxxflags = $(STD_CXXFLAGS) $(WARN_CXXFLAGS) $(SANITIZER_CFLAGS)

if HAVE_CXX17
cpp_cpu_tests = tests/cpp/resource_test tests/cpp/container_test tests/cpp/upstream_test tests/cpp/expandable_test
check_PROGRAMS += $(cpp_cpu_tests)
TESTS += $(cpp_cpu_tests)
VALGRIND_TESTS += $(cpp_cpu_tests)

tests_cpp_resource_test_SOURCES = tests/cpp/resource_test.cpp
tests_cpp_resource_test_CPPFLAGS = $(test_cppflags)
tests_cpp_resource_test_CXXFLAGS = $(cpp_cxxflags)
tests_cpp_resource_test_LDFLAGS = $(test_ldflags)
tests_cpp_container_test_SOURCES = tests/cpp/container_test.cpp
tests_cpp_container_test_CPPFLAGS = $(test_cppflags)
tests_cpp_container_test_CXXFLAGS = $(cpp_cxxflags)
tests_cpp_container_test_LDFLAGS = $(test_ldflags)
tests_cpp_upstream_test_SOURCES = tests/cpp/upstream_test.cpp
tests_cpp_upstream_test_CPPFLAGS = $(test_cppflags)
tests_cpp_upstream_test_CXXFLAGS = $(cpp_cxxflags)
tests_cpp_upstream_test_LDFLAGS = $(test_ldflags)
tests_cpp_expandable_test_SOURCES = tests/cpp/expandable_test.cpp
tests_cpp_expandable_test_CPPFLAGS = $(test_cppflags)
tests_cpp_expandable_test_CXXFLAGS = $(cpp_cxxflags)
tests_cpp_expandable_test_LDFLAGS = $(test_ldflags)

# The C++ example that needs no CUDA header: a user resource under librmm's adaptors, built
# with the C++ compiler alone; it runs on the host without a GPU (tests/cpu/replay_test.sh
# replays its log) and on the device with one.
check_PROGRAMS += examples/cpp/custom_resource
TESTS += examples/cpp/custom_resource
examples_cpp_custom_resource_SOURCES = examples/cpp/custom_resource.cpp
examples_cpp_custom_resource_CPPFLAGS = $(AM_CPPFLAGS)
examples_cpp_custom_resource_CXXFLAGS = $(cpp_cxxflags)
examples_cpp_custom_resource_LDFLAGS = $(test_ldflags)
examples_cpp_custom_resource_LDADD = lib/librmm.la
endif

# The C++ headers are installed with the C ones (librmm-dev); they need no library of their own.
# Beside rmm.hpp and thrust.hpp, upstream RMM's header paths: rmm/*.hpp, rmm/mr/device/*.hpp
# (the classes) and rmm/mr/*.hpp (the newer paths, which include them).
rmminclude_HEADERS += include/rmm/rmm.hpp include/rmm/thrust.hpp \
	include/rmm/aligned.hpp \
	include/rmm/cuda_device.hpp \
	include/rmm/cuda_stream.hpp \
	include/rmm/cuda_stream_pool.hpp \
	include/rmm/cuda_stream_view.hpp \
	include/rmm/device_buffer.hpp \
	include/rmm/device_scalar.hpp \
	include/rmm/device_uvector.hpp \
	include/rmm/logger.hpp \
	include/rmm/device_vector.hpp \
	include/rmm/error.hpp \
	include/rmm/exec_policy.hpp \
	include/rmm/resource_ref.hpp
rmmmrdir = $(includedir)/rmm/mr
rmmmr_HEADERS = include/rmm/mr/aligned_resource_adaptor.hpp \
	include/rmm/mr/arena_memory_resource.hpp \
	include/rmm/mr/binning_memory_resource.hpp \
	include/rmm/mr/callback_memory_resource.hpp \
	include/rmm/mr/cuda_async_managed_memory_resource.hpp \
	include/rmm/mr/cuda_async_memory_resource.hpp \
	include/rmm/mr/cuda_async_view_memory_resource.hpp \
	include/rmm/mr/cuda_memory_resource.hpp \
	include/rmm/mr/device_memory_resource.hpp \
	include/rmm/mr/failure_callback_resource_adaptor.hpp \
	include/rmm/mr/fixed_size_memory_resource.hpp \
	include/rmm/mr/limiting_resource_adaptor.hpp \
	include/rmm/mr/logging_resource_adaptor.hpp \
	include/rmm/mr/managed_memory_resource.hpp \
	include/rmm/mr/owning_wrapper.hpp \
	include/rmm/mr/per_device_resource.hpp \
	include/rmm/mr/pinned_host_memory_resource.hpp \
	include/rmm/mr/polymorphic_allocator.hpp \
	include/rmm/mr/pool_memory_resource.hpp \
	include/rmm/mr/prefetch_resource_adaptor.hpp \
	include/rmm/mr/sam_headroom_memory_resource.hpp \
	include/rmm/mr/statistics_resource_adaptor.hpp \
	include/rmm/mr/system_memory_resource.hpp \
	include/rmm/mr/thread_safe_resource_adaptor.hpp \
	include/rmm/mr/thrust_allocator_adaptor.hpp \
	include/rmm/mr/tracking_resource_adaptor.hpp
rmmmrdevicedir = $(includedir)/rmm/mr/device
rmmmrdevice_HEADERS = include/rmm/mr/device/aligned_resource_adaptor.hpp \
	include/rmm/mr/device/arena_memory_resource.hpp \
	include/rmm/mr/device/binning_memory_resource.hpp \
	include/rmm/mr/device/callback_memory_resource.hpp \
	include/rmm/mr/device/cuda_async_managed_memory_resource.hpp \
	include/rmm/mr/device/cuda_async_memory_resource.hpp \
	include/rmm/mr/device/cuda_async_view_memory_resource.hpp \
	include/rmm/mr/device/cuda_memory_resource.hpp \
	include/rmm/mr/device/device_memory_resource.hpp \
	include/rmm/mr/device/failure_callback_resource_adaptor.hpp \
	include/rmm/mr/device/fixed_size_memory_resource.hpp \
	include/rmm/mr/device/limiting_resource_adaptor.hpp \
	include/rmm/mr/device/logging_resource_adaptor.hpp \
	include/rmm/mr/device/managed_memory_resource.hpp \
	include/rmm/mr/device/owning_wrapper.hpp \
	include/rmm/mr/device/per_device_resource.hpp \
	include/rmm/mr/device/pinned_host_memory_resource.hpp \
	include/rmm/mr/device/polymorphic_allocator.hpp \
	include/rmm/mr/device/pool_memory_resource.hpp \
	include/rmm/mr/device/prefetch_resource_adaptor.hpp \
	include/rmm/mr/device/sam_headroom_memory_resource.hpp \
	include/rmm/mr/device/statistics_resource_adaptor.hpp \
	include/rmm/mr/device/system_memory_resource.hpp \
	include/rmm/mr/device/thread_safe_resource_adaptor.hpp \
	include/rmm/mr/device/thrust_allocator_adaptor.hpp \
	include/rmm/mr/device/tracking_resource_adaptor.hpp
rmmmrdevicedetaildir = $(includedir)/rmm/mr/device/detail
rmmmrdevicedetail_HEADERS = include/rmm/mr/device/detail/adaptor_base.hpp
rmmmrhostdir = $(includedir)/rmm/mr/host
rmmmrhost_HEADERS = include/rmm/mr/host/host_memory_resource.hpp include/rmm/mr/host/new_delete_resource.hpp \
	include/rmm/mr/host/pinned_memory_resource.hpp
cpp_upstream_headers = $(rmmmr_HEADERS) $(rmmmrdevice_HEADERS) $(rmmmrdevicedetail_HEADERS) $(rmmmrhost_HEADERS)

# nvcc programs: the Thrust tests and the C++ examples (C++ forms of RMM's README examples),
# run by make check and carried by gpu-bundle (77 without a GPU). nvcc compiles each .cu to an
# object; libtool links it like the C tests (-no-install: a real executable, librmm shared).
# The empty C++ source below only makes automake link with the C++ driver.
SUFFIXES = .cu
nvcc_compile = $(NVCC) -ccbin '$(CXX)' -std=c++17 $(NVCCFLAGS) $(DEFS) -I$(top_srcdir)/include \
	-I$(top_builddir)/include -I$(top_srcdir)/tests -Xcompiler '$(CHECK_CFLAGS) -Wall -Wextra'
.cu.$(OBJEXT):
	$(AM_V_GEN)$(nvcc_compile) -c -o $@ $<
cpp_headers = include/rmm/rmm.hpp include/rmm/thrust.hpp
nvcc_ldadd = lib/librmm.la $(CUDART_LIBS)

if HAVE_NVCC
cpp_nvcc_programs = tests/cpp/thrust_test tests/cpp/upstream_gpu_test examples/cpp/resources examples/cpp/containers examples/cpp/thrust \
	examples/cpp/upstream_resources examples/cpp/upstream_containers
check_PROGRAMS += $(cpp_nvcc_programs)
TESTS += $(cpp_nvcc_programs)

tests_cpp_thrust_test_SOURCES = tests/cpp/thrust_test.cu
nodist_EXTRA_tests_cpp_thrust_test_SOURCES = cxx-link.cpp
tests_cpp_thrust_test_LDFLAGS = $(test_ldflags)
tests_cpp_thrust_test_LDADD = $(nvcc_ldadd) $(CHECK_LIBS)
tests_cpp_upstream_gpu_test_SOURCES = tests/cpp/upstream_gpu_test.cu
nodist_EXTRA_tests_cpp_upstream_gpu_test_SOURCES = cxx-link.cpp
tests_cpp_upstream_gpu_test_LDFLAGS = $(test_ldflags)
tests_cpp_upstream_gpu_test_LDADD = $(nvcc_ldadd) $(CHECK_LIBS)
examples_cpp_resources_SOURCES = examples/cpp/resources.cu examples/cpp/example_support.hpp
nodist_EXTRA_examples_cpp_resources_SOURCES = cxx-link.cpp
examples_cpp_resources_LDFLAGS = $(test_ldflags)
examples_cpp_resources_LDADD = $(nvcc_ldadd)
examples_cpp_containers_SOURCES = examples/cpp/containers.cu examples/cpp/example_support.hpp
nodist_EXTRA_examples_cpp_containers_SOURCES = cxx-link.cpp
examples_cpp_containers_LDFLAGS = $(test_ldflags)
examples_cpp_containers_LDADD = $(nvcc_ldadd)
examples_cpp_thrust_SOURCES = examples/cpp/thrust.cu examples/cpp/example_support.hpp
nodist_EXTRA_examples_cpp_thrust_SOURCES = cxx-link.cpp
examples_cpp_thrust_LDFLAGS = $(test_ldflags)
examples_cpp_thrust_LDADD = $(nvcc_ldadd)
examples_cpp_upstream_resources_SOURCES = examples/cpp/upstream_resources.cu examples/cpp/example_support.hpp
nodist_EXTRA_examples_cpp_upstream_resources_SOURCES = cxx-link.cpp
examples_cpp_upstream_resources_LDFLAGS = $(test_ldflags)
examples_cpp_upstream_resources_LDADD = $(nvcc_ldadd)
examples_cpp_upstream_containers_SOURCES = examples/cpp/upstream_containers.cu examples/cpp/example_support.hpp
nodist_EXTRA_examples_cpp_upstream_containers_SOURCES = cxx-link.cpp
examples_cpp_upstream_containers_LDFLAGS = $(test_ldflags)
examples_cpp_upstream_containers_LDADD = $(nvcc_ldadd)

# nvcc writes no dependency files here: rebuild the objects when the C++ headers change.
tests/cpp/thrust_test.$(OBJEXT) tests/cpp/upstream_gpu_test.$(OBJEXT) examples/cpp/resources.$(OBJEXT) examples/cpp/containers.$(OBJEXT) \
examples/cpp/thrust.$(OBJEXT) examples/cpp/upstream_resources.$(OBJEXT) examples/cpp/upstream_containers.$(OBJEXT): \
	$(cpp_headers) $(rmminclude_HEADERS) $(cpp_upstream_headers) include/rmm/version.h examples/cpp/example_support.hpp
endif
