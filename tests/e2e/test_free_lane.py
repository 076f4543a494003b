"""The free lane: transactions priced below the minimum gas price, as CyberMiles accepted them.

At most one per (sender, recipient) per block, at most `free_lane_slots` per block, at most
500,000 gas each; they pay their own price (0 included), which goes to the staking pool like any
fee. The rest wait in the pool for the next block.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3
from web3.exceptions import Web3RPCError

from tests.e2e.helpers import (
    AWARD,
    GWEI,
    STAKING,
    block_fees,
    dev_account,
    fresh_address,
    receipt,
    send_signed,
)
from tests.nodeproc import NodeProcess


@pytest.fixture
def w3(tmp_path: Path) -> Iterator[Web3]:
    config = tmp_path / "config.toml"
    config.write_text('[mining]\nmode = "instant"\n[fees]\nfree_lane_slots = 2\n')
    node = NodeProcess(tmp_path / "data", config=config)
    yield Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
    assert node.stop() == 0


def test_free_lane_limits_and_prices(w3: Web3) -> None:
    alice, bob, carol = dev_account(1), dev_account(2), dev_account(3)
    shop, other = fresh_address(), fresh_address()
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    free = {"gas": 21_000, "gasPrice": 0, "value": 1}
    hashes = [
        send_signed(w3, alice, {**free, "to": shop}),
        send_signed(w3, alice, {**free, "to": shop}),  # same pair: waits for the next block
        send_signed(w3, bob, {**free, "to": shop, "gasPrice": GWEI}),  # cheap, not free
        send_signed(w3, carol, {**free, "to": other}),
    ]
    before = {a.address: w3.eth.get_balance(a.address) for a in (alice, bob, carol)}
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    first = w3.eth.block_number
    assert len(w3.eth.get_block(first)["transactions"]) == 2  # two free-lane slots per block
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    receipts = [receipt(w3, h) for h in hashes]
    assert all(r["status"] == 1 for r in receipts)
    assert receipts[0]["blockNumber"] != receipts[1]["blockNumber"]
    assert {r["blockNumber"] for r in receipts} == {first, first + 1}
    assert [r["effectiveGasPrice"] for r in receipts] == [0, 0, GWEI, 0]
    assert w3.eth.get_balance(alice.address) == before[alice.address] - 2  # no fee at all
    assert w3.eth.get_balance(bob.address) == before[bob.address] - 1 - 21_000 * GWEI
    assert w3.eth.get_balance(carol.address) == before[carol.address] - 1
    for number in (first, first + 1):  # what was paid went to the staking pool, no more
        gained = w3.eth.get_balance(STAKING, number) - w3.eth.get_balance(STAKING, number - 1)
        assert gained == block_fees(w3, number) + AWARD
    assert block_fees(w3, first) + block_fees(w3, first + 1) == 21_000 * GWEI

    with pytest.raises(Web3RPCError, match="transaction underpriced"):
        send_signed(w3, alice, {**free, "to": shop, "gas": 500_001})
    assert w3.eth.gas_price >= 2 * GWEI  # the normal lane's price stays truthful
