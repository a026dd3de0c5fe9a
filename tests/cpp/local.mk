# tests/cpp: C++ tests of the header-only rmm.hpp and thrust.hpp.
