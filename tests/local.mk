# Test programs link librmm and check; GPU tests also the CUDA runtime. -no-install
# links real executables (no libtool wrapper), so gpu-bundle can carry them elsewhere.
VALGRIND_TESTS =
LDADD = lib/librmm.la $(CHECK_LIBS)
test_cppflags = $(AM_CPPFLAGS) -D_GNU_SOURCE -I$(top_srcdir)/tests $(CHECK_CFLAGS)
test_ldflags = $(AM_LDFLAGS) -no-install
gpu_cppflags = $(test_cppflags) $(CUDA_CPPFLAGS)
gpu_ldadd = $(LDADD) $(CUDART_LIBS)

EXTRA_DIST += tests/common/test.h tests/common/workers.h tests/common/suballoc_check.h tests/common/ds_check.h tests/gpu-bundle.sh \
	tests/map-names.sh

include $(srcdir)/tests/cpu/local.mk
include $(srcdir)/tests/gpu/local.mk
include $(srcdir)/tests/fuzz/local.mk

# The valgrind run: the CPU suite's check programs under memcheck (a fast subset when
# RMM_TEST_SCALE is small; CK_FORK=no keeps each program one process). --fair-sched
# hands the big lock round in turn, so threads that poll cannot starve the others.
check-valgrind: $(check_PROGRAMS)
	@failed=0; for t in $(VALGRIND_TESTS); do \
	  echo "valgrind $$t"; \
	  CK_FORK=no RMM_TEST_SCALE=$${RMM_TEST_SCALE:-1} \
	    $(LIBTOOL) --mode=execute $(VALGRIND) -q --fair-sched=yes --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=99 ./$$t > $$t.valgrind.log 2>&1; rc=$$?; \
	  if test $$rc -eq 99 || { test $$rc -ne 0 && test $$rc -ne 77; }; then \
	    echo "FAIL: $$t under valgrind (exit $$rc), see $$t.valgrind.log"; failed=1; \
	  fi; \
	done; exit $$failed
CLEANFILES += tests/cpu/*.valgrind.log

# gpu-bundle/: the test programs and the libraries they load, to carry to a GPU machine.
gpu-bundle: $(check_PROGRAMS) lib/librmm.la
	$(SHELL) $(top_srcdir)/tests/gpu-bundle.sh '$(top_builddir)' '$(TESTS)' $(check_PROGRAMS)
.PHONY: check-valgrind gpu-bundle

# The CPU test programs, for runs that want only them (the sanitizer stage of CI), and
# the bounded fuzz run, which sanitizers make worth most.
print-cpu-tests:
	@echo $(VALGRIND_TESTS) $(FUZZ_TESTS)
.PHONY: print-cpu-tests
EXTRA_DIST += tests/install-test.sh examples/hello.c .ci/deps
