"""Read a manifest into plain JSON-like data, keeping the line and column of every key and value.

PyYAML composes the node graph; we build the values ourselves so that keys and timestamps stay
strings, duplicate keys are errors, `<<` merges work, aliases cannot blow up, and every scalar that
YAML 1.1 silently turned into a non-string is remembered (a "trap") for the schema messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from extendpipe.errors import ManifestError, Problem
from extendpipe.manifest.envexpand import ExpandError, expand
from extendpipe.manifest.jsonpath import format_path
from extendpipe.manifest.source import MAX_BYTES, decode
from extendpipe.manifest.traps import number_trap, surrogate_trap, yaml_problem

MAX_VALUES = 100_000
MAX_TEXT = MAX_BYTES  # characters of text after expanding aliases: no more than the largest file holds
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


def compose(text, shown):
    """The root node of the single document in `text`; YAML errors become one Problem."""
    try:
        loader = ManifestLoader(text)
    except yaml.YAMLError as exc:  # the reader checks every character up front
        raise ManifestError([yaml_problem(exc, text, shown)]) from None
    try:
        node = loader.get_single_node()
    except _TooMany as exc:
        raise ManifestError([Problem(shown, exc.mark.line + 1, exc.mark.column + 1, "",
                                     f"more than {MAX_VALUES} values", "a manifest lists globs, not data; "
                                     "keep it small")]) from None
    except yaml.YAMLError as exc:
        raise ManifestError([yaml_problem(exc, text, shown)]) from None
    except RecursionError:
        raise ManifestError([Problem(shown, None, None, "", "invalid YAML: nested too deeply")]) from None
    finally:
        loader.dispose()
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL and not node.value):
        raise ManifestError([Problem(shown, 1, 1, "", "manifest is empty", "start it with 'version: 1'")])
    return loader, node


class Builder:
    """Turns a composed node graph into values, recording positions, traps and problems."""

    def __init__(self, loader, shown, environ, secrets=()):
        self.loader = loader
        self.shown = shown
        self.environ = environ
        self.secrets = tuple(secrets)  # values no string may hold, literally or once expanded
        self.doc = Document()
        self.count = 0
        self.text = 0  # characters of scalars and keys built so far, aliases expanded
        self.merges = 0  # pairs gathered from '<<' merge sources
        self.flat = {}  # id(merge source node) -> its flat_pairs, so shared anchors are flattened once
        self.cycle = False
        self.active = set()

    def problem(self, path, where, message, hint=None, flag=True):
        """Record a problem; `flag` silences the schema's own messages about that path."""
        path = tuple(path)
        if flag:
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
            value = self.scalar(node, path)
            self.add_text(value, path, node)
            return value
        if id(node) in self.active:
            self.problem(path, _mark(node), "an alias refers to a value that contains it",
                         "a value cannot hold itself: copy what it needs, or alias a smaller part")
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
            if not isinstance(key_node, yaml.ScalarNode):  # not flagged: the other keys still get checked
                self.problem(path, _mark(key_node), "a key must be plain text, not a list or mapping",
                             "write the key as text, or quote it", flag=False)
                continue
            key = key_node.value
            self.add_text(key, path, key_node)
            line, col = _mark(key_node)
            trap = surrogate_trap(key)
            if trap:
                self.problem(path + (key,), (line, col), *trap)
                continue
            if key in seen:
                self.problem(path + (key,), (line, col), f"duplicate key '{key}' (first at line {seen[key]})",
                             "remove one of them")
                continue
            seen[key] = line
            self.doc.keys[path + (key,)] = (line, col)
            result[key] = self.value(value_node, path + (key,), depth + 1)
        for source in merged:  # explicit keys win; among merged mappings, the first wins
            for key_node, value_node in self.flat_pairs(source, (path[:1], _mark(node))):
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

    def add_text(self, value, path, node):
        """Count the characters built; aliases repeating a long text cannot make gigabytes from a small file."""
        if isinstance(value, str):
            self.text += len(value)
            if self.text > MAX_TEXT:
                self.problem(path[:1], _mark(node), f"more than {MAX_TEXT // (1024 * 1024)} MB of text "
                             "(after expanding aliases)", "a manifest should be small; check for aliases "
                             "that repeat a long text")
                raise _Stop

    def flat_pairs(self, node, at, stack=()):
        """The (key node, value node) pairs of a merge source, its own merges applied.

        Each source is flattened once (memoised by node), and the pairs gathered over all sources are
        counted, so a chain of anchors merging each other twice cannot take exponential time.
        """
        if id(node) in stack or len(stack) > MAX_DEPTH:
            self.cycle = True
            return []
        if id(node) in self.flat:
            return self.flat[id(node)]
        outer, self.cycle = self.cycle, False
        pairs, later = {}, []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                later.extend(s for s in sources if isinstance(s, yaml.MappingNode))
            elif isinstance(key_node, yaml.ScalarNode):
                pairs.setdefault(key_node.value, (key_node, value_node))
        for source in later:
            found = self.flat_pairs(source, at, stack + (id(node),))
            self.merges += 1 + len(found)
            if self.merges > MAX_VALUES:
                self.problem(*at, f"more than {MAX_VALUES} merged keys (after expanding '<<' "
                             "aliases)", "a manifest should be small; check for '<<' merges of anchors that "
                             "merge each other")
                raise _Stop
            for key_node, value_node in found:
                pairs.setdefault(key_node.value, (key_node, value_node))
        result = list(pairs.values())
        if not self.cycle:  # a result cut short by a cycle depends on where it was entered from
            self.flat[id(node)] = result
        self.cycle = self.cycle or outer
        return result

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
        if any(secret in text for secret in self.secrets):  # never quoted: the message shows no value
            self.problem(path, _mark(node), "this value holds the API key, which a manifest may not hold",
                         "remove it: the key is only ever sent in the Authorization header")
            return ""
        if tag == STR:
            trap = surrogate_trap(text)
            if trap:
                self.problem(path, _mark(node), *trap)
                return text
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
            trap = number_trap(path, text, value)
            if trap:
                self.problem(path, _mark(node), *trap)
        return value


def load_document(raw, shown, environ, secrets=()):
    """Bytes of a manifest → Document. Raises ManifestError when the file cannot be read as YAML at all.
    No string value may hold one of `secrets` (the API key), written out or expanded."""
    text = decode(raw, shown)
    loader, node = compose(text, shown)
    try:
        return Builder(loader, shown, environ, secrets).build(node)
    finally:
        loader.dispose()
