"""The manifest file's bytes and text: refuse what cannot be a manifest before YAML sees it."""

from __future__ import annotations

import codecs

from extendpipe.errors import ManifestError, Problem

MAX_BYTES = 10 * 1024 * 1024


def read_bytes(path, shown):
    """The file's bytes, refusing what cannot be a manifest (unreadable, a folder, over 10 MB)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise ManifestError([Problem(shown, None, None, "", "is a folder, not a manifest file")]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ManifestError([Problem(shown, None, None, "", f"cannot read the file: {reason}")]) from None
    if len(raw) > MAX_BYTES:
        raise ManifestError([Problem(shown, None, None, "", "file is larger than 10 MB",
                                     "a manifest lists globs, not data; keep it small")])
    return raw


def decode(raw, shown):
    """UTF-8 text (a BOM is dropped); anything else is a problem with its line and column."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ManifestError([Problem(shown, 1, 1, "", "file is UTF-16", "save it as UTF-8")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
        raise ManifestError([Problem(shown, line, col, "", message, "save the file as UTF-8")]) from None
