"""Small charts without a plotting library: PNG (a pure-Python writer and a 3x5 font) and inline SVG."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from html import escape
from pathlib import Path

# 3x5 glyphs, row-major bits; lower case is drawn as upper case (a generated table)
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001010010",
    "8": "111101111101111", "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
    "C": "011100100100011", "D": "110101101101110", "E": "111100110100111", "F": "111100110100100",
    "G": "011100101101011", "H": "101101111101101", "I": "111010010010111", "J": "001001001101010",
    "K": "101101110101101", "L": "100100100100111", "M": "101111111101101", "N": "110101101101101",
    "O": "010101101101010", "P": "110101110100100", "Q": "010101101110011", "R": "110101110101101",
    "S": "011100010001110", "T": "111010010010010", "U": "101101101101111", "V": "101101101101010",
    "W": "101101111111101", "X": "101101010101101", "Y": "101101010010010", "Z": "111001010100111",
    " ": "000000000000000", ".": "000000000000010", "-": "000000111000000", "_": "000000000000111",
    ":": "000010000010000", "/": "001001010100100", "%": "101001010100101", "(": "010100100100010",
    ")": "010001001001010", ",": "000000000010100", "+": "000010111010000", "=": "000111000111000",
    ">": "100010001010100", "<": "001010100010001", "#": "101111101111101",
}
RGB = tuple[int, int, int]
INK: RGB = (40, 40, 48)
BAR: RGB = (46, 125, 196)
GRID: RGB = (225, 228, 232)
WHITE: RGB = (255, 255, 255)


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
        """Draw text with the 3x5 font; each glyph is 4*scale wide."""
        for i, char in enumerate(text.upper()):
            bits = _GLYPHS.get(char, _GLYPHS["#"])
            for n, bit in enumerate(bits):
                if bit == "1":
                    self.rect(x + i * 4 * scale + (n % 3) * scale, y + (n // 3) * scale, scale, scale, color)

    def png(self) -> bytes:
        return png_bytes(self.width, self.height, bytes(self.pixels))


def _fmt(value: float, percent: bool) -> str:
    return f"{value * 100:.0f}%" if percent else (f"{value:.0f}" if value >= 10 or value == int(value)
                                                    else f"{value:.1f}")


def bar_chart_png(path: Path, title: str, labels: Sequence[str], values: Sequence[float], *,
                  percent: bool = False) -> Path:
    """Write a horizontal bar chart (one bar per label) as a PNG file."""
    label_w = 8 * max([len(str(label)) for label in labels] + [4]) + 16
    width, row = max(480, label_w + 320), 22
    canvas = Canvas(width, 40 + row * max(1, len(labels)) + 10)
    canvas.text(10, 10, title, 3)
    top = max([*values, 1.0 if percent else 0.0]) or 1.0
    plot_w = width - label_w - 70
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 40 + i * row
        canvas.text(10, y + 5, str(label))
        canvas.rect(label_w, y + 2, plot_w, row - 6, GRID)
        canvas.rect(label_w, y + 2, round(plot_w * value / top), row - 6, BAR)
        canvas.text(label_w + plot_w + 8, y + 5, _fmt(value, percent))
    path.write_bytes(canvas.png())
    return path


def column_chart_png(path: Path, title: str, labels: Sequence[str], values: Sequence[float]) -> Path:
    """Write a vertical column chart (e.g. contacts by hour) as a PNG file."""
    col, plot_h = 24, 160
    width = max(480, 20 + col * len(labels))
    canvas = Canvas(width, 40 + plot_h + 30)
    canvas.text(10, 10, title, 3)
    top = max([*values, 1.0])
    canvas.text(10, 32, f"max {_fmt(top, False)}")
    base = 40 + plot_h + 8
    for i, (label, value) in enumerate(zip(labels, values)):
        h = round(plot_h * value / top)
        canvas.rect(10 + i * col + 2, base - h, col - 4, h, BAR)
        canvas.text(10 + i * col + 2, base + 6, str(label)[-2:])
    path.write_bytes(canvas.png())
    return path


def bar_chart_svg(title: str, labels: Sequence[str], values: Sequence[float], *, percent: bool = False) -> str:
    """An inline SVG horizontal bar chart."""
    row, label_w, plot_w = 22, 170, 260
    height = 30 + row * max(1, len(labels))
    top = max([*values, 1.0 if percent else 0.0]) or 1.0
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 60}" height="{height}" '
             f'role="img" aria-label="{escape(title)}">'), f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 26 + i * row
        w = round(plot_w * value / top)
        parts += [f'<text x="0" y="{y + 14}" font-size="12">{escape(str(label))}</text>',
                  f'<rect x="{label_w}" y="{y + 2}" width="{plot_w}" height="{row - 6}" fill="#e1e4e8"/>',
                  f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{row - 6}" fill="#2e7dc4"/>',
                  f'<text x="{label_w + plot_w + 6}" y="{y + 14}" font-size="12">{_fmt(value, percent)}</text>']
    return "".join(parts) + "</svg>"


def column_chart_svg(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """An inline SVG column chart."""
    col, plot_h = 22, 120
    top = max([*values, 1.0])
    width = max(300, col * len(labels) + 10)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{plot_h + 50}" role="img" '
             f'aria-label="{escape(title)}">'), f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    base = 26 + plot_h
    for i, (label, value) in enumerate(zip(labels, values)):
        h = round(plot_h * value / top)
        parts += [(f'<rect x="{i * col + 2}" y="{base - h}" width="{col - 4}" height="{h}" fill="#2e7dc4">'
                  f'<title>{escape(str(label))}: {_fmt(value, False)}</title></rect>'),
                  f'<text x="{i * col + 2}" y="{base + 16}" font-size="10">{escape(str(label))}</text>']
    return "".join(parts) + "</svg>"
