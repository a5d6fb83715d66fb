"""Extraction quality on real invoices (../shared/data/invoices, from invoice2data's fixtures).

Computes per-field and all-three (invoice number, date, total) shares and asserts floors at the level
reached. Rules are general: no per-file cases. A field missing from a reference file is not counted
for that field, and does not block the all-three match.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extendpipe.emulator import extract, parsing

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "invoices"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/invoices")

FLOORS = {
    "invoice_number": 0.85,
    "invoice_date": 1.0,
    "total_amount": 1.0,
    "currency": 1.0,
    "all_three": 0.85,
}


def _norm_number(value):
    return None if value is None else str(value).replace(" ", "").lstrip("#").lower()


def _matches(field, got, want):
    if field == "invoice_number":
        return _norm_number(got) == _norm_number(want)
    if field == "total_amount":
        return got is not None and abs(float(got) - float(want)) < 0.005
    return got == want


def measure(directory: Path) -> tuple[dict[str, float], list[str]]:
    docs = sorted(
        p for p in directory.iterdir() if p.suffix in (".pdf", ".txt") and p.with_suffix(".json").exists()
    )
    hits = {key: [0, 0] for key in FLOORS}
    misses = []
    for doc in docs:
        reference = json.loads(doc.with_suffix(".json").read_text())[0]
        data = doc.read_bytes()
        text, _ = parsing.extract_text(parsing.detect_type(doc.name, data), data)
        value, _ = extract.extract_invoice(text)
        wanted = {
            "invoice_number": reference.get("invoice_number"),
            "invoice_date": reference.get("date"),
            "total_amount": reference.get("amount"),
            "currency": reference.get("currency"),
        }
        ok_all = True
        for field, want in wanted.items():
            if want is None:
                continue
            ok = _matches(field, value[field], want)
            hits[field][0] += ok
            hits[field][1] += 1
            if not ok:
                misses.append(f"{doc.name}: {field} got {value[field]!r}, want {want!r}")
                ok_all = ok_all and field == "currency"
        hits["all_three"][0] += ok_all
        hits["all_three"][1] += 1
    return {key: ok / total for key, (ok, total) in hits.items() if total}, misses


@pytest.mark.skipif(not DATA.is_dir(), reason="the shared real-invoice data is not present")
def test_real_invoice_extraction_shares():
    shares, misses = measure(DATA)
    print(
        "\nreal-invoice shares:", json.dumps({k: round(v, 3) for k, v in shares.items()}), *misses, sep="\n"
    )
    for field, floor in FLOORS.items():
        assert shares[field] >= floor, (field, shares[field], misses)
