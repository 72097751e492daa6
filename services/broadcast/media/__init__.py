"""What the media print, paste and share, rendered from the documents broadcast already holds.

Every renderer is a plain function from JSON-shaped documents (`GET /v1/games`, `GET
/v1/events/{id}`, the `medals:`/`points:`/`combined:<group>` tables) to bytes or text, so it
is tested without a server; `desk.MediaDesk` is what the HTTP routes call. docs/media.md lists
each output, its route and what it contains.
"""
