/*
 * The public face of the stream registry; the set itself lives in core (core/streams.c)
 * so that the sub-allocators can read it.
 */
#include "config.h"

#include <rmm/stream_registry.h>

#include "core/error.h"
#include "core/streams.h"

static bool is_default(rmm_stream_t stream)
{
  return stream == RMM_STREAM_DEFAULT || stream == RMM_STREAM_LEGACY || stream == RMM_STREAM_PER_THREAD;
}

RMM_API rmm_status_t rmm_stream_register(rmm_stream_t stream)
{
  if (is_default(stream))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_stream_register: %p is a default stream, known already",
                     (void *)stream);
  return rmm__stream_registry_add(stream);
}

RMM_API rmm_status_t rmm_stream_unregister(rmm_stream_t stream)
{
  if (is_default(stream))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_stream_unregister: %p is a default stream", (void *)stream);
  return rmm__stream_registry_remove(stream);
}
