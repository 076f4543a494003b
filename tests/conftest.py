"""Shared fixtures: a real node per test module (instant mining) and web3 clients for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from tests.nodeproc import NodeProcess

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    data_dir = tmp_path_factory.mktemp("node") / "data"
    process = NodeProcess(data_dir, "--mining-mode", "instant")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def w3(node: NodeProcess) -> Web3:
    return Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))


@pytest.fixture(scope="session")
def emitter_artifact() -> dict:
    return json.loads((FIXTURES / "contracts" / "EventEmitter.json").read_text())
