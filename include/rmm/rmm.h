/**
 * @file rmm/rmm.h
 * @brief librmm, the RAPIDS Memory Manager for C: include this one header.
 */
#ifndef RMM_RMM_H
#define RMM_RMM_H

#include <rmm/common.h>
#include <rmm/version.h>
#include <rmm/log.h>
#include <rmm/resource.h>
#include <rmm/memory.h>
#include <rmm/per_device.h>

/* sub-allocators */
#include <rmm/arena.h>

/* adaptors */

/* containers, streams and devices */

/* specs */


#endif
