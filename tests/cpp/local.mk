# tests/cpp: C++ tests of the header-only rmm.hpp and thrust.hpp.
# CPU tests build with the system C++ compiler (C++17); the Thrust tests and the C++
# examples build with nvcc when configure found it, and exit 77 without a GPU.
cpp_cxxflags = $(STD_CXXFLAGS) $(WARN_CXXFLAGS) $(SANITIZER_CFLAGS)

if HAVE_CXX17
cpp_cpu_tests = tests/cpp/resource_test tests/cpp/container_test
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
endif

# The C++ headers are installed with the C ones (librmm-dev); they need no library of their own.
rmminclude_HEADERS += include/rmm/rmm.hpp include/rmm/thrust.hpp

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
cpp_nvcc_programs = tests/cpp/thrust_test examples/cpp/resources examples/cpp/containers examples/cpp/thrust
check_PROGRAMS += $(cpp_nvcc_programs)
TESTS += $(cpp_nvcc_programs)

tests_cpp_thrust_test_SOURCES = tests/cpp/thrust_test.cu
nodist_EXTRA_tests_cpp_thrust_test_SOURCES = cxx-link.cpp
tests_cpp_thrust_test_LDFLAGS = $(test_ldflags)
tests_cpp_thrust_test_LDADD = $(nvcc_ldadd) $(CHECK_LIBS)
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

# nvcc writes no dependency files here: rebuild the objects when the C++ headers change.
tests/cpp/thrust_test.$(OBJEXT) examples/cpp/resources.$(OBJEXT) examples/cpp/containers.$(OBJEXT) \
examples/cpp/thrust.$(OBJEXT): $(cpp_headers) include/rmm/version.h examples/cpp/example_support.hpp
endif
