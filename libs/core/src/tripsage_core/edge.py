"""What every service answers the same way at its edge: body size limit and security headers."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tripsage_core.asgi import HttpMiddleware
from tripsage_core.errors import BadRequest, PayloadTooLarge, TripSageError, problem_response

# An API answers JSON only: nothing here should ever be framed, sniffed or rendered as a page.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
)
_DOCS_PATHS = ("/docs", "/redoc", "/static-offline-docs/")


class _TooLarge(Exception):
    pass


class EdgeMiddleware(HttpMiddleware):
    """Refuse bodies over `max_body_bytes` (413) and non-UTF-8 query strings (400); add the security headers."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        super().__init__(app)
        self.max_body_bytes = max_body_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        for key, value in scope["headers"]:
            if key == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await self._refuse(scope, receive, send)
                return
        if not _is_utf8_query(scope.get("query_string", b"")):
            # Starlette would silently turn the bytes into U+FFFD and the route would act on text nobody sent.
            await self._refuse(scope, receive, send, BadRequest("The query string is not valid UTF-8 once decoded."))
            return
        received = 0
        started = False
        too_large = False
        is_docs = scope["path"].startswith(_DOCS_PATHS)

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if too_large:
                # FastAPI catches the interruption while parsing a body model and answers its own 400: the
                # caller gets the 413 instead, and the app's response is dropped.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if not is_docs:
                    headers.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: TripSageError | None = None) -> None:
        error = error or PayloadTooLarge(f"The request body is larger than {self.max_body_bytes} bytes.")
        await problem_response(error, scope["path"])(scope, receive, send)


def _is_utf8_query(query_string: bytes) -> bool:
    try:
        unquote_to_bytes(query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
