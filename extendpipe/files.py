"""Step inputs on disk: globs under the manifest's folder, and file hashing.

Globs: `*`, `?` and `[...]` stay within one folder name; a `**` component matches any number of
folders, zero included. Glob syntax edge cases, decided (extendpipe.manifest.globs implements them, and
load_manifest reports a bad pattern with its line and column):
- a backwards range (`[z-a]`) is a problem: "pattern ... is not a valid glob: bad character range z-a";
- a '[' with no closing ']' (`a[b.txt`, `[!]`, `[]`) is a literal '[' as in fnmatch and the shell;
  `[]]` and `[!]]` are classes holding ']'; `[!...]` and `[^...]` negate;
- `**` inside a name (`a**b`) is the same as `*`: it never crosses a '/';
- a backslash is no escape: the schema refuses it (Windows separators); write `[*]`, `[?]`, `[[]`.
Matching is case-sensitive everywhere. Names starting with a dot are skipped below the literal start of
a pattern unless `include_hidden`. Each include root is walked once with
os.scandir, following folder symlinks without looping. An exclude pattern that matches a folder
excludes everything under it. extendpipe's own files (the state folder, the lock file: `reserved`) are
never inputs, and a matched name that is not UTF-8 is a problem (it could not be sent or reported).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import PurePath

from extendpipe.errors import ManifestError, Problem
from extendpipe.manifest.globs import MAGIC as _MAGIC
from extendpipe.manifest.globs import compile_glob, glob_error
from extendpipe.manifest.globs import split as _split
from extendpipe.manifest.jsonpath import format_path
from extendpipe.manifest.source import escaped, is_utf8

__all__ = ["compile_glob", "glob_error", "iter_step_files", "sha256_file"]

CHUNK = 1024 * 1024


def sha256_file(path) -> tuple[str, int]:
    """(hex sha256, size in bytes) of a file, read in 1 MiB chunks, unbuffered (one read for a small file)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb", buffering=0) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _Resolver:
    """Resolves one step's globs under a base folder, collecting problems instead of raising early."""

    def __init__(self, manifest, step, allow_outside, reserved=()):
        self.base = os.path.abspath(manifest.base_dir)
        self.real_base = os.path.realpath(self.base)
        # extendpipe's own paths, links resolved: each, and everything under it (matched by real path)
        own = {os.path.realpath(p) for p in reserved}
        self.own_paths = frozenset(own)
        self.own_prefixes = tuple(p.rstrip(os.sep) + os.sep for p in own)
        self.step = step
        self.allow_outside = allow_outside
        self.shown = manifest.display_path or str(manifest.path)
        folder = os.path.dirname(self.shown)
        self.folder = (folder.rstrip("/\\") + "/") if folder else "./"
        self.index = next((i for i, s in enumerate(manifest.steps) if s is step), None)
        if self.index is None:
            self.index = next((i for i, s in enumerate(manifest.steps) if s == step), 0)
        self.listings = {}
        self.problems = []
        self.excludes = []
        for j, pattern in enumerate(step.inputs.exclude):
            error = glob_error(pattern)
            if error:  # load_manifest says so with a position; this is for a Manifest built in code
                self.problem(j, *error, field="exclude")
            elif _split(pattern)[1]:
                self.excludes.append(compile_glob(_split(pattern)[1], prefix_dirs=True))

    def own(self, real):
        """Whether a match (by its real path) is extendpipe's own: the state folder or the lock file."""
        return real in self.own_paths or real.startswith(self.own_prefixes)

    def excluded(self, rel):
        return any(regex.match(rel) for regex in self.excludes)

    def relative(self, path):
        try:
            rel = os.path.relpath(path, self.base)
        except ValueError:  # pragma: no cover - Windows only: another drive
            return PurePath(path).as_posix()
        return rel.replace(os.sep, "/")

    def outside(self, rel, real):
        return rel == ".." or rel.startswith("../") or os.path.isabs(rel) or not (
            real == self.real_base or real.startswith(self.real_base.rstrip(os.sep) + os.sep))

    def exists_exact(self, start, parts):
        """Whether every literal component exists with exactly this case (macOS/Windows fold case)."""
        current = start
        for part in parts:
            if part != "..":
                if current not in self.listings:
                    try:
                        self.listings[current] = set(os.listdir(current))
                    except OSError:
                        self.listings[current] = set()
                if part not in self.listings[current]:
                    return False
            current = os.path.join(current, part)
        return True

    def problem(self, j, message, hint, field="include"):
        lines, cols = self.step.inputs.include_lines, self.step.inputs.include_columns
        line = lines[j] if field == "include" and j < len(lines) and lines[j] else None
        col = cols[j] if line is not None and j < len(cols) and cols[j] else None
        path = format_path(("steps", self.index, "inputs", field, j))
        self.problems.append(Problem(self.shown, line, col, path, message, hint))

    def resolve(self) -> list:
        inputs = self.step.inputs
        kept, dropped, owned, outside, undecodable, others, results = {}, {}, {}, {}, {}, {}, set()
        groups = {}  # walk root -> [(include index, regex)]
        depths = {}  # walk root -> deepest level any of its patterns needs (None: any depth)

        def take(j, rel, real):
            if self.own(real):
                owned[j] = owned.get(j, 0) + 1
            elif self.excluded(rel):
                dropped[j] = dropped.get(j, 0) + 1
            elif not is_utf8(rel):
                undecodable.setdefault(j, []).append(rel)
            elif not self.allow_outside and self.outside(rel, real):
                outside.setdefault(j, []).append(rel)
            else:
                kept[j] = kept.get(j, 0) + 1
                results.add(rel)

        for j, pattern in enumerate(inputs.include):
            error = glob_error(pattern)
            if error:
                self.problem(j, *error)
                continue
            absolute, parts = _split(pattern)
            k = next((i for i, part in enumerate(parts) if _MAGIC.search(part)), len(parts))
            start = (PurePath(pattern).anchor or os.sep) if absolute else self.base
            root = os.path.normpath(os.path.join(start, *parts[:k]))
            if not self.exists_exact(start, parts[:k]):
                continue
            if k == len(parts):
                if os.path.isdir(root):
                    self.problem(j, f"pattern {pattern!r} names a folder, not a file",
                                 f"write '{pattern.rstrip('/')}/**' to take every file in it")
                elif os.path.isfile(root):
                    take(j, self.relative(root), os.path.realpath(root))
                else:
                    what, hint = _not_a_file(root)
                    self.problem(j, f"pattern {pattern!r} {what}", hint)
                continue
            rest = parts[k:]
            groups.setdefault(root, []).append((j, compile_glob(rest)))
            need = None if "**" in rest else len(rest)
            depths[root] = None if root in depths and depths[root] is None or need is None else max(
                need, depths.get(root) or 0)

        for root, patterns in groups.items():
            prefix = self.relative(root)
            for sub, real in _walk(root, depths[root], inputs.include_hidden):
                for j, regex in patterns:
                    if regex.match(sub):
                        rel = sub if prefix == "." else f"{prefix}/{sub}"
                        if real is not None:
                            take(j, rel, real)
                        elif not self.excluded(rel):  # a pipe, a link to nothing: said only if nothing else
                            others.setdefault(j, []).append(rel)

        if any(".exclude[" in p.json_path for p in self.problems):
            raise ManifestError(self.problems)
        for j, pattern in enumerate(inputs.include):
            if any(p.json_path.endswith(f".include[{j}]") for p in self.problems):
                continue
            if j in undecodable:
                first, more = undecodable[j][0], len(undecodable[j]) - 1
                extra, them = (f" and {more} more", "them") if more else ("", "it")
                self.problem(j, f"pattern {pattern!r} matches a name that is not valid UTF-8: "
                             f"'{escaped(first)}'{extra}", f"rename {them} to UTF-8, or exclude {them}")
            elif j in outside:
                first, more = outside[j][0], len(outside[j]) - 1
                extra = f" and {more} more" if more else ""
                self.problem(j, f"pattern {pattern!r} matches files outside {self.folder}: {first}{extra}",
                             "keep inputs under the manifest's folder, or pass --allow-outside")
            elif not kept.get(j) and dropped.get(j):
                self.problem(j, f"pattern {pattern!r} matched {_count(dropped[j])} under {self.folder}, "
                             "all excluded", "check the step's 'exclude' patterns")
            elif not kept.get(j) and j in others:
                first, more = others[j][0], len(others[j]) - 1
                what, hint = _not_a_file(os.path.join(self.base, first))
                extra = f" (and {more} more that are not regular files)" if more else ""
                self.problem(j, f"pattern {pattern!r} matched no regular file under {self.folder}: "
                             f"{escaped(first)} {what}{extra}", hint)
            elif not kept.get(j) and owned.get(j):
                self.problem(j, f"pattern {pattern!r} matched {_count(owned[j])} under {self.folder}, all "
                             "extendpipe's own", "the state folder and the manifest's lock file are never inputs; "
                             "point the pattern at your documents")
            elif not kept.get(j):
                hint = "check the path is relative to the manifest's folder"
                if not inputs.include_hidden and any(p.startswith(".") for p in _split(pattern)[1]):
                    hint += "; names starting with a dot are skipped unless 'include_hidden: true'"
                self.problem(j, f"pattern {pattern!r} matched no file under {self.folder}", hint)
        if self.problems:
            raise ManifestError(self.problems)
        return sorted(results)


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def _not_a_file(path):
    """(what it is, hint) for a path that is listed in its folder but is neither a file nor a folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        try:
            target = escaped(os.readlink(path))
        except OSError:
            return f"cannot be read: {exc.strerror or exc}", "check the permissions of it and its folders"
        if exc.errno == errno.ELOOP:
            return "is a symbolic link that loops", f"it points to '{target}': fix the link, or drop the pattern"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return ("is a symbolic link to a missing file",
                    f"it points to '{target}': create that file, fix the link, or drop the pattern")
        return f"is a symbolic link that cannot be followed: {exc.strerror or exc}", f"it points to '{target}'"
    kind = next((name for test, name in _KINDS if test(mode)), None)
    return (f"is {kind}, not a regular file" if kind else "is not a regular file",
            "name a regular file: only a file's contents can be uploaded")


def _count(n):
    return f"{n} file" if n == 1 else f"{n} files"


def _walk(root, max_depth, include_hidden):
    """Yield (path below root, real path) of each regular file, following folder symlinks once each.

    Anything else that is not a folder (a named pipe, a link to nothing) is yielded with real path None.
    """
    try:
        stat = os.stat(root)
    except OSError:
        return
    visited = {(stat.st_dev, stat.st_ino)}
    stack = [(root, "", os.path.realpath(root), 1)]
    while stack:
        folder, sub, real, depth = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            if not include_hidden and name.startswith("."):
                continue
            try:
                link = entry.is_symlink()
                if entry.is_dir():
                    if max_depth is not None and depth >= max_depth:
                        continue
                    stat = entry.stat()
                    if (stat.st_dev, stat.st_ino) in visited:
                        continue
                    visited.add((stat.st_dev, stat.st_ino))
                    child_real = os.path.realpath(entry.path) if link else os.path.join(real, name)
                    subfolders.append((entry.path, f"{sub}{name}/", child_real, depth + 1))
                elif entry.is_file():
                    yield sub + name, (os.path.realpath(entry.path) if link else os.path.join(real, name))
                else:
                    yield sub + name, None
            except OSError:
                continue
        stack.extend(reversed(subfolders))


def iter_step_files(manifest, step, *, allow_outside=False, reserved=()) -> list:
    """The step's input files: POSIX paths relative to manifest.base_dir, sorted and deduplicated.

    `reserved` names extendpipe's own paths (extendpipe.statedir.own_paths: the state folder, the lock
    file); they, and everything in a reserved folder, are never inputs, whatever the globs say.
    Raises ManifestError with a problem per include pattern that matched nothing, matched only
    excluded files or extendpipe's own, matched files outside the manifest's folder (unless
    allow_outside), or matched a name that is not UTF-8.
    """
    return _Resolver(manifest, step, allow_outside, reserved).resolve()
