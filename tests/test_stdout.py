"""Data on stdout, in a real process: a reader that goes away (`| head`) stops the command quietly with
141; a closed stdout (`>&-`) or a full one (`> /dev/full`) is exit 2 with one line on stderr, never
a silent success."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MANIFEST = """\
version: 1
name: out
steps:
  - name: notes
    workflow: workflow_notes
    metadata: {note: "%s"}
    inputs: {include: ["docs/*.txt"]}
""" % ("n" * 4000)  # every run's row carries it: the report is far larger than a pipe's buffer


@pytest.fixture
def project(tmp_path):
    (tmp_path / "docs").mkdir()
    for i in range(40):
        (tmp_path / "docs" / f"{i:02d}.txt").write_text(f"Invoice number: O-{i}\nTotal: {i}.00 EUR\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return tmp_path


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "extendpipe", *args]


def environment(emulator=None) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    if emulator is not None:
        env.update(EXTEND_API_KEY="test-key", EXTEND_BASE_URL=emulator.url)
    return env


def with_stdout_closed(args: list[str]) -> list[str]:
    return ["sh", "-c", 'exec "$@" >&-', "sh", *args]


def test_a_reader_that_stops_reading_stops_apply_quietly_with_141_and_the_report_is_written(project, emulator):
    with subprocess.Popen(command("apply", "m.yaml", "--json", "--report", "r.json", "--poll-interval", "0.05"),
                          cwd=project, env=environment(emulator), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        try:
            assert proc.stdout.read(10) == b'{\n  "allow'  # what `head -c 10` takes, then it exits
            proc.stdout.close()
            stderr = proc.stderr.read().decode()
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 141, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr and "Broken pipe" not in stderr
    assert stderr.endswith("report: r.json\n")  # nothing after the summary
    report = json.loads((project / "r.json").read_text())
    assert report["summary"]["succeeded"] == 40


def test_apply_json_with_stdout_closed_is_exit_2_before_any_request(project, emulator):
    proc = subprocess.run(with_stdout_closed(command("apply", "m.yaml", "--json", "--report", "r.json")),
                          cwd=project, env=environment(emulator), stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ("error: stdout is closed, so --json has nowhere to print the report (hint: redirect "
                           "stdout to a file, e.g. > report.json, or leave out --json: the report is written to "
                           "r.json anyway)\n")
    assert len(emulator.requests) == 0
    assert not (project / "r.json").exists()


def test_any_command_printing_data_to_a_closed_stdout_is_exit_2(tmp_path):
    proc = subprocess.run(with_stdout_closed(command("schema")), cwd=tmp_path, env=environment(),
                          stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ("error: stdout is closed, so what this command prints has nowhere to go (hint: "
                           "redirect stdout to a file, or to /dev/null, instead of closing it)\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_full_stdout_is_exit_2_and_the_report_is_written(project, emulator):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(command("apply", "m.yaml", "--json", "--report", "r.json", "--poll-interval", "0.05"),
                              cwd=project, env=environment(emulator), stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.endswith("report: r.json\nerror: cannot write to stdout: No space left on device (hint: "
                                "redirect stdout to a file on a disk with free space)\n")
    assert "Exception ignored" not in proc.stderr
    assert json.loads((project / "r.json").read_text())["summary"]["succeeded"] == 40


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("args, code", [(["validate", "m.yaml"], 0), (["validate", "missing.yaml"], 2),
                                        (["apply", "m.yaml", "--report", "r.json"], 0)])
def test_a_stderr_that_cannot_be_written_does_not_change_the_outcome(project, emulator, args, code):
    with open("/dev/full", "w") as full:
        done = subprocess.run(command(*args), cwd=project, env=environment(emulator), stdout=subprocess.PIPE,
                              stderr=full, timeout=120)
    assert done.returncode == code
    if args[0] == "apply":
        assert json.loads((project / "r.json").read_text())["summary"]["succeeded"] == 40
