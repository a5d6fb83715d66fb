"""One exception root; each kind carries the exit code the CLI turns it into (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_RUNS_FAILED = 1
EXIT_USAGE = 2
EXIT_API = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away (`| head`)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, printed as `path:line:col: json.path: message (hint: fix)`."""

    path: str
    line: int | None
    column: int | None
    json_path: str
    message: str
    hint: str | None = None

    def format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.json_path or '(root)'}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class ExtendpipeError(Exception):
    """Root of every error extendpipe raises on purpose."""

    exit_code = EXIT_INTERNAL


class InputError(ExtendpipeError):
    """The user's input (command line, manifest, files) is wrong: nothing was submitted."""

    exit_code = EXIT_USAGE


class ManifestError(InputError):
    """One or more problems in a manifest; `problems` holds each, sorted by line."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: (str(p.path), p.line or 0, p.column or 0))
        super().__init__("\n".join(p.format() for p in self.problems))


class SchemaError(InputError):
    """A document (report, plan) failed its published JSON Schema."""


class StateError(InputError):
    """The state folder cannot be written (its ledger, the embedded emulator's store): a full disk, a
    read-only mount. It stops an apply, which still writes its report (elsewhere, or it fails too)."""


class ApiError(ExtendpipeError):
    """The API answered with an error that stops the command."""

    exit_code = EXIT_API

    def __init__(self, message, *, status=None, code=None, request_id=None, retryable=False, endpoint=None,
                 attempts=1):
        self.status = status
        self.attempts = attempts  # >1: an earlier attempt may have acted on the server
        self.code = code
        self.request_id = request_id
        self.retryable = retryable
        self.endpoint = endpoint
        super().__init__(message)


class TransportError(ApiError):
    """The API could not be reached or did not answer (connect, read timeout, reset)."""


class Interrupted(ExtendpipeError):
    """The user pressed Ctrl-C or the process got SIGTERM."""

    exit_code = EXIT_INTERRUPTED
