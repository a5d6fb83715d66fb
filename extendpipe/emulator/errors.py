"""The error the backend raises; the server turns it into `{"success": false, "error", "code"?}`."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict:
        body = {"success": False, "error": self.message}
        if self.code:
            body["code"] = self.code
        return body


def bad_request(message: str, code: str | None = None) -> ApiError:
    return ApiError(400, message, code)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)
