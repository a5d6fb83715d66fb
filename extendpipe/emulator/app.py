"""The Emulator: wires store, workflows, engine, backend and HTTP server; the public handle for tests/CLI."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from typing import Any, Optional

import extendpipe.constants as constants

from . import routes
from .engine import Engine
from .errors import ApiError
from .routes import Request
from .server import RecordedRequest, Reply, RequestLog, Server, _Malformed
from .service import Backend
from .store import Store, is_storage_failure
from .workflows import Workflows

log = logging.getLogger(__name__)
CONTROL_PREFIX = "/_emulator/"


class Emulator:
    """A local stand-in for the Extend API 2025-04-21. See the package docstring for the control API."""

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Optional[Iterable[str]] = None,
        workers: int = 2,
        processing_delay: float = 0.0,
        strict: bool = False,
        workflows_file: Optional[str | os.PathLike[str]] = None,
        rate_limit: Any = None,
    ):
        self.db_path = db_path
        self.host, self.port = host, port
        self.api_keys = set(api_keys) if api_keys is not None else None
        self.requests = RequestLog()
        self.store = Store(db_path)
        self.workflows = self._load_workflows(strict, workflows_file)
        self.faults = self._make_faults()
        self.rate_limiter = self._make_rate_limiter(rate_limit)
        self.engine = Engine(
            self.store, self.workflows, workers=workers, processing_delay=processing_delay, hooks=self.faults
        )
        self.backend = Backend(self.store, self.workflows, self.engine)
        self._server: Optional[Server] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    # Extension points filled by phase-2 modules.
    def _load_workflows(self, strict: bool, workflows_file: Any) -> Workflows:
        if workflows_file is None:
            return Workflows(strict=strict)
        from .definitions import load_workflows

        return Workflows(strict=strict, definitions=load_workflows(workflows_file))

    def _make_faults(self) -> Any:
        from .faults import Faults

        return Faults()

    def _make_rate_limiter(self, rate_limit: Any) -> Any:
        from .ratelimit import RateLimiter

        return RateLimiter.from_setting(rate_limit)

    def set_rate_limit(self, rate_limit: Any) -> None:
        """Change limits while running: a plan name, "none", a dict, or a RateLimiter (ratelimit.py)."""
        self.rate_limiter = self._make_rate_limiter(rate_limit)

    # Lifecycle.
    def start(self) -> str:
        with self._lock:
            if self._server is not None:
                return self.url
            server = Server((self.host, self.port), self.handle, self.requests)
            ready = threading.Event()

            def serve() -> None:
                ready.set()
                server.serve_forever(poll_interval=0.05)

            self._thread = threading.Thread(target=serve, name="emulator-http", daemon=True)
            self._thread.start()
            ready.wait(10)
            try:
                self.store.keep_open()  # the first writes (the WAL, runs left PROCESSING): a full disk fails here
                self.engine.start()
            except BaseException:
                server.shutdown()
                server.server_close()
                self._thread.join(timeout=10)
                self.store.close()
                raise
            self._server = server
        return self.url

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            server.shutdown()
            server.close_connections()
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=10)
            self.engine.stop()
            self.store.close()

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def store_failure(self) -> Optional[BaseException]:
        """The error the store met when it could not be written (a full disk), else None."""
        return self.store.failure

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # Helpers for tests.
    def requests_matching(self, method: str, path_prefix: str = "") -> list[RecordedRequest]:
        return self.requests.matching(method, path_prefix)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.engine.wait_idle(timeout)

    def pause(self) -> None:
        """Workers stop taking runs: new runs stay PENDING until resume() (deterministic tests)."""
        self.engine.pause()

    def resume(self) -> None:
        self.engine.resume()

    # Request handling.
    def handle(self, request: Request) -> Reply:
        try:
            if request.path.startswith(CONTROL_PREFIX):
                return self.faults.control(self, request)
            return self._handle_api(request)
        except ApiError as exc:
            return Reply(exc.status, exc.body(), exc.headers)
        except Exception as exc:
            what = "Internal server error"
            if is_storage_failure(exc):  # logged once by the store, without a traceback
                what += f": the emulator's store cannot be written ({exc})"
            else:
                log.exception(
                    "emulator: unexpected error handling %s %s (request id %s)",
                    request.method,
                    request.path,
                    request.request_id,
                )
            return Reply(
                500,
                {
                    "success": False,
                    "error": f"{what} (request id {request.request_id})",
                    "requestId": request.request_id,
                },
            )

    def _check_headers(self, request: Request) -> None:
        auth = request.headers.get("authorization", "")
        scheme, _, key = auth.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise ApiError(401, "Unauthorized: send Authorization: Bearer <API key>")
        if self.api_keys is not None and key not in self.api_keys:
            raise ApiError(401, "Unauthorized: the API key is not valid")
        version = request.headers.get(constants.API_VERSION_HEADER)
        if version is None:
            raise ApiError(
                400,
                f"Missing the {constants.API_VERSION_HEADER} header: this API key requires an "
                f"explicit API version (supported: {constants.API_VERSION})",
            )
        if version.strip() != constants.API_VERSION:
            raise ApiError(
                400,
                f"Unsupported API version {version!r} in {constants.API_VERSION_HEADER}: "
                f"this server supports {constants.API_VERSION}",
            )

    def _handle_api(self, request: Request) -> Reply:
        self._check_headers(request)
        fault = self.faults.match(request)
        if fault is not None and fault.before_commit():
            return fault.reply(request)
        if self.rate_limiter is not None:
            self.rate_limiter.check(routes.category(request.method, request.path), request)
        if isinstance(request.json, _Malformed):
            raise ApiError(400, "Malformed JSON in the request body")
        body = routes.dispatch(self.backend, request)
        if fault is not None:
            return fault.reply(request, committed=body)
        return Reply(200, body)
