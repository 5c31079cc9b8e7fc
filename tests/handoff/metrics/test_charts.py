"""The report's PNG charts: readable text, titles with the period, and the by-hour chart's axis."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from handoff.charts import Canvas, _ticks, bar_chart_png, column_chart_png, text_width


def _pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4:idat])[0]
    raw = zlib.decompress(data[idat + 4:idat + 4 + length])
    rows = [raw[y * (width * 3 + 1) + 1:(y + 1) * (width * 3 + 1)] for y in range(height)]
    return width, height, b"".join(rows)


def test_lower_case_text_is_drawn_with_its_own_glyphs_fourteen_pixels_high() -> None:
    upper, lower = Canvas(40, 24), Canvas(40, 24)
    upper.text(0, 0, "A")
    lower.text(0, 0, "a")
    assert upper.pixels != lower.pixels
    inked = [y for y in range(24) if any(upper.pixels[(y * 40 + x) * 3] != 255 for x in range(40))]
    assert (inked[0], inked[-1]) == (0, 13) and text_width("How to pay") == 118


def test_value_axis_ticks_are_round_steps_reaching_the_top() -> None:
    assert [_ticks(3), _ticks(12), _ticks(41)] == [[0, 1, 2, 3], [0, 5, 10, 15], [0, 10, 20, 30, 40, 50]]


def test_charts_with_a_subtitle_are_taller_and_the_hour_chart_fits_24_columns(tmp_path: Path) -> None:
    plain = bar_chart_png(tmp_path / "a.png", "Contacts by problem", ["How to pay"], [3])
    dated = bar_chart_png(tmp_path / "b.png", "Contacts by problem", ["How to pay"], [3],
                          subtitle="2026-11-08 00:00 UTC to 2026-11-15 00:00 UTC · all sites, all channels")
    hours = column_chart_png(tmp_path / "c.png", "Contacts by hour", [f"{h:02d}" for h in range(24)],
                             [h % 5 for h in range(24)], subtitle="last week", x_title="hour (UTC)")
    assert _pixels(dated)[1] - _pixels(plain)[1] == 24
    width, height, _ = _pixels(hours)
    assert width >= 24 * 34 and height > 300
