"""`apply -q` prints only the runs that did not succeed and the summary: no target, plan or progress lines."""

from __future__ import annotations

from click.testing import CliRunner

from extendpipe.cli import cli

MANIFEST = """\
version: 1
name: quiet
steps:
  - name: docs
    workflow: workflow_docs
    inputs: {include: ["docs/*"]}
"""


def test_quiet_apply_prints_only_what_went_wrong_and_the_summary(tmp_path, emulator):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "good.txt").write_text("Invoice 1\nTotal: 10.00 EUR\n")
    (tmp_path / "docs" / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a PDF")
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    args = ["apply", str(tmp_path / "m.yaml"), "--report", str(tmp_path / "r.json"), "--poll-interval", "0.05"]

    quiet = CliRunner().invoke(cli, [*args, "-q"], env=env)
    assert quiet.exit_code == 1, quiet.stderr
    lines = quiet.stderr.splitlines()
    expected = [
        "  FAILED       docs  docs/broken.pdf  (workflow_run_",
        "quiet: 2 run(s), 1 succeeded, 1 did not (",
        "  status:  FAILED 1, PROCESSED 1",
        "  outcome: submitted 2",
        "  not ok: docs  docs/broken.pdf: FAILED: The PDF could not be read",
        "report: ",
    ]
    assert len(lines) == len(expected) and all(map(str.startswith, lines, expected)), quiet.stderr

    loud = CliRunner().invoke(cli, [*args, "--force"], env=env)
    assert loud.exit_code == 1, loud.stderr
    assert loud.stderr.startswith("Using the Extend API at ")
    assert "quiet: 2 run(s): 2 to submit" in loud.stderr
