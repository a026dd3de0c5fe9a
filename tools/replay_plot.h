/*
 * rmm-replay's pictures: bytes in use, footprint and fragmentation over the replayed
 * events, drawn as one self-contained SVG file (no plotting dependency).
 */
#ifndef RMM_TOOLS_REPLAY_PLOT_H
#define RMM_TOOLS_REPLAY_PLOT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rmm__plot rmm__plot_t;

/* A plot of a replay of `events` events with at most about `max_points` samples; NULL: no memory. */
rmm__plot_t *rmm__plot_create(size_t events, size_t max_points);
void rmm__plot_destroy(rmm__plot_t *plot);

/* Whether the event at `index` (from 0) is one to sample: every stride-th, and the last. */
bool rmm__plot_due(const rmm__plot_t *plot, size_t index);

/*
 * One sample after event `index`: the replay's bytes in use, the leaf's bytes in use
 * (the footprint), and the sub-allocator's fragmentation in [0, 1] (negative: unknown).
 */
void rmm__plot_sample(rmm__plot_t *plot, size_t index, size_t in_use, size_t footprint, double fragmentation);

/* Writes the SVG; `title` is shown at the top. False (with errno) when writing failed. */
bool rmm__plot_write(const rmm__plot_t *plot, const char *path, const char *title);

#endif
