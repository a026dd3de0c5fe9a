/*
 * The stream-ordered layer: per-stream lists found through a per-thread cache, a
 * clean bag shared by all streams, chunk bookkeeping, the sharded block index, and
 * the event protocol of DESIGN.md section 5. doc/concurrency.md explains the design.
 */
#include "config.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/construct.h"
#include "core/error.h"
#include "core/history.h"
#include "core/log.h"
#include "suballoc/stream_ordered.h"

/*
 * Keys: a handle as it is (user-space pointers leave the top bits clear), or a
 * per-thread stream's thread serial, an unknown stream's id, a retired list's serial,
 * each with its own tag in the top two bits, so that no two kinds can collide.
 * DEAD marks a list kept for reuse: nothing looks it up.
 */
#define TAG_THREAD ((uint64_t)1 << 62)
#define TAG_ID ((uint64_t)2 << 62)
#define TAG_RETIRED ((uint64_t)3 << 62)
#define KEY_DEAD UINT64_MAX

/* Serial numbers of threads and layers, never reused. */
static atomic_uint_fast64_t next_thread = 1;
static atomic_uint_fast64_t next_layer = 1;
static _Thread_local uint64_t this_thread;

static uint64_t thread_serial(void)
{
  if (this_thread == 0)
    this_thread = atomic_fetch_add_explicit(&next_thread, 1, memory_order_relaxed);
  return this_thread;
}

/* ---- the per-thread cache of lists ----
 * A hit skips the pool-wide lock. Lists live as long as their layer, so a stale entry
 * is harmless: the list's key, read under its lock, tells whether it is still the
 * stream's. The layer's serial tells layers that reuse an address apart. */

enum { CACHE_SLOTS = 8 };

typedef struct cache_entry {
  uint64_t layer;
  uint64_t key;
  rmm__so_list_t *list;
} cache_entry_t;

static _Thread_local cache_entry_t list_cache[CACHE_SLOTS];

static cache_entry_t *cache_slot(uint64_t layer, uint64_t key)
{
  uint64_t h = (key ^ (layer * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  return &list_cache[h >> 61];
}

/* ---- the list table (so->lock held) ---- */

static size_t slot_of(const rmm__so_t *so, uint64_t key)
{
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (so->table_capacity - 1);
}

static rmm__so_list_t *lookup(const rmm__so_t *so, uint64_t key)
{
  if (so->table_capacity == 0)
    return NULL;
  for (size_t i = slot_of(so, key);; i = (i + 1) & (so->table_capacity - 1)) {
    rmm__so_list_t *list = so->table[i];
    if (list == NULL || list->key == key)
      return list;
  }
}

static void table_put(rmm__so_t *so, rmm__so_list_t *list)
{
  size_t i = slot_of(so, list->key);
  while (so->table[i] != NULL)
    i = (i + 1) & (so->table_capacity - 1);
  so->table[i] = list;
}

static void table_refill(rmm__so_t *so)
{
  memset(so->table, 0, so->table_capacity * sizeof *so->table);
  for (size_t i = 0; i < so->count; i++)
    table_put(so, so->lists[i]);
}

/* Grows `*array` (of pointers) to hold one more than `count`. */
static bool array_room(void *array, size_t count, size_t *capacity)
{
  void ***items = array;
  if (count < *capacity)
    return true;
  size_t grown = *capacity != 0 ? 2 * *capacity : 8;
  void **resized = realloc(*items, grown * sizeof *resized);
  if (resized == NULL)
    return false;
  *items = resized;
  *capacity = grown;
  return true;
}

/* Room for one more live list in the array and the table. */
static bool make_room(rmm__so_t *so)
{
  if (!array_room(&so->lists, so->count, &so->capacity) ||
      !array_room(&so->spare, so->spare_count + so->count, &so->spare_capacity))
    return false;
  if (2 * (so->count + 1) <= so->table_capacity)
    return true;
  size_t capacity = so->table_capacity != 0 ? 2 * so->table_capacity : 16;
  rmm__so_list_t **table = calloc(capacity, sizeof *table);
  if (table == NULL)
    return false;
  free(so->table);
  so->table = table;
  so->table_capacity = capacity;
  table_refill(so);
  return true;
}

/* Takes a live list out of the array and the table; so->lock and its lock held. */
static void unlink_list(rmm__so_t *so, rmm__so_list_t *list)
{
  size_t i = 0;
  while (so->lists[i] != list)
    i++;
  so->lists[i] = so->lists[--so->count];
  table_refill(so);
}

/*
 * Keeps an empty list whose stream may be gone (an unknown or retired stream's,
 * another thread's per-thread stream's) for reuse, so that lists of destroyed
 * streams and exited threads do not pile up. so->lock and its lock held.
 */
static void retire_if_dead(rmm__so_t *so, rmm__so_list_t *list)
{
  bool dead = list->kind == RMM__SO_UNKNOWN || list->kind == RMM__SO_RETIRED ||
              (list->thread != 0 && list->thread != thread_serial());
  if (!dead || list->key == KEY_DEAD || list->pins != 0 || list->sealing ||
      so->family->bag_count(list->bag) != 0)
    return;
  unlink_list(so, list);
  list->key = KEY_DEAD;
  /* make_room kept the spare array large enough for every list. */
  so->spare[so->spare_count++] = list;
}

/* ---- streams: classifying, finding and making lists ---- */

/* The key and kind under which `stream` is looked up, before any CUDA call. */
static rmm__so_kind_t classify(const rmm__so_t *so, rmm_stream_t stream, uint64_t *key)
{
  if (stream == RMM_STREAM_PER_THREAD) {
    *key = TAG_THREAD | thread_serial();
    return so->device ? RMM__SO_PER_THREAD : RMM__SO_HOST;
  }
  if (stream == RMM_STREAM_LEGACY)
    stream = RMM_STREAM_DEFAULT;
  *key = (uint64_t)(uintptr_t)stream;
  if (!so->device)
    return RMM__SO_HOST;
  return stream == RMM_STREAM_DEFAULT ? RMM__SO_DEFAULT : RMM__SO_REGISTERED;
}

/* The cached list of `key`, locked, or NULL. */
static rmm__so_list_t *cached_list(rmm__so_t *so, uint64_t key)
{
  cache_entry_t *entry = cache_slot(so->serial, key);
  if (entry->layer != so->serial || entry->key != key)
    return NULL;
  rmm__so_list_t *list = entry->list;
  pthread_mutex_lock(&list->lock);
  if (list->key == key)
    return list;
  pthread_mutex_unlock(&list->lock);
  return NULL;
}

static void cache_put(rmm__so_t *so, uint64_t key, rmm__so_list_t *list)
{
  *cache_slot(so->serial, key) = (cache_entry_t){so->serial, key, list};
}

/* The live list of `key`, locked, or NULL; so->lock held. */
static rmm__so_list_t *table_list(rmm__so_t *so, uint64_t key)
{
  rmm__so_list_t *list = lookup(so, key);
  if (list != NULL) {
    pthread_mutex_lock(&list->lock);
    cache_put(so, key, list);
  }
  return list;
}

/* A spare list, or a new one; so->lock held. */
static rmm__so_list_t *take_spare(rmm__so_t *so)
{
  if (so->spare_count != 0)
    return so->spare[--so->spare_count];
  rmm__so_list_t *list = calloc(1, sizeof *list);
  void *bag = malloc(so->family->bag_size);
  if (list == NULL || bag == NULL || rmm__mutex_init(so->family->name, &list->lock) != RMM_SUCCESS) {
    free(list);
    free(bag);
    return NULL;
  }
  so->family->bag_init(bag);
  list->bag = bag;
  return list;
}

/*
 * Makes the list of `key`, returned locked. An unknown stream's list needs its event
 * at once (at its first free): that event is made beforehand with no lock held, and
 * destroyed again if another thread made the list first. Known streams' lists make
 * theirs only when another stream first takes their blocks, so that their same-stream
 * path never calls CUDA.
 */
static rmm_status_t new_list(rmm__so_t *so, rmm_stream_t stream, uint64_t key, rmm__so_kind_t kind,
                             rmm__so_list_t **out)
{
  rmm_event_t event = NULL;
  if (kind == RMM__SO_UNKNOWN) {
    rmm_status_t status = rmm__cuda_event_create(&event);
    if (status != RMM_SUCCESS)
      return status;
  }
  pthread_mutex_lock(&so->lock);
  rmm__so_list_t *list = table_list(so, key);
  if (list != NULL) {
    pthread_mutex_unlock(&so->lock);
    if (event != NULL)
      rmm__cuda_event_destroy(event);
    *out = list;
    return RMM_SUCCESS;
  }
  list = make_room(so) ? take_spare(so) : NULL;
  if (list == NULL) {
    pthread_mutex_unlock(&so->lock);
    if (event != NULL)
      rmm__cuda_event_destroy(event);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the free list of stream %p", so->family->name,
                     (void *)stream);
  }
  pthread_mutex_lock(&list->lock);
  /* A reused list keeps its event; the new one is not needed then. */
  if (list->event == NULL) {
    list->event = event;
    event = NULL;
  }
  list->key = key;
  list->kind = kind;
  list->stream = stream == RMM_STREAM_LEGACY ? RMM_STREAM_DEFAULT : stream;
  list->thread = stream == RMM_STREAM_PER_THREAD ? thread_serial() : 0;
  list->event_void = false;
  so->lists[so->count++] = list;
  table_put(so, list);
  cache_put(so, key, list);
  pthread_mutex_unlock(&so->lock);
  if (event != NULL)
    rmm__cuda_event_destroy(event);
  *out = list;
  return RMM_SUCCESS;
}

/* The list of `key`, locked: the cache, then the table. NULL when there is none. */
static rmm__so_list_t *find_list(rmm__so_t *so, uint64_t key)
{
  rmm__so_list_t *list = cached_list(so, key);
  if (list != NULL)
    return list;
  pthread_mutex_lock(&so->lock);
  list = table_list(so, key);
  pthread_mutex_unlock(&so->lock);
  return list;
}

/*
 * The list of `stream`, locked, made on first use. A handle found in the table was
 * known when its list was made, and is until unregistered; any other handle is asked
 * the registry, then keyed by the stream's id.
 */
static rmm_status_t acquire_list(rmm__so_t *so, rmm_stream_t stream, rmm__so_list_t **out)
{
  uint64_t key;
  rmm__so_kind_t kind = classify(so, stream, &key);
  *out = find_list(so, key);
  if (*out != NULL)
    return RMM_SUCCESS;
  if (kind == RMM__SO_REGISTERED && !rmm__stream_is_registered(stream)) {
    uint64_t id;
    rmm_status_t status = rmm__cuda_stream_id(stream, &id);
    if (status != RMM_SUCCESS)
      return status;
    kind = RMM__SO_UNKNOWN;
    key = TAG_ID | (id & ~TAG_RETIRED);
    *out = find_list(so, key);
    if (*out != NULL)
      return RMM_SUCCESS;
  }
  return new_list(so, stream, key, kind, out);
}

/*
 * A stolen bag, with what the thief needs to know of its donor, read when it was
 * stolen: the donor is pinned, but may be retired while the thief waits.
 */
typedef struct loot {
  rmm__so_list_t *from; /* pinned; NULL for the clean bag or a parked one */
  void *bag;
  bool parked;          /* a parked bag: safe only once the device is idle */
  rmm__so_kind_t kind;
  rmm_stream_t stream;
  uint64_t thread;
  bool event_void;
} loot_t;

/* ---- events ---- */

/* `list`'s event, made on first use; no lock held, the list pinned or sealed. */
static rmm_status_t list_event(rmm__so_list_t *list, rmm_event_t *out)
{
  pthread_mutex_lock(&list->lock);
  rmm_event_t event = list->event;
  pthread_mutex_unlock(&list->lock);
  if (event == NULL) {
    rmm_status_t status = rmm__cuda_event_create(&event);
    if (status != RMM_SUCCESS)
      return status;
    pthread_mutex_lock(&list->lock);
    rmm_event_t extra = NULL;
    if (list->event == NULL)
      list->event = event;
    else
      extra = event, event = list->event;
    pthread_mutex_unlock(&list->lock);
    if (extra != NULL)
      rmm__cuda_event_destroy(extra);
  }
  *out = event;
  return RMM_SUCCESS;
}

/*
 * Makes `stream` wait for the work that used a stolen bag's blocks, or (to_host) makes
 * the host wait for it. No lock held; the donor is pinned, so its stream and event
 * stay valid.
 */
static rmm_status_t wait_for(const loot_t *loot, rmm_stream_t stream, bool to_host)
{
  if (loot->kind == RMM__SO_HOST || (loot->kind == RMM__SO_RETIRED && loot->event_void))
    return RMM_SUCCESS;
  /* Another thread's per-thread stream cannot be named from here: wait for the device. */
  if (loot->kind == RMM__SO_PER_THREAD && loot->thread != thread_serial())
    return rmm__cuda_device_synchronize();
  rmm_event_t event;
  rmm_status_t status = list_event(loot->from, &event);
  /* Known streams record now, covering every free so far; the others recorded at each free. */
  if (status == RMM_SUCCESS && loot->kind == RMM__SO_PER_THREAD)
    status = rmm__cuda_event_record(event, RMM_STREAM_PER_THREAD);
  else if (status == RMM_SUCCESS && (loot->kind == RMM__SO_DEFAULT || loot->kind == RMM__SO_REGISTERED))
    status = rmm__cuda_event_record(event, loot->stream);
  if (status != RMM_SUCCESS)
    return status;
  return to_host ? rmm__cuda_event_synchronize(event) : rmm__cuda_stream_wait_event(stream, event);
}

/*
 * Records `list`'s event on its stream before blocks are put in it, for lists whose
 * stream may vanish (unknown streams): the event then covers the work that used
 * them. Called with the list locked; the lock is dropped around the CUDA call, the
 * list pinned meanwhile.
 */
static rmm_status_t record_before_put(rmm__so_list_t *list)
{
  if (list->kind != RMM__SO_UNKNOWN)
    return RMM_SUCCESS;
  list->pins++;
  rmm_event_t event = list->event;
  rmm_stream_t stream = list->stream;
  pthread_mutex_unlock(&list->lock);
  rmm_status_t status = rmm__cuda_event_record(event, stream);
  pthread_mutex_lock(&list->lock);
  list->pins--;
  return status;
}

/* ---- bags ---- */

static void *new_bag(const rmm__so_family_t *family)
{
  void *bag = malloc(family->bag_size);
  if (bag != NULL)
    family->bag_init(bag);
  return bag;
}

static void free_bag(const rmm__so_family_t *family, void *bag)
{
  if (bag == NULL)
    return;
  family->bag_fini(bag);
  free(bag);
}

/* Parks a bag that could not be put back; so->lock held. False: host memory ran out too. */
static bool park(rmm__so_t *so, void *bag)
{
  if (!array_room(&so->parked, so->parked_count, &so->parked_capacity))
    return false;
  so->parked[so->parked_count++] = bag;
  return true;
}

/*
 * Moves `stolen`'s blocks into `into` and frees the emptied bag. False when host
 * memory ran out: the blocks not moved stay in `stolen`, which the caller parks.
 */
static bool pour(const rmm__so_family_t *family, void *into, void *stolen)
{
  if (!family->bag_move_all(into, stolen))
    return false;
  free_bag(family, stolen);
  return true;
}

/* Parks what could not be poured; so->lock held. Blocks are never lost, only kept aside. */
static void park_rest(rmm__so_t *so, void *bag)
{
  if (!park(so, bag))
    RMM_LOG(RMM_LOG_ERROR, "%s: no host memory to keep %zu free blocks; they stay unused until destruction",
            so->family->name, so->family->bag_count(bag));
}

/* ---- stealing other streams' blocks ---- */


/* Takes `list`'s bag, leaving an empty one; so->lock and the list's lock held. */
static bool steal_bag(rmm__so_t *so, rmm__so_list_t *list, loot_t *out)
{
  void *empty = new_bag(so->family);
  if (empty == NULL)
    return false;
  *out = (loot_t){list, list->bag, false, list->kind, list->stream, list->thread, list->event_void};
  list->bag = empty;
  list->pins++;
  so->in_transit++;
  return true;
}

/* Whether another stream may take `list`'s blocks now; its lock held. */
static bool stealable(const rmm__so_t *so, const rmm__so_list_t *list)
{
  return !list->sealing && so->family->bag_count(list->bag) != 0;
}

/*
 * Once stolen bags have landed: unpins their donors, keeps emptied lists of dead streams
 * for reuse, and wakes threads that wait to grow until no memory is in transit.
 */
static void release_loot(rmm__so_t *so, loot_t *loot, size_t count)
{
  pthread_mutex_lock(&so->lock);
  so->in_transit -= count;
  so->arrivals++;
  pthread_cond_broadcast(&so->grown);
  for (size_t i = 0; i < count; i++) {
    rmm__so_list_t *list = loot[i].from;
    if (list == NULL)
      continue;
    pthread_mutex_lock(&list->lock);
    list->pins--;
    retire_if_dead(so, list);
    pthread_mutex_unlock(&list->lock);
  }
  pthread_mutex_unlock(&so->lock);
}

/* Pours stolen bags back where they came from after `stream` could not wait for them. */
static void give_back(rmm__so_t *so, loot_t *loot, size_t count)
{
  pthread_mutex_lock(&so->lock);
  for (size_t i = 0; i < count; i++) {
    rmm__so_list_t *from = loot[i].from;
    bool poured;
    if (from == NULL) {
      poured = pour(so->family, so->clean, loot[i].bag);
    } else {
      pthread_mutex_lock(&from->lock);
      poured = pour(so->family, from->bag, loot[i].bag);
      pthread_mutex_unlock(&from->lock);
    }
    if (!poured)
      park_rest(so, loot[i].bag);
  }
  pthread_mutex_unlock(&so->lock);
}

/*
 * Moves stolen bags into `stream`'s own list once the stream waits for their work,
 * and takes a block of `size` from it under the same lock, so that no other thief
 * can take the merged blocks first. When that list records an event at every free
 * (an unknown stream's), it records again after the waits, so that a third stream
 * taking these blocks from it later waits for the donors' work too (rmm#2489).
 */
static rmm_status_t adopt(rmm__so_t *so, rmm_stream_t stream, loot_t *loot, size_t count, size_t size,
                          rmm__ds_free_block_t *block, bool *found)
{
  rmm_status_t status = RMM_SUCCESS;
  for (size_t i = 0; i < count && status == RMM_SUCCESS; i++)
    if (loot[i].from != NULL)
      status = wait_for(&loot[i], stream, false);
  rmm__so_list_t *own = NULL;
  if (status == RMM_SUCCESS)
    status = acquire_list(so, stream, &own);
  if (status == RMM_SUCCESS)
    status = record_before_put(own);
  if (status != RMM_SUCCESS) {
    if (own != NULL)
      pthread_mutex_unlock(&own->lock);
    give_back(so, loot, count);
    release_loot(so, loot, count);
    return status;
  }
  size_t left = 0;
  for (size_t i = 0; i < count; i++)
    if (!pour(so->family, own->bag, loot[i].bag))
      loot[left++].bag = loot[i].bag;
  *found = so->family->bag_take(own->bag, size, block);
  pthread_mutex_unlock(&own->lock);
  if (left != 0) {
    pthread_mutex_lock(&so->lock);
    for (size_t i = 0; i < left; i++)
      park_rest(so, loot[i].bag);
    pthread_mutex_unlock(&so->lock);
  }
  release_loot(so, loot, count);
  return RMM_SUCCESS;
}

/*
 * Where a thief starts its search: at the list after its own (the first list when it
 * has none yet). When every thief started at the first list, the first streams lost
 * their large blocks first, their owners then stole in turn, and thefts cascaded: on an
 * H100 with 16 threads, 22,000 to 52,000 thefts per run instead of about 12,000, with
 * threads queued on so->lock behind them. so->lock held.
 */
static size_t first_donor(const rmm__so_t *so, uint64_t own_key)
{
  for (size_t i = 0; i < so->count; i++)
    if (so->lists[i]->key == own_key)
      return i + 1;
  return 0;
}

/*
 * Takes a block of `size` from one other stream's list that holds one (RMM's order: one
 * fitting list before merging all). Only that block moves: when whole lists moved,
 * streams that ran short took them back and forth, each move pouring every block. The
 * donor is pinned until its work is waited for. Another thread's per-thread stream
 * cannot be named, so the wait for it is a device synchronisation: from such a list the
 * whole bag is taken (*whole), so that one synchronisation pays for all its blocks.
 */
static bool steal_fitting(rmm__so_t *so, uint64_t own_key, size_t size, loot_t *out, rmm__ds_free_block_t *block,
                          bool *whole)
{
  bool found = false;
  pthread_mutex_lock(&so->lock);
  size_t start = first_donor(so, own_key);
  for (size_t n = 0; n < so->count && !found; n++) {
    rmm__so_list_t *list = so->lists[(start + n) % so->count];
    if (list->key == own_key)
      continue;
    pthread_mutex_lock(&list->lock);
    if (stealable(so, list) && so->family->bag_largest(list->bag) >= size) {
      *whole = list->kind == RMM__SO_PER_THREAD && list->thread != thread_serial();
      if (*whole) {
        found = steal_bag(so, list, out);
      } else if (so->family->bag_take(list->bag, size, block)) {
        *out = (loot_t){list, NULL, false, list->kind, list->stream, list->thread, list->event_void};
        list->pins++;
        found = true;
      }
    }
    pthread_mutex_unlock(&list->lock);
  }
  pthread_mutex_unlock(&so->lock);
  return found;
}

/*
 * Makes `stream` wait for the donor's work on one stolen block, then unpins the donor.
 * When the wait cannot be enqueued the block goes back to the donor's list.
 */
static rmm_status_t claim_block(rmm__so_t *so, rmm_stream_t stream, const loot_t *loot,
                                const rmm__ds_free_block_t *block, bool *found)
{
  rmm_status_t status = wait_for(loot, stream, false);
  rmm__so_list_t *donor = loot->from;
  pthread_mutex_lock(&so->lock);
  pthread_mutex_lock(&donor->lock);
  if (status != RMM_SUCCESS) {
    /* It left this bag a moment ago, so there is room for it there. */
    if (so->family->bag_reserve(donor->bag, 1))
      so->family->bag_put(donor->bag, *block);
    else
      RMM_LOG(RMM_LOG_ERROR, "%s: no host memory to keep a free block of %zu bytes; it stays unused until destruction",
              so->family->name, block->size);
  }
  donor->pins--;
  retire_if_dead(so, donor);
  pthread_mutex_unlock(&donor->lock);
  pthread_mutex_unlock(&so->lock);
  *found = status == RMM_SUCCESS;
  return status;
}

/*
 * Steals every list's bag but `own_key`'s (all when own_key is KEY_DEAD), plus the
 * clean and parked bags when `with_clean`, and keeps empty lists of dead streams for
 * reuse on the way. The array is the caller's to free.
 */
static rmm_status_t steal_all(rmm__so_t *so, uint64_t own_key, bool with_clean, loot_t **out, size_t *count)
{
  *count = 0;
  pthread_mutex_lock(&so->lock);
  loot_t *loot = malloc((so->count + so->parked_count + 1) * sizeof *loot);
  if (loot == NULL) {
    pthread_mutex_unlock(&so->lock);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to merge the free lists", so->family->name);
  }
  /* Backwards: retiring a list moves the last one into its place. */
  for (size_t i = so->count; i-- > 0;) {
    rmm__so_list_t *list = so->lists[i];
    if (list->key == own_key)
      continue;
    pthread_mutex_lock(&list->lock);
    if (stealable(so, list) && steal_bag(so, list, &loot[*count]))
      ++*count;
    else
      retire_if_dead(so, list);
    pthread_mutex_unlock(&list->lock);
  }
  if (with_clean) {
    void *empty = so->family->bag_count(so->clean) != 0 ? new_bag(so->family) : NULL;
    if (empty != NULL) {
      loot[(*count)++] = (loot_t){.bag = so->clean};
      so->clean = empty;
      so->in_transit++;
    }
    for (size_t i = 0; i < so->parked_count; i++)
      loot[(*count)++] = (loot_t){.bag = so->parked[i], .parked = true};
    so->in_transit += so->parked_count;
    so->parked_count = 0;
  }
  pthread_mutex_unlock(&so->lock);
  *out = loot;
  return RMM_SUCCESS;
}

/* ---- chunks (so->lock held) ---- */

static rmm__so_chunk_t *chunk_at(const rmm__so_t *so, uint32_t id)
{
  return &so->chunk_pages[id / RMM__SO_CHUNK_PAGE][id % RMM__SO_CHUNK_PAGE];
}

/* A free chunk slot, or UINT32_MAX when none can be had. */
static uint32_t chunk_slot(rmm__so_t *so)
{
  for (uint32_t id = 0; id < so->chunk_slots; id++)
    if (chunk_at(so, id)->size == 0)
      return id;
  uint32_t id = so->chunk_slots;
  if (id == (uint32_t)RMM__SO_CHUNK_PAGE * RMM__SO_CHUNK_PAGES)
    return UINT32_MAX;
  rmm__so_chunk_t **page = &so->chunk_pages[id / RMM__SO_CHUNK_PAGE];
  if (*page == NULL && (*page = calloc(RMM__SO_CHUNK_PAGE, sizeof **page)) == NULL)
    return UINT32_MAX;
  so->chunk_slots++;
  return id;
}

/* Records a chunk and puts its memory in `bag`; false (nothing changed) when host memory ran out. */
static bool add_chunk(rmm__so_t *so, void *bag, uintptr_t base, size_t size)
{
  uint32_t id = chunk_slot(so);
  if (id == UINT32_MAX || !so->family->bag_add_chunk(so, bag, base, size, id))
    return false;
  rmm__heap_note_t note = so->device ? rmm__note_heap_add((void *)base, size) : NULL;
  *chunk_at(so, id) = (rmm__so_chunk_t){base, size, note};
  so->chunk_count++;
  rmm__history_add(RMM__HISTORY_GROW, so->self, (void *)base, size, NULL);
  return true;
}

/* ---- growth ---- */

static size_t room(const rmm__so_t *so)
{
  if (so->vmm != NULL)
    return rmm__vmm_reserved(so->vmm) - so->reserved;
  return so->maximum != 0 ? so->maximum - so->reserved : SIZE_MAX;
}

/*
 * The free block in the clean bag that ends where the mapped range ends, if any;
 * so->lock held. so->reserved is the mapped size, kept under the lock: the range itself
 * is changed only by the thread that holds the `growing` flag, with no lock held.
 */
static size_t free_tail(const rmm__so_t *so, rmm__ds_free_block_t *tail)
{
  uintptr_t end = rmm__vmm_base(so->vmm) + so->reserved;
  if (!so->family->bag_last(so->clean, tail) || tail->addr + tail->size != end)
    return 0;
  return tail->size;
}

/*
 * How much to map for `size` bytes: what the request lacks beyond the free tail, but
 * at least 1/64 of what is mapped (between 2 and 64 MiB), so that the footprint stays
 * within a few percent of the peak in few steps, and small requests on two streams
 * find clean memory instead of taking each other's blocks. so->lock held.
 */
static size_t range_step(const rmm__so_t *so, size_t size)
{
  const size_t least = (size_t)2 << 20, most = (size_t)64 << 20;
  rmm__ds_free_block_t tail;
  size_t tail_size = free_tail(so, &tail);
  size_t missing = size > tail_size ? size - tail_size : 0;
  size_t step = so->reserved / 64;
  step = step < least ? least : step > most ? most : step;
  if (step < missing)
    step = missing;
  return step > room(so) ? missing : step;
}

/* Puts `added` newly mapped bytes at `end` in the clean bag, where they join the free tail; so->lock held. */
static bool add_mapped(rmm__so_t *so, uintptr_t end, size_t added)
{
  if (!so->family->bag_reserve(so->clean, 1))
    return false;
  so->family->bag_put(so->clean, (rmm__ds_free_block_t){end, added, 0});
  chunk_at(so, 0)->size += added;
  so->reserved += added;
  so->arrivals++;
  rmm__history_add(RMM__HISTORY_GROW, so->self, (void *)end, added, NULL);
  return true;
}

/*
 * Maps more of the range at its end, into the clean bag (mapping is ordered on no
 * stream), and takes the block there. Called with so->lock held and the `growing`
 * flag set by this thread; the lock is dropped around the driver's calls.
 */
static rmm_status_t grow_range(rmm__so_t *so, size_t size, rmm__ds_free_block_t *block, bool *found)
{
  /* A thread past its patience comes here without searching again, and others may have mapped enough meanwhile. */
  *found = so->family->bag_take(so->clean, size, block);
  if (*found)
    return RMM_SUCCESS;
  size_t step = range_step(so, size), added;
  uintptr_t end = rmm__vmm_base(so->vmm) + so->reserved;
  pthread_mutex_unlock(&so->lock);
  rmm_status_t status = rmm__vmm_grow(so->vmm, step, &added);
  pthread_mutex_lock(&so->lock);
  if (status != RMM_SUCCESS)
    return status;
  if (!add_mapped(so, end, added)) {
    pthread_mutex_unlock(&so->lock);
    (void)rmm__vmm_shrink(so->vmm, added);
    pthread_mutex_lock(&so->lock);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to record the grown range", so->family->name);
  }
  *found = so->family->bag_take(so->clean, size, block);
  char text[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "%s: mapped %s more at %p", so->family->name, rmm__format_bytes(added, text), (void *)end);
  return RMM_SUCCESS;
}

/*
 * Asks the upstream for a chunk that holds `size`, with no lock held: first the
 * family's choice, then halving down to `size` while the upstream is out of memory.
 * One thread grows at a time, and only when no stolen memory has moved between lists
 * since its search began; the others wait and search again (success, nothing found),
 * so threads that miss together grow the pool once (DALI#3258), and a miss that only
 * saw memory in transit does not double the pool. The grower
 * takes its block before anyone can steal the chunk. `at_maximum`: the maximum, not
 * the upstream, left no room. The chunk goes to `stream`'s own list,
 * since a stream-ordered upstream hands it out ordered on that stream.
 */
static rmm_status_t grow(rmm__so_t *so, size_t size, rmm_stream_t stream, uint64_t searched, bool patient,
                         rmm__ds_free_block_t *block, bool *found, bool *at_maximum)
{
  *at_maximum = false;
  *found = false;
  pthread_mutex_lock(&so->lock);
  /*
   * Memory that other threads are moving between lists, or that moved or arrived since
   * this thread's search began, may be enough: search again once it lands. `patient` is false after
   * a few such rounds, so that constant traffic cannot keep a needed growth away.
   */
  bool stale = patient && (so->in_transit != 0 || so->arrivals != searched);
  if (so->growing || stale) {
    while (so->growing || (patient && so->in_transit != 0))
      pthread_cond_wait(&so->grown, &so->lock);
    pthread_mutex_unlock(&so->lock);
    return RMM_SUCCESS;
  }
  if (so->vmm != NULL) {
    *at_maximum = size > room(so);
    if (*at_maximum) {
      pthread_mutex_unlock(&so->lock);
      return RMM_ERROR_OUT_OF_MEMORY;
    }
    so->growing = true;
    rmm_status_t status = grow_range(so, size, block, found);
    so->growing = false;
    pthread_cond_broadcast(&so->grown);
    pthread_mutex_unlock(&so->lock);
    return status;
  }
  if (size > room(so)) {
    pthread_mutex_unlock(&so->lock);
    *at_maximum = true;
    return RMM_ERROR_OUT_OF_MEMORY;
  }
  size_t want = so->family->chunk_size(so, size, room(so));
  so->growing = true;
  so->reserved += want;
  pthread_mutex_unlock(&so->lock);

  void *base = NULL;
  rmm_status_t status;
  for (;;) {
    status = rmm_allocate(so->upstream, &base, want, stream);
    if (status != RMM_ERROR_OUT_OF_MEMORY || want == size)
      break;
    size_t half = want / 2 > size ? (want / 2 + RMM_ALLOCATION_ALIGNMENT - 1) & ~(RMM_ALLOCATION_ALIGNMENT - 1) : size;
    pthread_mutex_lock(&so->lock);
    so->reserved -= want - half;
    pthread_mutex_unlock(&so->lock);
    want = half;
  }

  /* The own list is pinned while its lock is dropped, since so->lock must come first. */
  bool obtained = status == RMM_SUCCESS;
  rmm__so_list_t *own = NULL;
  if (obtained && (status = acquire_list(so, stream, &own)) == RMM_SUCCESS) {
    /* A stream-ordered upstream handed the chunk out in the stream's order: an unknown
       stream's event must cover that before another stream may take it. */
    status = record_before_put(own);
    own->pins++;
    pthread_mutex_unlock(&own->lock);
  }
  pthread_mutex_lock(&so->lock);
  if (own != NULL)
    pthread_mutex_lock(&own->lock);
  bool added = status == RMM_SUCCESS && add_chunk(so, own->bag, (uintptr_t)base, want);
  if (added) {
    *found = so->family->bag_take(own->bag, size, block);
    so->arrivals++;
  }
  else
    so->reserved -= want;
  so->growing = false;
  pthread_cond_broadcast(&so->grown);
  if (own != NULL) {
    own->pins--;
    pthread_mutex_unlock(&own->lock);
  }
  pthread_mutex_unlock(&so->lock);
  if (added) {
    char text[RMM_BYTES_TEXT];
    RMM_LOG(RMM_LOG_DEBUG, "%s: grew by %s at %p", so->family->name, rmm__format_bytes(want, text), base);
    return RMM_SUCCESS;
  }
  /* The chunk could not be recorded (host memory, or the list's event): it goes back. */
  if (obtained) {
    (void)rmm_deallocate(so->upstream, base, want, stream);
    if (status == RMM_SUCCESS)
      status = rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to record a new chunk", so->family->name);
  }
  return status;
}

/* ---- allocate and deallocate ---- */

/* Takes a block from `stream`'s own list. */
static rmm_status_t take_own(rmm__so_t *so, size_t size, rmm_stream_t stream, rmm__ds_free_block_t *block,
                             bool *found)
{
  rmm__so_list_t *own;
  rmm_status_t status = acquire_list(so, stream, &own);
  if (status != RMM_SUCCESS)
    return status;
  *found = so->family->bag_take(own->bag, size, block);
  pthread_mutex_unlock(&own->lock);
  return RMM_SUCCESS;
}

static bool take_clean(rmm__so_t *so, size_t size, rmm__ds_free_block_t *block)
{
  pthread_mutex_lock(&so->lock);
  bool found = so->family->bag_take(so->clean, size, block);
  pthread_mutex_unlock(&so->lock);
  return found;
}

/*
 * Takes a block from one fitting list, then (`merge`) steals every list into the own
 * list and searches it, where blocks of different streams may have coalesced.
 */
static rmm_status_t take_from_others(rmm__so_t *so, size_t size, rmm_stream_t stream, rmm__ds_free_block_t *block,
                                     bool merge, bool *found)
{
  uint64_t own_key;
  (void)classify(so, stream, &own_key);
  loot_t one;
  bool whole;
  if (steal_fitting(so, own_key, size, &one, block, &whole)) {
    rmm_status_t status =
        whole ? adopt(so, stream, &one, 1, size, block, found) : claim_block(so, stream, &one, block, found);
    if (status != RMM_SUCCESS || *found)
      return status;
  }
  if (!merge)
    return RMM_SUCCESS;
  loot_t *loot = NULL;
  size_t count;
  rmm_status_t status = steal_all(so, own_key, true, &loot, &count);
  if (status == RMM_SUCCESS && count != 0)
    status = adopt(so, stream, loot, count, size, block, found);
  free(loot);
  return status;
}

/* The mapped bytes not handed out, in any list or the clean bag; so->lock held. */
static size_t range_free(const rmm__so_t *so)
{
  size_t in_use = atomic_load_explicit(&so->usage.in_use, memory_order_relaxed);
  return in_use < so->reserved ? so->reserved - in_use : 0;
}

/*
 * Whether the expandable range should grow before other streams' blocks are taken:
 * while less than 1/16 of what is mapped is free, a theft finds little and costs the
 * thief a wait on the donor's stream, where mapping a step is cheap and keeps the
 * footprint within a few percent of what is in use. so->lock held.
 */
static bool short_of_slack(const rmm__so_t *so, size_t size)
{
  if (so->vmm == NULL || size > room(so))
    return false;
  size_t spare = range_free(so);
  return spare == 0 || spare < so->reserved / 16;
}

/*
 * Whether a theft that finds no fitting block goes on to merge every stream's list:
 * always in a pool of chunks; in an expandable range only under pressure, or once a
 * quarter of what is mapped lies free, so that free memory cannot pile up unused.
 * Mapping a step costs less than pouring every list into one, which holds them all
 * while it runs: on a GPU with 16 threads, merges and the threads queued behind them
 * took most of the time. so->lock held.
 */
static bool merge_lists(const rmm__so_t *so, bool retried)
{
  if (so->vmm == NULL || retried)
    return true;
  size_t spare = range_free(so);
  return spare != 0 && spare >= so->reserved / 4;
}

/*
 * Every source in turn until one serves `size`: the clean bag, other streams, a new
 * chunk, and once, under pressure, a trim that gives wholly free chunks back before
 * trying again (B14, B16, B17). After any growth or theft by another thread the search
 * starts again from the stream's own list, where that thread may have put memory.
 */
static rmm_status_t take_slow(rmm__so_t *so, size_t size, size_t requested, rmm_stream_t stream,
                              rmm__ds_free_block_t *block)
{
  bool found = false, retried = false;
  unsigned rounds = 0;
  for (;;) {
    pthread_mutex_lock(&so->lock);
    uint64_t searched = so->arrivals;
    bool grow_first = !retried && short_of_slack(so, size);
    bool merge = merge_lists(so, retried);
    pthread_mutex_unlock(&so->lock);
    rmm_status_t status = rounds == 0 ? RMM_SUCCESS : take_own(so, size, stream, block, &found);
    if (status != RMM_SUCCESS || found)
      return status;
    if (take_clean(so, size, block))
      return RMM_SUCCESS;
    if (!grow_first) {
      status = take_from_others(so, size, stream, block, merge, &found);
      if (status != RMM_SUCCESS || found)
        return status;
    }
    bool at_maximum;
    status = grow(so, size, stream, searched, ++rounds < 8, block, &found, &at_maximum);
    if (status == RMM_SUCCESS) {
      if (found)
        return RMM_SUCCESS;
      continue;
    }
    if (status != RMM_ERROR_OUT_OF_MEMORY)
      return so->family->out_of_memory(so, requested, status);
    if (retried) {
      rmm__reclaim_count(&so->reclaim.oom_failures, 1);
      status = so->family->out_of_memory(so, requested, at_maximum ? RMM_SUCCESS : status);
      rmm__oom_failed(so->self, requested, stream);
      return status;
    }
    retried = true;
    rmm__reclaim_count(&so->reclaim.retries, 1);
    (void)rmm__so_trim(so, NULL);
  }
}

/* The shard of the block index that holds `addr`. */
static rmm__so_shard_t *shard_of(rmm__so_t *so, uintptr_t addr)
{
  return &so->shards[((addr >> 8) * 0x9E3779B97F4A7C15ull) >> (64 - 6)];
}

/* Puts a block back in `stream`'s own list after a failure later in allocate. */
static void put_back(rmm__so_t *so, rmm__ds_free_block_t block, rmm_stream_t stream)
{
  rmm__so_list_t *own;
  if (acquire_list(so, stream, &own) == RMM_SUCCESS) {
    /* It came out of a bag a moment ago, so there is room for it in the own one or the clean one. */
    if (so->family->bag_reserve(own->bag, 1)) {
      so->family->bag_put(own->bag, block);
      pthread_mutex_unlock(&own->lock);
      return;
    }
    pthread_mutex_unlock(&own->lock);
  }
  pthread_mutex_lock(&so->lock);
  if (so->family->bag_reserve(so->clean, 1))
    so->family->bag_put(so->clean, block);
  pthread_mutex_unlock(&so->lock);
}

rmm_status_t rmm__so_allocate(rmm__so_t *so, void **ptr, size_t size, size_t requested, rmm_stream_t stream)
{
  rmm__ds_free_block_t block;
  bool found = false;
  rmm_status_t status = take_own(so, size, stream, &block, &found);
  if (status == RMM_SUCCESS && !found)
    status = take_slow(so, size, requested, stream, &block);
  if (status != RMM_SUCCESS)
    return status;

  rmm__so_shard_t *shard = shard_of(so, block.addr);
  rmm__ds_block_record_t record = {
      .size = block.size, .requested = requested, .stream = (uintptr_t)stream, .chunk = block.chunk};
  pthread_mutex_lock(&shard->lock);
  bool recorded = rmm__ds_block_index_insert(&shard->index, block.addr, record);
  pthread_mutex_unlock(&shard->lock);
  if (!recorded) {
    put_back(so, block, stream);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to record a block", so->family->name);
  }
  rmm__usage_add(&so->usage, block.size);
  *ptr = (void *)block.addr;
  rmm__note_block_add(chunk_at(so, block.chunk)->note, *ptr, requested);
  rmm__history_add(RMM__HISTORY_ALLOC, so->self, *ptr, requested, stream);
  return RMM_SUCCESS;
}

/* Takes `addr`'s record out of the index when it was handed out with `size` bytes. */
static rmm_status_t unrecord(rmm__so_t *so, void *ptr, size_t size, rmm__ds_block_record_t *record)
{
  uintptr_t addr = (uintptr_t)ptr;
  rmm__so_shard_t *shard = shard_of(so, addr);
  pthread_mutex_lock(&shard->lock);
  bool known = rmm__ds_block_index_lookup(&shard->index, addr, record);
  bool same_size = known && record->size == size;
  if (same_size)
    rmm__ds_block_index_remove(&shard->index, addr, NULL);
  pthread_mutex_unlock(&shard->lock);
  if (!known)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: %p (%zu bytes) was not allocated by this %s",
                     so->family->name, ptr, size, so->family->noun);
  if (!same_size)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "%s: %p was allocated with %zu bytes (rounded), not %zu; nothing was freed", so->family->name,
                     ptr, record->size, size);
  return RMM_SUCCESS;
}

static void rerecord(rmm__so_t *so, uintptr_t addr, rmm__ds_block_record_t record)
{
  rmm__so_shard_t *shard = shard_of(so, addr);
  pthread_mutex_lock(&shard->lock);
  /* The slot it left a moment ago is still there: the table never shrinks. */
  (void)rmm__ds_block_index_insert(&shard->index, addr, record);
  pthread_mutex_unlock(&shard->lock);
}

rmm_status_t rmm__so_deallocate(rmm__so_t *so, void *ptr, size_t size, rmm_stream_t stream)
{
  rmm__ds_block_record_t record;
  rmm_status_t status = unrecord(so, ptr, size, &record);
  if (status != RMM_SUCCESS)
    return status;
  /* Out of the index and in no bag yet: nobody else can be handed this address now. */
  rmm__heap_note_t note = chunk_at(so, record.chunk)->note;
  rmm__note_block_remove(note, ptr);
  rmm__so_list_t *list;
  status = acquire_list(so, stream, &list);
  if (status == RMM_SUCCESS) {
    status = record_before_put(list);
    if (status == RMM_SUCCESS && !so->family->bag_reserve(list->bag, 1))
      status = rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to free %p; nothing was freed", so->family->name,
                         ptr);
    if (status == RMM_SUCCESS)
      so->family->bag_put(list->bag, (rmm__ds_free_block_t){(uintptr_t)ptr, record.size, record.chunk});
    pthread_mutex_unlock(&list->lock);
  }
  if (status != RMM_SUCCESS) {
    rmm__note_block_add(note, ptr, record.requested);
    rerecord(so, (uintptr_t)ptr, record);
    return status;
  }
  rmm__usage_sub(&so->usage, record.size);
  rmm__history_add(RMM__HISTORY_FREE, so->self, ptr, record.requested, stream);
  return RMM_SUCCESS;
}

/* ---- trim ---- */

/*
 * Makes the host wait for the work behind every stolen bag. Another thread's
 * per-thread stream cannot be named, so one device synchronisation covers those and
 * parked bags (whose donors' events are gone).
 */
static rmm_status_t settle(const rmm__so_t *so, loot_t *loot, size_t count)
{
  bool whole_device = false;
  rmm_status_t status = RMM_SUCCESS;
  for (size_t i = 0; i < count && status == RMM_SUCCESS; i++) {
    rmm__so_list_t *from = loot[i].from;
    if (loot[i].parked)
      whole_device = so->device;
    else if (from == NULL)
      continue;
    else if (loot[i].kind == RMM__SO_PER_THREAD && loot[i].thread != thread_serial())
      whole_device = true;
    else
      status = wait_for(&loot[i], NULL, true);
  }
  if (status == RMM_SUCCESS && whole_device)
    status = rmm__cuda_device_synchronize();
  return status;
}

/*
 * Unmaps the whole steps of the range that the free tail covers, once no other thread
 * is growing it; so->lock held (dropped around the driver's calls, with the `growing`
 * flag set), the memory settled. Returns the bytes unmapped.
 */
static size_t shrink_range(rmm__so_t *so)
{
  while (so->growing)
    pthread_cond_wait(&so->grown, &so->lock);
  rmm__ds_free_block_t tail;
  size_t bytes = rmm__vmm_shrinkable(so->vmm, free_tail(so, &tail));
  if (bytes == 0)
    return 0;
  /* The head of the tail stays free; removing and re-adding a smaller block needs no new node. */
  so->family->bag_remove_chunk(so, so->clean, tail.addr, tail.size);
  if (tail.size > bytes)
    so->family->bag_put(so->clean, (rmm__ds_free_block_t){tail.addr, tail.size - bytes, 0});
  chunk_at(so, 0)->size -= bytes;
  so->reserved -= bytes;
  so->growing = true;
  pthread_mutex_unlock(&so->lock);
  rmm_status_t status = rmm__vmm_shrink(so->vmm, bytes);
  pthread_mutex_lock(&so->lock);
  so->growing = false;
  pthread_cond_broadcast(&so->grown);
  if (status == RMM_SUCCESS)
    return bytes;
  /* Still mapped: the bytes are free memory again. */
  if (!add_mapped(so, tail.addr + tail.size - bytes, bytes))
    RMM_LOG(RMM_LOG_ERROR, "%s: no host memory to keep %zu free bytes", so->family->name, bytes);
  return 0;
}

/*
 * Which chunks lie wholly in the clean bag, whose blocks then leave it, in `removed`
 * (chunk_slots long); so->lock held. False when host memory ran out (nothing removed).
 */
static bool remove_free_chunks(rmm__so_t *so, bool *removed)
{
  rmm__so_chunk_t *chunks = malloc((so->chunk_slots != 0 ? so->chunk_slots : 1) * sizeof *chunks);
  if (chunks == NULL)
    return false;
  for (uint32_t id = 0; id < so->chunk_slots; id++)
    chunks[id] = *chunk_at(so, id);
  bool ok = so->family->bag_remove_free_chunks(so, so->clean, chunks, so->chunk_slots, removed);
  free(chunks);
  return ok;
}

/* Wholly free chunks leave the clean bag; so->lock held. Returns them in `gone`. */
static size_t collect_free_chunks(rmm__so_t *so, rmm__so_chunk_t *gone)
{
  bool *removed = malloc((so->chunk_slots != 0 ? so->chunk_slots : 1) * sizeof *removed);
  if (removed == NULL || !remove_free_chunks(so, removed)) {
    free(removed);
    return 0;
  }
  size_t count = 0;
  for (uint32_t id = 0; id < so->chunk_slots; id++) {
    rmm__so_chunk_t *chunk = chunk_at(so, id);
    if (!removed[id])
      continue;
    gone[count++] = *chunk;
    so->reserved -= chunk->size;
    so->chunk_count--;
    chunk->size = 0;
  }
  free(removed);
  return count;
}

rmm_status_t rmm__so_trim(rmm__so_t *so, size_t *released)
{
  if (released != NULL)
    *released = 0;
  loot_t *loot;
  size_t count;
  rmm_status_t status = steal_all(so, KEY_DEAD, true, &loot, &count);
  if (status != RMM_SUCCESS)
    return status;
  status = settle(so, loot, count);

  /* Settled blocks are clean: any stream may use them with no wait. */
  rmm__so_chunk_t *gone = NULL;
  size_t gone_count = 0, unmapped = 0;
  if (status == RMM_SUCCESS) {
    pthread_mutex_lock(&so->lock);
    for (size_t i = 0; i < count; i++)
      if (!pour(so->family, so->clean, loot[i].bag))
        park_rest(so, loot[i].bag);
    if (so->vmm != NULL)
      unmapped = shrink_range(so);
    else if (so->chunk_count != 0 && (gone = malloc(so->chunk_count * sizeof *gone)) != NULL)
      gone_count = collect_free_chunks(so, gone);
    pthread_mutex_unlock(&so->lock);
  } else {
    give_back(so, loot, count);
  }
  release_loot(so, loot, count);
  free(loot);

  size_t bytes = unmapped;
  for (size_t i = 0; i < gone_count; i++) {
    rmm__note_heap_remove(gone[i].note);
    rmm__history_add(RMM__HISTORY_TRIM, so->self, (void *)gone[i].base, gone[i].size, NULL);
    (void)rmm_deallocate(so->upstream, (void *)gone[i].base, gone[i].size, RMM_STREAM_DEFAULT);
    bytes += gone[i].size;
  }
  if (unmapped != 0)
    rmm__history_add(RMM__HISTORY_TRIM, so->self, (void *)(rmm__vmm_base(so->vmm) + rmm__so_reserved(so)), unmapped,
                     NULL);
  free(gone);
  if (bytes != 0) {
    char text[RMM_BYTES_TEXT];
    RMM_LOG(RMM_LOG_DEBUG, "%s: trimmed %s", so->family->name, rmm__format_bytes(bytes, text));
  }
  rmm__reclaim_count(&so->reclaim.bytes_trimmed, bytes);
  if (released != NULL)
    *released = bytes;
  return status;
}

/* ---- snapshots ---- */

static void snapshot_bag(const rmm__so_family_t *family, const void *bag, rmm_stream_t stream, rmm__snapshot_t *snap)
{
  uintptr_t cursor = 0;
  rmm__ds_free_block_t block;
  while (family->bag_next(bag, &cursor, &block))
    rmm__snapshot_block(snap, (void *)block.addr, block.size, 0, false, stream);
}

void rmm__so_snapshot(rmm__so_t *so, rmm__snapshot_t *snap)
{
  pthread_mutex_lock(&so->lock);
  for (uint32_t id = 0; id < so->chunk_slots; id++) {
    const rmm__so_chunk_t *chunk = chunk_at(so, id);
    if (chunk->size != 0)
      rmm__snapshot_chunk(snap, (void *)chunk->base, chunk->size, so->device_id);
  }
  snapshot_bag(so->family, so->clean, NULL, snap);
  for (size_t i = 0; i < so->parked_count; i++)
    snapshot_bag(so->family, so->parked[i], NULL, snap);
  for (size_t i = 0; i < so->count; i++) {
    rmm__so_list_t *list = so->lists[i];
    pthread_mutex_lock(&list->lock);
    snapshot_bag(so->family, list->bag, list->stream, snap);
    pthread_mutex_unlock(&list->lock);
  }
  for (size_t i = 0; i < RMM__SO_SHARDS; i++) {
    rmm__so_shard_t *shard = &so->shards[i];
    pthread_mutex_lock(&shard->lock);
    size_t cursor = 0;
    uintptr_t addr;
    rmm__ds_block_record_t record;
    while (rmm__ds_block_index_next(&shard->index, &cursor, &addr, &record))
      rmm__snapshot_block(snap, (void *)addr, record.size, record.requested, true, (rmm_stream_t)record.stream);
    pthread_mutex_unlock(&shard->lock);
  }
  pthread_mutex_unlock(&so->lock);
}

/* ---- stats ---- */

static void add_bag(const rmm__so_family_t *family, const void *bag, rmm_resource_stats_t *out)
{
  out->free_bytes += family->bag_bytes(bag);
  out->free_blocks += family->bag_count(bag);
  size_t largest = family->bag_largest(bag);
  if (largest > out->largest_free_block)
    out->largest_free_block = largest;
}

void rmm__so_get_stats(rmm__so_t *so, rmm_resource_stats_t *out)
{
  rmm__usage_stats(&so->usage, false, out);
  pthread_mutex_lock(&so->lock);
  out->bytes_reserved = so->reserved;
  out->upstream_chunks = so->chunk_count;
  add_bag(so->family, so->clean, out);
  for (size_t i = 0; i < so->parked_count; i++)
    add_bag(so->family, so->parked[i], out);
  for (size_t i = 0; i < so->count; i++) {
    rmm__so_list_t *list = so->lists[i];
    pthread_mutex_lock(&list->lock);
    add_bag(so->family, list->bag, out);
    pthread_mutex_unlock(&list->lock);
  }
  pthread_mutex_unlock(&so->lock);
  rmm__reclaim_stats(&so->reclaim, out);
  out->flags |= RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS;
}

void rmm__so_reset_peak(rmm__so_t *so) { rmm__usage_reset_peak(&so->usage); }

size_t rmm__so_reserved(rmm__so_t *so)
{
  pthread_mutex_lock(&so->lock);
  size_t reserved = so->reserved;
  pthread_mutex_unlock(&so->lock);
  return reserved;
}

/* ---- unregistered streams ---- */

/* Waits until no call outside the lock uses `list`'s stream or event. */
static void wait_unpinned(rmm__so_list_t *list)
{
  for (;;) {
    pthread_mutex_lock(&list->lock);
    unsigned pins = list->pins;
    pthread_mutex_unlock(&list->lock);
    if (pins == 0)
      return;
    sched_yield();
  }
}

/*
 * A registered stream is being unregistered (it is still valid): its list is re-keyed
 * as retired and sealed, so that no one takes its blocks, then its last event is
 * recorded once nobody else uses the stream, and the seal is lifted.
 */
static void on_unregistered(rmm_stream_listener_t *listener, rmm_stream_t stream)
{
  rmm__so_t *so = (rmm__so_t *)((char *)listener - offsetof(rmm__so_t, listener));
  pthread_mutex_lock(&so->lock);
  rmm__so_list_t *list = lookup(so, (uint64_t)(uintptr_t)stream);
  if (list == NULL || list->kind != RMM__SO_REGISTERED) {
    pthread_mutex_unlock(&so->lock);
    return;
  }
  pthread_mutex_lock(&list->lock);
  list->key = TAG_RETIRED | so->retired++;
  list->kind = RMM__SO_RETIRED;
  list->sealing = true;
  table_refill(so);
  pthread_mutex_unlock(&list->lock);
  pthread_mutex_unlock(&so->lock);

  wait_unpinned(list);
  rmm_event_t event;
  bool recorded = list_event(list, &event) == RMM_SUCCESS && rmm__cuda_event_record(event, stream) == RMM_SUCCESS;
  if (!recorded)
    (void)rmm__cuda_stream_synchronize(stream);
  pthread_mutex_lock(&so->lock);
  pthread_mutex_lock(&list->lock);
  list->event_void = !recorded;
  list->stream = NULL;
  list->sealing = false;
  retire_if_dead(so, list);
  pthread_mutex_unlock(&list->lock);
  pthread_mutex_unlock(&so->lock);
}

/* ---- life cycle ---- */

static bool init(rmm__so_t *so, const rmm__so_family_t *family, unsigned properties, size_t maximum)
{
  so->family = family;
  so->device = (properties & RMM_DEVICE_ACCESSIBLE) != 0;
  so->device_id = so->device ? rmm__cuda_current_device() : -1;
  so->serial = atomic_fetch_add_explicit(&next_layer, 1, memory_order_relaxed);
  so->maximum = maximum;
  so->clean = new_bag(family);
  if (so->clean == NULL || rmm__mutex_init(family->name, &so->lock) != RMM_SUCCESS)
    return false;
  if (pthread_cond_init(&so->grown, NULL) != 0) {
    pthread_mutex_destroy(&so->lock);
    return false;
  }
  size_t ready = 0;
  while (ready < RMM__SO_SHARDS && rmm__mutex_init(family->name, &so->shards[ready].lock) == RMM_SUCCESS)
    ready++;
  if (ready < RMM__SO_SHARDS) {
    while (ready-- > 0)
      pthread_mutex_destroy(&so->shards[ready].lock);
    pthread_cond_destroy(&so->grown);
    pthread_mutex_destroy(&so->lock);
    return false;
  }
  so->listener.unregistered = on_unregistered;
  if (so->device)
    rmm__stream_listener_add(&so->listener);
  return true;
}

static void free_list(rmm__so_t *so, rmm__so_list_t *list)
{
  free_bag(so->family, list->bag);
  if (list->event != NULL)
    rmm__cuda_event_destroy(list->event);
  pthread_mutex_destroy(&list->lock);
  free(list);
}

/* Frees everything but the chunks; `initialised`: init() succeeded. */
static void fini(rmm__so_t *so, bool initialised)
{
  if (initialised) {
    if (so->device)
      rmm__stream_listener_remove(&so->listener);
    for (size_t i = 0; i < RMM__SO_SHARDS; i++) {
      rmm__ds_block_index_fini(&so->shards[i].index);
      pthread_mutex_destroy(&so->shards[i].lock);
    }
    pthread_cond_destroy(&so->grown);
    pthread_mutex_destroy(&so->lock);
  }
  for (size_t i = 0; i < so->count; i++)
    free_list(so, so->lists[i]);
  for (size_t i = 0; i < so->spare_count; i++)
    free_list(so, so->spare[i]);
  for (size_t i = 0; i < so->parked_count; i++)
    free_bag(so->family, so->parked[i]);
  free_bag(so->family, so->clean);
  for (size_t i = 0; i < RMM__SO_CHUNK_PAGES; i++)
    free(so->chunk_pages[i]);
  free(so->lists);
  free(so->table);
  free(so->spare);
  free(so->parked);
  free(so);
}

/* Hands every chunk back; work still queued on any stream may use them, so wait first. */
static void return_chunks(rmm__so_t *so)
{
  /* Failure (the runtime may be gone at process exit) leaves nothing better to do than to go on. */
  if (so->device)
    (void)rmm__cuda_device_synchronize();
  for (uint32_t id = 0; id < so->chunk_slots; id++)
    rmm__note_heap_remove(chunk_at(so, id)->note);
  if (so->vmm != NULL) {
    rmm__vmm_destroy(so->vmm);
    so->vmm = NULL;
    return;
  }
  for (uint32_t id = 0; id < so->chunk_slots; id++) {
    rmm__so_chunk_t *chunk = chunk_at(so, id);
    if (chunk->size != 0)
      (void)rmm_deallocate(so->upstream, (void *)chunk->base, chunk->size, RMM_STREAM_DEFAULT);
  }
  RMM_LOG(RMM_LOG_DEBUG, "%s: returned %zu chunks to %s", so->family->name, so->chunk_count,
          rmm_resource_name(so->upstream));
}

/*
 * The first chunk. Memory a stream-ordered upstream hands out on the default stream
 * is clean for every stream once that stream is synchronised; with no usable device
 * (a host resource that claims device access, on a machine without a GPU) no work can
 * be using it.
 */
static rmm_status_t take_initial(rmm__so_t *so, size_t initial_size)
{
  void *base;
  rmm_status_t status = rmm_allocate(so->upstream, &base, initial_size, RMM_STREAM_DEFAULT);
  if (status == RMM_SUCCESS && so->device && rmm__cuda_stream_synchronize(RMM_STREAM_DEFAULT) != RMM_SUCCESS &&
      !rmm__cuda_error_is_no_device(rmm_last_cuda_error())) {
    (void)rmm_deallocate(so->upstream, base, initial_size, RMM_STREAM_DEFAULT);
    return RMM_ERROR_CUDA; /* the message is the synchronisation's */
  }
  if (status == RMM_SUCCESS) {
    if (add_chunk(so, so->clean, (uintptr_t)base, initial_size)) {
      so->reserved = initial_size;
      return RMM_SUCCESS;
    }
    (void)rmm_deallocate(so->upstream, base, initial_size, RMM_STREAM_DEFAULT);
    status = rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to record a chunk", so->family->name);
  }
  char size[RMM_BYTES_TEXT], cause[384];
  snprintf(cause, sizeof cause, "%s", rmm_last_error_message());
  return rmm__fail(status, "rmm_%s_create: the upstream cannot provide the initial %s: %s", so->family->name,
                   rmm__format_bytes(initial_size, size), cause);
}

rmm_status_t rmm__so_create(rmm__so_t *so, const rmm__so_family_t *family, const rmm_impl_t *impl,
                            rmm_resource_t *upstream, size_t initial_size, size_t maximum_size,
                            rmm_resource_t **out)
{
  rmm_resource_t *up;
  rmm_status_t status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS) {
    free(so);
    return status;
  }
  so->upstream = up;
  if (!init(so, family, rmm_resource_properties(up), maximum_size)) {
    fini(so, false);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_%s_create: no host memory for the resource", family->name);
  }
  if (initial_size != 0)
    status = take_initial(so, initial_size);
  if (status == RMM_SUCCESS)
    status = rmm__resource_new(impl, so, rmm_resource_properties(up), up, out);
  if (status != RMM_SUCCESS) {
    return_chunks(so);
    fini(so, true);
    return status;
  }
  so->self = *out;
  return RMM_SUCCESS;
}

/* The first step of the range, mapped now, in the clean bag: mapping waits for no stream. */
static rmm_status_t map_initial(rmm__so_t *so, size_t initial_size)
{
  uint32_t id = chunk_slot(so);
  if (id == UINT32_MAX)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to record the range", so->family->name);
  /* The whole reserved range is one sanitizer heap, registered once: it never moves. */
  rmm__heap_note_t note =
      so->device ? rmm__note_heap_add((void *)rmm__vmm_base(so->vmm), rmm__vmm_reserved(so->vmm)) : NULL;
  *chunk_at(so, id) = (rmm__so_chunk_t){rmm__vmm_base(so->vmm), 0, note};
  so->chunk_count = 1;
  if (initial_size == 0)
    return RMM_SUCCESS;
  size_t added;
  rmm_status_t status = rmm__vmm_grow(so->vmm, initial_size, &added);
  if (status == RMM_SUCCESS && !add_mapped(so, rmm__vmm_base(so->vmm), added))
    status = rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to record the range", so->family->name);
  return status;
}

rmm_status_t rmm__so_create_over_vmm(rmm__so_t *so, const rmm__so_family_t *family, const rmm_impl_t *impl,
                                     rmm__vmm_t *vmm, size_t initial_size, unsigned properties,
                                     rmm_resource_t **out)
{
  if (!init(so, family, properties, 0)) {
    fini(so, false);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_%s_create: no host memory for the resource", family->name);
  }
  so->vmm = vmm;
  rmm_status_t status = map_initial(so, initial_size);
  if (status == RMM_SUCCESS)
    status = rmm__resource_new(impl, so, properties, NULL, out);
  if (status != RMM_SUCCESS) {
    /* The caller keeps the range: give back only what was mapped on it. */
    rmm__note_heap_remove(chunk_at(so, 0)->note);
    if (rmm__vmm_mapped(vmm) != 0)
      (void)rmm__vmm_shrink(vmm, rmm__vmm_shrinkable(vmm, rmm__vmm_mapped(vmm)));
    so->vmm = NULL;
    fini(so, true);
    return status;
  }
  so->self = *out;
  return RMM_SUCCESS;
}

void rmm__so_destroy(rmm__so_t *so)
{
  return_chunks(so);
  fini(so, true);
}
