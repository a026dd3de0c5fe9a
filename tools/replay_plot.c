/*
 * The replay plot: two panels over the event axis, bytes (in use and footprint) above,
 * fragmentation below. Each series is one polyline with one point per sample, and
 * carries its sample count, so that tests and scripts can read it back.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay_plot.h"

typedef struct sample {
  size_t index;
  size_t in_use;
  size_t footprint;
  double fragmentation;
} sample_t;

struct rmm__plot {
  size_t events;
  size_t stride;
  sample_t *samples;
  size_t count;
  size_t capacity;
};

/* The picture's geometry, in SVG user units. */
enum { WIDTH = 900, LEFT = 90, RIGHT = 20, TOP = 50, BYTES_HEIGHT = 260, GAP = 60, FRAG_HEIGHT = 120 };

rmm__plot_t *rmm__plot_create(size_t events, size_t max_points)
{
  rmm__plot_t *plot = calloc(1, sizeof *plot);
  if (plot == NULL)
    return NULL;
  plot->events = events;
  plot->stride = max_points > 0 && events > max_points ? (events + max_points - 1) / max_points : 1;
  plot->capacity = events / plot->stride + 2;
  plot->samples = calloc(plot->capacity, sizeof *plot->samples);
  if (plot->samples == NULL) {
    free(plot);
    return NULL;
  }
  return plot;
}

void rmm__plot_destroy(rmm__plot_t *plot)
{
  if (plot == NULL)
    return;
  free(plot->samples);
  free(plot);
}

bool rmm__plot_due(const rmm__plot_t *plot, size_t index)
{
  return (index + 1) % plot->stride == 0 || index + 1 == plot->events;
}

void rmm__plot_sample(rmm__plot_t *plot, size_t index, size_t in_use, size_t footprint, double fragmentation)
{
  if (plot->count < plot->capacity)
    plot->samples[plot->count++] =
        (sample_t){.index = index, .in_use = in_use, .footprint = footprint, .fragmentation = fragmentation};
}

/* A round axis maximum at or above `value`: 1, 2 or 5 times a power of ten (or of 1024 for bytes). */
static double nice_ceiling(double value, double base)
{
  if (value <= 0)
    return 1;
  double unit = 1;
  while (unit * base <= value)
    unit *= base;
  static const double steps[] = {1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128, 256, 512, 1024};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (unit * steps[i] >= value)
      return unit * steps[i];
  return unit * base;
}

static const char *bytes_label(double bytes, char buf[32])
{
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < sizeof units / sizeof units[0]) {
    bytes /= 1024;
    unit++;
  }
  snprintf(buf, 32, bytes == (double)(long long)bytes ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return buf;
}

static double x_of(const rmm__plot_t *plot, size_t index)
{
  double span = plot->events > 1 ? (double)(plot->events - 1) : 1;
  return LEFT + (WIDTH - LEFT - RIGHT) * (double)index / span;
}

/* Frame, horizontal grid lines and their labels of one panel. */
static void axes(FILE *out, double top, double height, const char *const labels[5])
{
  fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n", LEFT, top,
          WIDTH - LEFT - RIGHT, height);
  for (int i = 0; i <= 4; i++) {
    double y = top + height - height * i / 4;
    fprintf(out,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, labels[i]);
  }
}

/* Event numbers under the lower panel. */
static void event_ticks(FILE *out, const rmm__plot_t *plot, double y)
{
  for (int i = 0; i <= 4; i++) {
    size_t index = plot->events > 1 ? (plot->events - 1) * (size_t)i / 4 : 0;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%zu</text>\n", x_of(plot, index), y + 16,
            index + 1);
  }
  fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">event</text>\n", (LEFT + WIDTH - RIGHT) / 2, y + 34);
}

typedef enum { IN_USE, FOOTPRINT, FRAGMENTATION } series_t;

static double value_of(const sample_t *s, series_t series)
{
  return series == IN_USE ? (double)s->in_use : series == FOOTPRINT ? (double)s->footprint : s->fragmentation;
}

/* A fragmentation below 0 is unknown: no free block, or a resource that cannot tell. */
static bool known(const sample_t *s, series_t series) { return series != FRAGMENTATION || s->fragmentation >= 0; }

/*
 * One polyline, one point per sample whose value is known: an unknown fragmentation is
 * left out rather than drawn as 0, which would read as no fragmentation at all.
 */
static void polyline(FILE *out, const rmm__plot_t *plot, series_t series, const char *id, const char *colour,
                     double top, double height, double maximum)
{
  size_t points = 0;
  for (size_t i = 0; i < plot->count; i++)
    points += known(&plot->samples[i], series);
  fprintf(out,
          "<polyline id=\"%s\" class=\"series\" data-samples=\"%zu\" fill=\"none\" stroke=\"%s\" "
          "stroke-width=\"1.5\" points=\"",
          id, points, colour);
  const char *separator = "";
  for (size_t i = 0; i < plot->count; i++) {
    if (!known(&plot->samples[i], series))
      continue;
    fprintf(out, "%s%.1f,%.1f", separator, x_of(plot, plot->samples[i].index),
            top + height - height * value_of(&plot->samples[i], series) / maximum);
    separator = " ";
  }
  fprintf(out, "\"/>\n");
}

/* Text for an XML attribute or element: the five special characters escaped. */
static void put_text(FILE *out, const char *text)
{
  for (const char *c = text; *c != '\0'; c++) {
    switch (*c) {
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '&':
      fputs("&amp;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&apos;", out);
      break;
    default:
      fputc(*c, out);
    }
  }
}

static void legend(FILE *out, double x, double y, const char *colour, const char *text)
{
  fprintf(out,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>"
          "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
          x, y - 4, x + 24, y - 4, colour, x + 30, y, text);
}

bool rmm__plot_write(const rmm__plot_t *plot, const char *path, const char *title)
{
  FILE *out = fopen(path, "w");
  if (out == NULL)
    return false;
  double peak = 1;
  for (size_t i = 0; i < plot->count; i++) {
    if ((double)plot->samples[i].in_use > peak)
      peak = (double)plot->samples[i].in_use;
    if ((double)plot->samples[i].footprint > peak)
      peak = (double)plot->samples[i].footprint;
  }
  double maximum = nice_ceiling(peak, 1024);
  int height = TOP + BYTES_HEIGHT + GAP + FRAG_HEIGHT + 60;
  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"%d\" y=\"22\" font-size=\"15\">",
          WIDTH, height, WIDTH, height, LEFT);
  put_text(out, title);
  fprintf(out, "</text>\n");

  char buf[5][32];
  const char *byte_labels[5];
  for (int i = 0; i <= 4; i++)
    byte_labels[i] = bytes_label(maximum * i / 4, buf[i]);
  axes(out, TOP, BYTES_HEIGHT, byte_labels);
  polyline(out, plot, FOOTPRINT, "footprint", "#d62728", TOP, BYTES_HEIGHT, maximum);
  polyline(out, plot, IN_USE, "in-use", "#1f77b4", TOP, BYTES_HEIGHT, maximum);
  legend(out, LEFT + 10, TOP + 18, "#1f77b4", "bytes in use");
  legend(out, LEFT + 140, TOP + 18, "#d62728", "footprint (the leaf's bytes in use)");

  static const char *const percent[5] = {"0%", "25%", "50%", "75%", "100%"};
  double frag_top = TOP + BYTES_HEIGHT + GAP;
  axes(out, frag_top, FRAG_HEIGHT, percent);
  polyline(out, plot, FRAGMENTATION, "fragmentation", "#2ca02c", frag_top, FRAG_HEIGHT, 1.0);
  legend(out, LEFT + 10, frag_top - 8, "#2ca02c", "fragmentation (1 - largest free block / free bytes; none drawn where unknown)");
  event_ticks(out, plot, frag_top + FRAG_HEIGHT);
  fprintf(out, "</svg>\n");
  bool ok = !ferror(out);
  return fclose(out) == 0 && ok;
}
