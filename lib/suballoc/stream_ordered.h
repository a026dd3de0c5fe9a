/*
 * The stream-ordered layer that pool and fixed_size share (DESIGN.md section 5;
 * doc/concurrency.md is the long form): chunks taken from an upstream, free blocks
 * kept per stream, the events that let one stream take another's blocks, the index
 * of blocks handed out, and every lock. A family (pool, fixed_size) supplies only a
 * "bag": how a set of free blocks is kept and searched (a best-fit free set, a stack).
 *
 * Locks, in the order they may be taken:
 *   so->lock      the pool-wide lock: the list table, the clean bag, the chunk table,
 *                 growth accounting. Taken only on slow paths.
 *   list->lock    one per stream list: its bag, pins and sealing flag. The fast path
 *                 takes this one lock, found through a per-thread cache.
 *   shard->lock   one of RMM__SO_SHARDS locks over the index of blocks handed out;
 *                 always taken last, and no other lock is taken while it is held.
 * No CUDA call, and no upstream call, is made while any of them is held.
 */
#ifndef RMM_SUBALLOC_STREAM_ORDERED_H
#define RMM_SUBALLOC_STREAM_ORDERED_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cuda.h"
#include "core/notes.h"
#include "core/resource.h"
#include "core/snapshot.h"
#include "core/streams.h"
#include "suballoc/ds/block_index.h"
#include "suballoc/ds/free_set.h"
#include "suballoc/vmm.h"

typedef struct rmm__so rmm__so_t;

/* Why a stream's list exists, which decides how another stream may take its blocks. */
typedef enum rmm__so_kind {
  RMM__SO_HOST,       /* any stream over a host-only upstream: no events */
  RMM__SO_DEFAULT,    /* NULL and RMM_STREAM_LEGACY, one list */
  RMM__SO_PER_THREAD, /* RMM_STREAM_PER_THREAD of one thread */
  RMM__SO_REGISTERED, /* a registered or stream-pool stream: event recorded when needed */
  RMM__SO_UNKNOWN,    /* any other stream, keyed by id: event recorded at every free */
  RMM__SO_RETIRED,    /* a registered stream since unregistered: its last event is recorded */
} rmm__so_kind_t;

/* One chunk of upstream memory; size 0 marks a free slot. */
typedef struct rmm__so_chunk {
  uintptr_t base;
  size_t size;
  rmm__heap_note_t note; /* the chunk as a sanitizer heap; NULL without a tool */
} rmm__so_chunk_t;

/*
 * How a family keeps free blocks. A bag is bag_size bytes, owned by the layer; every
 * operation is called with the lock that guards the bag held, and none may call CUDA.
 */
typedef struct rmm__so_family {
  const char *name; /* "pool": messages and the debug log */
  const char *noun; /* "pool": "was not allocated by this pool" */
  size_t bag_size;
  void (*bag_init)(void *bag);
  void (*bag_fini)(void *bag);
  bool (*bag_reserve)(void *bag, size_t extra); /* room for `extra` more puts */
  bool (*bag_take)(void *bag, size_t size, rmm__ds_free_block_t *out);
  void (*bag_put)(void *bag, rmm__ds_free_block_t block); /* after bag_reserve */
  bool (*bag_move_all)(void *dst, void *src);            /* false: what was not moved stays in src */
  size_t (*bag_count)(const void *bag);
  size_t (*bag_bytes)(const void *bag);
  size_t (*bag_largest)(const void *bag);
  /* Walks the bag: `*cursor` starts at 0. */
  bool (*bag_next)(const void *bag, uintptr_t *cursor, rmm__ds_free_block_t *out);
  /* Puts a new chunk's memory in the bag; false when host memory ran out (nothing changed). */
  bool (*bag_add_chunk)(const rmm__so_t *so, void *bag, uintptr_t base, size_t size, uint32_t chunk);
  /* Removes a chunk's memory from the bag when all of it is there; false (nothing changed) otherwise.
     Only for a range (the free tail it unmaps); optional. */
  bool (*bag_remove_chunk)(const rmm__so_t *so, void *bag, uintptr_t base, size_t size);
  /* Removes the memory of each of `count` chunks (size 0: an empty slot) that lies wholly in
     the bag, `removed[id]` telling which; false (nothing changed) when host memory ran out. */
  bool (*bag_remove_free_chunks)(const rmm__so_t *so, void *bag, const rmm__so_chunk_t *chunks, uint32_t count,
                                 bool *removed);
  /* The highest addressed block, for a range that grows and shrinks at its end; optional. */
  bool (*bag_last)(const void *bag, rmm__ds_free_block_t *out);
  /* How much to ask the upstream for when `size` bytes are missing and `room` may still be had. */
  size_t (*chunk_size)(const rmm__so_t *so, size_t size, size_t room);
  /* Sets the message of a request that cannot be served (the lock is not held). */
  rmm_status_t (*out_of_memory)(rmm__so_t *so, size_t bytes, rmm_status_t upstream_status);
} rmm__so_family_t;

typedef struct rmm__so_list {
  pthread_mutex_t lock; /* guards bag, pins and sealing */
  void *bag;
  uint64_t key;         /* the lookup key; changed only with so->lock and lock both held */
  rmm_stream_t stream;  /* the handle to record on, while the stream is known */
  uint64_t thread;      /* RMM_STREAM_PER_THREAD's list: the serial number of the owning thread; else 0 */
  rmm__so_kind_t kind;  /* changed only with both locks held */
  rmm_event_t event;    /* device lists: made with the list, kept for its whole life */
  bool event_void;      /* a retired list whose stream was synchronised instead: no wait needed */
  unsigned pins;        /* calls outside the lock that use stream or event: no retiring or reuse until 0 */
  bool sealing;         /* being retired: its blocks are not taken until its last event is recorded */
} rmm__so_list_t;

enum { RMM__SO_SHARDS = 64, RMM__SO_CHUNK_PAGE = 256, RMM__SO_CHUNK_PAGES = 1024 };

/* One part of the index of blocks handed out, on a cache line of its own. */
typedef struct rmm__so_shard {
  alignas(64) pthread_mutex_t lock;
  rmm__ds_block_index_t index;
} rmm__so_shard_t;

struct rmm__so {
  pthread_mutex_t lock;  /* the pool-wide lock: see the top of this file */
  pthread_cond_t grown;  /* signalled when a growth ends or stolen bags land */
  const rmm__so_family_t *family;
  rmm_resource_t *self;     /* the resource around the layer, for history and out-of-memory reports */
  int device_id;            /* the device the memory is on; -1 for host memory */
  rmm_resource_t *upstream; /* chunks come from here, */
  rmm__vmm_t *vmm;          /* or else the memory is this range's, one chunk that grows and shrinks at its end */
  bool device;           /* the memory is device accessible: events are used */
  uint64_t serial;       /* unique to this layer, for the per-thread list cache */
  size_t maximum;        /* 0: no limit */
  size_t reserved;       /* bytes held from the upstream, growths in flight included */
  bool growing;          /* one thread is asking the upstream; others wait on `grown` */
  size_t in_transit;     /* stolen bags not yet put back in a list: no growth until they are */
  uint64_t arrivals;     /* counts stolen bags put back and chunks added: a search older than the last is stale */
  void *clean;           /* blocks no stream has used since they were obtained or synchronised */
  rmm__so_list_t **lists; /* the live lists */
  size_t count, capacity;
  rmm__so_list_t **table; /* open addressing by key over `lists`; rebuilt when a list leaves */
  size_t table_capacity;
  rmm__so_list_t **spare; /* lists no stream uses: kept, since threads may still hold pointers to them */
  size_t spare_count, spare_capacity;
  void **parked;          /* bags stolen but not yet put back (host memory ran out); merged by trim */
  size_t parked_count, parked_capacity;
  uint64_t retired;       /* serial numbers of retired lists */
  rmm__so_chunk_t *chunk_pages[RMM__SO_CHUNK_PAGES];
  uint32_t chunk_slots;   /* slots ever used */
  size_t chunk_count;     /* live chunks */
  rmm_stream_listener_t listener;
  rmm_usage_t usage;
  rmm_reclaim_t reclaim;
  rmm__so_shard_t shards[RMM__SO_SHARDS];
};

/*
 * Builds a resource of `impl` around `so`, the first member of a zeroed state that the
 * caller allocated with malloc: sets the layer up over `upstream` (NULL: the current
 * device resource), takes the first `initial_size` bytes, and wraps it. On failure
 * the state is freed and the message says why.
 */
rmm_status_t rmm__so_create(rmm__so_t *so, const rmm__so_family_t *family, const rmm_impl_t *impl,
                            rmm_resource_t *upstream, size_t initial_size, size_t maximum_size,
                            rmm_resource_t **out);

/*
 * The same over a reserved range instead of an upstream (the expandable pool): the
 * resource owns `vmm` on success; on failure the state is freed and the caller still
 * owns `vmm`. `properties` are the range's memory's.
 */
rmm_status_t rmm__so_create_over_vmm(rmm__so_t *so, const rmm__so_family_t *family, const rmm_impl_t *impl,
                                     rmm__vmm_t *vmm, size_t initial_size, unsigned properties,
                                     rmm_resource_t **out);

/* Returns every chunk to the upstream (after the device finishes its work) and frees the state. */
void rmm__so_destroy(rmm__so_t *so);

/*
 * Hands out a block of `size` bytes (the family's rounding of `requested`) on `stream`:
 * the stream's own list, then the clean bag, another stream's list, every list merged,
 * a new chunk, and once under pressure a trim and a second growth.
 */
rmm_status_t rmm__so_allocate(rmm__so_t *so, void **ptr, size_t size, size_t requested, rmm_stream_t stream);

/*
 * Takes back a block of `size` bytes (the family's rounding) freed on `stream`. A
 * pointer this layer did not hand out, or one of another size, is refused and
 * changes nothing.
 */
rmm_status_t rmm__so_deallocate(rmm__so_t *so, void *ptr, size_t size, rmm_stream_t stream);

/* Returns every wholly free chunk to the upstream once the work that used it is done. */
rmm_status_t rmm__so_trim(rmm__so_t *so, size_t *released);

/* Fills in what the layer knows of itself. */
void rmm__so_get_stats(rmm__so_t *so, rmm_resource_stats_t *out);

/* The peak of bytes in use restarts from what is in use now. */
void rmm__so_reset_peak(rmm__so_t *so);

/*
 * Describes every chunk and block to a snapshot. Blocks that other threads are moving
 * at that moment (a stolen bag on its way, a free between the index and its list) may
 * be missing from it.
 */
void rmm__so_snapshot(rmm__so_t *so, rmm__snapshot_t *snap);

/* The bytes held from the upstream (rmm_pool_size). */
size_t rmm__so_reserved(rmm__so_t *so);

#endif
