"""Inputs a hostile tester found: each ends as a ManifestError with a position, quickly, never a hang."""

from __future__ import annotations

import os
import socket
import stat
import time

import pytest

from extendpipe.errors import ManifestError
from extendpipe.manifest import load_manifest
from extendpipe.manifest.loader import MAX_TEXT
from extendpipe.validate import validate_paths

STEPS = "steps:\n  - name: a\n    workflow: workflow_a\n    inputs: {raw_texts: [x]}\n"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def messages(path):
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, environ={})
    return [p.format() for p in caught.value.problems]


def merge_chain(levels, first="{k0: 1}"):
    lines = ["version: 1", "name: demo", f"x-0: &m0 {first}"]
    lines += [f"x-{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: 1}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n" + STEPS


def test_merge_chain_is_flattened_once_per_anchor(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(merge_chain(60), "utf-8")
    started = time.monotonic()
    manifest = load_manifest(path, environ={})
    assert time.monotonic() - started < 5  # 2**60 merges before the fix
    assert manifest.name == "demo"


def test_merge_chain_values_are_merged_right(tmp_path):
    from extendpipe.manifest.loader import load_document

    doc = load_document(merge_chain(5).encode(), "m.yaml", {})
    assert doc.data["x-5"] == {f"k{i}": 1 for i in range(6)}
    assert doc.data["x-2"] == {"k0": 1, "k1": 1, "k2": 1}


def test_merge_chain_through_a_self_merging_anchor_hits_the_budget(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(merge_chain(60, first="{<<: [*m0], k0: 1}"), "utf-8")
    (message,) = messages(path)
    assert "more than 100000 merged keys (after expanding '<<' aliases)" in message
    assert "(hint: " in message


def test_aliases_of_a_long_text_are_bounded(tmp_path):
    big = "a" * 1_000_000
    text = (f'version: 1\nname: demo\nx-s: &s "{big}"\nx-l: &l [{", ".join(["*s"] * 100)}]\n'
            f'x-m: [{", ".join(["*l"] * 100)}]\n' + STEPS)
    path = tmp_path / "m.yaml"
    path.write_text(text, "utf-8")
    (message,) = messages(path)
    assert message.startswith(f"{path}:3:6: x-l: more than {MAX_TEXT // 2**20} MB of text (after expanding aliases)")


def test_aliased_keys_count_as_text_too(tmp_path):
    big = "k" * 200_000
    items = ", ".join(f"{{*k : {i}}}" for i in range(60))
    path = tmp_path / "m.yaml"
    path.write_text(f"version: 1\nname: demo\nx-k: &k {big}\nx-l: [{items}]\n" + STEPS, "utf-8")
    (message,) = messages(path)
    assert "MB of text (after expanding aliases)" in message


def test_a_large_text_once_is_fine(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(f'version: 1\nname: demo\nx-s: "{"a" * 5_000_000}"\n' + STEPS, "utf-8")
    assert load_manifest(path, environ={}).name == "demo"


@needs_fifo
def test_fifo_manifest_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert messages(fifo) == [f"{fifo}: (root): is a FIFO (named pipe), not a manifest file "
                              "(hint: pass the path of a .yaml manifest file)"]
    (result,) = validate_paths([fifo], environ={})
    assert [p.message for p in result.problems] == ["is a FIFO (named pipe), not a manifest file"]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_device_manifest_is_refused():
    assert messages("/dev/null") == ["/dev/null: (root): is a character device, not a manifest file "
                                     "(hint: pass the path of a .yaml manifest file)"]


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no unix sockets")
def test_socket_manifest_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.bind(str(path))
        except OSError:  # pragma: no cover - path too long for a socket
            pytest.skip("cannot bind a socket here")
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        assert [m.split(": ", 2)[2] for m in messages(path)] == [
            "is a socket, not a manifest file (hint: pass the path of a .yaml manifest file)"]


@needs_fifo
def test_validating_a_folder_skips_fifos_and_other_non_regular_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "pipelines"
    folder.mkdir()
    os.mkfifo(folder / "a.yaml")
    (folder / "b.yaml").mkdir()
    (folder / "c.yaml").write_text("version: 1\nname: demo\n" + STEPS, "utf-8")
    results = validate_paths(["pipelines"], environ={})
    assert [(r.path, r.ok) for r in results] == [("pipelines/c.yaml", True)]


def test_a_name_too_long_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (result,) = validate_paths(["a" * 5000], environ={})
    assert [p.message for p in result.problems] == ["cannot read it: File name too long"]
