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
rmminclude_HEADERS += include/rmm/rmm.hpp
