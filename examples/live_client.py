"""Follow Podium's live feed, surviving disconnections and server restarts.

    python examples/live_client.py ws://127.0.0.1:8003/v1/live results medals:all [--key KEY]

Prints every message as one JSON line. After any disconnection it reconnects (with a
growing, jittered delay) and subscribes again with `since` = the highest seq it has seen
and the `epoch` of the feed it belongs to, so it gets every `result` message it missed
exactly once, in order, and fresh snapshots of the tables; a server whose feed is another
(a database restored from a backup) answers with a reset instead. Needs only the
`websockets` package. See docs/protocol.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
from typing import Any

import websockets
from websockets.exceptions import InvalidHandshake


async def follow(url: str, channels: list[str], key: str | None) -> None:
    position: int | None = None  # the highest seq received: where to resume from
    epoch: str | None = None  # the feed `position` is a seq of
    settled = True  # False from a reset until the `subscribed` that ends it
    delay = 0.5
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    while True:
        try:
            async with websockets.connect(url, additional_headers=headers) as ws:
                request: dict[str, Any] = {"op": "subscribe", "channels": channels}
                if position is not None:
                    request["since"] = position
                    if epoch is not None:
                        request["epoch"] = epoch
                await ws.send(json.dumps(request))
                delay = 0.5
                async for text in ws:
                    message = json.loads(text)
                    kind = message.get("type")
                    if kind == "reset":
                        # The server cannot resume from `position` (see the reason): the
                        # state follows afresh, and a break before its end starts over.
                        settled = False
                    elif kind == "subscribed" and not settled:
                        position, settled = message["seq"], True
                    elif settled and "seq" in message:
                        position = max(position or 0, message["seq"])
                    if kind == "subscribed":
                        epoch = message.get("epoch", epoch)
                    print(json.dumps(message, ensure_ascii=False), flush=True)
                close = f"closed {ws.close_code} {ws.close_reason}"
        except (OSError, InvalidHandshake, websockets.ConnectionClosed) as error:
            close = repr(error)
        # Jitter, so thousands of screens do not all come back at the same instant.
        wait = delay * (1 + random.random())
        print(f"# {close}; resuming from {position} in {wait:.1f} s", file=sys.stderr,
              flush=True)
        await asyncio.sleep(wait)
        delay = min(delay * 2, 10.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="e.g. ws://127.0.0.1:8003/v1/live")
    parser.add_argument("channels", nargs="+", help="e.g. results medals:all event:<id>")
    parser.add_argument("--key", help="a media key (higher limits, resumes from any seq)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
        asyncio.run(follow(args.url, args.channels, args.key))


if __name__ == "__main__":
    main()
