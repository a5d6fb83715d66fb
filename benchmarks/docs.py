"""Generated inputs: small text invoices (each one unique, so none shares an upload) and a manifest."""

from __future__ import annotations

from pathlib import Path

from benchmarks.scenario import WORKFLOW_ID

ISSUERS = ("ACME Supplies Ltd.", "Globex GmbH", "Initech SARL", "Umbrella B.V.", "Stark Industries Inc.")
CURRENCIES = ("EUR", "USD", "GBP", "CHF")


def invoice_text(index: int) -> str:
    month = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")[index % 12]
    cents = (index * 7919) % 1_000_000
    return (f"{ISSUERS[index % len(ISSUERS)]}\n"
            f"Invoice number: INV-{2024 + index % 3}-{index:06d}\n"
            f"Invoice date: {1 + index % 28} {month} {2024 + index % 3}\n"
            f"Bill to: Customer {index % 97}\n"
            f"Item: consulting services, {1 + index % 40} hours\n"
            f"Total due: {cents // 100:,}.{cents % 100:02d} {CURRENCIES[index % len(CURRENCIES)]}\n")


def doc_name(index: int) -> str:
    return f"doc-{index:06d}.txt"


def write_documents(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / doc_name(index)
        path.write_text(invoice_text(index), encoding="utf-8")
        paths.append(path)
    return paths


def write_manifest(path: Path, include: str, *, name: str = "bench", workflow: str = WORKFLOW_ID) -> Path:
    path.write_text(
        "version: 1\n"
        f"name: {name}\n"
        "steps:\n"
        "  - name: invoices\n"
        f"    workflow: {workflow}\n"
        "    metadata: {source: benchmark}\n"
        "    inputs:\n"
        f"      include: [\"{include}\"]\n",
        encoding="utf-8")
    return path


def write_small_files(root: Path, count: int, per_folder: int = 1000) -> int:
    """`count` small unique files in folders of `per_folder` (root/dNNN/fNNNNNN.txt); returns their bytes."""
    total = 0
    for index in range(count):
        folder = root / f"d{index // per_folder:03d}"
        if index % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        data = invoice_text(index).encode()
        (folder / f"f{index:06d}.txt").write_bytes(data)
        total += len(data)
    return total
