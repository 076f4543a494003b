"""txpool_status / content / contentFrom / inspect, with pending and queued transactions."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from tests.rpc.helpers import address_of, dev_key, dynamic_tx, nonce_of, rpc, wait_receipt


def test_pool_views_show_pending_and_queued(node: Any) -> None:
    key = dev_key(7)
    sender = address_of(key)
    nonce = nonce_of(node.url, sender)
    recipient = "0x00000000000000000000000000000000000000aa"
    raw_gapped, gapped_hash = dynamic_tx(key, nonce + 2, recipient)
    assert rpc(node.url, "eth_sendRawTransaction", raw_gapped) == gapped_hash

    status = rpc(node.url, "txpool_status")
    assert int(status["queued"], 16) >= 1
    content = rpc(node.url, "txpool_content")
    queued = content["queued"][to_checksum_address(sender)]
    assert queued[str(nonce + 2)]["hash"] == gapped_hash
    assert queued[str(nonce + 2)]["blockHash"] is None
    assert queued[str(nonce + 2)]["blockTimestamp"] is None
    mine = rpc(node.url, "txpool_contentFrom", sender)
    assert mine["pending"] == {} and list(mine["queued"]) == [str(nonce + 2)]
    summary = rpc(node.url, "txpool_inspect")["queued"][to_checksum_address(sender)]
    assert summary[str(nonce + 2)] == (
        f"{to_checksum_address(recipient)}: 0 wei + 21000 gas × 3000000000 wei")
    assert rpc(node.url, "txpool_contentFrom", "0x" + "00" * 20) == {"pending": {}, "queued": {}}


def test_coinbase_is_the_validator_of_the_latest_block(node: Any) -> None:
    key = dev_key(8)
    raw, tx_hash = dynamic_tx(key, nonce_of(node.url, address_of(key)), "0x" + "bb" * 20)
    rpc(node.url, "eth_sendRawTransaction", raw)
    wait_receipt(node.url, tx_hash)
    latest = rpc(node.url, "eth_getBlockByNumber", "latest", False)
    assert rpc(node.url, "eth_coinbase") == latest["miner"]
    assert rpc(node.url, "eth_mining") is True
    assert rpc(node.url, "eth_hashrate") == "0x0"
