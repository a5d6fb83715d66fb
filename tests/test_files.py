"""Globs under the manifest's folder, and hashing."""

from __future__ import annotations

import hashlib
import os

import pytest

from extendpipe.errors import ManifestError
from extendpipe.files import compile_glob, iter_step_files, sha256_file
from extendpipe.manifest import load_manifest
from extendpipe.statedir import own_paths


def make_tree(root, paths):
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel, "utf-8")


def manifest_with(tmp_path, include, exclude=None, hidden=False, folder="pipelines"):
    base = tmp_path / folder
    base.mkdir(parents=True, exist_ok=True)
    lines = ["version: 1", "name: demo", "steps:", "  - name: a", "    workflow: workflow_a", "    inputs:",
             "      include:"]
    lines += [f"        - '{p}'" for p in include]
    if exclude:
        lines += ["      exclude:"] + [f"        - '{p}'" for p in exclude]
    if hidden:
        lines.append("      include_hidden: true")
    path = base / "m.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    manifest = load_manifest(path, environ={})
    return manifest, manifest.steps[0]


def files(tmp_path, include, **kwargs):
    allow = kwargs.pop("allow_outside", False)
    manifest, step = manifest_with(tmp_path, include, **kwargs)
    return iter_step_files(manifest, step, allow_outside=allow)


def problems(tmp_path, include, **kwargs):
    with pytest.raises(ManifestError) as caught:
        files(tmp_path, include, **kwargs)
    return [p.format() for p in caught.value.problems]


def test_double_star_matches_zero_or_more_folders(tmp_path):
    make_tree(tmp_path / "pipelines",
              ["docs/a.pdf", "docs/sub/b.pdf", "docs/sub/deeper/c.pdf", "docs/x.txt", "d.pdf"])
    assert files(tmp_path, ["docs/**/*.pdf"]) == ["docs/a.pdf", "docs/sub/b.pdf", "docs/sub/deeper/c.pdf"]
    assert files(tmp_path, ["**/*.pdf"]) == ["d.pdf", "docs/a.pdf", "docs/sub/b.pdf", "docs/sub/deeper/c.pdf"]
    assert files(tmp_path, ["docs/**"]) == [
        "docs/a.pdf", "docs/sub/b.pdf", "docs/sub/deeper/c.pdf", "docs/x.txt"]


def test_star_stays_in_one_folder_and_results_are_sorted_and_deduplicated(tmp_path):
    make_tree(tmp_path / "pipelines", ["docs/b.pdf", "docs/a.pdf", "docs/sub/c.pdf"])
    assert files(tmp_path, ["docs/*.pdf", "docs/a.pdf", "./docs/?.pdf"]) == ["docs/a.pdf", "docs/b.pdf"]


def test_character_classes(tmp_path):
    make_tree(tmp_path / "pipelines", ["f1.txt", "f2.txt", "fa.txt", "f-.txt"])
    assert files(tmp_path, ["f[0-9].txt"]) == ["f1.txt", "f2.txt"]
    assert files(tmp_path, ["f[!0-9].txt"]) == ["f-.txt", "fa.txt"]
    assert files(tmp_path, ["f[-a].txt"]) == ["f-.txt", "fa.txt"]


def test_matching_is_case_sensitive(tmp_path):
    make_tree(tmp_path / "pipelines", ["Docs/A.PDF", "Docs/b.pdf"])
    assert files(tmp_path, ["Docs/*.pdf"]) == ["Docs/b.pdf"]
    assert problems(tmp_path, ["docs/*.pdf"])[0].endswith("pattern 'docs/*.pdf' matched no file under "
                                                          f"{tmp_path}/pipelines/ (hint: check the path is "
                                                          "relative to the manifest's folder)")


def test_hidden_names_are_left_out_unless_asked(tmp_path):
    make_tree(tmp_path / "pipelines", ["a.pdf", ".b.pdf", ".git/c.pdf", "sub/.hidden/d.pdf", "sub/e.pdf"])
    assert files(tmp_path, ["**/*.pdf"]) == ["a.pdf", "sub/e.pdf"]
    assert files(tmp_path, ["**/*.pdf"], hidden=True) == [
        ".b.pdf", ".git/c.pdf", "a.pdf", "sub/.hidden/d.pdf", "sub/e.pdf"]
    assert files(tmp_path, [".git/*.pdf"]) == [".git/c.pdf"]  # named literally


def test_exclude_drops_files_and_whole_folders(tmp_path):
    make_tree(tmp_path / "pipelines", ["a/draft-1.pdf", "a/ok.pdf", "old/x.pdf", "b/draft-2/y.pdf"])
    assert files(tmp_path, ["**/*.pdf"], exclude=["**/draft-*", "old"]) == ["a/ok.pdf"]


def test_only_regular_files(tmp_path):
    make_tree(tmp_path / "pipelines", ["a/x.pdf"])
    (tmp_path / "pipelines" / "a" / "dir.pdf").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipelines" / "a" / "fifo.pdf")
    assert files(tmp_path, ["a/*.pdf"]) == ["a/x.pdf"]


def test_the_state_folder_and_the_lock_file_are_never_inputs(tmp_path, monkeypatch):
    base = tmp_path / "pipelines"
    make_tree(base, ["docs/a.pdf", ".extendpipe/ledger.jsonl", ".extendpipe/emulator.sqlite3-wal",
                     ".extendpipe/reports/m.json", "state/apply.lock", "m.lock", "other.lock"])
    manifest, step = manifest_with(tmp_path, ["**/*"], exclude=["*.yaml"], hidden=True)
    assert iter_step_files(manifest, step) == [  # nothing reserved: what the globs say
        ".extendpipe/emulator.sqlite3-wal", ".extendpipe/ledger.jsonl", ".extendpipe/reports/m.json",
        "docs/a.pdf", "m.lock", "other.lock", "state/apply.lock"]
    assert iter_step_files(manifest, step, reserved=own_paths(manifest)) == [
        "docs/a.pdf", "other.lock", "state/apply.lock"]
    # --state-dir elsewhere (given relative to the working folder): it is reserved, and so is .extendpipe/
    monkeypatch.chdir(tmp_path)
    assert iter_step_files(manifest, step, reserved=own_paths(manifest, "pipelines/state")) == [
        "docs/a.pdf", "other.lock"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_the_state_folder_is_not_an_input_through_a_link_either(tmp_path):
    base = tmp_path / "pipelines"
    make_tree(base, ["docs/a.pdf", ".extendpipe/ledger.jsonl"])
    os.symlink(base / ".extendpipe", base / "docs" / "state")
    os.symlink(base / "m.lock", base / "docs" / "lock")
    manifest, step = manifest_with(tmp_path, ["docs/**"])
    (base / "m.lock").write_text("{}")
    assert iter_step_files(manifest, step, reserved=own_paths(manifest)) == ["docs/a.pdf"]


def test_a_pattern_matching_only_extendpipes_own_files_says_so(tmp_path):
    make_tree(tmp_path / "pipelines", ["docs/a.pdf", ".extendpipe/ledger.jsonl", "m.lock"])
    manifest, step = manifest_with(tmp_path, [".extendpipe/*", "m.lock", "docs/*"], hidden=True)
    with pytest.raises(ManifestError) as caught:
        iter_step_files(manifest, step, reserved=own_paths(manifest))
    assert [p.format().split(": ", 2)[2] for p in caught.value.problems] == [
        f"pattern '{p}' matched 1 file under {tmp_path}/pipelines/, all extendpipe's own (hint: the state folder "
        "and the manifest's lock file are never inputs; point the pattern at your documents)"
        for p in (".extendpipe/*", "m.lock")]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_named_explicitly_says_what_it_is(tmp_path):
    assert [p.split(": ", 2)[2] for p in problems(tmp_path, ["/dev/null"], allow_outside=True)] == [
        "pattern '/dev/null' is a character device, not a regular file (hint: name a regular file: only a "
        "file's contents can be uploaded)"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_do_not_repeat_or_hang(tmp_path):
    base = tmp_path / "pipelines"
    make_tree(base, ["a/x.pdf", "a/b/y.pdf"])
    os.symlink("..", base / "a" / "b" / "up")
    os.symlink(base / "a", base / "a" / "self")
    assert files(tmp_path, ["**/*.pdf"]) == ["a/b/y.pdf", "a/x.pdf"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_files_and_folders_inside_are_followed(tmp_path):
    base = tmp_path / "pipelines"
    make_tree(base, ["real/x.pdf"])
    os.symlink(base / "real", base / "linked")
    os.symlink(base / "real" / "x.pdf", base / "alias.pdf")
    assert files(tmp_path, ["*.pdf", "linked/*.pdf"]) == ["alias.pdf", "linked/x.pdf"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_leading_outside_is_a_problem_unless_allowed(tmp_path):
    make_tree(tmp_path, ["secret/s.pdf", "pipelines/in.pdf"])
    os.symlink(tmp_path / "secret", tmp_path / "pipelines" / "data")
    assert problems(tmp_path, ["data/*.pdf"]) == [
        f"{tmp_path}/pipelines/m.yaml:8:11: steps[0].inputs.include[0]: pattern 'data/*.pdf' matches files "
        f"outside {tmp_path}/pipelines/: data/s.pdf (hint: keep inputs under the manifest's folder, "
        "or pass --allow-outside)"]
    assert files(tmp_path, ["data/*.pdf"], allow_outside=True) == ["data/s.pdf"]


def test_dotdot_and_absolute_patterns_are_outside(tmp_path):
    make_tree(tmp_path, ["shared/a.pdf", "shared/b.pdf", "pipelines/in.pdf"])
    found = problems(tmp_path, ["../shared/*.pdf", f"{tmp_path}/shared/a.pdf", "../pipelines/in.pdf"])
    assert [p.split(": ", 2)[2] for p in found] == [
        f"pattern '../shared/*.pdf' matches files outside {tmp_path}/pipelines/: ../shared/a.pdf and 1 more"
        " (hint: keep inputs under the manifest's folder, or pass --allow-outside)",
        f"pattern '{tmp_path}/shared/a.pdf' matches files outside {tmp_path}/pipelines/: ../shared/a.pdf"
        " (hint: keep inputs under the manifest's folder, or pass --allow-outside)",
    ]
    assert files(tmp_path, ["../shared/*.pdf", "../pipelines/in.pdf"], allow_outside=True) == [
        "../shared/a.pdf", "../shared/b.pdf", "in.pdf"]


def test_every_failing_pattern_is_reported_with_its_line(tmp_path, monkeypatch):
    make_tree(tmp_path / "pipelines", ["samples/a.pdf", "samples/draft-b.pdf"])
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "pipelines" / "m.yaml"
    manifest_with(tmp_path, ["samples/*.pdf"])
    path.write_text(
        "version: 1\nname: demo\nsteps:\n  - name: a\n    workflow: workflow_a\n    inputs:\n      include:\n"
        "        - samples/*.pdf\n        - samples/*.tif\n        - samples/draft-*\n        - samples\n"
        "      exclude: [samples/draft-*]\n", "utf-8")
    manifest = load_manifest("pipelines/m.yaml", environ={})
    with pytest.raises(ManifestError) as caught:
        iter_step_files(manifest, manifest.steps[0])
    assert [p.format() for p in caught.value.problems] == [
        "pipelines/m.yaml:9:11: steps[0].inputs.include[1]: pattern 'samples/*.tif' matched no file under"
        " pipelines/ (hint: check the path is relative to the manifest's folder)",
        "pipelines/m.yaml:10:11: steps[0].inputs.include[2]: pattern 'samples/draft-*' matched 1 file under"
        " pipelines/, all excluded (hint: check the step's 'exclude' patterns)",
        "pipelines/m.yaml:11:11: steps[0].inputs.include[3]: pattern 'samples' names a folder, not a file"
        " (hint: write 'samples/**' to take every file in it)",
    ]


def test_second_step_problems_name_the_second_step(tmp_path):
    base = tmp_path / "p"
    make_tree(base, ["a.pdf"])
    path = base / "m.yaml"
    path.write_text("version: 1\nname: demo\nsteps:\n"
                    "  - {name: a, workflow: workflow_a, inputs: {include: [a.pdf]}}\n"
                    "  - {name: b, workflow: workflow_a, inputs: {include: [b.pdf]}}\n", "utf-8")
    manifest = load_manifest(path, environ={})
    assert iter_step_files(manifest, manifest.steps[0]) == ["a.pdf"]
    with pytest.raises(ManifestError) as caught:
        iter_step_files(manifest, manifest.steps[1])
    assert caught.value.problems[0].json_path == "steps[1].inputs.include[0]"
    assert caught.value.problems[0].line == 5


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("**/*.pdf", "a.pdf", True), ("**/*.pdf", "a/b/c.pdf", True), ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True), ("a/**/b", "ab", False), ("*.pdf", "a/b.pdf", False),
    ("?.pdf", "ab.pdf", False), ("a*", "A", False), ("[[]x", "[x", True), ("a&&b|~", "a&&b|~", True),
])
def test_compile_glob(pattern, path, matches):
    assert bool(compile_glob(pattern.split("/")).match(path)) is matches


def test_sha256_file(tmp_path):
    path = tmp_path / "f.bin"
    data = os.urandom(3 * 1024 * 1024 + 17)
    path.write_bytes(data)
    assert sha256_file(path) == (hashlib.sha256(data).hexdigest(), len(data))
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "empty") == (hashlib.sha256(b"").hexdigest(), 0)


def test_many_files_are_walked_once(tmp_path, monkeypatch):
    base = tmp_path / "pipelines"
    for folder in range(20):
        (base / f"d{folder:02}").mkdir(parents=True)
        for index in range(250):
            (base / f"d{folder:02}" / f"f{index:03}.pdf").write_bytes(b"")
    calls = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: calls.append(path) or real_scandir(path))
    found = files(tmp_path, ["**/*.pdf", "d0*/*.pdf", "**/f00?.pdf"])
    assert len(found) == 5000
    assert len(calls) == 21  # the root and each folder, once, for all three patterns


def test_a_backwards_range_is_a_problem_with_its_position(tmp_path):
    with pytest.raises(ManifestError) as caught:
        manifest_with(tmp_path, ["in/[z-a].txt"], exclude=["[9-0]*"])
    assert [p.format() for p in caught.value.problems] == [
        f"{tmp_path}/pipelines/m.yaml:8:11: steps[0].inputs.include[0]: pattern 'in/[z-a].txt' is not a valid "
        "glob: bad character range z-a (hint: write a character range low to high, like [a-z], or [[] for a "
        "literal '[')",
        f"{tmp_path}/pipelines/m.yaml:10:11: steps[0].inputs.exclude[0]: pattern '[9-0]*' is not a valid "
        "glob: bad character range 9-0 (hint: write a character range low to high, like [a-z], or [[] for a "
        "literal '[')"]


def test_a_bad_glob_in_a_manifest_built_in_code_is_a_problem_too(tmp_path):
    import dataclasses

    manifest, step = manifest_with(tmp_path, ["*.txt"])
    bad = dataclasses.replace(step, inputs=dataclasses.replace(step.inputs, include=("[z-a]",)))
    with pytest.raises(ManifestError, match="bad character range z-a"):
        iter_step_files(dataclasses.replace(manifest, steps=(bad,)), bad)
    bad = dataclasses.replace(step, inputs=dataclasses.replace(step.inputs, exclude=("[z-a]",)))
    with pytest.raises(ManifestError, match=r"inputs\.exclude\[0\]: .*bad character range z-a"):
        iter_step_files(dataclasses.replace(manifest, steps=(bad,)), bad)
    with pytest.raises(ValueError, match="bad character range"):
        compile_glob(["[z-a]"])


def test_glob_edge_cases_follow_fnmatch(tmp_path):
    make_tree(tmp_path / "pipelines", ["in/a[b.txt", "in/[!]", "in/[]", "in/]", "in/!", "in/axyb", "in/a/b",
                                       "in/-"])
    assert files(tmp_path, ["in/a[b.txt"]) == ["in/a[b.txt"]  # an unclosed '[' is literal
    assert files(tmp_path, ["in/[!]"]) == ["in/[!]"]
    assert files(tmp_path, ["in/[]"]) == ["in/[]"]
    assert files(tmp_path, ["in/[]]"]) == ["in/]"]  # a ']' first in a class is a member
    assert files(tmp_path, ["in/[!]]"]) == ["in/!", "in/-"]  # one character, not a "]"
    assert files(tmp_path, ["in/a**b"]) == ["in/axyb"]  # '**' inside a name is '*': never crosses '/'
    assert files(tmp_path, ["in/[a-]"]) == ["in/-"]  # a '-' last in a class is literal
    assert files(tmp_path, ["in/[[]!]"]) == ["in/[!]"]
