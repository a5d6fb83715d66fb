"""An output file (--report, --junit, plan -o) never lands on something apply reads or keeps.

Writing through symlinks (outfile) makes this matter more: a report path that is, or links to, the
manifest, an input document, the lock file or the state folder's journal, store or lock would
silently destroy it, and the next rerun would pay for the lost journal. So each output's real path
is compared with those: the manifest's and the state folder's files before any request
(`check_outputs`, which also checks each can be written), the inputs once they are resolved
(`refuse_inputs`: strings only, no extra walk over them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from extendpipe.errors import InputError
from extendpipe.outfile import check_writable
from extendpipe.statedir import lock_path, state_dir_for

REPORTS = "reports"  # the state folder's one place for outputs (the default report goes there)


def _forms(path) -> set[str]:
    """The path as given (made absolute) and with every symlink resolved; a loop resolves to itself."""
    return {os.path.abspath(path), os.path.realpath(path)}


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _what_it_is(forms: set[str], manifest, state_dir) -> str | None:
    if forms & (_forms(manifest.path) | {str(manifest.path)}):
        return "the manifest"
    if forms & _forms(lock_path(manifest)):
        return "the manifest's lock file"
    for folder in dict.fromkeys((state_dir_for(manifest), state_dir_for(manifest, state_dir))):
        for real_folder in _forms(folder):
            if any(_inside(f, real_folder) and not _inside(f, os.path.join(real_folder, REPORTS)) for f in forms):
                return f"in the state folder {folder} (its journal, store and lock live there)"
    return None


def check_outputs(outputs: Iterable[tuple[str | os.PathLike | None, str]], manifest, state_dir=None) -> None:
    """Before any request: raise InputError when an output path is the manifest, its lock file, a file
    of the state folder (other than under reports/) or another output of the same command, or cannot
    be written. `outputs` holds (path or None, what it is)."""
    seen: dict[str, str] = {}
    for path, what in outputs:
        if not path:
            continue
        forms = _forms(path)
        it_is = _what_it_is(forms, manifest, state_dir)
        for form in forms:
            if form in seen:
                it_is = f"also where the {seen[form]} goes"
            seen.setdefault(form, what)
        if it_is:
            raise InputError(f"{path}: that is {it_is} (hint: write the {what} somewhere else)")
        check_writable(Path(path), what)


def refuse_inputs(outputs: Iterable[tuple[str | os.PathLike | None, str]], manifest, desired: Iterable) -> None:
    """Once the inputs are known: raise InputError when an output path is one of the desired runs' documents."""
    given = [(path, what, _forms(path)) for path, what in outputs if path]
    if not given:
        return
    bases = _forms(manifest.base_dir)
    for run in desired:
        if run.abspath is None:
            continue
        inputs = {os.path.normpath(os.path.join(base, run.path)) for base in bases}
        for path, what, forms in given:
            if forms & inputs:
                raise InputError(f"{path}: that is the input document {run.path} of step {run.step.name!r} "
                                 f"(hint: write the {what} somewhere else)")
