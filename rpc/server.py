"""The aiohttp server: JSON-RPC over HTTP POST and WebSocket on one port, with geth's limits.

`POST /` takes a single request or a batch (bodies up to `max_body_bytes`, batches up to
`max_batch`); `GET /` with an Upgrade header becomes a WebSocket speaking the same protocol plus
eth_subscribe. Binds to 127.0.0.1 by default. Started by `cmt_chain/__main__.py` through `serve`.
CORS, as geth: off unless `rpc.cors_origins` names origins (or "*"); then allowed origins get
`Access-Control-Allow-Origin` and a browser's preflight `OPTIONS` is answered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

from . import methods  # noqa: F401  (registers the wire methods)
from .errors import INVALID_REQUEST, RpcError
from .jsonrpc import Context, encode_json, handle_payload
from .subscriptions import FilterRegistry, WsSubscriptions

log = logging.getLogger(__name__)
_NODE: web.AppKey[Any] = web.AppKey("node")
_FILTERS = web.AppKey("filters", FilterRegistry)
_SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("sockets")


def make_app(node: Any) -> web.Application:
    """Return the aiohttp application serving `node`."""
    rpc = node.config.rpc
    middlewares = [_cors_middleware(rpc.cors_origins)] if rpc.cors_origins else []
    app = web.Application(client_max_size=rpc.max_body_bytes, middlewares=middlewares)
    app[_NODE] = node
    app[_FILTERS] = FilterRegistry(node, rpc.filter_timeout)
    app[_SOCKETS] = set()
    app.router.add_post("/", _http_handler)
    app.router.add_get("/", _get_handler)
    app.on_shutdown.append(_close_sockets)
    return app


CORS_METHODS = ("GET", "POST")
CORS_MAX_AGE = 600  # seconds a browser may cache a preflight answer, as geth


def allowed_origin(allowed: tuple[str, ...], origin: str | None) -> str | None:
    """Return the Access-Control-Allow-Origin value for a request's Origin, or None."""
    if origin is None:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin.lower() in allowed else None


def _cors_middleware(allowed: tuple[str, ...]) -> Any:
    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _preflight(request, allowed_origin(allowed, origin))
        response = await handler(request)
        granted = allowed_origin(allowed, origin)
        if granted is not None and not response.prepared:
            response.headers["Access-Control-Allow-Origin"] = granted
            response.headers["Vary"] = "Origin"
        return response

    return cors


def _preflight(request: web.Request, granted: str | None) -> web.Response:
    """Answer a browser's preflight; without an allowed origin, answer without CORS headers."""
    method = request.headers["Access-Control-Request-Method"].upper()
    response = web.Response(status=204)
    response.headers["Vary"] = ("Origin, Access-Control-Request-Method, "
                                "Access-Control-Request-Headers")
    if granted is None or method not in CORS_METHODS:
        return response
    response.headers["Access-Control-Allow-Origin"] = granted
    response.headers["Access-Control-Allow-Methods"] = method
    wanted = request.headers.get("Access-Control-Request-Headers")
    if wanted:
        response.headers["Access-Control-Allow-Headers"] = wanted  # geth allows any header
    response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response


def _error_body(code: int, message: str) -> str:
    return encode_json({"jsonrpc": "2.0", "id": None, "error": RpcError(code, message).to_json()})


async def _http_handler(request: web.Request) -> web.StreamResponse:
    node = request.app[_NODE]
    limit = node.config.rpc.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return web.Response(status=413, text=_error_body(
            INVALID_REQUEST, f"content length too large ({request.content_length}>{limit})"),
            content_type="application/json")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return web.Response(status=413, text=_error_body(
            INVALID_REQUEST, f"content length too large (>{limit})"),
            content_type="application/json")
    ctx = Context(node=node, filters=request.app[_FILTERS])
    answer = await handle_payload(ctx, body, node.config.rpc.max_batch)
    return web.Response(text=answer or "", content_type="application/json")


async def _get_handler(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return web.Response(status=405, text="JSON-RPC: send a POST or open a WebSocket\n")
    node = request.app[_NODE]
    socket = web.WebSocketResponse(max_msg_size=node.config.rpc.max_body_bytes, heartbeat=30)
    await socket.prepare(request)
    sockets = request.app[_SOCKETS]
    sockets.add(socket)
    send_lock = asyncio.Lock()

    async def send(message: dict[str, Any] | str) -> None:
        text = message if isinstance(message, str) else encode_json(message)
        async with send_lock:
            if not socket.closed:
                await socket.send_str(text)

    subscriptions = WsSubscriptions(node, send, node.config.rpc.max_subscriptions)
    ctx = Context(node=node, filters=request.app[_FILTERS], connection=subscriptions)
    try:
        await _serve_socket(socket, ctx, send)
    finally:
        await subscriptions.close()
        sockets.discard(socket)
    return socket


async def _serve_socket(socket: web.WebSocketResponse, ctx: Context, send: Any) -> None:
    max_batch = ctx.node.config.rpc.max_batch
    async for message in socket:
        if message.type == WSMsgType.TEXT or message.type == WSMsgType.BINARY:
            answer = await handle_payload(ctx, message.data, max_batch)
            if answer is not None:
                await send(answer)
        elif message.type == WSMsgType.ERROR:
            break


async def _close_sockets(app: web.Application) -> None:
    sockets: set[web.WebSocketResponse] = app[_SOCKETS]
    for socket in list(sockets):
        await socket.close()


async def serve(node: Any, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving; return the runner (to stop it) and the bound port (for port 0)."""
    runner = web.AppRunner(make_app(node), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server: Any = site._server
    bound = server.sockets[0].getsockname()[1] if server is not None else port
    return runner, bound
