"""The API key never leaks: not on stdout or stderr (even with -v), nor in the report, ledger, plan,
JUnit file or a crash log, nor in the repr of the config or of any error, whatever the server does."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from client_helpers import invoice, invoke, messages, write_project

import extendpipe.client.api as api_module
from extendpipe.client import ExtendClient, TransportConfig
from extendpipe.client.transport import RetryAfterTooLong
from extendpipe.emulator import Emulator
from extendpipe.errors import ApiError, TransportError
from extendpipe.target import resolve_target

LEAK = "sk_live_LEAKCHECK_123"
RUN_ID = "workflow_run_LEAKCHECK"


@pytest.fixture
def crash_dir(tmp_path, monkeypatch):
    """Crash logs (tempfile.mkstemp) land in the scanned folder."""
    folder = tmp_path / "work" / "tmp"
    folder.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(params=["401", "500", "drop", "refused", "create-500", "create-drop"])
def failing_url(request, tmp_path, emulator, refused_url):
    """A server that fails every call (the wrong key: 401, 500s, dropped connections, nothing
    listening), or only the creates, so that uploads and intents reach the ledger first."""
    if request.param == "401":
        yield emulator.url  # accepts only "test-key"
        return
    if request.param == "refused":
        yield refused_url
        return
    with Emulator(db_path=tmp_path / "failing.sqlite3", api_keys={LEAK}) as emu:
        route = "POST /workflow_runs*" if request.param.startswith("create-") else "*"
        if request.param.endswith("500"):
            emu.faults.add(route=route, status=500, count=None)
        else:
            emu.faults.add(route=route, drop=True, count=None)
        yield emu.url


def scan(folder: Path) -> list[str]:
    """Every file under `folder` that holds the key."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and LEAK.encode() in p.read_bytes()]


def test_no_command_leaks_the_key(tmp_path, failing_url, fast_retries, crash_dir, caplog):
    work = tmp_path / "work"
    manifest = write_project(work, {"a.txt": invoice(1), "b.txt": invoice(2)})
    env = {"EXTEND_API_KEY": LEAK, "EXTEND_BASE_URL": failing_url}
    state = work / "state"
    report = work / "report.json"
    commands = [
        ["validate", manifest],
        ["plan", manifest, "-v", "--json", "-o", work / "plan.json", "--state-dir", state],
        ["apply", manifest, "-v", "--report", report, "--junit", work / "junit.xml", "--state-dir", state,
         "--poll-interval", "0.05", "--wait-timeout", "5"],
        ["report", "show", report],
        ["runs", "list", "-v", "--json"],
        ["runs", "list", "-v", "--all"],
        ["runs", "get", RUN_ID, "-v", "--json"],
        ["runs", "update", RUN_ID, "-v", "--metadata", "k=v", "--name", "n"],
        ["runs", "cancel", RUN_ID, "-v"],
    ]
    seen = []
    for args in commands:
        result = invoke(args, env=env)
        assert LEAK not in result.stdout, args
        assert LEAK not in result.stderr, args
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert "internal error" not in result.stderr, (args, result.stderr)
        seen.append((args[0:2], result.exit_code))
    assert LEAK not in caplog.text
    assert report.exists() and (work / "junit.xml").exists() and list(state.glob("ledger*.jsonl"))
    assert scan(work) == []
    assert list(crash_dir.iterdir()) == []
    # Everything that talks to the server failed the way the exit codes say.
    assert all(code in (0, 1, 2, 3) for _, code in seen), seen
    assert dict((tuple(map(str, a)), c) for a, c in seen)[("apply", str(manifest))] == 3


def test_key_from_a_file_does_not_leak(tmp_path, emulator, fast_retries, crash_dir):
    key_file = tmp_path / "key.txt"
    key_file.write_text(LEAK + "\n")
    result = invoke(["runs", "list", "-v", "--api-key-file", key_file, "--base-url", emulator.url])
    assert result.exit_code == 3
    assert "401" in result.stderr and LEAK not in result.stderr + result.stdout
    (request,) = emulator.requests
    assert request.headers["authorization"] == f"Bearer {LEAK}"  # the key was sent, stripped


@pytest.mark.parametrize("bad_key, what", [
    (LEAK[:8] + "\r" + LEAK[8:], "a carriage return at position 9"),
    (LEAK[:8] + "\n" + LEAK[8:], "a line break at position 9"),
    (f"\u201c{LEAK}\u201d", "the character U+201C at position 1"),
])
def test_a_malformed_key_is_a_clear_error_that_does_not_quote_it(bad_key, what, emulator, crash_dir):
    """A key with a CR or line break inside it or curly quotes (pasted from a page) cannot go in a
    header: say so without printing it, and without a crash log holding it. (Surrounding whitespace,
    such as the newline a CI secret or .env file ends with, is stripped: see the test above.)"""
    result = invoke(["runs", "list"], env={"EXTEND_API_KEY": bad_key, "EXTEND_BASE_URL": emulator.url})
    assert LEAK not in result.stdout + result.stderr and LEAK[8:] not in result.stdout + result.stderr
    assert scan(crash_dir) == []
    assert result.exit_code == 2, result.stderr
    assert messages(result.stderr) == [f"error: the API key contains {what}, which cannot be sent (hint: check "
                                       "EXTEND_API_KEY or the --api-key-file for stray characters)"]
    assert len(emulator.requests) == 0


def test_reprs_of_config_target_client_and_errors_hold_no_key(emulator, refused_url, monkeypatch):
    config = TransportConfig(base_url=emulator.url, api_key=LEAK)
    target = resolve_target(environ={"EXTEND_API_KEY": LEAK, "EXTEND_BASE_URL": emulator.url})
    texts = [repr(config), str(config), repr(target), str(target)]
    with ExtendClient(config) as client:
        texts += [repr(client), repr(client.transport)]
        with pytest.raises(ApiError) as unauthorized:
            client.get_run(RUN_ID)
    assert unauthorized.value.status == 401
    monkeypatch.setattr(api_module, "READ_RETRY", api_module.READ_RETRY.new(connect=0))
    with ExtendClient(TransportConfig(base_url=refused_url, api_key=LEAK)) as client:
        with pytest.raises(TransportError) as refused:
            client.list_runs_page()
    errors = [unauthorized.value, refused.value, RetryAfterTooLong(3600, 5)]
    for exc in errors:
        texts += [repr(exc), str(exc), repr(exc.args), repr(vars(exc)), repr(exc.__cause__), repr(exc.__context__)]
    assert [t for t in texts if LEAK in t] == []
