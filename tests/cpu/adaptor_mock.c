/* The mock and LIFO upstreams of the adaptor tests, and a reader for the debug log. */
#include "config.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/adaptor_mock.h"

static rmm_status_t mock_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  mock_t *mock = ctx;
  pthread_mutex_lock(&mock->lock);
  mock->attempts++;
  mock->last_bytes = bytes;
  mock->last_alignment = alignment;
  bool fail = mock->fail_always || mock->fail_next > 0;
  if (mock->fail_next > 0)
    mock->fail_next--;
  void *scripted = mock->script_next < mock->script_length ? mock->script[mock->script_next++] : NULL;
  pthread_mutex_unlock(&mock->lock);
  if (fail)
    return mock->fail_status;

  if (scripted == NULL) {
    size_t align = alignment > 256 ? alignment : 256;
    scripted = aligned_alloc(align, (bytes + align - 1) / align * align);
    if (scripted == NULL)
      return RMM_ERROR_OUT_OF_MEMORY;
  }
  pthread_mutex_lock(&mock->lock);
  mock->allocations++;
  mock->last_ptr = scripted;
  pthread_mutex_unlock(&mock->lock);
  *ptr = scripted;
  return RMM_SUCCESS;
}

/* Scripted addresses lie far below any heap address. */
static bool is_scripted(const void *ptr) { return (uintptr_t)ptr < ((uintptr_t)1 << 24); }

static rmm_status_t mock_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  mock_t *mock = ctx;
  pthread_mutex_lock(&mock->lock);
  mock->deallocations++;
  mock->last_free_ptr = ptr;
  mock->last_free_bytes = bytes;
  mock->last_free_alignment = alignment;
  pthread_mutex_unlock(&mock->lock);
  if (!is_scripted(ptr))
    free(ptr);
  return RMM_SUCCESS;
}

rmm_resource_t *mock_create(mock_t *mock, unsigned properties)
{
  memset(mock, 0, sizeof *mock);
  pthread_mutex_init(&mock->lock, NULL);
  mock->fail_status = RMM_ERROR_OUT_OF_MEMORY;
  rmm_resource_ops_t ops = {
      .struct_size = sizeof ops, .name = "mock", .allocate = mock_allocate, .deallocate = mock_deallocate};
  rmm_resource_t *mr = NULL;
  if (rmm_resource_create(&ops, mock, properties, &mr) != RMM_SUCCESS)
    abort();
  return mr;
}

void mock_script(mock_t *mock, const uintptr_t *addresses, size_t count)
{
  for (size_t i = 0; i < count && i < MOCK_SCRIPT; i++)
    mock->script[i] = (void *)addresses[i];
  mock->script_length = count;
  mock->script_next = 0;
}

static rmm_status_t lifo_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  lifo_t *lifo = ctx;
  if (bytes > lifo->block || alignment > 256)
    return RMM_ERROR_OUT_OF_MEMORY;
  pthread_mutex_lock(&lifo->lock);
  void *block = NULL;
  if (lifo->free_count > 0) {
    block = lifo->free_blocks[--lifo->free_count];
  } else if (lifo->all_count < lifo->capacity && (block = aligned_alloc(256, lifo->block)) != NULL) {
    lifo->all_blocks[lifo->all_count++] = block;
  }
  pthread_mutex_unlock(&lifo->lock);
  if (block == NULL)
    return RMM_ERROR_OUT_OF_MEMORY;
  *ptr = block;
  return RMM_SUCCESS;
}

static rmm_status_t lifo_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)bytes;
  (void)alignment;
  (void)stream;
  lifo_t *lifo = ctx;
  pthread_mutex_lock(&lifo->lock);
  lifo->free_blocks[lifo->free_count++] = ptr;
  pthread_mutex_unlock(&lifo->lock);
  /*
   * Let another thread run now, while the block is free and the adaptor above has not
   * yet returned: the window in which an adaptor that updates its books after the
   * upstream sees the block handed out again (RMM issue 2303).
   */
  sched_yield();
  return RMM_SUCCESS;
}

static void lifo_destroy(void *ctx)
{
  lifo_t *lifo = ctx;
  for (size_t i = 0; i < lifo->all_count; i++)
    free(lifo->all_blocks[i]);
  free(lifo->all_blocks);
  free(lifo->free_blocks);
  pthread_mutex_destroy(&lifo->lock);
}

rmm_resource_t *lifo_create(lifo_t *lifo, size_t block, size_t max_blocks)
{
  memset(lifo, 0, sizeof *lifo);
  pthread_mutex_init(&lifo->lock, NULL);
  lifo->block = block;
  lifo->capacity = max_blocks;
  lifo->free_blocks = calloc(max_blocks, sizeof(void *));
  lifo->all_blocks = calloc(max_blocks, sizeof(void *));
  rmm_resource_ops_t ops = {.struct_size = sizeof ops,
                            .name = "lifo",
                            .allocate = lifo_allocate,
                            .deallocate = lifo_deallocate,
                            .destroy = lifo_destroy};
  rmm_resource_t *mr = NULL;
  if (lifo->free_blocks == NULL || lifo->all_blocks == NULL ||
      rmm_resource_create(&ops, lifo, RMM_HOST_ACCESSIBLE, &mr) != RMM_SUCCESS)
    abort();
  return mr;
}

static char debug_log_path[64];

void debug_log_to_temp_file(void)
{
  snprintf(debug_log_path, sizeof debug_log_path, "/tmp/rmm-adaptor-test-XXXXXX");
  int fd = mkstemp(debug_log_path);
  if (fd < 0)
    abort();
  close(fd);
  setenv("RMM_DEBUG_LOG_FILE", debug_log_path, 1);
  /*
   * The library opens its log at the first line. Write one now, before check forks the
   * tests, so that every test process appends to the one open file and sizes only grow.
   */
  rmm_log_level_t level = rmm_log_get_level();
  rmm_log_set_level(RMM_LOG_DEBUG);
  rmm_allocate(NULL, NULL, 1, NULL);
  rmm_log_set_level(level);
  rmm_log_flush();
}

void debug_log_remove(void) { unlink(debug_log_path); }

long debug_log_size(void)
{
  rmm_log_flush();
  FILE *file = fopen(debug_log_path, "r");
  if (file == NULL)
    return 0;
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fclose(file);
  return size;
}

size_t debug_log_count(long offset, const char *needle)
{
  rmm_log_flush();
  FILE *file = fopen(debug_log_path, "r");
  if (file == NULL)
    return 0;
  fseek(file, offset, SEEK_SET);
  char line[2048];
  size_t count = 0;
  while (fgets(line, sizeof line, file) != NULL)
    if (strstr(line, needle) != NULL)
      count++;
  fclose(file);
  return count;
}
