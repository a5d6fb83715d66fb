"""Output files are written to, never replaced: through symlinks, into FIFOs, atomically into regular files."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest
from click.testing import CliRunner

from extendpipe.cli import cli
from extendpipe.errors import InputError
from extendpipe.outfile import write_output

MANIFEST = """\
version: 1
name: out
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {raw_texts: ["Invoice 1 Total: 10.00 EUR"]}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(emulator, args):
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    return CliRunner().invoke(cli, args, env=env)


def test_a_symlinked_report_is_written_through_the_link(project, emulator):
    (project / "reports").mkdir()
    target = project / "reports" / "latest.json"
    target.write_text("old\n")
    (project / "link.json").symlink_to("reports/latest.json")
    result = invoke(emulator, ["apply", "m.yaml", "--report", "link.json", "--json", "--poll-interval", "0.05"])
    assert result.exit_code == 0, result.stderr
    assert os.readlink(project / "link.json") == "reports/latest.json"  # the link stays
    assert json.loads(target.read_text()) == json.loads(result.stdout)
    assert [p.name for p in (project / "reports").iterdir()] == ["latest.json"]  # no temporary file left
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


def test_a_symlinked_junit_file_is_written_through_the_link(project, emulator):
    target = project / "junit-target.xml"
    target.write_text("old\n")
    (project / "junit.xml").symlink_to("junit-target.xml")
    result = invoke(emulator, ["apply", "m.yaml", "--report", "r.json", "--junit", "junit.xml",
                               "--poll-interval", "0.05"])
    assert result.exit_code == 0, result.stderr
    assert (project / "junit.xml").is_symlink()
    assert b'tests="1" failures="0"' in target.read_bytes()


def test_a_symlinked_plan_is_written_through_the_link(project, emulator):
    (project / "target.json").write_text("old\n")
    (project / "plan.json").symlink_to("target.json")
    result = invoke(emulator, ["plan", "m.yaml", "-o", "plan.json", "--json"])
    assert result.exit_code == 0, result.stderr
    assert (project / "plan.json").is_symlink()
    assert json.loads((project / "target.json").read_text()) == json.loads(result.stdout)


def test_a_dangling_symlink_gets_its_target_written(tmp_path):
    (tmp_path / "link.json").symlink_to("made/later.json")
    write_output(tmp_path / "link.json", b"{}\n", "report")
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "made" / "later.json").read_bytes() == b"{}\n"


def test_a_fifo_report_is_streamed_to_its_reader(project, emulator):
    fifo = project / "report.fifo"
    os.mkfifo(fifo)
    os.link(fifo, project / "spare")  # the same FIFO by another name, to free the reader if it is replaced
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke(emulator, ["apply", "m.yaml", "--report", "report.fifo", "--json", "--poll-interval", "0.05"])
    _finish(reader, project / "spare")
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not a regular file
    assert json.loads(received[0]) == json.loads(result.stdout)  # the whole, valid report


def test_a_stream_that_fails_is_an_input_error_naming_the_path(tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    os.link(fifo, tmp_path / "spare")

    def read_one_byte_and_leave():
        with open(fifo, "rb") as fh:
            fh.read(1)

    reader = threading.Thread(target=read_one_byte_and_leave, daemon=True)
    reader.start()
    try:
        with pytest.raises(InputError) as raised:
            write_output(fifo, (b"x" * 65536 for _ in range(64)), "report")  # more than the pipe holds
    finally:
        _finish(reader, tmp_path / "spare")
    assert str(raised.value) == f"{fifo}: could not write the report: Broken pipe (hint: choose another path)"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("command, what", [
    (["plan", "m.yaml", "-o", "afile/p.json"], "plan"),
    (["plan", "m.yaml", "-o", "afile/deeper/p.json"], "plan"),
    (["apply", "m.yaml", "--report", "afile/p.json"], "report"),
    (["apply", "m.yaml", "--report", "r.json", "--junit", "afile/p.json"], "JUnit file"),
    (["report", "merge", "r.json", "-o", "afile/p.json"], "merged report"),
])
def test_a_parent_that_is_a_file_exits_2_before_any_request(project, emulator, command, what):
    (project / "afile").write_text("a file where a folder should be\n")
    result = invoke(emulator, command)
    assert result.exit_code == 2, result.stderr
    path = next(arg for arg in command if arg.startswith("afile/"))
    assert result.stderr.splitlines() == [
        f"error: {path}: cannot write the {what} there: afile is a file, not a folder (hint: choose another path)"]
    assert len(emulator.requests) == 0
    assert (project / "afile").read_text() == "a file where a folder should be\n"


def _finish(reader: threading.Thread, spare) -> None:
    """Wait for a FIFO's reader; if nothing ever opened the FIFO to write, end its wait (through
    `spare`, a hard link to the FIFO, still there if the FIFO's name was taken by a regular file)."""
    reader.join(timeout=30)
    if reader.is_alive():
        os.close(os.open(spare, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
