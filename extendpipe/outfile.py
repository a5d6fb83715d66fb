"""Writing a file the user named (--report, --junit, plan -o, report merge -o, the lock file).

The path is written to, never replaced: a symlink is followed and its target is written (the link
stays), as editors do; a regular file (or a new one) is written atomically, to a temporary file in
its folder, fsynced, then renamed over it, so it is never half-written; a FIFO, a device or a file
descriptor (/dev/stdout) cannot be renamed over, so it is opened and written as a stream.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from extendpipe.errors import InputError

_FD_FOLDER = re.compile(r"/proc/[^/]+(/task/[^/]+)?/fd")  # /dev/fd and /proc/self/fd lead here on Linux
_MAX_LINKS = 40  # as the kernel's ELOOP limit


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def destination(path: Path) -> tuple[Path, bool]:
    """Where the bytes go, and whether that file is replaced atomically (a regular file, or none
    yet) rather than opened and written as a stream (anything else, and a file descriptor)."""
    target = Path(path)
    for _ in range(_MAX_LINKS):
        try:
            mode = os.lstat(target).st_mode
        except (FileNotFoundError, NotADirectoryError):  # the folder's trouble is told when it is made
            return target, True  # a new file; through a dangling link, the file it names
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISLNK(mode):
            return target, stat.S_ISREG(mode)
        if _FD_FOLDER.fullmatch(os.path.realpath(target.parent)):
            return Path(path), False  # /dev/stdout: the descriptor's file, whatever it is, as it is open
        target = target.parent / os.readlink(target)
    raise OSError(errno.ELOOP, "too many levels of symbolic links")


def _make_folder(folder: Path) -> None:
    """The folder and its parents; when one of them is a file, say which."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        for ancestor in (folder, *folder.parents):
            if os.path.lexists(ancestor):
                if not ancestor.is_dir():
                    kind = "a broken symlink" if not ancestor.exists() else "a file"
                    raise NotADirectoryError(errno.ENOTDIR, f"{ancestor} is {kind}, not a folder") from None
                break
        raise


def _write_atomic(path: Path, data: Iterable[bytes]) -> None:
    _make_folder(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in data:
                fh.write(chunk)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_stream(path: Path, data: Iterable[bytes]) -> None:
    with open(path, "wb") as fh:
        for chunk in data:
            fh.write(chunk)


def write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (bytes, or chunks of them, so a large document is never held whole) to the file
    at `path` as the module docstring says. Raises OSError."""
    target, atomic = destination(Path(path))
    chunks = (data,) if isinstance(data, bytes) else data
    (_write_atomic if atomic else _write_stream)(target, chunks)


def write_output(path: Path, data: bytes | Iterable[bytes], what: str,
                 hint: str = "choose another path") -> None:
    """`write_bytes`, with an error the user can act on (exit 2) when the file cannot be written."""
    try:
        write_bytes(path, data)
    except OSError as exc:
        raise InputError(f"{path}: could not write the {what}: {exc.strerror or exc} (hint: {hint})") from None


def check_writable(path: Path, what: str) -> None:
    """Fail before any request when an output file cannot be written (its folder is made if missing)."""
    path = Path(path)
    try:
        target, atomic = destination(path)
        if atomic:
            _make_folder(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".check", dir=target.parent)
            os.close(fd)
            os.unlink(tmp)
        elif not os.access(target, os.W_OK):  # not opened: a FIFO's reader would take it for the output
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    except OSError as exc:
        raise InputError(f"{path}: cannot write the {what} there: {exc.strerror or exc} "
                         f"(hint: choose another path)") from None
