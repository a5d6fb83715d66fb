"""Command-line misuse exits 2 with a message, before any request (inputs found by a hostile tester)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from extendpipe.cli import cli

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
MANIFEST = """\
version: 1
name: misuse
steps:
  - name: notes
    workflow: workflow_notes
    inputs: {raw_texts: ["Invoice 1"]}
"""

BIG = "1" + "0" * 300


@pytest.mark.parametrize("args, message", [
    (["--read-timeout", "0"], "is zero: give a positive duration"),
    (["--connect-timeout", "0s"], "is zero: give a positive duration"),
    (["--poll-interval", "0"], "is zero: give a positive duration"),
    (["--wait-timeout", "-1"], "it must be a finite number of seconds"),
    (["--wait-timeout", "1e400"], "it must be a finite number of seconds"),
    # Every duration option takes one range (1e300 s overflowed socket timeouts: exit 70).
    # (BIG is 1e300 in plain digits; '1e300' is refused as text that is not a duration.)
    (["--read-timeout", BIG],
     f"Invalid value for '--read-timeout': '{BIG}' is out of range: give more than 0, up to 168h (7 days)"),
    (["--connect-timeout", BIG],
     f"Invalid value for '--connect-timeout': '{BIG}' is out of range: give more than 0, up to 168h (7 days)"),
    (["--max-retry-wait", BIG],
     f"Invalid value for '--max-retry-wait': '{BIG}' is out of range: give 0 to 168h (7 days)"),
    (["--wait-timeout", "169h"],
     "Invalid value for '--wait-timeout': '169h' is out of range: give more than 0, up to 168h (7 days)"),
    (["--poll-interval", BIG],
     f"Invalid value for '--poll-interval': '{BIG}' is out of range: give more than 0, up to 168h (7 days)"),
    (["--concurrency", "1e300"], "Invalid value for '--concurrency': '1e300' is not a valid integer range"),
    (["--concurrency", "99999999999999999999"],
     "Invalid value for '--concurrency': 99999999999999999999 is not in the range 1<=x<=64"),
    (["--shard", "5/4"], "'5/4' is not a shard"),
    (["--shard", "0/0"], "'0/0' is not a shard"),
    (["--rate-limit", "fast"], "'fast' is not a rate limit"),
    (["--concurrency", "0"], "0 is not in the range 1<=x<=64"),
    (["--base-url", "http://127.0.0.1:99999"], "is not a valid URL"),
    (["--base-url", "http://[::1"], "is not a valid URL"),
    (["--base-url", "http://example.com"], "plain http is allowed only to loopback"),
    (["--base-url", "http://127.0.0.1:8790/?x=1"], "has a query, which is never sent"),
    (["--base-url", "http://127.0.0.1:8790/#top"], "has a fragment, which is never sent"),
])
def test_bad_options_exit_2_before_any_request(tmp_path, emulator, args, message):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--report", str(tmp_path / "r.json"),
                                      *args], env=env)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert len(emulator.requests) == 0
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("target", ["manifest", "state file"])
def test_outputs_never_overwrite_the_manifest_or_state(tmp_path, emulator, target):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    (tmp_path / "state").write_text("a file where the state folder should be")
    env = {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": emulator.url}
    if target == "manifest":
        args = ["--report", str(tmp_path / "m.yaml")]
    else:
        args = ["--state-dir", str(tmp_path / "state"), "--report", str(tmp_path / "r.json")]
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), *args], env=env)
    assert result.exit_code == 2, result.stderr
    assert (tmp_path / "m.yaml").read_text() == MANIFEST
    assert len(emulator.requests) == 0


@pytest.mark.parametrize("url", ["http://ci:hunter2secret@127.0.0.1:8790", "ftp://ci:hunter2secret@host",
                                 "http://ci:hunter2secret@127.0.0.1:99999"])
def test_a_password_in_the_base_url_is_refused_and_never_shown(tmp_path, url):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    for args, env in ((["--base-url", url], {"EXTEND_API_KEY": "test-key"}),
                      ([], {"EXTEND_API_KEY": "test-key", "EXTEND_BASE_URL": url})):
        result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), *args], env=env)
        assert result.exit_code == 2, result.stderr
        assert "***@" in result.stderr and "hunter2secret" not in result.output + result.stderr


def test_serve_takes_the_same_duration_range(tmp_path):
    # A subprocess with a timeout: a serve that accepted the option would run until stopped.
    proc = subprocess.run([sys.executable, "-m", "extendpipe", "serve", "--port", "0", "--db",
                           str(tmp_path / "e.sqlite3"), "--processing-delay", BIG],
                          capture_output=True, text=True, timeout=30, env=ENV)
    assert proc.returncode == 2, proc.stderr
    assert (f"Invalid value for '--processing-delay': '{BIG}' is out of range: give 0 to 168h (7 days)"
            in proc.stderr)
    assert not (tmp_path / "e.sqlite3").exists()


@pytest.mark.parametrize("data", ["test-key-secret\n".encode("utf-16"), "clé-secret\n".encode("latin-1"),
                                  b"\x80\x81secret"], ids=["utf-16", "latin-1", "not-text"])
def test_an_api_key_file_that_is_not_utf8_is_a_usage_error(tmp_path, emulator, data):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    (tmp_path / "key").write_bytes(data)
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--report", str(tmp_path / "r.json"),
                                      "--api-key-file", str(tmp_path / "key"), "--base-url", emulator.url])
    assert result.exit_code == 2, result.stderr
    assert result.stderr == (f"error: {tmp_path / 'key'}: the API key file must be UTF-8 text, and this one is "
                             "not (hint: save the key as plain text in UTF-8; an editor may have saved it as "
                             "UTF-16)\n")
    assert "secret" not in result.output + result.stderr
    assert len(emulator.requests) == 0


def test_an_api_key_file_with_a_byte_order_mark_works(tmp_path, emulator):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    (tmp_path / "key").write_bytes("test-key\n".encode("utf-8-sig"))  # as Notepad saves "UTF-8"
    result = CliRunner().invoke(cli, ["apply", str(tmp_path / "m.yaml"), "--report", str(tmp_path / "r.json"),
                                      "--api-key-file", str(tmp_path / "key"), "--base-url", emulator.url,
                                      "--poll-interval", "0.05"])
    assert result.exit_code == 0, result.stderr
