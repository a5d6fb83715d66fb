"""Which API a command talks to, and with which credentials (DESIGN.md, "Targets").

- `EXTEND_API_KEY` set, or `--api-key-file`: the remote API at `https://api.extend.ai`
  (`EXTEND_BASE_URL` or `--base-url` overrides).
- No key configured: the embedded emulator. The CLI starts it; this module only says so.
The key is never printed: `Target.__repr__` leaves it out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from extendpipe.constants import API_VERSION, DEFAULT_BASE_URL
from extendpipe.errors import InputError

EMBEDDED = "embedded"
REMOTE = "remote"


@dataclass(frozen=True)
class Target:
    kind: str
    base_url: str | None          # None for embedded until the emulator is started
    api_key: str | None = field(repr=False)
    api_version: str = API_VERSION
    # For the embedded emulator: the error its own machinery met (its store on a full disk), or None;
    # an apply stops with it, since the server's 500s would only say "internal error".
    local_failure: Callable[[], Exception | None] | None = field(default=None, repr=False, compare=False)

    def failure(self) -> Exception | None:
        return self.local_failure() if self.local_failure is not None else None

    def describe(self) -> dict:
        return {"kind": self.kind, "baseUrl": self.base_url or "", "apiVersion": self.api_version}


def read_key_file(path: str) -> str:
    """The key in a file of UTF-8 text (a byte order mark, as some editors write, is dropped). Errors
    never quote the file: what it holds may be a key."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            key = fh.read().strip()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the API key file: {exc.strerror} "
                         "(hint: check --api-key-file points at a readable file)") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: the API key file must be UTF-8 text, and this one is not (hint: save the key "
                         "as plain text in UTF-8; an editor may have saved it as UTF-16)") from None
    if not key:
        raise InputError(f"{path}: the API key file is empty (hint: put the key on its first line)")
    return key


def resolve_target(*, base_url: str | None = None, api_key_file: str | None = None,
                   api_version: str | None = None, environ=None) -> Target:
    env = os.environ if environ is None else environ
    version = api_version or env.get("EXTEND_API_VERSION") or API_VERSION
    # Surrounding whitespace is never part of a key: CI secrets and .env files often end in a newline.
    key = read_key_file(api_key_file) if api_key_file else ((env.get("EXTEND_API_KEY") or "").strip() or None)
    url = base_url or env.get("EXTEND_BASE_URL") or None
    if key is None and url is None:
        return Target(EMBEDDED, None, None, version)
    if key is None:
        # A base URL without a key: a standalone `extendpipe serve` accepts any key by default.
        key = "local-emulator"
    from extendpipe.client.transport import check_base_url  # a bad URL is a usage error, found first

    return Target(REMOTE, check_base_url(url or DEFAULT_BASE_URL), key, version)


def client_for(target: Target, **transport: object):
    """An API client for a live target; `transport` holds TransportConfig's other fields (timeouts...)."""
    from extendpipe.client import ExtendClient, TransportConfig

    return ExtendClient(TransportConfig(base_url=target.base_url, api_key=target.api_key,
                                        api_version=target.api_version, **transport))
