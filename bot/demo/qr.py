"""QR codes for the chat link on a charger: ASCII for the terminal, PNG for printing."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode

from handoff.charts import png_bytes


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_ascii(url: str) -> str:
    """The QR code as terminal text (half-block characters, scannable from the screen)."""
    out = io.StringIO()
    _code(url).print_ascii(out=out, invert=True)
    return out.getvalue()


def write_qr_png(url: str, path: Path, scale: int = 8) -> Path:
    """Write the QR code as a black-on-white PNG, `scale` pixels per module."""
    matrix = _code(url).get_matrix()
    size = len(matrix) * scale
    rows = bytearray()
    for line in matrix:
        row = b"".join((b"\x00\x00\x00" if dark else b"\xff\xff\xff") * scale for dark in line)
        rows += row * scale
    path.write_bytes(png_bytes(size, size, bytes(rows)))
    return path
