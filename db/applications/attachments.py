"""Attachments of an application: PDF only, checked by content before anything is stored.

A file is refused, with a sentence naming it, when it is empty or over :data:`MAX_BYTES`,
when its name does not end in ``.pdf``, when its content does not begin with the PDF
signature (a ZIP archive or anything else renamed ``.pdf``), when ``pypdf`` cannot read it,
when it is encrypted, has no pages or more than :data:`MAX_PAGES`, when its page contents
inflate past :data:`MAX_INFLATED_BYTES` (a "PDF bomb"), or when it carries scripts or launch
actions. An application may carry at most :data:`MAX_FILES` files.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from typing import Final

from db.errors import N_

MAX_BYTES: Final = 10 * 1024 * 1024
MAX_FILES: Final = 5
MAX_PAGES: Final = 500
MAX_INFLATED_BYTES: Final = 50 * 1024 * 1024
NAME_MAX_CHARS: Final = 200

EMPTY = N_("{name}: the file is empty. Nothing was saved.")
TOO_LARGE = N_("{name}: the file is larger than 10 MB. Nothing was saved; attach a smaller PDF.")
NOT_PDF_NAME = N_("{name}: only PDF files (.pdf) can be attached. Nothing was saved.")
NOT_PDF = N_(
    "{name}: the file is not a PDF document, whatever its name says. Nothing was saved; "
    "attach the document as a PDF."
)
ZIP = N_(
    "{name}: the file is a ZIP archive, not a PDF. Nothing was saved; attach each document "
    "as a PDF."
)
UNREADABLE = N_(
    "{name}: the PDF is damaged and cannot be read. Nothing was saved; save it again as PDF "
    "and attach it."
)
ENCRYPTED = N_(
    "{name}: the PDF is protected by a password. Nothing was saved; attach it without the password."
)
PAGES = N_("{name}: the PDF must have between 1 and 500 pages. Nothing was saved.")
BOMB = N_(
    "{name}: the PDF expands to far more data than a document holds (a compression bomb). "
    "Nothing was saved."
)
ACTIVE = N_(
    "{name}: the PDF contains scripts or actions that start programs. Nothing was saved; "
    "attach a plain document."
)
TOO_MANY = N_("Attach at most 5 files. Nothing was saved.")

ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")

log = logging.getLogger("ntp.applications")


@dataclass(frozen=True)
class Attachment:
    """A checked file, ready to store."""

    filename: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def safe_name(filename: str) -> str:
    """The file name as stored and shown: its last path part, control characters removed,
    at most :data:`NAME_MAX_CHARS` characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[-NAME_MAX_CHARS:] or "file.pdf"


def problem(filename: str, content: bytes) -> tuple[str, dict[str, str]] | None:
    """Why the file may not be attached, as (message template, its parameters); None when
    it may."""
    name = safe_name(filename)
    params = {"name": name}
    if not content:
        return EMPTY, params
    if len(content) > MAX_BYTES:
        return TOO_LARGE, params
    if not name.lower().endswith(".pdf"):
        return NOT_PDF_NAME, params
    if content.startswith(b"PK\x03\x04"):
        return ZIP, params
    if not content.startswith(b"%PDF-"):
        return NOT_PDF, params
    if ACTIVE_CONTENT.search(content):
        return ACTIVE, params
    return _parsed_problem(content, params)


def _parsed_problem(content: bytes, params: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            return ENCRYPTED, params
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PAGES:
            return PAGES, params
        inflated = 0
        for page in reader.pages:
            contents = page.get_contents()
            if contents is None:
                continue
            inflated += len(contents.get_data())
            if inflated > MAX_INFLATED_BYTES:
                return BOMB, params
    except LimitReachedError:
        return BOMB, params
    except Exception as exc:  # pypdf raises many kinds for a broken file: all mean unreadable
        log.info("An attachment could not be read as PDF: %s", exc)
        return UNREADABLE, params
    return None
