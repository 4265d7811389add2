"""A load generator's HTTP/1.1 client: one keep-alive connection sending prepared bytes.

The benches run client and server on the same cores. A general client (httpx) spends
1.6-2.0 ms of CPU on each order-sign call (building the request, encoding 12 kB of JSON,
parsing headers into objects), a quarter of what client and server spent together on
two cores, CPU the server then lacks. This one writes a request made once
(``request_bytes``) and reads the answer's status line, headers and ``Content-Length``
body, nothing more; the caller checks the body. It speaks only what the benches'
servers answer (Uvicorn: ``Content-Length``, keep-alive); anything else is an error,
never a guess.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

HEADER_LIMIT_BYTES = 64 * 1024  # an answer's head longer than this is an error


class AnswerError(Exception):
    """The server's answer is not one this client reads (chunked, closed, malformed)."""


def request_bytes(method: str, path: str, host: str, body: bytes = b"",
                  content_type: str = "application/json") -> bytes:  # fmt: skip
    """One HTTP/1.1 request, ready to write as it is, again and again (keep-alive)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


@dataclass
class Answer:
    status: int
    body: bytes


class Connection:
    """A keep-alive connection to ``host:port``; ``call`` sends one request and reads its answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=HEADER_LIMIT_BYTES)
        return cls(reader, writer)

    async def call(self, request: bytes) -> Answer:
        self.writer.write(request)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as err:
            raise AnswerError("the server closed the connection before answering") from err
        except asyncio.LimitOverrunError as err:
            raise AnswerError(f"an answer's head over {HEADER_LIMIT_BYTES} bytes") from err
        status_line, *header_lines = head[:-4].split(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or parts[0] != b"HTTP/1.1" or not parts[1].isdigit():
            raise AnswerError(f"not an HTTP/1.1 status line: {status_line[:80]!r}")
        length = None
        for line in header_lines:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding":
                raise AnswerError(f"transfer-encoding {value.strip()!r}: not read here")
        if length is None:
            raise AnswerError("an answer without Content-Length")
        return Answer(int(parts[1]), await self.reader.readexactly(length))

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):  # the server may have gone first
            await self.writer.wait_closed()
