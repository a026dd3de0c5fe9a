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
#include <rmm/binning.h>
#include <rmm/fixed_size.h>
#include <rmm/pool.h>
#include <rmm/expandable_pool.h>

/* adaptors */
#include <rmm/aligned.h>
#include <rmm/failure_callback.h>
#include <rmm/limiting.h>
#include <rmm/logging.h>
#include <rmm/prefetch.h>
#include <rmm/statistics.h>
#include <rmm/thread_safe.h>
#include <rmm/tracking.h>
#include <rmm/snapshot.h>

/* containers, streams and devices */
#include <rmm/device_buffer.h>
#include <rmm/device_uvector.h>
#include <rmm/device_scalar.h>
#include <rmm/stream_pool.h>
#include <rmm/stream_registry.h>
#include <rmm/device.h>

/* specs */
#include <rmm/spec.h>

/* frameworks */
#include <rmm/framework.h>


#endif
