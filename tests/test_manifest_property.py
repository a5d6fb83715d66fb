"""Whatever the text, load_manifest returns a Manifest or raises ManifestError: nothing else escapes."""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extendpipe.errors import ManifestError
from extendpipe.manifest import Manifest, load_manifest

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

KEYS = ["version", "apiVersion", "name", "defaults", "settings", "steps", "workflow", "inputs", "include",
        "exclude", "raw_texts", "include_hidden", "priority", "metadata", "concurrency", "wait_timeout",
        "poll_interval", "allow_needs_review", "extendpipe", "<<", "on", "x-a"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["yes", "NO", "off", "1.10", "0755", "2024-01-05", "1:30", "draft", "3", "10m",
                     "workflow_a", "a", "*.pdf", "**/*.txt", "${X}", "${Y:-d}", "$$", "${", "~", ".inf"]),
    st.text(max_size=12),
)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(KEYS), children, max_size=5)),
    max_leaves=25,
)
YAML_CHARS = string.ascii_letters + string.digits + " \t\n:-[]{},&*!|>'\"%@`#?$~<.=\\/"


def check(tmp_path, data: bytes):
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    try:
        result = load_manifest(path, environ={"X": "1"})
    except ManifestError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert isinstance(problem.format(), str)
    else:
        assert isinstance(result, Manifest)


@SETTINGS
@given(text=st.text(alphabet=YAML_CHARS, max_size=200))
def test_random_yaml_text(tmp_path, text):
    check(tmp_path, text.encode("utf-8"))


@SETTINGS
@given(data=st.binary(max_size=64))
def test_random_bytes(tmp_path, data):
    check(tmp_path, data)


@SETTINGS
@given(
    top=st.dictionaries(st.sampled_from(KEYS), JSONISH, max_size=6),
    steps=st.lists(st.dictionaries(st.sampled_from(KEYS), JSONISH, max_size=6), max_size=3),
    flow=st.booleans(),
)
def test_manifest_shaped_data(tmp_path, top, steps, flow):
    doc = {"version": 1, "name": "demo", **top, "steps": steps}
    text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True)
    check(tmp_path, text.encode("utf-8"))
