"""What the live server sends, encoded once: the JSON message and its WebSocket frame.

Server-to-client frames are never masked and Podium negotiates no compression, so one
encoded frame is byte-for-byte the right thing to write to every WebSocket connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from websockets.frames import Frame, Opcode


def text_frame(payload: bytes) -> bytes:
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message with a seq: a feed message (`update`, `result`) or a `snapshot`."""

    seq: int
    channel: str
    type: str
    payload: bytes  # the JSON text
    frame: bytes  # the same text as a WebSocket frame

    @classmethod
    def build(cls, seq: int, channel: str, type_: str, data: Any,
              epoch: str | None = None) -> Outgoing:
        """`epoch` for snapshots: a state names the feed its seq belongs to."""
        message = {"channel": channel, "type": type_, "seq": seq, "data": data}
        if epoch is not None:
            message["epoch"] = epoch
        payload = orjson.dumps(message)
        return cls(seq, channel, type_, payload, text_frame(payload))

    @property
    def is_result(self) -> bool:
        return self.type == "result"


def error(code: str, detail: str) -> bytes:
    return orjson.dumps({"type": "error", "error": code, "detail": detail})


def reset(reason: str, detail: str, seq: int, channels: list[str], epoch: str) -> bytes:
    return orjson.dumps({"type": "reset", "reason": reason, "detail": detail, "seq": seq,
                         "epoch": epoch, "channels": channels})


def subscribed(channels: list[str], seq: int, epoch: str) -> bytes:
    return orjson.dumps({"type": "subscribed", "channels": channels, "seq": seq,
                         "epoch": epoch})


PONG = b'{"type":"pong"}'
