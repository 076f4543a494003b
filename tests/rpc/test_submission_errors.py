"""eth_sendRawTransaction refusals: -32000 with the txpool's (geth's) messages, malformed and
badly signed raw transactions, replay protection, and pool replacement rules.

After each refusal the node must still answer, the refused transaction must be unknown, and a good
transaction must still go through. The base-fee test raises the base fee, so it runs last.
"""

from __future__ import annotations

from typing import Any

import rlp

from tests.rpc.helpers import (
    BASE_FEE,
    GWEI,
    address_of,
    calldata,
    dev_key,
    dynamic_tx,
    legacy_tx,
    nonce_of,
    rpc,
    rpc_error,
    sign,
    wait_receipt,
)

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
OTHER = "0x" + "42" * 20


def refused(url: str, raw: str, message: str | None = None, *, prefix: str | None = None,
            contains: str | None = None, tx_hash: str | None = None) -> None:
    rpc_error(url, "eth_sendRawTransaction", [raw], -32000, message, prefix=prefix,
              contains=contains)
    if tx_hash is not None:
        assert rpc(url, "eth_getTransactionByHash", tx_hash) is None, "a refused tx is pooled"


def resign_fields(raw: str, **changes: int) -> str:
    """Re-encode a signed type-2 transaction with its (yParity, r, s) changed."""
    payload = bytes.fromhex(raw[2:])
    assert payload[0] == 2
    items = rlp.decode(payload[1:])
    positions = {"y_parity": -3, "r": -2, "s": -1}
    for name, value in changes.items():
        items[positions[name]] = value
    return "0x02" + rlp.encode(items).hex()


def test_nonce_too_low(node: Any) -> None:
    url, key = node.url, dev_key(0)
    nonce = nonce_of(url, address_of(key))
    raw, tx_hash = dynamic_tx(key, nonce, OTHER, value=1)
    assert rpc(url, "eth_sendRawTransaction", raw) == tx_hash
    wait_receipt(url, tx_hash)
    stale, stale_hash = dynamic_tx(key, nonce, OTHER, value=2)
    refused(url, stale, f"nonce too low: next nonce {nonce + 1}, tx nonce {nonce}",
            tx_hash=stale_hash)
    # the mined transaction itself, sent again, is also "nonce too low" (it left the pool)
    refused(url, raw, f"nonce too low: next nonce {nonce + 1}, tx nonce {nonce}")


def test_already_known_and_replacement(node: Any) -> None:
    url, key = node.url, dev_key(1)
    sender = address_of(key)
    gap_nonce = nonce_of(url, sender, "latest") + 10  # queued behind a gap: it stays in the pool
    raw, tx_hash = dynamic_tx(key, gap_nonce, OTHER, max_fee=10 * GWEI, tip=2 * GWEI)
    assert rpc(url, "eth_sendRawTransaction", raw) == tx_hash
    refused(url, raw, "already known")

    # +5% on both fee fields is below the 10% price bump
    cheap, cheap_hash = dynamic_tx(key, gap_nonce, OTHER, max_fee=10_500_000_000,
                                   tip=2_100_000_000)
    refused(url, cheap, "replacement transaction underpriced", tx_hash=cheap_hash)
    # raising only the fee cap is not enough either: both fields must rise
    cap_only, cap_only_hash = dynamic_tx(key, gap_nonce, OTHER, max_fee=20 * GWEI, tip=2 * GWEI)
    refused(url, cap_only, "replacement transaction underpriced", tx_hash=cap_only_hash)
    assert rpc(url, "eth_getTransactionByHash", tx_hash)["hash"] == tx_hash

    bumped, bumped_hash = dynamic_tx(key, gap_nonce, OTHER, max_fee=11 * GWEI, tip=2_200_000_000)
    assert rpc(url, "eth_sendRawTransaction", bumped) == bumped_hash
    assert rpc(url, "eth_getTransactionByHash", tx_hash) is None
    replacement = rpc(url, "eth_getTransactionByHash", bumped_hash)
    assert replacement["blockHash"] is None and replacement["maxFeePerGas"] == hex(11 * GWEI)


def test_insufficient_funds(node: Any) -> None:
    url = node.url
    empty_key = "0x" + "77" * 32
    raw, tx_hash = dynamic_tx(empty_key, 0, OTHER, max_fee=3 * GWEI, tip=GWEI)
    cost = 21_000 * 3 * GWEI
    refused(url, raw, f"insufficient funds for gas * price + value: balance 0, tx cost {cost}, "
                      f"overshot {cost}", tx_hash=tx_hash)

    key = dev_key(2)
    sender = address_of(key)
    balance = int(rpc(url, "eth_getBalance", sender, "latest"), 16)
    value = balance  # the value alone takes everything; gas makes it overshoot
    raw, tx_hash = legacy_tx(key, nonce_of(url, sender), OTHER, gas_price=BASE_FEE, value=value)
    cost = 21_000 * BASE_FEE + value
    refused(url, raw, f"insufficient funds for gas * price + value: balance {balance}, "
                      f"tx cost {cost}, overshot {cost - balance}", tx_hash=tx_hash)


def test_intrinsic_gas_too_low(node: Any) -> None:
    key = dev_key(0)
    nonce = nonce_of(node.url, address_of(key))
    raw, tx_hash = dynamic_tx(key, nonce, OTHER, gas=20_000)
    refused(node.url, raw, "intrinsic gas too low: gas 20000, minimum needed 21000",
            tx_hash=tx_hash)
    raw, tx_hash = legacy_tx(key, nonce, OTHER, gas=0)
    refused(node.url, raw, "intrinsic gas too low: gas 0, minimum needed 21000", tx_hash=tx_hash)


def test_exceeds_block_gas_limit(node: Any) -> None:
    key = dev_key(0)
    raw, tx_hash = dynamic_tx(key, nonce_of(node.url, address_of(key)), OTHER, gas=30_000_001)
    refused(node.url, raw, "exceeds block gas limit", tx_hash=tx_hash)


def test_underpriced(node: Any) -> None:
    # Below the minimum price only the free lane's 500,000 gas are accepted (test_free_lane.py).
    key = dev_key(0)
    nonce = nonce_of(node.url, address_of(key))
    raw, tx_hash = dynamic_tx(key, nonce, OTHER, gas=500_001, max_fee=GWEI, tip=GWEI)
    refused(node.url, raw, prefix="transaction underpriced", tx_hash=tx_hash)
    raw, tx_hash = legacy_tx(key, nonce, OTHER, gas=600_000, gas_price=GWEI)
    refused(node.url, raw, prefix="transaction underpriced", tx_hash=tx_hash)


def test_tip_above_fee_cap(node: Any) -> None:
    key = dev_key(0)
    raw, tx_hash = dynamic_tx(key, nonce_of(node.url, address_of(key)), OTHER, max_fee=3 * GWEI,
                              tip=4 * GWEI)
    refused(node.url, raw, prefix="max priority fee per gas higher than max fee per gas",
            tx_hash=tx_hash)


def test_invalid_signature(node: Any) -> None:
    key = dev_key(0)
    good, _ = dynamic_tx(key, nonce_of(node.url, address_of(key)), OTHER)
    items = rlp.decode(bytes.fromhex(good[4:]))
    s = int.from_bytes(items[-1], "big")
    for bad in (resign_fields(good, r=0), resign_fields(good, s=0),
                resign_fields(good, r=SECP256K1_N),
                resign_fields(good, s=SECP256K1_N - s),  # high s: refused since Homestead
                resign_fields(good, y_parity=2)):
        refused(node.url, bad, prefix="invalid sender")


def test_invalid_chain_id(node: Any) -> None:
    key = dev_key(0)
    nonce = nonce_of(node.url, address_of(key))
    raw, tx_hash = dynamic_tx(key, nonce, OTHER, chainId=1)
    refused(node.url, raw, prefix="invalid chain id", tx_hash=tx_hash)
    raw, tx_hash = legacy_tx(key, nonce, OTHER, chainId=1)
    refused(node.url, raw, prefix="invalid chain id", tx_hash=tx_hash)


def test_unprotected_legacy_refused(node: Any) -> None:
    key = dev_key(0)
    raw, tx_hash = legacy_tx(key, nonce_of(node.url, address_of(key)), OTHER, chainId=None)
    assert int(rlp.decode(bytes.fromhex(raw[2:]))[6].hex(), 16) in (27, 28)
    refused(node.url, raw, "only replay-protected (EIP-155) transactions allowed over RPC",
            tx_hash=tx_hash)


def test_oversized_data(node: Any) -> None:
    key = dev_key(0)
    raw, tx_hash = dynamic_tx(key, nonce_of(node.url, address_of(key)), OTHER, gas=10_000_000,
                              data=b"\x01" * (128 * 1024))
    refused(node.url, raw, prefix="oversized data: transaction size ", tx_hash=tx_hash)


def test_invalid_rlp(node: Any) -> None:
    url = node.url
    # geth: "rlp: value size exceeds available input length", "rlp: too few elements for
    # types.LegacyTx", "rlp: too few elements for types.DynamicFeeTx"
    refused(url, "0xf86b8085", contains="rlp")  # a list header longer than the input
    refused(url, "0xc0", contains="rlp")  # an empty list is not a legacy transaction
    refused(url, "0x02c0", contains="rlp")  # a type-2 envelope around an empty list
    refused(url, "0x1234", "transaction type not supported")
    refused(url, "0x", "typed transaction too short")


def test_good_transaction_after_refusals(node: Any, emitter_artifact: dict) -> None:
    url, key = node.url, dev_key(0)
    raw, tx_hash = dynamic_tx(key, nonce_of(url, address_of(key)), None, gas=1_000_000,
                              data=emitter_artifact["bytecode"] + "00" * 32)
    assert rpc(url, "eth_sendRawTransaction", raw) == tx_hash
    assert wait_receipt(url, tx_hash)["status"] == "0x1"


def test_fee_cap_below_base_fee(node: Any, emitter_artifact: dict) -> None:
    """Fill a block past its gas target so the base fee rises above the 2 gwei floor; a tx paying
    the minimum price but less than the new base fee is then refused."""
    url = node.url
    key = dev_key(3)
    sender = address_of(key)
    deploy, deploy_hash = dynamic_tx(key, nonce_of(url, sender), None, gas=1_000_000,
                                     data=emitter_artifact["bytecode"] + "00" * 32)
    assert rpc(url, "eth_sendRawTransaction", deploy) == deploy_hash
    contract = wait_receipt(url, deploy_hash)["contractAddress"]
    burn, burn_hash = dynamic_tx(key, nonce_of(url, sender), contract, gas=20_000_000,
                                 max_fee=5 * GWEI, data=calldata("burn(uint256)", ["uint256"],
                                                                 [750]))
    assert rpc(url, "eth_sendRawTransaction", burn) == burn_hash
    receipt = wait_receipt(url, burn_hash, timeout=60)
    assert int(receipt["gasUsed"], 16) > 15_000_000, receipt
    block = rpc(url, "eth_getBlockByNumber", receipt["blockNumber"], False)
    history = rpc(url, "eth_feeHistory", "0x1", receipt["blockNumber"])
    next_base_fee = int(history["baseFeePerGas"][-1], 16)
    assert next_base_fee > int(block["baseFeePerGas"], 16) == BASE_FEE

    other = dev_key(4)
    raw, tx_hash = sign(other, type=2, nonce=nonce_of(url, address_of(other)), gas=21_000,
                        to="0x" + "42" * 20, maxFeePerGas=BASE_FEE, maxPriorityFeePerGas=0)
    refused(url, raw, prefix="max fee per gas less than block base fee", tx_hash=tx_hash)
