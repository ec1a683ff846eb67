"""The socket.io echo baseline of bench/load_bench.py: python-socketio (the server Reflex
uses) answering every ``echo`` event with its payload, on Granian."""

from __future__ import annotations

from typing import Any

import socketio

server = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")


@server.on("echo")
async def echo(_sid: str, data: Any) -> Any:
    return data


app = socketio.ASGIApp(server)
