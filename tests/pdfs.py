"""PDF files for the attachment tests: a real one, a compression bomb, fakes."""

from __future__ import annotations

import io
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject


def real_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bomb_pdf(inflated: int = 64 * 1024 * 1024) -> bytes:
    """One page whose content stream inflates to ``inflated`` bytes (from about 64 kB)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream.set_data(zlib.compress(b" " * inflated, 9))  # raw data, filter declared below
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_file() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("inside.pdf", real_pdf())
    return out.getvalue()


def script_pdf() -> bytes:
    """A PDF that runs JavaScript when opened (written by hand: an /OpenAction)."""
    pdf = real_pdf()
    return pdf.replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>", 1
    )
