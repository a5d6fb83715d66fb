"""`extendpipe validate` on random YAML and random manifest-shaped data: exit 0 or 2, never a traceback."""

from __future__ import annotations

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extendpipe.cli import cli

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["NO", "off", "1.10", "0755", "2024-01-05", "1:30",
                                                           "workflow_a", "draft", "${X}", "${X:-y}", "**/*.txt"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)
step = st.fixed_dictionaries({"name": st.one_of(st.just("a"), st.text(max_size=6)),
                              "workflow": st.one_of(st.just("workflow_a"), scalars)},
                             optional={"version": scalars, "priority": scalars, "metadata": values,
                                       "inputs": st.one_of(values, st.just({"raw_texts": ["x"]}),
                                                           st.just({"include": ["*.txt"]}))})
manifest = st.fixed_dictionaries({}, optional={"version": st.one_of(st.just(1), scalars), "name": scalars,
                                               "defaults": values, "settings": values,
                                               "steps": st.lists(step, max_size=3), "apiVersion": scalars})
documents = st.one_of(manifest.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
                      st.text(max_size=200),
                      st.binary(max_size=100).map(lambda b: b.decode("latin-1")))


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=documents)
def test_validate_exits_0_or_2_and_never_crashes(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("m")
    (folder / "a.txt").write_text("x")
    (folder / "m.yaml").write_text(text, encoding="utf-8", errors="surrogateescape")
    result = CliRunner().invoke(cli, ["validate", str(folder / "m.yaml")], env={"X": "1"})
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
