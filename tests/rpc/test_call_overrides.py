"""eth_call / eth_estimateGas with state and block overrides, and geth's call error messages."""

from __future__ import annotations

from typing import Any

from tests.rpc.helpers import rpc, rpc_error, word

TARGET = "0x0000000000000000000000000000000000001234"
EMPTY = "0x00000000000000000000000000000000000000ee"
RETURN_42 = "0x602a60005260206000f3"  # mstore(0, 42); return(0, 32)
RETURN_SELFBALANCE = "0x4760005260206000f3"
RETURN_SLOT_1 = "0x60015460005260206000f3"  # mstore(0, sload(1)); return(0, 32)
RETURN_NUMBER_TIME = "0x4360005242602052604060" + "00f3"  # number, timestamp


def test_code_balance_and_storage_overrides(node: Any) -> None:
    call = {"to": TARGET}
    assert rpc(node.url, "eth_call", call, "latest") == "0x"
    assert rpc(node.url, "eth_call", call, "latest", {TARGET: {"code": RETURN_42}}) == word(42)
    assert rpc(node.url, "eth_call", call, "latest", {
        TARGET: {"code": RETURN_SELFBALANCE, "balance": "0x1234"}}) == word(0x1234)
    slot = word(1)
    assert rpc(node.url, "eth_call", call, "latest", {
        TARGET: {"code": RETURN_SLOT_1, "stateDiff": {slot: word(7)}}}) == word(7)
    assert rpc(node.url, "eth_call", call, "latest", {
        TARGET: {"code": RETURN_SLOT_1, "state": {slot: word(9)}}}) == word(9)
    assert rpc(node.url, "eth_getCode", TARGET, "latest") == "0x"  # nothing was written


def test_block_overrides(node: Any) -> None:
    result = rpc(node.url, "eth_call", {"to": TARGET}, "latest",
                 {TARGET: {"code": RETURN_NUMBER_TIME}}, {"number": "0x99", "time": "0x1234"})
    assert result == word(0x99) + word(0x1234)[2:]


def test_balance_override_lets_an_empty_account_pay(node: Any) -> None:
    call = {"from": EMPTY, "to": TARGET, "value": "0x10", "gasPrice": "0x77359400"}
    rpc_error(node.url, "eth_call", [call, "latest"], -32000,
              prefix="insufficient funds for gas * price + value: address "
                     f"{EMPTY} have 0 want {50_000_000 * 2_000_000_000 + 16}")
    assert rpc(node.url, "eth_call", {**call, "gas": "0x5208"}, "latest",
               {EMPTY: {"balance": "0xffffffffffffffffff"}}) == "0x"
    assert rpc(node.url, "eth_estimateGas", call, "latest",
               {EMPTY: {"balance": "0xffffffffffffffffff"}}) == "0x5208"


def test_override_and_gas_errors(node: Any) -> None:
    rpc_error(node.url, "eth_call", [{"to": TARGET}, "latest", {
        TARGET: {"state": {}, "stateDiff": {}}}], -32602,
        prefix=f"invalid argument 2: account {TARGET} has both 'state' and 'stateDiff'")
    rpc_error(node.url, "eth_call", [{"to": TARGET}, "latest", {TARGET: {"colour": 1}}],
              -32602, prefix="invalid argument 2:")
    rpc_error(node.url, "eth_call", [{"to": TARGET, "gas": "0x1000"}, "latest"], -32000,
              "intrinsic gas too low: gas 4096, minimum needed 21000")
    rpc_error(node.url, "eth_estimateGas", [{"to": TARGET, "gas": "0x1000"}], -32000,
              "gas required exceeds allowance (4096)")
