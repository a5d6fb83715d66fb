from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from extendpipe.cli import cli
from extendpipe.durations import parse_duration
from extendpipe.manifest.schema import validator


@pytest.mark.parametrize("text,seconds", [(5, 5.0), ("2.5", 2.5), ("90s", 90.0), ("10m", 600.0),
                                          ("1h30m", 5400.0), ("250ms", 0.25), ("0.0000001", 1e-7),
                                          (1e-9, 1e-9)])
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "10x", "-1", True, "1h 30m", "1e-9", ".5", " 5", "+2", "1_000", "inf"])
def test_not_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("text", "message"), [
    ("1e-9", "'1e-9' is not a duration: seconds are written in plain digits, as in 0.000000001 (or use e.g. "
             "90s, 10m, 1h30m)"),
    ("2.5E3", "'2.5E3' is not a duration: seconds are written in plain digits, as in 2500 (or use e.g. 90s, "
              "10m, 1h30m)"),
    ("soon", "'soon' is not a duration (use seconds, or e.g. 90s, 10m, 1h30m)"),
    ("-1", "'-1' is not a duration: it must be a finite number of seconds, zero or more"),
    ("1e400", "'1e400' is not a duration: it must be a finite number of seconds, zero or more"),
])
def test_a_number_written_another_way_gets_its_plain_digits(text, message):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == message


@given(st.text(alphabet="0123456789.eE+-_ hms\n", max_size=8))
def test_text_is_a_duration_exactly_when_the_schema_says_so(text):
    manifest = {"version": 1, "name": "demo", "settings": {"poll_interval": text},
                "steps": [{"name": "a", "workflow": "workflow_a", "inputs": {"raw_texts": ["x"]}}]}
    try:
        parse_duration(text)
        parsed = True
    except ValueError:
        parsed = False
    assert parsed == validator().is_valid(manifest)


def test_the_command_line_takes_the_same_forms(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nname: demo\nsteps:\n  - name: a\n    workflow: workflow_a\n"
                                     "    inputs: {raw_texts: [x]}\n")
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--poll-interval", "1e-9"])
    assert result.exit_code == 2
    assert ("Invalid value for '--poll-interval': '1e-9' is not a duration: seconds are written in plain digits, "
            "as in 0.000000001 (or use e.g. 90s, 10m, 1h30m)") in result.stderr
