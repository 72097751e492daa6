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

from services.broadcast.live import REPLAY_ALLOWANCE_BYTES, SLICE_MESSAGES, Live
from services.broadcast.websocket import (
    CLOSE_LAGGING,
    MAX_JOINED_BYTES,
    PARSE_BYTES,
    REQUEST_BURST,
    LiveConnection,
    LiveEndpoint,
)
from tests.unit.test_broadcast_hub import feed, result
from tests.unit.test_broadcast_live import live_with


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.buffered = 0  # what get_write_buffer_size() reports
        self.stalled = False  # the client reads nothing: what is written stays buffered
        self.reading = True
        self.aborted = False

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))
        if self.stalled:
            self.buffered += len(data)

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return ("192.0.2.7", 50000)
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
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


class Client:
    """The client side: sends requests, parses everything the server wrote."""

    def __init__(self, path: str = "/v1/live", live: Live | None = None) -> None:
        self.live = live or live_with()
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


def closes(client: Client) -> list[int]:
    return [Close.parse(e.data).code for e in client.events()
            if isinstance(e, Frame) and e.opcode is Opcode.CLOSE]


def texts(client: Client) -> list[dict[str, Any]]:
    return [orjson.loads(e.data) for e in client.events()
            if isinstance(e, Frame) and e.opcode is Opcode.TEXT]


async def test_a_connection_over_its_budget_is_closed_as_lagging(client: Client) -> None:
    client.request(op="subscribe", channels=["results"])
    client.events()
    client.transport.stalled = True
    client.transport.buffered = client.connection.access.buffer_bytes + 1
    client.live.hub.publish(feed(13, "results", "result", result(4)))
    client.live.hub.publish(feed(14, "results", "result", result(5)))
    await asyncio.sleep(0)  # frames of one callback are written together, right after it
    frames = [e for e in client.events() if isinstance(e, Frame)]
    assert [f.opcode for f in frames] == [Opcode.TEXT, Opcode.TEXT, Opcode.CLOSE]
    assert Close.parse(frames[2].data).code == CLOSE_LAGGING
    assert client.connection.channels == set()


async def test_a_message_larger_than_the_budget_reaches_a_connection_that_keeps_up(
    client: Client
) -> None:
    client.request(op="subscribe", channels=["results"])
    client.events()
    client.transport.stalled = True  # the kernel took none of it yet
    budget = client.connection.access.buffer_bytes
    client.live.hub.publish(feed(13, "results", "result", {"pad": "名" * budget}))
    await asyncio.sleep(0)
    assert client.connection.channels == {"results"}
    assert closes(client) == []
    # Still unread when the next one comes: now it is lagging.
    client.live.hub.publish(feed(14, "results", "result", result(5)))
    await asyncio.sleep(0)
    assert closes(client) == [CLOSE_LAGGING]


async def test_asked_for_messages_close_a_connection_past_its_budget_and_allowance(
    client: Client
) -> None:
    client.transport.stalled = True
    client.transport.buffered = client.connection.access.buffer_bytes + REPLAY_ALLOWANCE_BYTES
    client.request(op="ping")  # the pong passes the allowance
    assert closes(client) == [CLOSE_LAGGING]


async def test_a_replay_waits_for_the_connection_to_read_the_slice_before() -> None:
    client = Client(live=live_with(window=300, last_seq=800))  # 200 results in memory
    client.transport.stalled = True
    client.transport.buffered = client.connection.access.buffer_bytes + 1  # behind already
    client.request(op="subscribe", channels=["results"], since=0)
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(texts(client)) == SLICE_MESSAGES  # one slice, then it waits
    assert client.connection.channels == set()
    client.transport.buffered = 0
    client.connection.resume_writing()  # drained
    for _ in range(10):
        await asyncio.sleep(0)
    rest = texts(client)
    assert len(rest) == 200 - SLICE_MESSAGES + 1 and rest[-1]["type"] == "subscribed"
    assert client.connection.channels == {"results"}
    client.connection.connection_lost(None)


async def test_requests_are_not_read_while_output_waits_unread(client: Client) -> None:
    client.connection.pause_writing()  # the transport holds more than the budget
    assert not client.transport.reading
    client.request(op="ping")  # it had arrived already
    assert texts(client) == []
    client.connection.resume_writing()
    assert client.transport.reading
    assert texts(client) == [{"type": "pong"}]


async def test_requests_beyond_the_rate_wait_for_their_turn(client: Client) -> None:
    burst = int(REQUEST_BURST)
    for _ in range(burst + 5):
        client.request(op="ping")
    assert len(texts(client)) == burst
    assert not client.transport.reading  # the rest wait, and nothing more is read
    answered = burst
    async with asyncio.timeout(10):
        while answered < burst + 5:
            await asyncio.sleep(0.05)
            answered += len(texts(client))
    assert answered == burst + 5 and client.transport.reading


async def test_requests_sent_far_faster_than_they_are_handled_wait_unparsed(
    client: Client
) -> None:
    for _ in range(1000):  # one read's worth
        client.protocol.send_text(b'{"op": "ping"}')
    sent = b"".join(client.protocol.data_to_send())
    client.connection.data_received(sent)
    frames = [e for e in client.events() if isinstance(e, Frame)]
    assert [f.opcode for f in frames] == [Opcode.TEXT] * int(REQUEST_BURST)  # no close
    assert not client.transport.reading
    unparsed = len(client.connection._unread) - client.connection._unread_at
    assert unparsed > len(sent) - 2 * PARSE_BYTES


async def test_connections_from_one_address_are_capped() -> None:
    live = live_with(max_connections_per_address=1)
    first, second = Client(live=live), Client(live=live)
    assert isinstance(second.response, Response) and second.response.status_code == 429
    assert second.response.headers["Retry-After"]
    first.connection.connection_lost(None)
    third = Client(live=live)
    assert isinstance(third.response, Response) and third.response.status_code == 101
    for client in (second, third):
        client.connection.connection_lost(None)


@pytest.mark.parametrize("count", [1, 2, 3])
async def test_frames_of_one_callback_go_out_in_one_write(client: Client, count: int) -> None:
    client.request(op="subscribe", channels=["results"])
    client.events()
    writes_before = len(client.transport.written)
    seqs = list(range(13, 13 + count))
    for seq in seqs:
        client.live.hub.publish(feed(seq, "results", "result", result(seq - 9)))
    assert len(client.transport.written) == writes_before  # nothing yet: queued
    await asyncio.sleep(0)
    assert len(client.transport.written) == writes_before + 1
    texts = [e for e in client.events() if isinstance(e, Frame) and e.opcode is Opcode.TEXT]
    assert [orjson.loads(f.data)["seq"] for f in texts] == seqs


async def test_a_backlog_goes_out_in_writes_that_fit_the_send_buffer(client: Client) -> None:
    client.request(op="subscribe", channels=["results"])
    client.events()
    writes_before = len(client.transport.written)
    seqs = list(range(13, 3013))  # 3,000 results of ~100 bytes: more than a write may join
    for seq in seqs:
        client.live.hub.publish(feed(seq, "results", "result", result(seq - 9)))
    await asyncio.sleep(0)
    writes = client.transport.written[writes_before:]
    total = sum(map(len, writes))
    largest_frame = 2 * total // len(seqs)  # the frames differ by a few bytes
    assert total > 2 * MAX_JOINED_BYTES and len(writes) > 2
    # Each write stops at the frame that takes it past the limit.
    assert all(len(write) < MAX_JOINED_BYTES + largest_frame for write in writes)
    texts = [e for e in client.events() if isinstance(e, Frame) and e.opcode is Opcode.TEXT]
    assert [orjson.loads(f.data)["seq"] for f in texts] == seqs  # none lost, in order


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
