"""A LiveConnection on a fake transport, driven by the `websockets` client protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from services.broadcast.websocket import CLOSE_LAGGING, LiveConnection, LiveEndpoint
from tests.unit.test_broadcast_hub import feed, result
from tests.unit.test_broadcast_live import live_with


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.buffered = 0  # what get_write_buffer_size() reports
        self.aborted = False

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return SimpleNamespace(setsockopt=lambda *args: None) if name == "socket" else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Client:
    """The client side: sends requests, parses everything the server wrote."""

    def __init__(self, path: str = "/v1/live") -> None:
        self.live = live_with()
        endpoint = LiveEndpoint(self.live, "replica-1", ping_interval_s=20)
        self.connection: LiveConnection = endpoint.protocol_class()(  # type: ignore[assignment]
            config=None, server_state=SimpleNamespace(connections=set()), app_state={}
        )
        self.transport = FakeTransport()
        self.connection.connection_made(self.transport)
        self.protocol = ClientProtocol(parse_uri(f"ws://podium{path}"))
        self.protocol.send_request(self.protocol.connect())
        self._to_server()
        self.response = self.events()[0]

    def _to_server(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.connection.data_received(data)

    def events(self) -> list[Any]:
        for data in self.transport.written:
            self.protocol.receive_data(data)
        self.transport.written.clear()
        return self.protocol.events_received()

    def request(self, **body: Any) -> None:
        self.protocol.send_text(orjson.dumps(body))
        self._to_server()

    def messages(self) -> list[dict[str, Any]]:
        return [orjson.loads(e.data) for e in self.events() if e.opcode is Opcode.TEXT]


@pytest.fixture
def client() -> Iterator[Client]:
    client = Client()
    yield client
    client.connection.connection_lost(None)  # cancels its close timer, if any


async def test_the_handshake_names_the_replica(client: Client) -> None:
    assert isinstance(client.response, Response) and client.response.status_code == 101
    assert client.response.headers["Podium-Replica"] == "replica-1"


async def test_other_paths_are_refused() -> None:
    client = Client("/v1/elsewhere")
    assert isinstance(client.response, Response) and client.response.status_code == 404
    client.connection.connection_lost(None)


async def test_a_fragmented_request_is_assembled(client: Client) -> None:
    client.protocol.send_text(b'{"op": ', fin=False)
    client.protocol.send_continuation(b'"ping"}', fin=True)
    client._to_server()
    assert client.messages() == [{"type": "pong"}]


async def test_binary_frames_are_answered_with_an_error(client: Client) -> None:
    client.protocol.send_binary(b'{"op": "ping"}')
    client._to_server()
    assert client.messages()[0]["error"] == "bad_frame"


async def test_a_connection_over_its_budget_is_closed_as_lagging(client: Client) -> None:
    client.request(op="subscribe", channels=["results"])
    client.events()
    client.transport.buffered = client.connection.access.buffer_bytes + 1
    client.live.hub.publish(feed(13, "results", "result", result(4)))
    client.live.hub.publish(feed(14, "results", "result", result(5)))
    await asyncio.sleep(0)  # frames of one callback are written together, right after it
    frames = [e for e in client.events() if isinstance(e, Frame)]
    assert [f.opcode for f in frames] == [Opcode.TEXT, Opcode.TEXT, Opcode.CLOSE]
    assert Close.parse(frames[2].data).code == CLOSE_LAGGING
    assert client.connection.channels == set()


async def test_a_replay_may_exceed_the_budget_until_it_drains(client: Client) -> None:
    budget = client.connection.access.buffer_bytes
    client.transport.buffered = 3 * budget  # e.g. a long replay just written
    client.request(op="subscribe", channels=["results"], since=0)
    client.live.hub.publish(feed(13, "results", "result", result(4)))
    await asyncio.sleep(0)
    assert client.connection.channels == {"results"}
    client.connection.resume_writing()  # drained
    client.live.hub.publish(feed(14, "results", "result", result(5)))
    await asyncio.sleep(0)
    assert client.connection.channels == set()


async def test_frames_of_one_callback_go_out_in_one_write(client: Client) -> None:
    client.request(op="subscribe", channels=["results"])
    client.events()
    writes_before = len(client.transport.written)
    for seq in (13, 14, 15):
        client.live.hub.publish(feed(seq, "results", "result", result(seq - 9)))
    assert len(client.transport.written) == writes_before  # nothing yet: queued
    await asyncio.sleep(0)
    assert len(client.transport.written) == writes_before + 1
    texts = [e for e in client.events() if isinstance(e, Frame) and e.opcode is Opcode.TEXT]
    assert [orjson.loads(f.data)["seq"] for f in texts] == [13, 14, 15]


@pytest.mark.parametrize("answers", [True, False])
async def test_a_connection_that_does_not_answer_pings_is_dropped(
    client: Client, answers: bool
) -> None:
    client.connection.keepalive()
    pings = [e for e in client.events() if isinstance(e, Frame) and e.opcode is Opcode.PING]
    assert len(pings) == 1
    if answers:
        client._to_server()  # the client protocol's automatic pong
    client.connection.keepalive()
    assert client.transport.aborted is not answers
