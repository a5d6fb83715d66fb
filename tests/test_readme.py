"""The README's promises: its manifest reference matches the schema; its two commands are at the top."""

from __future__ import annotations

from pathlib import Path

from extendpipe.reference import readme_section

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_manifest_reference_is_generated_from_the_schema():
    assert readme_section() in README, "run `extendpipe schema --reference` and paste it into README.md"


def test_readme_starts_with_the_two_commands():
    blocks = README.split("```sh\n")[1:3]
    assert "extendpipe apply pipelines/invoices.yaml" in blocks[0]
    assert "python -m pytest" in blocks[1]


def test_ci_runs_the_readme_test_command():
    command = README.split("```sh\n")[2].split("\n")[0].split("&& ", 2)[2]  # after the venv and activate
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert command in ci
