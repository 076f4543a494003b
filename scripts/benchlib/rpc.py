"""A minimal JSON-RPC client over one aiohttp session: single calls, batches, and timed calls."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp


class RpcError(Exception):
    """Raised when a node answers with an error, a non-200 status or an unusable body."""


TRANSIENT = (TimeoutError, aiohttp.ClientError, RpcError, ValueError)


class Rpc:
    def __init__(self, url: str, session: aiohttp.ClientSession):
        self.url = url
        self.session = session
        self._id = 0

    async def _post(self, payload: Any) -> Any:
        async with self.session.post(self.url, json=payload) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RpcError(f"HTTP {resp.status}: {body[:300]!r}")
        return json.loads(body)

    async def call(self, method: str, *params: Any) -> Any:
        self._id += 1
        reply = await self._post(
            {"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)}
        )
        if not isinstance(reply, dict):
            raise RpcError(f"{method}: unexpected reply {str(reply)[:300]}")
        if reply.get("error"):
            raise RpcError(f"{method}: {reply['error']}")
        return reply.get("result")

    async def timed_call(self, method: str, *params: Any) -> tuple[float, Any, Any]:
        """Call once; return (seconds, result, error) without raising on a JSON-RPC error."""
        self._id += 1
        payload = {"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)}
        t0 = time.perf_counter()
        reply = await self._post(payload)
        dt = time.perf_counter() - t0
        return dt, reply.get("result"), reply.get("error")

    async def batch(self, calls: list[tuple[str, list]]) -> list[tuple[Any, Any]]:
        """Send one JSON-RPC batch; return (result, error) pairs in call order."""
        base = self._id + 1
        self._id += len(calls)
        payload = [
            {"jsonrpc": "2.0", "id": base + i, "method": m, "params": p}
            for i, (m, p) in enumerate(calls)
        ]
        reply = await self._post(payload)
        if not isinstance(reply, list):
            raise RpcError(f"batch answered with a non-list: {str(reply)[:300]}")
        by_id = {r.get("id"): r for r in reply}
        out: list[tuple[Any, Any]] = []
        for i in range(len(calls)):
            r = by_id.get(base + i)
            if r is None:
                out.append((None, {"code": -1, "message": "missing from batch reply"}))
            else:
                out.append((r.get("result"), r.get("error")))
        return out


def session(connections: int, timeout: float = 120) -> aiohttp.ClientSession:
    """Return a client session with at most `connections` connections."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(limit=connections),
    )
