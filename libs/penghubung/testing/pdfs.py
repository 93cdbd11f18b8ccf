"""Look at a PDF as a person would: its text, page 1 as an image (PNG), the QR codes on it."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp

SCALE = 2.0
"""Pixels per PDF point of a page image (144 dpi): enough for the QR code and for reading."""


def text(pdf: bytes) -> str:
    """Every page's text, pages joined by a form feed, lines unwrapped to single spaces."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return "\f".join(" ".join(p.split()) for p in pages)


def page_count(pdf: bytes) -> int:
    """How many pages the PDF has."""
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def page_gray(pdf: bytes, index: int = 0) -> tuple[int, int, bytes]:
    """One page as 8-bit gray pixels: width, height and the rows without padding."""
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[index].render(scale=SCALE, grayscale=True)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        raw = bytes(bitmap.buffer)
    finally:
        document.close()
    rows = b"".join(raw[y * stride : y * stride + width] for y in range(height))
    return width, height, rows


def save_png(pdf: bytes, path: Path, index: int = 0) -> Path:
    """Write one page as a grayscale PNG at `path` (folders made as needed)."""
    width, height, rows = page_gray(pdf, index)
    scanlines = b"".join(b"\x00" + rows[y * width : (y + 1) * width] for y in range(height))
    png = b"\x89PNG\r\n\x1a\n" + _chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    )
    png += _chunk(b"IDAT", zlib.compress(scanlines, 6)) + _chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


def qr_codes(pdf: bytes, index: int = 0) -> list[str]:
    """The text of every QR code on a page, decoded from its rendering."""
    width, height, rows = page_gray(pdf, index)
    image = memoryview(rows).cast("B", (height, width))
    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [barcode.text for barcode in found]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
