"""Draws a memory snapshot as a chunk-by-chunk map of used and free blocks (SVG).

    python3 -m rmm.snapshot_svg SNAPSHOT OUT.svg

SNAPSHOT is a JSON file from ``rmm_resource_snapshot`` (or ``rmm-replay --snapshot``)
or a pickle from :func:`rmm.mr.dump_snapshot`. Each segment (a chunk of a topmost
sub-allocator) is a map of up to eight lines read left to right, top to bottom; each
block covers its bytes of the map: allocated blocks dark (the part beyond the
requested size lighter), free blocks light grey. Only the standard library is used; the output is one self-contained file.
"""

import json
import pickle
import sys
from xml.sax.saxutils import escape, quoteattr

from rmm._snapshot import to_torch_layout

__all__ = ["load", "render", "main"]

WIDTH = 900
LEFT = 20
LINE = 16  # one line of a chunk's map
TOP = 56


def load(path):
    """A snapshot file as PyTorch's layout: librmm JSON is converted, a pickle is taken as is."""
    with open(path, "rb") as f:
        data = f.read()
    if data.lstrip()[:1] == b"{":
        return to_torch_layout(json.loads(data))
    return pickle.loads(data)


def _bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    return str(n)


def _pieces(offset, size, line_bytes):
    """A byte range of a chunk cut at the ends of the map's lines: (line, start, length)."""
    while size > 0:
        line, start = divmod(offset, line_bytes)
        length = min(size, line_bytes - start)
        yield line, start, length
        offset += length
        size -= length


def _rect(out, cls, line, start, length, y, scale, fill, title=None):
    x = LEFT + start * scale
    w = max(length * scale, 0.5)
    tip = f"<title>{escape(title)}</title>" if title else ""
    out.append(
        f'<rect class="{cls}" x="{x:.2f}" y="{y + line * LINE}" width="{w:.2f}" height="{LINE - 2}" '
        f'fill="{fill}" stroke="white" stroke-width="0.3">{tip}</rect>'
    )


def _blocks(out, segment, y, width, lines):
    """Each block of the segment, drawn across the map's lines (a block may wrap)."""
    line_bytes = -(-max(segment["total_size"], 1) // lines)
    scale = width / line_bytes
    for b in segment["blocks"]:
        used = b["state"] == "active_allocated"
        title = f'{b["address"]:#x}: {_bytes(b["size"])} {"allocated" if used else "free"}'
        if used and b["requested_size"] < b["size"]:
            title += f', {_bytes(b["requested_size"])} requested'
        offset = b["address"] - segment["address"]
        out.append('<g class="block">')
        for line, start, length in _pieces(offset, b["size"], line_bytes):
            _rect(out, "piece", line, start, length, y, scale, "#1f77b4" if used else "#e8e8e8", title)
        if used and 0 < b["requested_size"] < b["size"]:
            slack = b["size"] - b["requested_size"]
            for line, start, length in _pieces(offset + b["requested_size"], slack, line_bytes):
                _rect(out, "slack", line, start, length, y, scale, "#9ecae1")
        out.append("</g>")


def _lines(segment):
    """Map lines for a segment: more for larger chunks, from 1 to 8."""
    size = segment["total_size"]
    return max(1, min(8, size.bit_length() - 17))


def render(snapshot, title="memory snapshot"):
    """The SVG text of a snapshot in PyTorch's layout."""
    segments = sorted(snapshot["segments"], key=lambda s: (s.get("resource", ""), s["address"]))
    height = TOP + sum(24 + LINE * _lines(s) for s in segments) + 20
    width = WIDTH - 2 * LEFT
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15">{escape(title)}</text>',
        f'<text x="{LEFT}" y="40" fill="#555">dark: allocated, light blue: rounding beyond the request, '
        f"grey: free</text>",
    ]
    y = TOP
    for s in segments:
        used = sum(b["size"] for b in s["blocks"] if b["state"] == "active_allocated")
        free = [b["size"] for b in s["blocks"] if b["state"] != "active_allocated"]
        label = (
            f'{s.get("resource", "segment")} chunk at {s["address"]:#x}: {_bytes(s["total_size"])}, '
            f"{_bytes(used)} allocated, {_bytes(sum(free))} free in {len(free)} blocks"
            f' (largest {_bytes(max(free, default=0))})'
        )
        lines = _lines(s)
        out.append(f'<g class="segment" data-blocks={quoteattr(str(len(s["blocks"])))}>')
        out.append(f'<text x="{LEFT}" y="{y + 12}">{escape(label)}</text>')
        _blocks(out, s, y + 18, width, lines)
        out.append(
            f'<rect x="{LEFT}" y="{y + 18}" width="{width}" height="{LINE * lines}" fill="none" stroke="#333"/>'
        )
        out.append("</g>")
        y += 24 + LINE * lines
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print("usage: python3 -m rmm.snapshot_svg SNAPSHOT(.json|.pickle) OUT.svg", file=sys.stderr)
        return 2
    snapshot = load(argv[0])
    with open(argv[1], "w", encoding="utf-8") as f:
        f.write(render(snapshot, title=f"memory snapshot: {argv[0]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
