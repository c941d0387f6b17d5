"""API errors: `{"error": "..."}` with the status code Mastodon uses for the same case."""

from __future__ import annotations

from starlette.responses import Response

from fedcop.routes.responses import json_response


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers

    def response(self) -> Response:
        return json_response({"error": self.message}, self.status, headers=self.headers)


def not_found() -> ApiError:
    return ApiError(404, "Record not found")
