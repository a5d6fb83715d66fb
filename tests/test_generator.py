"""The committed sample invoices are exactly what scripts/generate_samples.py produces."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "generate_samples.py"
SAMPLES = ROOT / "pipelines" / "samples"
EXPECTED = SAMPLES / "invoices.expected.json"


def _files(base: Path) -> dict:
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _documents() -> list:
    return sorted(p.name for p in (SAMPLES / "invoices").iterdir() if p.is_file())


def test_regeneration_is_byte_identical_to_committed(tmp_path):
    pytest.importorskip("fpdf", reason="fpdf2 is not installed (pip install '.[generate]'); cannot regenerate PDFs")
    for run in ("first", "second"):
        out = tmp_path / run
        subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True)
    first, second, committed = _files(tmp_path / "first"), _files(tmp_path / "second"), _files(SAMPLES)
    assert first == second, "generator output differs between two runs"
    assert sorted(first) == sorted(committed), "committed samples differ in file list: rerun the generator"
    stale = [name for name in first if first[name] != committed[name]]
    assert not stale, f"committed samples are out of date, rerun scripts/generate_samples.py: {stale}"


def test_enough_documents_of_both_kinds():
    docs = _documents()
    assert len(docs) >= 10
    assert any(d.endswith(".pdf") for d in docs)
    assert any(d.endswith(".txt") for d in docs)


def test_expected_json_covers_exactly_the_documents():
    raw = EXPECTED.read_text(encoding="ascii")
    expected = json.loads(raw)
    assert raw == json.dumps(expected, indent=2, sort_keys=True) + "\n"
    assert sorted(expected) == _documents()
    for name, facts in expected.items():
        assert set(facts) == {"issuer", "invoice_number", "invoice_date", "total_amount", "currency"}, name
        assert len(facts["invoice_date"]) == 10 and facts["invoice_date"][4] == "-", name
        assert isinstance(facts["total_amount"], (int, float)) and facts["total_amount"] > 0, name
        assert len(facts["currency"]) == 3 and facts["currency"].isupper(), name


def test_each_document_shows_its_invoice_number():
    pypdf = pytest.importorskip("pypdf")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for name, facts in expected.items():
        path = SAMPLES / "invoices" / name
        if path.suffix == ".pdf":
            text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
        else:
            text = path.read_text(encoding="utf-8")
        assert facts["invoice_number"] in text, f"{name}: {facts['invoice_number']!r} not in extracted text"
