"""The manifest file's bytes and text: refuse what cannot be a manifest before YAML sees it.

Also whether text from outside the file (file names, the environment) is UTF-8, which is all a
request or a report can carry.
"""

from __future__ import annotations

import codecs
import os
import stat

from extendpipe.errors import ManifestError, Problem

MAX_BYTES = 10 * 1024 * 1024


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _not_regular(mode, shown):
    """A problem when `mode` is not a regular file's: opening a FIFO would wait for a writer forever."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    hint = None if kind == "a folder" else "pass the path of a .yaml manifest file"
    return ManifestError([Problem(shown, None, None, "", f"is {kind}, not a manifest file", hint)])


def read_bytes(path, shown):
    """The file's bytes, refusing what cannot be a manifest (unreadable, not a regular file, over 10 MB)."""
    try:
        problem = _not_regular(os.stat(path).st_mode, shown)
        if problem is not None:
            raise problem
        with open(path, "rb") as handle:
            problem = _not_regular(os.fstat(handle.fileno()).st_mode, shown)  # swapped since the stat
            if problem is not None:
                raise problem
            raw = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise _not_regular(stat.S_IFDIR, shown) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ManifestError([Problem(shown, None, None, "", f"cannot read the file: {reason}")]) from None
    if len(raw) > MAX_BYTES:
        raise ManifestError([Problem(shown, None, None, "", "file is larger than 10 MB",
                                     "a manifest lists globs, not data; keep it small")])
    return raw


def is_utf8(text: str) -> bool:
    """False for text holding surrogates: bytes that are not UTF-8 in a name or the environment."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escaped(path: str) -> str:
    """A path or value from the system as printable text: each byte that is not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


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
