"""Read a manifest into plain JSON-like data, keeping the line and column of every key and value.

PyYAML composes the node graph; we build the values ourselves so that keys and timestamps stay
strings, duplicate keys are errors, `<<` merges work, aliases cannot blow up, and every scalar that
YAML 1.1 silently turned into a non-string is remembered (a "trap") for the schema messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import yaml

from extendpipe.errors import ManifestError, Problem
from extendpipe.manifest.envexpand import ExpandError, expand
from extendpipe.manifest.jsonpath import format_path, quote_hint
from extendpipe.manifest.source import decode

MAX_VALUES = 100_000
MAX_DEPTH = 64

_P = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = _P + "str", _P + "int", _P + "float", _P + "bool", _P + "null"
TIMESTAMP, MERGE, MAP, SEQ = _P + "timestamp", _P + "merge", _P + "map", _P + "seq"


class ManifestLoader(yaml.SafeLoader):
    """PyYAML's safe loader, used to compose nodes (with marks); `Builder` turns them into values."""

    _SCALARS = {
        INT: yaml.SafeLoader.construct_yaml_int,
        FLOAT: yaml.SafeLoader.construct_yaml_float,
        BOOL: yaml.SafeLoader.construct_yaml_bool,
        NULL: yaml.SafeLoader.construct_yaml_null,
    }

    def __init__(self, stream):
        super().__init__(stream)
        self.node_count = 0

    def compose_node(self, parent, index):
        self.node_count += 1
        if self.node_count > MAX_VALUES:
            raise _TooMany(self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def scalar_value(self, tag, text):
        """The value of a scalar with this (resolved) tag; timestamps and strings stay text."""
        if tag in (STR, TIMESTAMP):
            return text
        return self._SCALARS[tag](self, yaml.ScalarNode(tag, text))


@dataclass
class Document:
    """Loaded data plus where each piece came from. Paths are tuples of keys and indexes."""

    data: object = None
    values: dict = field(default_factory=dict)  # path -> (line, col) of the value
    keys: dict = field(default_factory=dict)  # path -> (line, col) of the key naming it
    plain: dict = field(default_factory=dict)  # path -> source text of an unquoted non-string scalar
    dates: dict = field(default_factory=dict)  # path -> source text of an unquoted date (kept as text)
    problems: list = field(default_factory=list)
    flagged: set = field(default_factory=set)  # paths with a problem already: no schema noise there

    def position(self, path):
        return self.values.get(tuple(path), (None, None))


class _TooMany(yaml.YAMLError):
    """The text itself holds more nodes than a manifest ever needs."""

    def __init__(self, mark):
        super().__init__(mark)
        self.mark = mark


class _Stop(Exception):
    """Building cannot go on (too many values); the problem is already recorded."""


def _short(tag):
    return "!!" + tag[len(_P):] if tag.startswith(_P) else tag


def _mark(node):
    return node.start_mark.line + 1, node.start_mark.column + 1


def _yaml_problem(exc, text, shown):
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        line, col = mark.line + 1, mark.column + 1
    else:  # ReaderError: a position in the text
        pos = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    what = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    hint = None
    if "'\\t'" in what or "\t" in what:
        what, hint = "tab character where YAML needs spaces", "use spaces to indent and after ':'"
    elif "expected a single document" in what + context:
        what, hint = "more than one YAML document", "keep one document (no second '---') per manifest"
    elif "mapping values are not allowed" in what:
        hint = "check the indentation, or quote a value that contains ': '"
    elif "special characters are not allowed" in what:
        what = "control character in the file"
    return Problem(shown, line, col, "", f"invalid YAML: {what}", hint)


def compose(text, shown):
    """The root node of the single document in `text`; YAML errors become one Problem."""
    try:
        loader = ManifestLoader(text)
    except yaml.YAMLError as exc:  # the reader checks every character up front
        raise ManifestError([_yaml_problem(exc, text, shown)]) from None
    try:
        node = loader.get_single_node()
    except _TooMany as exc:
        raise ManifestError([Problem(shown, exc.mark.line + 1, exc.mark.column + 1, "",
                                     f"more than {MAX_VALUES} values", "a manifest lists globs, not data; "
                                     "keep it small")]) from None
    except yaml.YAMLError as exc:
        raise ManifestError([_yaml_problem(exc, text, shown)]) from None
    except RecursionError:
        raise ManifestError([Problem(shown, None, None, "", "invalid YAML: nested too deeply")]) from None
    finally:
        loader.dispose()
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL and not node.value):
        raise ManifestError([Problem(shown, 1, 1, "", "manifest is empty", "start it with 'version: 1'")])
    return loader, node


class Builder:
    """Turns a composed node graph into values, recording positions, traps and problems."""

    def __init__(self, loader, shown, environ):
        self.loader = loader
        self.shown = shown
        self.environ = environ
        self.doc = Document()
        self.count = 0
        self.active = set()

    def problem(self, path, where, message, hint=None):
        path = tuple(path)
        self.doc.flagged.add(path)
        line, col = where
        self.doc.problems.append(Problem(self.shown, line, col, format_path(path), message, hint))

    def build(self, node):
        try:
            self.doc.data = self.value(node, (), 0)
        except _Stop:
            self.doc.data = None
        return self.doc

    def value(self, node, path, depth):
        self.count += 1
        if self.count > MAX_VALUES:
            self.problem(path[:1], _mark(node), f"more than {MAX_VALUES} values (after expanding aliases)",
                         "a manifest should be small; check for aliases repeated inside each other")
            raise _Stop
        self.doc.values[path] = _mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.active:
            self.problem(path, _mark(node), "an alias refers to a value that contains it")
            return None
        if depth >= MAX_DEPTH:
            self.problem(path, _mark(node), f"nested deeper than {MAX_DEPTH} levels")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode) and node.tag == SEQ:
                return [self.value(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode) and node.tag == MAP:
                return self.mapping(node, path, depth)
            self.problem(path, _mark(node), f"unsupported YAML tag '{_short(node.tag)}'", "remove the tag")
            return None
        finally:
            self.active.discard(id(node))

    def mapping(self, node, path, depth):
        result, seen, merged = {}, {}, []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                merged.extend(self.merge_sources(value_node, path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(path, _mark(key_node), "a key must be plain text, not a list or mapping")
                continue
            key = key_node.value
            line, col = _mark(key_node)
            if key in seen:
                self.problem(path + (key,), (line, col), f"duplicate key '{key}' (first at line {seen[key]})",
                             "remove one of them")
                continue
            seen[key] = line
            self.doc.keys[path + (key,)] = (line, col)
            result[key] = self.value(value_node, path + (key,), depth + 1)
        for source in merged:  # explicit keys win; among merged mappings, the first wins
            for key_node, value_node in self.flat_pairs(source):
                key = key_node.value
                if key not in result:
                    self.doc.keys[path + (key,)] = _mark(key_node)
                    result[key] = self.value(value_node, path + (key,), depth + 1)
        return result

    def merge_sources(self, node, path):
        if isinstance(node, yaml.MappingNode):
            return [node]
        if isinstance(node, yaml.SequenceNode) and all(isinstance(n, yaml.MappingNode) for n in node.value):
            return list(node.value)
        self.problem(path, _mark(node), "'<<' needs a mapping or a list of mappings",
                     "write '<<: *anchor' where the anchor names a mapping")
        return []

    def flat_pairs(self, node, stack=()):
        """The (key node, value node) pairs of a merge source, its own merges applied."""
        if id(node) in stack or len(stack) > MAX_DEPTH:
            return []
        pairs, later = {}, []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                later.extend(s for s in sources if isinstance(s, yaml.MappingNode))
            elif isinstance(key_node, yaml.ScalarNode):
                pairs.setdefault(key_node.value, (key_node, value_node))
        for source in later:
            for key_node, value_node in self.flat_pairs(source, stack + (id(node),)):
                pairs.setdefault(key_node.value, (key_node, value_node))
        return list(pairs.values())

    def scalar(self, node, path):
        tag, text, plain = node.tag, node.value, node.style is None
        if tag == STR and "$" in text:
            try:
                text = expand(text, self.environ)
            except ExpandError as exc:
                self.problem(path, _mark(node), exc.message, exc.hint)
                return node.value
            if plain and text != node.value:
                tag = self.loader.resolve(yaml.ScalarNode, text, (True, False))
        if tag not in (STR, TIMESTAMP) and tag not in ManifestLoader._SCALARS:
            self.problem(path, _mark(node), f"unsupported YAML tag '{_short(tag)}'", "remove the tag")
            return text
        try:
            value = self.loader.scalar_value(tag, text)
        except (ValueError, TypeError, KeyError, OverflowError, yaml.YAMLError):
            self.problem(path, _mark(node), f"cannot read {text!r} as {tag.rsplit(':', 1)[-1]}",
                         "remove the tag or fix the value")
            return text
        if plain and tag == TIMESTAMP:
            self.doc.dates[path] = text
        elif plain and not isinstance(value, str):
            self.doc.plain[path] = text
            self.check_number(node, path, text, value)
        return value

    def check_number(self, node, path, text, value):
        """Flag values no one means: base-60 (`1:30`), octal (`0755`), infinities and NaN, and in metadata
        (where any JSON value is allowed, so the schema cannot tell) YAML 1.1 booleans such as `NO` or `off`.
        """
        if isinstance(value, bool):
            if text.lower() not in ("true", "false") and "metadata" in map(str, path[:-1]):
                self.problem(path, _mark(node), f"{text} is read by YAML as the boolean {str(value).lower()}, "
                             "not as text", quote_hint(path, text) + "; write true or false for a boolean")
            return
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(path, _mark(node), f"{text} is not a finite number", quote_hint(path, text))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            digits = text.lstrip("+-")
            if ":" in text:
                self.problem(path, _mark(node), f"{text} is read by YAML as the base-60 number {value}",
                             quote_hint(path, text))
            elif isinstance(value, int) and len(digits) > 1 and digits[0] == "0" and digits.isdigit():
                self.problem(path, _mark(node), f"{text} is read by YAML as the octal number {value}",
                             quote_hint(path, text))


def load_document(raw, shown, environ):
    """Bytes of a manifest → Document. Raises ManifestError when the file cannot be read as YAML at all."""
    text = decode(raw, shown)
    loader, node = compose(text, shown)
    try:
        return Builder(loader, shown, environ).build(node)
    finally:
        loader.dispose()
