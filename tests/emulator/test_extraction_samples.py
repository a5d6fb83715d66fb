"""The generated sample invoices (pipelines/samples) must all extract exactly right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extendpipe.emulator import extract, parsing

SAMPLES = Path(__file__).resolve().parents[2] / "pipelines" / "samples"
EXPECTED = SAMPLES / "invoices.expected.json"
FIELDS = ("invoice_number", "invoice_date", "total_amount", "currency")


def _cases():
    if not EXPECTED.exists():
        return []
    return sorted(json.loads(EXPECTED.read_text()).items())


@pytest.mark.skipif(not EXPECTED.exists(), reason="no generated samples yet")
@pytest.mark.parametrize("name, expected", _cases())
def test_sample_invoice_extracts_exactly(name, expected):
    data = (SAMPLES / "invoices" / name).read_bytes()
    text, _ = parsing.extract_text(parsing.detect_type(name, data), data)
    value, _ = extract.extract_invoice(text)
    assert {k: value[k] for k in FIELDS} == {k: expected[k] for k in FIELDS}
