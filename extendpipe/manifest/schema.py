"""Validate loaded data against schemas/pipeline.schema.json and word each error for a person."""

from __future__ import annotations

import difflib
import functools
import json
import re
from importlib import resources

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from extendpipe.durations import number_reason
from extendpipe.errors import Problem
from extendpipe.manifest.jsonpath import format_path, last_key, quote_hint

_OCTAL = re.compile(r"[-+]?0[oO][0-7]+(?:_[0-7]+)*\Z")  # YAML 1.2 octal; YAML 1.1 keeps it as text
_TYPES = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
    "number": "a number", "boolean": "true or false", "null": "nothing",
}
_HINTS = {
    "name": "use lowercase letters, digits, '-' and '_', starting with a letter or digit",
    "workflow": "workflow ids look like 'workflow_abc123'",
    "version": 'use "draft" or a version number in quotes like "3"; leave it out for the latest published',
    "priority": "use a whole number from 1 (runs first) to 100",
    "concurrency": "use a whole number from 1 to 64",
    "wait_timeout": 'use seconds (600) or a duration like "90s", "10m", "1h30m"',
    "poll_interval": 'use seconds (2) or a duration like "2s", "500ms", "1m"',
    "steps": "list the steps, each starting with '- name: ...'",
    "include": "use a glob relative to the manifest's folder, with '/' between folders",
    "exclude": "use a glob relative to the manifest's folder, with '/' between folders",
    "rate_limit": "use payg, scale, enterprise, none, or rps=N,runs=M",
}
_LABELS = {"name": "name", "workflow": "workflow id", "version": "workflow version", "rate_limit": "rate limit",
           "include": "glob pattern", "exclude": "glob pattern"}
_REQUIRED_HINTS = {
    "name": "add 'name: ...'",
    "steps": "add 'steps:' with at least one step",
    "workflow": "add 'workflow: workflow_...' with the id of the Extend workflow to run",
    "inputs": "add 'inputs:' with 'include:' globs or 'raw_texts:'",
}


@functools.cache
def schema() -> dict:
    """The published manifest schema (shipped inside the package)."""
    text = resources.files("extendpipe").joinpath("schemas", "pipeline.schema.json").read_text("utf-8")
    return json.loads(text)


def _end_anchored(pattern: str) -> str:
    """A JSON Schema (ECMA-262) regex for Python's re: '$' outside a class becomes '\\Z'.

    In ECMA-262, '$' matches only at the end of the text; in Python it also matches before a final
    newline, so "demo\\n" would pass '^[a-z0-9][a-z0-9_-]*$' here while an editor refuses it.
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        out.append(r"\Z" if char == "$" and not in_class else char)
        i += 1
    return "".join(out)


@functools.cache
def _regex(pattern: str) -> re.Pattern:
    return re.compile(_end_anchored(pattern))


def _pattern(validator, pattern, instance, schema):
    """The `pattern` keyword with ECMA-262's '$' (jsonschema uses Python's re.search as it is)."""
    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


@functools.cache
def validator() -> Draft202012Validator:
    return _Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def describe(value) -> str:
    """A value as a person would name it in a message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return "a list" if isinstance(value, list) else "a mapping"


def _typos(value, known) -> set:
    """The known keys that some unknown key of `value` looks like a misspelling of."""
    found = set()
    for extra in value if isinstance(value, dict) else ():
        if extra not in known:
            found.update(difflib.get_close_matches(extra, list(known), n=1, cutoff=0.6))
    return found


class Messages:
    """Collects Problems for one document: trap messages first, then schema errors elsewhere."""

    def __init__(self, doc, shown):
        self.doc = doc
        self.shown = shown
        self.problems = []
        self.done = set()

    def add(self, path, message, hint=None, where=None):
        path = tuple(path)
        line, col = where or self.doc.position(path)
        self.problems.append(Problem(self.shown, line, col, format_path(path), message, hint))

    def check(self, data):
        for path, text in self.doc.dates.items():
            if not path or "metadata" in path[:-1] or str(path[0]).startswith("x-"):
                continue
            self.add(path, f"{text} is read by YAML as a date, not as text", quote_hint(path, text))
            self.doc.flagged.add(path)
        errors = sorted(validator().iter_errors(data),
                        key=lambda e: (list(map(str, e.absolute_path)), e.message))
        for error in errors:
            path = tuple(error.absolute_path)
            if path in self.doc.flagged:
                continue
            self.explain(error, path)
        return self.problems

    def explain(self, error, path):
        kind, value, key = error.validator, error.instance, last_key(path)
        handler = getattr(self, f"on_{kind}", None)
        if handler is not None:
            handler(error, path, value, key)
        else:
            self.add(path, error.message)

    def on_type(self, error, path, value, key):
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        if "string" in wanted and path in self.doc.plain:
            text = self.doc.plain[path]
            message = f"{text} is read by YAML as {describe(value)}, not as text"
            self.add(path, message, quote_hint(path, text))
            return
        if wanted[0] in ("integer", "number") and isinstance(value, str) and _OCTAL.match(value):
            number = int(value.replace("_", ""), 0)
            self.add(path, f"{value} is read by YAML as text, not as the octal number {number}", f"write {number}")
            return
        hint = _HINTS.get(key) if path else "a manifest is a mapping with version, name and steps"
        if wanted == ["boolean"] and isinstance(value, str):
            hint = "write true or false, without quotes"
        elif wanted == ["array"] and isinstance(value, str):
            hint = f"write a list: {key}: [{json.dumps(value)}]"
        elif wanted[0] in ("integer", "number") and isinstance(value, str):
            hint = "write the number without quotes"
        elif key == "metadata" and wanted == ["object"]:
            hint = "write key: value pairs, like metadata: {team: finance}"
        self.add(path, f"expected {_TYPES.get(wanted[0], wanted[0])}, got {describe(value)}", hint)

    def on_additionalProperties(self, error, path, value, key):
        known = list(error.schema.get("properties", {}))
        patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
        for extra in value:
            if extra in known or any(p.search(extra) for p in patterns):
                continue
            close = difflib.get_close_matches(extra, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(known)}"
            where = self.doc.keys.get(path + (extra,), self.doc.position(path))
            self.add(path, f"unexpected key '{extra}'", hint, where)

    def on_required(self, error, path, value, key):
        if ("required", path) in self.done:
            return  # jsonschema reports each missing key apart; one pass names them all
        self.done.add(("required", path))
        typos = _typos(value, error.schema.get("properties", {}))
        for missing in error.validator_value:
            if missing not in value and missing not in typos:
                self.add(path, f"missing required key '{missing}'", _REQUIRED_HINTS.get(missing))

    def on_const(self, error, path, value, key):
        expected = error.validator_value
        quotes = ", without quotes" if isinstance(value, str) and not isinstance(expected, str) else ""
        self.add(path, f"unsupported {key} {json.dumps(value)}", f"write '{key}: {expected}'{quotes}")

    def on_pattern(self, error, path, value, key):
        if key in ("include", "exclude"):
            self.add(path, f"pattern {value!r} uses '\\' between folders",
                     "use '/' between folders, also on Windows")
            return
        label = _LABELS.get(key, key)
        self.add(path, f"{value!r} is not a valid {label}", _HINTS.get(key))

    def on_minItems(self, error, path, value, key):
        hint = "add at least one step" if path == ("steps",) else f"add at least one item, or remove '{key}'"
        self.add(path, "must not be an empty list", hint)

    def on_minLength(self, error, path, value, key):
        self.add(path, "must not be empty", f"remove the empty item from '{key}'" if path and
                 isinstance(path[-1], int) else None)

    def on_maxLength(self, error, path, value, key):
        self.add(path, f"is longer than {error.validator_value} characters", _HINTS.get(key))

    def on_minimum(self, error, path, value, key):
        self.add(path, f"{value} is below the minimum {error.validator_value}", _HINTS.get(key))

    def on_maximum(self, error, path, value, key):
        self.add(path, f"{value} is above the maximum {error.validator_value}", _HINTS.get(key))

    def on_dependentRequired(self, error, path, value, key):
        self.add(path, "'exclude' needs 'include'", "exclude only filters the files that include matched")

    def on_not(self, error, path, value, key):
        if key == "metadata" and isinstance(value, str):
            where = self.doc.keys.get(path + (value,), self.doc.position(path))
            self.add(path, f"the metadata key '{value}' is reserved",
                     "extendpipe adds its own 'extendpipe' key to every run's metadata; rename yours", where)
        else:
            self.add(path, error.message)

    def on_oneOf(self, error, path, value, key):
        if not isinstance(value, dict) and path == ():
            return  # the type error says it: the root must be a mapping
        if path == ():
            if "version" in value and "apiVersion" in value:
                self.add(path, "both 'version' and 'apiVersion' are given", "keep one of them")
            else:
                self.add(path, "missing 'version: 1'", "start the manifest with 'version: 1' "
                         "(or 'apiVersion: extendpipe/v1')", (1, 1) if value else None)
            return
        self.combined(error, path)

    def on_anyOf(self, error, path, value, key):
        if key == "inputs" and isinstance(value, dict):
            known = ("include", "exclude", "raw_texts", "include_hidden")
            if _typos(value, known) & {"include", "raw_texts"}:
                return  # "unexpected key 'includes' (hint: did you mean 'include'?)" says it
            self.add(path, "inputs need 'include' or 'raw_texts'",
                     "add 'include:' with glob patterns, or 'raw_texts:' with texts")
        elif key in ("wait_timeout", "poll_interval"):
            if path in self.doc.plain and not isinstance(value, (int, float)) or isinstance(value, bool):
                text = self.doc.plain.get(path, str(value))
                self.add(path, f"{text} is read by YAML as {describe(value)}, not as a duration", _HINTS[key])
            elif isinstance(value, (int, float)):
                self.add(path, f"{value} is not more than 0 seconds", _HINTS[key])
            elif isinstance(value, str):
                reason = number_reason(value)  # '1e-9', '-1': a number, but not as the schema asks
                self.add(path, f"{value!r} is not a duration" + (f": {reason}" if reason else ""), _HINTS[key])
            else:
                self.add(path, f"{describe(value)} is not a duration", _HINTS[key])
        else:
            self.combined(error, path)

    def combined(self, error, path):
        """A generic anyOf/oneOf: the best deep match, and how many other alternatives there were."""
        if not error.context:
            self.add(path, error.message)
            return
        best = best_match(error.context)
        others = len(error.context) - 1
        before = len(self.problems)
        self.explain(best, tuple(best.absolute_path))
        if others > 0 and len(self.problems) > before:
            last = self.problems[-1]
            extra = f"{others} other alternative{'s' if others > 1 else ''} also failed"
            hint = f"{last.hint}; {extra}" if last.hint else extra
            self.problems[-1] = Problem(last.path, last.line, last.column, last.json_path, last.message, hint)


def check(data, doc, shown) -> list:
    """Every schema problem in `data`, worded, with positions from `doc`."""
    return Messages(doc, shown).check(data)
