from __future__ import annotations

import pytest

from extendpipe.durations import parse_duration


@pytest.mark.parametrize("text,seconds", [(5, 5.0), ("2.5", 2.5), ("90s", 90.0), ("10m", 600.0),
                                          ("1h30m", 5400.0), ("250ms", 0.25)])
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "10x", "-1", True, "1h 30m"])
def test_not_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)
