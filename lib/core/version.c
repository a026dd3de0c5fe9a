#include "config.h"

#include <rmm/version.h>

RMM_API const char *rmm_version(void) { return PACKAGE_VERSION; }
