"""Small real documents for tests, generated on the fly (never copied corpora)."""

from __future__ import annotations

import io
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def pdf_bytes(pages: list[str]) -> bytes:
    """A PDF with a real text layer, one string per page."""
    from fpdf import FPDF

    pdf = FPDF()
    if FONT.exists():
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text if FONT.exists() else _latin1(text))
    return bytes(pdf.output())


def scanned_pdf_bytes() -> bytes:
    """A PDF whose only page is an image: no text layer, like a scan."""
    from fpdf import FPDF

    png = _png(64, 64)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png), x=10, y=10, w=100)
    return bytes(pdf.output())


def encrypted_pdf_bytes(text: str = "Geheimer Inhalt der Dienstanweisung.") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes([text]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="geheim", owner_password="geheim2")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(title: str, sections: list[tuple[str, str]]) -> bytes:
    from docx import Document

    doc = Document()
    doc.core_properties.title = title
    doc.add_heading(title, level=1)
    for heading, body in sections:
        doc.add_heading(heading, level=2)
        doc.add_paragraph(body)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    raw = b"".join(b"\x00" + bytes([(x * 4) % 256 for x in range(width)]) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


GOOD_MD = """---
title: Dienstanweisung Hundehaltung im Rathaus
---

# Dienstanweisung Hundehaltung im Rathaus

## § 1 Geltungsbereich

Diese Dienstanweisung gilt für alle Dienstgebäude der Stadtverwaltung Musterstadt.

## § 2 Mitnahme von Hunden

Beschäftigte dürfen Hunde nur mit Zustimmung der Amtsleitung in das Dienstgebäude mitbringen.
Die Zustimmung ist schriftlich zu beantragen und kann jederzeit widerrufen werden.

## § 3 Inkrafttreten

Diese Dienstanweisung tritt am 1. März 2026 in Kraft.
"""

GOOD_TXT = """Merkblatt Schlüsselverwaltung

1. Ausgabe von Schlüsseln

Generalschlüssel werden ausschließlich von der Hausverwaltung gegen Unterschrift ausgegeben.

2. Verlust

Der Verlust eines Schlüssels ist unverzüglich, spätestens am nächsten Arbeitstag, der Hausverwaltung zu melden.
"""
