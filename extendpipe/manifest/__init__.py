"""The manifest: load YAML with positions, expand the environment, validate, build the model."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from extendpipe.errors import ManifestError, Problem
from extendpipe.manifest.build import build_manifest, parse_duration, semantic_problems
from extendpipe.manifest.loader import load_document
from extendpipe.manifest.model import Inputs, Manifest, Settings, Step
from extendpipe.manifest.schema import check
from extendpipe.manifest.secretenv import ManifestEnviron
from extendpipe.manifest.source import escaped, is_utf8, read_bytes

__all__ = ["Inputs", "Manifest", "Settings", "Step", "load_manifest", "parse_duration"]


def load_manifest(path, environ=None, secrets=()) -> Manifest:
    """Load and validate the manifest at `path`; `environ` (default os.environ) feeds `${VAR}`,
    except the API key (secretenv), which no value may hold: EXTEND_API_KEY's, or one of `secrets`.

    Raises ManifestError holding every problem found, sorted by line; never another exception type
    for bad input. Problems show the path as it was given.
    """
    shown = os.fspath(path)
    environ = ManifestEnviron(os.environ if environ is None else environ, secrets)
    absolute = Path(os.path.abspath(path))
    if not is_utf8(str(absolute)):  # the report records it: refused before anything runs
        raise ManifestError([Problem(escaped(shown), None, None, "", f"the manifest's path {escaped(str(absolute))}"
                                     " is not valid UTF-8", "rename it, or the folders it is in, to UTF-8")])
    raw = read_bytes(path, shown)
    doc = load_document(raw, shown, environ, environ.secrets)
    problems = list(doc.problems)
    if doc.data is not None or not problems:
        problems += check(doc.data, doc, shown)
        problems += semantic_problems(doc.data, doc, shown)
    if problems:
        raise ManifestError(problems)
    return build_manifest(doc.data, doc, path=absolute, sha256=hashlib.sha256(raw).hexdigest(),
                          base_dir=absolute.parent, shown=shown)
