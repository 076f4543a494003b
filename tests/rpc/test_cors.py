"""CORS: off by default (as geth), allowed origins from [rpc] cors_origins, browser preflights.

Requests carry the headers a browser sends (Origin, Access-Control-Request-*), through aiohttp.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cmt_chain.config import ConfigError, config_from_dict
from tests.nodeproc import NodeProcess

DAPP = "http://localhost:3000"
OTHER = "https://evil.example"
CHAIN_ID_CALL = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


def _node_with(tmp_path_factory: pytest.TempPathFactory, origins: str) -> NodeProcess:
    root = tmp_path_factory.mktemp("cors")
    config = root / "cors.toml"
    config.write_text(f"[rpc]\ncors_origins = {origins}\n")
    return NodeProcess(root / "data", config=Path(config))


@pytest.fixture(scope="module")
def dapp_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    process = _node_with(tmp_path_factory, f'["{DAPP}"]')
    yield process
    process.stop()


@pytest.fixture(scope="module")
def open_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    process = _node_with(tmp_path_factory, '["*"]')
    yield process
    process.stop()


async def _send(method: str, url: str, headers: dict[str, str],
                body: Any = None) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session:
        data = json.dumps(body) if body is not None else None
        if data is not None:
            headers = {**headers, "Content-Type": "application/json"}
        async with session.request(method, url, headers=headers, data=data) as response:
            return response.status, dict(response.headers), await response.text()


def send(method: str, url: str, headers: dict[str, str],
         body: Any = None) -> tuple[int, dict[str, str], str]:
    return asyncio.run(_send(method, url, headers, body))


def test_no_cors_headers_by_default(node: Any) -> None:
    status, headers, text = send("POST", node.url, {"Origin": DAPP}, CHAIN_ID_CALL)
    assert status == 200 and json.loads(text)["result"] == "0x4d2"
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = send("OPTIONS", node.url, {"Origin": DAPP, **PREFLIGHT})
    assert status == 405 and "Access-Control-Allow-Origin" not in headers


def test_allowed_origin_gets_preflight_and_headers(dapp_node: NodeProcess) -> None:
    status, headers, _ = send("OPTIONS", dapp_node.url, {"Origin": DAPP, **PREFLIGHT})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == DAPP
    assert headers["Access-Control-Allow-Methods"] == "POST"
    assert headers["Access-Control-Allow-Headers"] == "content-type"
    assert headers["Access-Control-Max-Age"] == "600"
    status, headers, text = send("POST", dapp_node.url, {"Origin": DAPP}, CHAIN_ID_CALL)
    assert status == 200 and json.loads(text)["result"] == "0x4d2"
    assert headers["Access-Control-Allow-Origin"] == DAPP
    assert "Origin" in headers["Vary"]


def test_other_origins_are_refused(dapp_node: NodeProcess) -> None:
    status, headers, _ = send("OPTIONS", dapp_node.url, {"Origin": OTHER, **PREFLIGHT})
    assert status == 204 and "Access-Control-Allow-Origin" not in headers
    bad_method = {**PREFLIGHT, "Access-Control-Request-Method": "DELETE"}
    status, headers, _ = send("OPTIONS", dapp_node.url, {"Origin": DAPP, **bad_method})
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = send("POST", dapp_node.url, {"Origin": OTHER}, CHAIN_ID_CALL)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    # a request without Origin (curl, a server) is served as ever, without CORS headers
    status, headers, _ = send("POST", dapp_node.url, {}, CHAIN_ID_CALL)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


def test_star_allows_any_origin(open_node: NodeProcess) -> None:
    status, headers, _ = send("OPTIONS", open_node.url, {"Origin": OTHER, **PREFLIGHT})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "*"
    status, headers, text = send("POST", open_node.url, {"Origin": OTHER}, [CHAIN_ID_CALL])
    assert status == 200 and json.loads(text)[0]["result"] == "0x4d2"
    assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("value, message", [
    (["localhost:3000"], "is not an origin"),
    ("http://localhost:3000", "expected a list of origins"),
    (["http://ok.example", "no scheme"], "is not an origin"),
    ([1], "expected a list of origins"),
])
def test_bad_origins_are_config_errors(value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"rpc\.cors_origins: .*{message}"):
        config_from_dict({"rpc": {"cors_origins": value}})
