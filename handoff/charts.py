"""Small charts without a plotting library: PNG (a pure-Python writer and a 5x7 font) and inline SVG."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from html import escape
from pathlib import Path

# 5x7 glyphs drawn for these charts, row-major bits, top row first (a generated table);
# g, p, q and y start at the x-height and are drawn two rows lower, so their tails descend
_DESCENDERS = frozenset("gpqy")
_GLYPHS = {
    'A': "01110100011000111111100011000110001", 'B': "11110100011000111110100011000111110", 'C': "01110100011000010000100001000101110",
    'D': "11110100011000110001100011000111110", 'E': "11111100001000011110100001000011111", 'F': "11111100001000011110100001000010000",
    'G': "01110100011000010111100011000101111", 'H': "10001100011000111111100011000110001", 'I': "01110001000010000100001000010001110",
    'J': "00111000100001000010000101001001100", 'K': "10001100101010011000101001001010001", 'L': "10000100001000010000100001000011111",
    'M': "10001110111010110101100011000110001", 'N': "10001110011010110011100011000110001", 'O': "01110100011000110001100011000101110",
    'P': "11110100011000111110100001000010000", 'Q': "01110100011000110001101011001001101", 'R': "11110100011000111110101001001010001",
    'S': "01111100001000001110000010000111110", 'T': "11111001000010000100001000010000100", 'U': "10001100011000110001100011000101110",
    'V': "10001100011000110001100010101000100", 'W': "10001100011000110101101011010101010", 'X': "10001100010101000100010101000110001",
    'Y': "10001100010101000100001000010000100", 'Z': "11111000010001000100010001000011111", 'a': "00000000000111000001011111000101111",
    'b': "10000100001011011001100011000111110", 'c': "00000000000111010000100001000101110", 'd': "00001000010110110011100011000101111",
    'e': "00000000000111010001111111000001110", 'f': "00110010010100011100010000100001000", 'g': "01111100011000110001011110000101110",
    'h': "10000100001011011001100011000110001", 'i': "00100000000110000100001000010001110", 'j': "00010000000011000010000101001001100",
    'k': "10000100001001010100110001010010010", 'l': "01100001000010000100001000010001110", 'm': "00000000001101010101101011000110001",
    'n': "00000000001011011001100011000110001", 'o': "00000000000111010001100011000101110", 'p': "11110100011000110001111101000010000",
    'q': "01111100011000110001011110000100001", 'r': "00000000001011011001100001000010000", 's': "00000000000111010000011100000111110",
    't': "01000010001110001000010000100100110", 'u': "00000000001000110001100011001101101", 'v': "00000000001000110001100010101000100",
    'w': "00000000001000110001101011010101010", 'x': "00000000001000101010001000101010001", 'y': "10001100011000110001011110000101110",
    'z': "00000000001111100010001000100011111", '0': "01110100011001110101110011000101110", '1': "00100011000010000100001000010001110",
    '2': "01110100010000100010001000100011111", '3': "11110000010000101110000010000111110", '4': "00010001100101010010111110001000010",
    '5': "11111100001111000001000011000101110", '6': "00110010001000011110100011000101110", '7': "11111000010001000100010000100001000",
    '8': "01110100011000101110100011000101110", '9': "01110100011000101111000010001001100", '.': "00000000000000000000000000110001100",
    ',': "00000000000000000000011000010001000", ':': "00000011000110000000011000110000000", ';': "00000011000110000000011000010001000",
    '-': "00000000000000011111000000000000000", '_': "00000000000000000000000000000011111", '/': "00001000010001000100010001000010000",
    '%': "11001110010001000100010001001110011", '(': "00010001000100001000010000010000010", ')': "01000001000001000010000100010001000",
    '+': "00000001000010011111001000010000000", '=': "00000000001111100000111110000000000", '>': "01000001000001000001000100010001000",
    '<': "00010001000100010000010000010000010", "'": "00100001000100000000000000000000000", '?': "01110100010000100010001000000000100",
    '!': "00100001000010000100001000000000100", '#': "01010010101111101010111110101001010", '&': "01100100101010001000101011001001101",
    '·': "00000000000000000100000000000000000", '–': "00000000000000011110000000000000000", '→': "00000001000001011111000100010000000",
    ' ': "00000000000000000000000000000000000",

}
RGB = tuple[int, int, int]
INK: RGB = (40, 40, 48)
BAR: RGB = (46, 125, 196)
GRID: RGB = (225, 228, 232)
WHITE: RGB = (255, 255, 255)
MUTED: RGB = (96, 100, 110)


def png_bytes(width: int, height: int, rgb: bytes) -> bytes:
    """Encode `width` x `height` RGB pixels (row-major, 3 bytes each) as a PNG file."""
    if len(rgb) != width * height * 3:
        raise ValueError("pixel data does not match the image size")
    raw = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


class Canvas:
    """An RGB raster with rectangles and text; `png()` encodes it."""

    def __init__(self, width: int, height: int, background: RGB = WHITE) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x: int, y: int, w: int, h: int, color: RGB) -> None:
        """Fill a rectangle (clipped to the canvas)."""
        x0, y0, x1, y1 = max(0, x), max(0, y), min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        row = bytes(color) * (x1 - x0)
        for yy in range(y0, y1):
            start = (yy * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def text(self, x: int, y: int, text: str, scale: int = 2, color: RGB = INK) -> None:
        """Draw text with the 5x7 font; each glyph is 6*scale wide and 7*scale tall."""
        for i, char in enumerate(text):
            bits = _GLYPHS.get(char, _GLYPHS["?"])
            top = y + (2 * scale if char in _DESCENDERS else 0)
            for n, bit in enumerate(bits):
                if bit == "1":
                    self.rect(x + i * 6 * scale + (n % 5) * scale, top + (n // 5) * scale, scale, scale, color)

    def text_right(self, right: int, y: int, text: str, scale: int = 2, color: RGB = INK) -> None:
        """Draw text ending at x = `right`."""
        self.text(right - text_width(text, scale), y, text, scale, color)

    def png(self) -> bytes:
        return png_bytes(self.width, self.height, bytes(self.pixels))


def text_width(text: str, scale: int = 2) -> int:
    """How wide `text` is drawn at `scale` (without the last glyph's spacing)."""
    return max(0, len(text) * 6 * scale - scale)


def _fmt(value: float, percent: bool) -> str:
    return f"{value * 100:.0f}%" if percent else (f"{value:.0f}" if value >= 10 or value == int(value)
                                                    else f"{value:.1f}")


def _heading(canvas: Canvas, title: str, subtitle: str) -> int:
    """Title and subtitle (the period and scope) at the top; returns the y where the plot starts."""
    canvas.text(16, 14, title, 3)
    if subtitle:
        canvas.text(16, 44, subtitle, 2, MUTED)
    return 74 if subtitle else 50


def bar_chart_png(path: Path, title: str, labels: Sequence[str], values: Sequence[float], *,
                  percent: bool = False, subtitle: str = "") -> Path:
    """Write a horizontal bar chart (one bar per label, its value at the end) as a PNG file."""
    label_w = max([text_width(str(label)) for label in labels] + [60]) + 32
    row, plot_w = 30, 420
    width = max(720, label_w + plot_w + 90, text_width(title, 3) + 32, text_width(subtitle) + 32)
    top_y = 50 + (24 if subtitle else 0)
    canvas = Canvas(width, top_y + row * max(1, len(labels)) + 16)
    _heading(canvas, title, subtitle)
    top = max([*values, 1.0 if percent else 0.0]) or 1.0
    if not labels:
        canvas.text(16, top_y + 8, "nothing counted in this period", 2, MUTED)
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top_y + i * row
        canvas.text_right(label_w - 12, y + 8, str(label))
        canvas.rect(label_w, y + 3, plot_w, row - 8, GRID)
        canvas.rect(label_w, y + 3, round(plot_w * value / top), row - 8, BAR)
        canvas.text(label_w + plot_w + 10, y + 8, _fmt(value, percent))
    path.write_bytes(canvas.png())
    return path


def _ticks(top: float) -> list[int]:
    """Four or five round steps from 0 to at least `top` (whole numbers)."""
    step = 1
    while top / step > 5:
        step = next(s * m for m in (1, 10, 100, 1000, 10000) for s in (2, 5, 10) if s * m > step)
    return list(range(0, int(top) + step + 1, step)) if top % step else list(range(0, int(top) + 1, step))


def column_chart_png(path: Path, title: str, labels: Sequence[str], values: Sequence[float], *,
                     subtitle: str = "", x_title: str = "") -> Path:
    """Write a vertical column chart with a value axis, each column's count and the x axis labelled."""
    col, plot_h = 34, 240
    ticks = _ticks(max([*values, 1.0]))
    axis_w = text_width(str(ticks[-1])) + 24
    width = max(720, axis_w + col * len(labels) + 24, text_width(subtitle) + 32)
    top_y = 50 + (24 if subtitle else 0) + 22  # room for the values above the tallest column
    base = top_y + plot_h
    canvas = Canvas(width, base + 34 + (28 if x_title else 0))
    _heading(canvas, title, subtitle)
    for tick in ticks:
        y = base - round(plot_h * tick / ticks[-1])
        canvas.rect(axis_w, y, col * len(labels), 1, GRID)
        canvas.text_right(axis_w - 8, y - 7, str(tick), 2, MUTED)
    canvas.rect(axis_w, base, col * len(labels), 2, INK)
    for i, (label, value) in enumerate(zip(labels, values)):
        x = axis_w + i * col
        h = round(plot_h * value / ticks[-1])
        canvas.rect(x + 4, base - h, col - 8, h, BAR)
        if value:
            shown = _fmt(value, False)
            canvas.text(x + (col - text_width(shown)) // 2, base - h - 18, shown)
        canvas.text(x + (col - text_width(str(label))) // 2, base + 10, str(label))
    if x_title:
        canvas.text(axis_w + (col * len(labels) - text_width(x_title)) // 2, base + 40, x_title, 2, MUTED)
    path.write_bytes(canvas.png())
    return path


def bar_chart_svg(title: str, labels: Sequence[str], values: Sequence[float], *, percent: bool = False) -> str:
    """An inline SVG horizontal bar chart."""
    row, label_w, plot_w = 22, 170, 260
    height = 30 + row * max(1, len(labels))
    top = max([*values, 1.0 if percent else 0.0]) or 1.0
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 60}" height="{height}" '
             f'viewBox="0 0 {label_w + plot_w + 60} {height}" role="img" aria-label="{escape(title)}">'), f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 26 + i * row
        w = round(plot_w * value / top)
        parts += [f'<text x="0" y="{y + 14}" font-size="12">{escape(str(label))}</text>',
                  f'<rect x="{label_w}" y="{y + 2}" width="{plot_w}" height="{row - 6}" fill="#e1e4e8"/>',
                  f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{row - 6}" fill="#2e7dc4"/>',
                  f'<text x="{label_w + plot_w + 6}" y="{y + 14}" font-size="12">{_fmt(value, percent)}</text>']
    return "".join(parts) + "</svg>"


def column_chart_svg(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """An inline SVG column chart: each column's value above it, a base line and the labels under it."""
    col, plot_h = 22, 120
    top = max([*values, 1.0])
    width = max(300, col * len(labels) + 10)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{plot_h + 66}" '
             f'viewBox="0 0 {width} {plot_h + 66}" role="img" aria-label="{escape(title)}">'), f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    base = 40 + plot_h
    for i, (label, value) in enumerate(zip(labels, values)):
        h = round(plot_h * value / top)
        middle = i * col + col // 2
        parts += [(f'<rect x="{i * col + 2}" y="{base - h}" width="{col - 4}" height="{h}" fill="#2e7dc4">'
                  f'<title>{escape(str(label))}: {_fmt(value, False)}</title></rect>'),
                  f'<text x="{middle}" y="{base + 16}" font-size="10" text-anchor="middle">{escape(str(label))}</text>']
        if value:
            parts.append(f'<text x="{middle}" y="{base - h - 3}" font-size="10" text-anchor="middle">'
                         f'{_fmt(value, False)}</text>')
    parts.append(f'<rect x="0" y="{base}" width="{col * len(labels)}" height="1" fill="#282830"/>')
    return "".join(parts) + "</svg>"
