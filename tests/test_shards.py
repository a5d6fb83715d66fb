"""`--shard I/N` splits the work stably; merged shard reports equal the unsharded report run for run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from extendpipe.cli import cli
from extendpipe.emulator import Emulator

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "pipelines" / "samples" / "invoices"
MANIFEST = """\
version: 1
name: sharded
steps:
  - name: pdfs
    workflow: workflow_pdfs
    inputs: {include: ["docs/*.pdf"]}
  - name: texts
    workflow: workflow_texts
    inputs: {include: ["docs/*.txt"]}
"""
PER_APPLY = {"runId", "fileId", "submittedAt", "startedAt", "finishedAt"}


def comparable(report: dict) -> dict:
    doc = {k: v for k, v in report.items()
           if k not in {"startedAt", "finishedAt", "durationSeconds", "requests", "shard", "target"}}
    doc["runs"] = [{k: v for k, v in row.items() if k not in PER_APPLY} for row in report["runs"]]
    for row in doc["runs"]:  # processor-run ids are new with every run
        row["outputs"] = [{k: v for k, v in out.items() if k != "id"} for out in row["outputs"]]
    return doc


def apply(folder: Path, url: str, state: str, report: str, *extra) -> dict:
    env = {"EXTEND_API_KEY": "k", "EXTEND_BASE_URL": url}
    result = CliRunner().invoke(cli, ["apply", str(folder / "pipeline.yaml"), "--state-dir", str(folder / state),
                                      "--report", str(folder / report), "--poll-interval", "0.05", *extra], env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads((folder / report).read_text())


def test_four_shards_merged_equal_the_unsharded_report(tmp_path):
    (tmp_path / "docs").mkdir()
    for path in SAMPLES.iterdir():
        shutil.copy(path, tmp_path / "docs" / path.name)
    (tmp_path / "pipeline.yaml").write_text(MANIFEST)
    with Emulator(tmp_path / "a.sqlite3") as whole, Emulator(tmp_path / "b.sqlite3") as sharded:
        unsharded = apply(tmp_path, whole.url, "state-all", "all.json")
        parts = [apply(tmp_path, sharded.url, f"state-{i}", f"shard{i}.json", "--shard", f"{i}/4")
                 for i in range(1, 5)]
    sizes = [len(p["runs"]) for p in parts]
    assert sum(sizes) == len(unsharded["runs"]) == 13
    assert all(p["shard"] == f"{i}/4" for i, p in enumerate(parts, 1))
    result = CliRunner().invoke(cli, ["report", "merge", *(str(tmp_path / f"shard{i}.json") for i in range(1, 5)),
                                      "-o", str(tmp_path / "merged.json")])
    assert result.exit_code == 0, result.stderr
    merged = json.loads((tmp_path / "merged.json").read_text())
    merged, unsharded = comparable(merged), comparable(unsharded)
    for mine, theirs in zip(merged.pop("runs"), unsharded.pop("runs")):
        assert mine == theirs
    assert merged == unsharded


def test_merging_a_shard_twice_is_refused(tmp_path):
    (tmp_path / "docs").mkdir()
    shutil.copy(next(SAMPLES.glob("*.txt")), tmp_path / "docs")
    (tmp_path / "pipeline.yaml").write_text(MANIFEST.replace('include: ["docs/*.pdf"]', 'raw_texts: ["x"]'))
    with Emulator(tmp_path / "a.sqlite3") as emu:
        apply(tmp_path, emu.url, "s", "r.json")
    result = CliRunner().invoke(cli, ["report", "merge", str(tmp_path / "r.json"), str(tmp_path / "r.json"),
                                      "-o", str(tmp_path / "m.json")])
    assert result.exit_code == 2
    assert "is also in" in result.stderr
    assert not (tmp_path / "m.json").exists()


def test_a_merge_missing_a_shard_is_refused(tmp_path):
    (tmp_path / "docs").mkdir()
    for path in SAMPLES.iterdir():
        shutil.copy(path, tmp_path / "docs" / path.name)
    (tmp_path / "pipeline.yaml").write_text(MANIFEST)
    with Emulator(tmp_path / "b.sqlite3") as emu:
        for i in (1, 2):
            apply(tmp_path, emu.url, f"state-{i}", f"shard{i}.json", "--shard", f"{i}/4")
    args = ["report", "merge", str(tmp_path / "shard1.json"), str(tmp_path / "shard2.json"),
            "-o", str(tmp_path / "m.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "shard(s) 3/4, 4/4 missing" in result.stderr
    assert CliRunner().invoke(cli, [*args, "--partial"]).exit_code == 0


def test_merge_never_overwrites_a_file_that_is_not_a_report(tmp_path):
    (tmp_path / "docs").mkdir()
    shutil.copy(next(SAMPLES.glob("*.txt")), tmp_path / "docs")
    (tmp_path / "pipeline.yaml").write_text(MANIFEST.replace('include: ["docs/*.pdf"]', 'raw_texts: ["x"]'))
    with Emulator(tmp_path / "a.sqlite3") as emu:
        apply(tmp_path, emu.url, "s", "r.json")
    manifest = (tmp_path / "pipeline.yaml").read_text()
    result = CliRunner().invoke(cli, ["report", "merge", str(tmp_path / "r.json"),
                                      "-o", str(tmp_path / "pipeline.yaml")])
    assert result.exit_code == 2, result.stderr
    assert (f"error: {tmp_path / 'pipeline.yaml'}: this file is not a report, so merge does not overwrite it (hint: "
            "give -o a new path, or an earlier merged report)") in result.stderr
    assert (tmp_path / "pipeline.yaml").read_text() == manifest
    again = CliRunner().invoke(cli, ["report", "merge", str(tmp_path / "r.json"), "-o", str(tmp_path / "m.json")])
    assert again.exit_code == 0, again.stderr
    over = CliRunner().invoke(cli, ["report", "merge", str(tmp_path / "r.json"), "-o", str(tmp_path / "m.json")])
    assert over.exit_code == 0, over.stderr  # an earlier merged report may be replaced
