"""File types and text extraction: the emulator's "parse" step.

PDF text comes from pypdf; TXT, CSV, MD, XML and HTML are decoded as text (HTML tags stripped).
Other supported types (images, Office files) are accepted on upload but this emulator cannot read them:
their runs fail with FILE_TYPE_NOT_SUPPORTED.
"""

from __future__ import annotations

import html
import io
import logging
import re

import extendpipe.constants as constants

# Supported extensions (extend-api.md §7) and the File.type each maps to.
EXTENSION_TYPES = {
    ".pdf": "PDF",
    ".csv": "CSV",
    ".txt": "TXT",
    ".md": "TXT",
    ".lis": "TXT",
    ".rtf": "TXT",
    ".eml": "TXT",
    ".html": "HTML",
    ".htm": "HTML",
    ".xml": "XML",
    ".xls": "EXCEL",
    ".xlsx": "EXCEL",
    ".xltm": "EXCEL",
    ".xltx": "EXCEL",
    ".ods": "EXCEL",
    ".docx": "DOCX",
    ".doc": "DOCX",
    ".wpd": "DOCX",
    ".dotx": "DOCX",
    ".odt": "DOCX",
    ".pptx": "PDF",
    ".ppt": "PDF",
    ".ppm": "PDF",
}
for _ext in (
    ".png",
    ".jpg",
    ".jpeg",
    ".tiff",
    ".tif",
    ".svg",
    ".heic",
    ".heif",
    ".bmp",
    ".gif",
    ".webp",
    ".psd",
    ".pcx",
):
    EXTENSION_TYPES[_ext] = "IMG"
TEXT_TYPES = frozenset({"TXT", "CSV", "HTML", "XML"})
OFFICE_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .pptx (a ZIP) and .ppt (an OLE compound file)


class ParseError(Exception):
    """A document that cannot be read; `reason` is the run's failureReason."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def detect_type(name: str, data: bytes) -> str | None:
    """File.type from the name and the content; None when the type is not supported."""
    if data.startswith(b"%PDF"):
        return "PDF"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in EXTENSION_TYPES:
        return EXTENSION_TYPES[suffix]
    if not suffix and _looks_like_text(data):
        return "TXT"
    return None


def _looks_like_text(data: bytes) -> bool:
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data[:4096]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d|table|section)>", "\n", markup)
    markup = re.sub(r"(?i)</t[dh]>", "  ", markup)
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return "\n".join(re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())


def pdf_text(data: bytes) -> tuple[str, int]:
    """Text of every page (pages separated by form feeds) and the page count."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ParseError(constants.PASSWORD_PROTECTED_FILE, "The PDF is password protected.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ParseError:
        raise
    except Exception as exc:  # pypdf raises many types (and warnings promoted to errors) on broken files
        kind = "malformed PDF" if isinstance(exc, PdfReadError) else type(exc).__name__
        raise ParseError(constants.CORRUPT_FILE, f"The PDF could not be read ({kind}): {exc}") from exc
    return "\f".join(pages), len(pages)


def extract_text(file_type: str | None, data: bytes) -> tuple[str, int]:
    """(text, page count) of a document; ParseError when it cannot be read or holds no text."""
    if file_type == "PDF" and data.startswith(OFFICE_MAGIC):
        # PowerPoint files get File.type PDF, as the real API converts them; this emulator cannot.
        raise ParseError(
            constants.FILE_TYPE_NOT_SUPPORTED, "The emulator cannot convert Office files to PDF; use PDF or text."
        )
    if file_type == "PDF":
        text, pages = pdf_text(data)
    elif file_type in TEXT_TYPES:
        text, pages = _decode(data), 1
        if file_type == "HTML" or (file_type == "TXT" and re.match(r"\s*<(!doctype|html)", text, re.I)):
            text = html_to_text(text)
    else:
        raise ParseError(
            constants.FILE_TYPE_NOT_SUPPORTED,
            f"The emulator cannot read {file_type or 'unknown'} files; use PDF or text.",
        )
    if not text.strip():
        raise ParseError("EMPTY_DOCUMENT", "The document holds no text.")
    return text, pages
