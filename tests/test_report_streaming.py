"""The report is written a run at a time: outputs wait on disk, a bad run leaves no file behind."""

from __future__ import annotations

import json

import pytest

from extendpipe.report import dumps_document, write_report
from extendpipe.results import OutputSpool, RunResult


class _Planned:
    def __init__(self):
        self.desired = None


def test_outputs_wait_in_the_spool_trimmed_and_come_back_whole():
    spool = OutputSpool()
    result = RunResult(_Planned(), spool=spool)
    outputs = [{"id": "dpr_1", "type": "EXTRACT", "output": {"value": {"name": "Café \ud800 ✓"}},
                "config": {"big": "x" * 1000}, "url": "https://example.invalid/dpr_1"}]
    result.record({"id": "workflow_run_1", "status": "PROCESSED", "outputs": outputs}, 0.0)
    assert result.outputs == []  # nothing held in memory
    assert result.read_outputs() == [{"id": "dpr_1", "type": "EXTRACT",
                                      "output": {"value": {"name": "Café \ud800 ✓"}}}]
    in_memory = RunResult(_Planned())
    in_memory.record({"outputs": outputs}, 0.0)
    assert in_memory.read_outputs() == result.read_outputs()


def test_a_run_that_does_not_match_the_schema_leaves_no_report(tmp_path):
    from click.testing import CliRunner

    from extendpipe.cli import cli

    (tmp_path / "m.yaml").write_text("version: 1\nname: t\nsteps:\n  - name: s\n    workflow: workflow_t\n"
                                     "    inputs: {raw_texts: [\"Invoice 1\", \"Invoice 2\", \"Invoice 3\"]}\n")
    first = tmp_path / "first.json"
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--report", str(first), "-q"],
                                env={"EXTEND_API_KEY": None})
    assert result.exit_code == 0, result.output
    report = json.loads(first.read_text())
    assert len(report["runs"]) == 3
    write_report(tmp_path / "same.json", report)
    assert json.loads((tmp_path / "same.json").read_text()) == report
    report["runs"][1]["attempts"] = -1  # the envelope and the first run are fine: the file was begun
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError, match=r"schemas/report.schema.json at runs/1/attempts"):
        write_report(out / "r.json", report)
    assert list(out.iterdir()) == []  # no report, no temporary file


def test_chunks_make_the_same_document_as_one_dump():
    document = {"b": [{"x": 1}, {"y": [1, 2]}], "a": {"k": None}, "c": [], "d": "é"}
    text = dumps_document(document)
    assert json.loads(text) == document
    assert text.splitlines()[2] == '  "b": ['  # each item of a top-level list on a line of its own
    assert '    {"x": 1},' in text.splitlines()


def test_a_spool_that_cannot_write_keeps_the_outputs_in_memory():
    class FullDisk(OutputSpool):
        def put(self, outputs):
            raise OSError(28, "No space left on device")

    result = RunResult(_Planned(), spool=FullDisk())
    result.record({"outputs": [{"type": "EXTRACT", "output": {"value": {"total_amount": 12.5}}}]}, 0.0)
    assert result.outputs_at is None
    assert result.read_outputs() == [{"type": "EXTRACT", "output": {"value": {"total_amount": 12.5}}}]


def test_apply_completes_when_no_temporary_file_can_be_made(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from extendpipe.cli import cli

    (tmp_path / "m.yaml").write_text("version: 1\nname: t\nsteps:\n  - name: s\n    workflow: workflow_t\n"
                                     "    inputs: {raw_texts: [\"Invoice 7 Total: 10.00 EUR\"]}\n")
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("extendpipe.results.tempfile.TemporaryFile", no_space)
    assert OutputSpool.open() is None
    report = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--report", str(report), "-q"],
                                env={"EXTEND_API_KEY": None})
    assert result.exit_code == 0, result.output
    runs = json.loads(report.read_text())["runs"]
    assert [r["status"] for r in runs] == ["PROCESSED"] and runs[0]["outputs"]
