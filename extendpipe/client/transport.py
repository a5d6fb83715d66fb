"""HTTP transport on urllib3: auth headers, finite timeouts, named retry policies, errors.

Retry policies are immutable `urllib3.Retry` values, one per kind of call:
- READ_RETRY covers GETs: connection errors, read errors, 429 and 5xx, exponential backoff with jitter.
- SUBMIT_RETRY covers creates, which this API cannot deduplicate: it retries only when the server
  certainly did not act (connection refused before sending, or 429) and never after a read error.
- UPLOAD_RETRY covers file uploads: a repeated upload only leaves an unused file object behind.
Retry-After is honoured up to `max_retry_wait`; a longer wait fails the call at once, naming both
numbers. The API key lives only in the Authorization header and is never put in a message.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import takewhile
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from extendpipe import __version__
from extendpipe.client.pacing import GET, WRITE, Pacer, RateLimit
from extendpipe.constants import API_VERSION, API_VERSION_HEADER, REQUEST_ID_HEADER
from extendpipe.errors import ApiError, InputError, TransportError

log = logging.getLogger("extendpipe.http")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class RetryAfterTooLong(Exception):
    """The server asked for a wait longer than the user allows (`--max-retry-wait`)."""

    def __init__(self, asked: float, limit: float, status: int | None = None):
        self.asked = asked
        self.limit = limit
        self.status = status  # of the answer that asked: nothing was done, the request was not resent
        super().__init__(f"asked to wait {asked:g} s (limit {limit:g} s)")


class CappedRetry(urllib3.Retry):
    """A Retry that refuses, rather than silently shortens, a Retry-After above `max_retry_wait`."""

    max_retry_wait: float = 60.0

    def new(self, **kw):
        retry = super().new(**kw)
        retry.max_retry_wait = self.max_retry_wait
        return retry

    def get_retry_after(self, response) -> float | None:
        try:
            return super().get_retry_after(response)
        except RetryAfterTooLong as exc:
            exc.status = response.status
            raise

    def parse_retry_after(self, retry_after: str) -> float:
        seconds = super().parse_retry_after(retry_after)
        if seconds > self.max_retry_wait:
            raise RetryAfterTooLong(seconds, self.max_retry_wait)
        return seconds

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        # urllib3 also retries 413/429/503 whenever they carry Retry-After, whatever status_forcelist
        # says; a create answered 503 may have been committed, so only status_forcelist decides.
        return self._is_method_retryable(method) and status_code in (self.status_forcelist or ())

    def get_backoff_time(self) -> float:
        # urllib3 retries the first error at once and without jitter; back off from the first retry:
        # backoff_factor * 2**(n-1) plus up to backoff_jitter, after n consecutive errors.
        errors = len(list(takewhile(lambda h: h.redirect_location is None, reversed(self.history))))
        if errors == 0:
            return 0.0
        backoff = self.backoff_factor * 2 ** (errors - 1) + random.random() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, backoff)))


def _policy(**kw) -> CappedRetry:
    base = dict(backoff_factor=0.5, backoff_max=30.0, backoff_jitter=0.5, raise_on_status=False,
                respect_retry_after_header=True, raise_on_redirect=True, redirect=0)
    base.update(kw)
    return CappedRetry(**base)


READ_RETRY = _policy(total=6, connect=4, read=2, status=6, other=2,
                     allowed_methods=frozenset({"GET"}), status_forcelist=RETRY_STATUSES)
SUBMIT_RETRY = _policy(total=6, connect=4, read=0, status=6, other=0,
                       allowed_methods=frozenset({"POST"}), status_forcelist=frozenset({429}))
UPLOAD_RETRY = _policy(total=6, connect=4, read=3, status=6, other=1,
                       allowed_methods=frozenset({"POST"}), status_forcelist=RETRY_STATUSES)
# Updates merge metadata, cancels and deletes are idempotent in effect: safe to repeat after a lost answer.
WRITE_RETRY = _policy(total=6, connect=4, read=3, status=6, other=1,
                      allowed_methods=frozenset({"POST", "DELETE"}), status_forcelist=RETRY_STATUSES)


@dataclass(frozen=True)
class TransportConfig:
    base_url: str
    api_key: str = field(repr=False)
    api_version: str = API_VERSION
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retry_wait: float = 60.0
    ca_bundle: str | None = None
    pool_size: int = 16
    rate_limit: RateLimit = RateLimit(None, None)


@dataclass
class Response:
    status: int
    body: object
    headers: Mapping[str, str]  # case-insensitive (urllib3's HTTPHeaderDict)
    attempts: int


def check_api_key(api_key: str) -> None:
    """A key is a token of visible ASCII; anything else cannot go in a header, and the error raised
    deep in http.client would quote the whole header, key included, into the crash log."""
    for position, char in enumerate(api_key or "", 1):
        if not "!" <= char <= "~":
            what = {"\r": "a carriage return", "\n": "a line break", " ": "a space",
                    "\t": "a tab"}.get(char, f"the character U+{ord(char):04X}")
            raise InputError(f"the API key contains {what} at position {position}, which cannot be sent "
                             "(hint: check EXTEND_API_KEY or the --api-key-file for stray characters)")


def _shown_url(base_url: str) -> str:
    """The URL as it may be shown: a `user:password@` part becomes `***@`, a query `?***` and a
    fragment `#***` (either may hold a token, e.g. `?key=...`)."""
    for mark in "?#":
        head, sep, _ = base_url.partition(mark)
        base_url = f"{head}{sep}***" if sep else base_url
    scheme, sep, rest = base_url.partition("://")
    if not sep:
        return "***" if "@" in base_url else base_url
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    return f"{scheme}{sep}{netloc}{slash}{path}"


def check_base_url(base_url: str) -> str:
    """Allow plain http only to loopback; everything else must be https. Only scheme, host, port
    and path: user-info, a query or a fragment would never be sent, so they are refused."""
    shown = _shown_url(base_url)
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        reason = str(exc) if "@" not in base_url else "malformed host or port"
        raise InputError(f"base URL {shown!r} is not a valid URL: {reason} "
                         "(hint: e.g. https://api.extend.ai or http://127.0.0.1:8790)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"base URL {shown!r} is not an http(s) URL (hint: e.g. https://api.extend.ai)")
    extra = [what for what, present in (("a user name or password", "@" in parts.netloc),
                                        ("a query", bool(parts.query)), ("a fragment", bool(parts.fragment)))
             if present]
    if extra:
        raise InputError(f"base URL {shown!r} has {' and '.join(extra)}, which is never sent (hint: give only "
                         "scheme://host[:port][/path], e.g. https://api.extend.ai; the key goes in EXTEND_API_KEY)")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise InputError(f"plain http is allowed only to loopback, not to {parts.hostname!r} "
                         "(hint: use https, or http://127.0.0.1:PORT for a local `extendpipe serve`)")
    return base_url.rstrip("/")


class Transport:
    """Sends one API request with the right headers, timeouts and retry policy."""

    def __init__(self, config: TransportConfig, *, pacer: Pacer | None = None):
        self.config = config
        self.pacer = pacer or Pacer(config.rate_limit)
        self._stats_lock = threading.Lock()
        self.stats: dict[str, int] = {}
        self.base_url = check_base_url(config.base_url)
        check_api_key(config.api_key)
        kw = {"maxsize": config.pool_size, "block": True,
              "timeout": urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)}
        if self.base_url.startswith("https:"):
            kw["cert_reqs"] = "CERT_REQUIRED"
            if config.ca_bundle:
                kw["ca_certs"] = config.ca_bundle
        # One pool for the one host this client talks to: requests go to it by path, which skips the
        # URL parsing and pool lookup PoolManager does on every call (a third of urllib3's cost here).
        self._pool = urllib3.connection_from_url(self.base_url, **kw)
        self._path_prefix = urlsplit(self.base_url).path
        self._retries: dict[int, CappedRetry] = {}  # id(policy) → the policy with this client's cap
        self._headers = {
            "Authorization": f"Bearer {config.api_key}",
            API_VERSION_HEADER: config.api_version,
            "User-Agent": f"extendpipe/{__version__}",
            "Accept": "application/json",
        }

    def close(self) -> None:
        self._pool.close()

    def _policy(self, retry: urllib3.Retry) -> urllib3.Retry:
        """The policy with this client's Retry-After cap, made once per policy (Retry values are
        immutable: urllib3 makes a new one for each retry)."""
        capped = self._retries.get(id(retry))
        if capped is None:
            capped = retry.new()
            capped.max_retry_wait = self.config.max_retry_wait
            self._retries[id(retry)] = capped
        return capped

    def _count(self, category: str, history) -> None:
        statuses = Counter(h.status for h in history if h.status) if history else Counter()
        with self._stats_lock:
            self.stats[category] = self.stats.get(category, 0) + 1
            self.stats["attempts"] = self.stats.get("attempts", 0) + 1 + len(history)
            if statuses[429]:
                self.stats["http429"] = self.stats.get("http429", 0) + statuses[429]
        for _ in range(statuses[429]):
            self.pacer.penalize(category)

    def request(self, method: str, path: str, *, query: dict | None = None, json_body=None,
                multipart: dict | None = None, retry: urllib3.Retry | None = None,
                category: str | None = None, runs: int = 0) -> Response:
        """Send a request; return the parsed 2xx answer or raise ApiError / TransportError.

        `category` picks the pacing budget (GET, WRITE, RUN); `runs` is how many runs a create makes.
        """
        endpoint = f"{method} {path}"
        category = category or (GET if method == "GET" else WRITE)
        self.pacer.acquire(category, runs=runs)
        url = self._path_prefix + path
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        headers = dict(self._headers)
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif multipart is not None:
            body, content_type = urllib3.encode_multipart_formdata(multipart)
            headers["Content-Type"] = content_type
        retry = self._policy(retry or (READ_RETRY if method == "GET" else SUBMIT_RETRY))
        log.debug("-> %s %s", method, url)
        try:
            raw = self._pool.urlopen(method, url, body=body, headers=headers, retries=retry,
                                     preload_content=True, redirect=False, assert_same_host=False)
        except RetryAfterTooLong as exc:
            raise ApiError(f"{endpoint}: the server {exc} (hint: raise --max-retry-wait or try later)",
                           status=exc.status, endpoint=endpoint, retryable=True) from None
        except MaxRetryError as exc:
            raise _transport_error(endpoint, exc.reason, self.config) from None
        except (Urllib3HTTPError, OSError) as exc:
            raise _transport_error(endpoint, exc, self.config) from None
        history = raw.retries.history if raw.retries is not None else ()
        self._count(category, history)
        if raw.status == 429:
            with self._stats_lock:
                self.stats["http429"] = self.stats.get("http429", 0) + 1
            self.pacer.penalize(category)
        attempts = len(history) + 1
        request_id = raw.headers.get(REQUEST_ID_HEADER)
        log.debug("<- %s %s %s (attempts %d, request id %s)", raw.status, method, path, attempts, request_id)
        parsed = _parse_json(raw.data)
        if 200 <= raw.status < 300:
            if not isinstance(parsed, dict):
                raise ApiError(f"{endpoint}: the server answered {raw.status} with a body that is not a JSON "
                               "object", status=raw.status, request_id=request_id, endpoint=endpoint)
            return Response(raw.status, parsed, raw.headers, attempts)
        raise api_error_from(endpoint, raw.status, parsed, request_id, attempts)


def _parse_json(data: bytes):
    if not data:
        return None
    try:
        # NaN and Infinity are not JSON: a server that sends them gets null, so reports stay valid JSON.
        return json.loads(data, parse_constant=lambda name: None)
    except ValueError:
        return None


def api_error_from(endpoint: str, status: int, body, request_id: str | None, attempts: int = 1) -> ApiError:
    """Build the ApiError for an error answer, keeping the server's message, code and request id."""
    message = code = None
    retryable = status in RETRY_STATUSES
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):  # 2026-style nested error object
            message, code = err.get("message"), err.get("code")
        else:
            message = err if isinstance(err, str) else body.get("message")
            code = body.get("code")
        if isinstance(body.get("retryable"), bool):
            retryable = body["retryable"]
    message = message or f"HTTP {status}"
    text = f"{endpoint}: {status} {message}"
    if code:
        text += f" [{code}]"
    if request_id:
        text += f" (request id {request_id})"
    if status == 401:
        text += " (hint: set EXTEND_API_KEY or --api-key-file to a valid key)"
    if attempts > 1:
        text += f" after {attempts} attempts"
    return ApiError(text, status=status, code=code, request_id=request_id, retryable=retryable,
                    endpoint=endpoint, attempts=attempts)


def _transport_error(endpoint: str, reason, config: TransportConfig) -> TransportError:
    if isinstance(reason, ReadTimeoutError):
        what = f"no answer within the {config.read_timeout:g} s read timeout"
    elif isinstance(reason, NewConnectionError):  # before ConnectTimeoutError: urllib3 2 subclasses it
        what = "connection refused or host unreachable"
    elif isinstance(reason, ConnectTimeoutError):
        what = f"could not connect within the {config.connect_timeout:g} s connect timeout"
    elif isinstance(reason, ProtocolError):
        what = "the connection was dropped before an answer came"
    else:
        what = type(reason).__name__
    # Never format the exception itself: some carry the request headers.
    return TransportError(f"{endpoint}: {what} ({urlsplit(config.base_url).netloc})", endpoint=endpoint,
                          retryable=True)
