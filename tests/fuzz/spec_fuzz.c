/*
 * Fuzz target: resource specs (rmm_resource_from_spec_options, with every leaf one
 * simulated resource so that no GPU is needed) and the exact size parser under them.
 * Invariants: a failure leaves *out NULL and a message with a column; a success builds
 * a resource that releases cleanly; an accepted size reads back as itself.
 */
#include <inttypes.h>
#include <string.h>

#include <rmm/rmm.h>

#include "fuzz/driver.h"
#include "spec/size.h"

#ifndef RMM_LIBFUZZER
const char *const fuzz_tokens[] = {"(",   ")",     ",",    "=",      "%",     ".",         "pool",      "arena",
                                   "cuda", "host", "binning", "limiting", "aligned", "fixed_size", "statistics",
                                   "KiB", "GB",    "TiB",  "18446744073709551615", "100%", "initial=", NULL};
#endif

/* Sizes: whatever parses as bytes prints back to the same bytes. */
static void check_size(const char *text)
{
  rmm_size_t size;
  const char *why = NULL;
  if (!rmm__size_parse(text, &size, &why)) {
    FUZZ_CHECK(why != NULL && why[0] != '\0', "no reason for refusing '%s'", text);
    return;
  }
  if (size.is_percent) {
    FUZZ_CHECK(size.percent >= 0 && size.percent <= 100, "'%s' is %g%%", text, size.percent);
    FUZZ_CHECK(rmm__size_percent_of(text, SIZE_MAX) <= SIZE_MAX, "share of '%s'", text);
    return;
  }
  char again[32];
  snprintf(again, sizeof again, "%zu", size.bytes);
  rmm_size_t back;
  FUZZ_CHECK(rmm__size_parse(again, &back, &why) && back.bytes == size.bytes, "'%s' read back as %s", text, again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  check_size(text);
  /* The logging adaptor would create files named by the input. */
  if (strstr(text, "logging") != NULL) {
    free(text);
    return 0;
  }
  rmm_resource_t *sim = NULL;
  if (rmm_simulated_create((size_t)1 << 40, &sim) != RMM_SUCCESS) {
    free(text);
    return 0;
  }
  rmm_spec_options_t options = RMM_SPEC_OPTIONS_INIT;
  options.leaf = sim;
  options.percent_base = (size_t)1 << 40;
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  rmm_status_t status = rmm_resource_from_spec_options(text, &options, &mr);
  if (status == RMM_SUCCESS) {
    FUZZ_CHECK(mr != NULL, "success without a resource for '%s'", text);
    void *ptr = NULL;
    if (rmm_allocate(mr, &ptr, 4096, NULL) == RMM_SUCCESS)
      FUZZ_CHECK(rmm_deallocate(mr, ptr, 4096, NULL) == RMM_SUCCESS, "free failed: %s", rmm_last_error_message());
    rmm_resource_release(mr);
  } else {
    FUZZ_CHECK(mr == NULL, "a failure left a resource for '%s'", text);
    FUZZ_CHECK(rmm_last_error_message()[0] != '\0', "a failure without a message for '%s'", text);
    FUZZ_CHECK(strlen(rmm_status_string(status)) > 0 && strcmp(rmm_status_string(status), "unknown status") != 0,
               "status %d", (int)status);
  }
  rmm_resource_release(sim);
  free(text);
  return 0;
}
