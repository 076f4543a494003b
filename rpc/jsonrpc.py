"""JSON-RPC 2.0: the envelope, the METHODS table, dispatch, and exceptions to error objects.

`method(name, *params)` registers a handler with its parameter parsers; `handle_payload` takes a
request body (single or batch) and returns the response body. Argument count and type errors get
-32602 naming the argument; domain errors go through `errors.from_domain`; anything unexpected is
logged and returned as -32603 without a stack trace. Called by `server.py` for HTTP and WebSocket.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cmt_chain import errors as domain

from .errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    InvalidParams,
    RpcError,
    from_domain,
)

log = logging.getLogger(__name__)
_REQUIRED = object()
encode_json = json.JSONEncoder(separators=(",", ":")).encode  # compact, as geth writes responses


@dataclass(frozen=True)
class Param:
    parse: Callable[[Any], Any]
    default: Any = _REQUIRED


def optional(parse: Callable[[Any], Any], default: Any = None) -> Param:
    return Param(parse, default)


@dataclass(frozen=True)
class Method:
    name: str
    handler: Callable[..., Awaitable[Any]]
    params: tuple[Param, ...]
    dev_only: bool = False


METHODS: dict[str, Method] = {}


def method(name: str, *params: Param | Callable[[Any], Any], dev_only: bool = False,
           ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Register `handler(ctx, *parsed_args)` as the wire method `name`."""
    specs = tuple(p if isinstance(p, Param) else Param(p) for p in params)

    def register(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        METHODS[name] = Method(name, handler, specs, dev_only)
        return handler

    return register


@dataclass
class Context:
    """What a handler may use: the node, the filter registry, and its WebSocket (if any)."""

    node: Any
    filters: Any
    connection: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _response(request_id: Any, result: Any = None, error: RpcError | None = None) -> dict:
    if error is not None:
        return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


async def handle_payload(ctx: Context, body: bytes | str, max_batch: int) -> str | None:
    """Answer a request body; return the response body, or None if only notifications came."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return encode_json(_response(None, error=RpcError(PARSE_ERROR, "parse error")))
    if isinstance(payload, list):
        if not payload:
            return encode_json(_response(None, error=RpcError(INVALID_REQUEST, "empty batch")))
        if len(payload) > max_batch:
            # As geth: one error, in an array, answering the first call of the batch.
            first = next((item["id"] for item in payload
                          if isinstance(item, dict) and "id" in item), None)
            return encode_json([_response(first if _plain_id(first) else None,
                                         error=RpcError(INVALID_REQUEST, "batch too large"))])
        answers = [await handle_one(ctx, item) for item in payload]
        replies = [a for a in answers if a is not None]
        return encode_json(replies) if replies else None
    answer = await handle_one(ctx, payload)
    return encode_json(answer) if answer is not None else None


async def handle_one(ctx: Context, request: Any) -> dict | None:
    """Answer one request object; None for a valid notification (a request without id)."""
    if not isinstance(request, dict):
        return _response(None, error=RpcError(INVALID_REQUEST, "invalid request"))
    request_id = request.get("id")
    is_notification = "id" not in request
    if (request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str)
            or not request["method"]
            or not isinstance(request_id, str | int | float | type(None))
            or isinstance(request_id, bool)):
        return _response(request_id if _plain_id(request_id) else None,
                         error=RpcError(INVALID_REQUEST, "invalid request"))
    try:
        result = await call_method(ctx, request["method"], request.get("params"))
    except RpcError as exc:
        return None if is_notification else _response(request_id, error=exc)
    return None if is_notification else _response(request_id, result)


def _plain_id(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


async def call_method(ctx: Context, name: str, raw_params: Any) -> Any:
    """Parse the params of `name`, run its handler, and turn any failure into an RpcError."""
    entry = METHODS.get(name)
    if entry is None or (entry.dev_only and not ctx.node.config.network.dev):
        raise RpcError(METHOD_NOT_FOUND, f"the method {name} does not exist/is not available")
    try:
        return await entry.handler(ctx, *_parse_params(entry, raw_params))
    except RpcError:
        raise
    except domain.ChainError as exc:
        raise from_domain(exc) from None
    except Exception:
        log.exception("internal error in %s", name)
        raise RpcError(INTERNAL_ERROR, "internal error") from None


def _parse_params(entry: Method, raw_params: Any) -> list[Any]:
    if raw_params is None:
        raw_params = []
    if not isinstance(raw_params, list):
        raise RpcError(INVALID_PARAMS, "non-array args")
    if len(raw_params) > len(entry.params):
        raise RpcError(INVALID_PARAMS, f"too many arguments, want at most {len(entry.params)}")
    args = []
    for index, spec in enumerate(entry.params):
        value = raw_params[index] if index < len(raw_params) else None
        if value is None:
            if spec.default is _REQUIRED:
                raise RpcError(INVALID_PARAMS, f"missing value for required argument {index}")
            args.append(spec.default)
            continue
        try:
            args.append(spec.parse(value))
        except InvalidParams as exc:
            raise RpcError(INVALID_PARAMS, f"invalid argument {index}: {exc.message}") from None
    return args
