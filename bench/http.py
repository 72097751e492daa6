"""Keep-alive HTTP/1.1 POSTs with next to no client work, for load generation.

On these two cores the load generator's CPU is CPU the server under test does not get, and
httpx spent about 1.8 ms of CPU per POST (22 % of a core for 119 POSTs/s, measured on a
busy machine): at 500/s it alone would take most of a core.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

ANSWER_WITHIN_S = 30.0


class HttpError(Exception):
    """The connection failed or the answer is not HTTP/1.1 this client can read."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class HttpClient:
    """Up to `connections` keep-alive connections to one server, reused LIFO."""

    def __init__(self, host: str, port: int, headers: dict[str, str], connections: int) -> None:
        self.host, self.port = host, port
        self._head = "".join(f"{name}: {value}\r\n" for name, value in
                             {"Host": f"{host}:{port}", **headers}.items())
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)

    async def post(self, path: str, body: bytes, content_type: str = "application/json") -> int:
        """POSTs body; returns the answer's status (the answer's body is read and dropped)."""
        request = (f"POST {path} HTTP/1.1\r\n{self._head}Content-Type: {content_type}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        async with self._connection() as connection, asyncio.timeout(ANSWER_WITHIN_S):
            connection.writer.write(request)
            head = await connection.reader.readuntil(b"\r\n\r\n")
            length = _content_length(head)
            await connection.reader.readexactly(length)
            return int(head[9:12])

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[_Connection]:
        async with self._slots:
            connection = await self._reusable()
            try:
                yield connection
            except (OSError, TimeoutError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ValueError) as error:
                connection.writer.close()
                raise HttpError(repr(error)) from error
            except BaseException:
                connection.writer.close()
                raise
            self._idle.append(connection)

    async def _reusable(self) -> _Connection:
        # The server closes connections idle for a while (uvicorn: after 5 s); their end
        # of file has arrived by now, so they are dropped here rather than failing a POST.
        while self._idle:
            connection = self._idle.pop()
            if not connection.reader.at_eof() and not connection.writer.is_closing():
                return connection
            connection.writer.close()
        return await self._open()

    async def _open(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as error:
            raise HttpError(repr(error)) from error
        return _Connection(reader, writer)

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.writer.close()
            with contextlib.suppress(OSError):
                await connection.writer.wait_closed()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise ValueError("an answer without Content-Length")
