"""The JSON-RPC envelope over HTTP, byte for byte: parse errors, invalid requests, ids, batches,
notifications, the body limit, unknown methods, and -32602 argument errors naming the argument.

Expected answers are geth's (go-ethereum rpc package). After every bad input the node must still
answer a normal request.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_utils import keccak

from tests.rpc.helpers import (
    assert_alive,
    post,
    post_json,
    request,
    rpc_error,
)

ADDR = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
PARSE_ERROR = {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
INVALID = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}


def invalid_with_id(request_id: Any) -> dict[str, Any]:
    return {**INVALID, "id": request_id}


def chain_id_answer(request_id: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": "0x4d2"}


# --- parse errors and invalid requests ------------------------------------------------------------


@pytest.mark.parametrize("body", [
    b'{"jsonrpc":"2.0","id":1,"method":',
    b"not json",
    b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId"',
    b'[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},',
    b"\xff\xfe\x00",
    b"{'jsonrpc':'2.0'}",
])
def test_parse_error(node: Any, body: bytes) -> None:
    status, raw = post(node.url, body)
    assert status == 200
    assert json.loads(raw) == PARSE_ERROR
    assert_alive(node.url)


@pytest.mark.parametrize(("body", "expected"), [
    ("42", INVALID),
    ('"eth_chainId"', INVALID),
    ("null", INVALID),
    ("true", INVALID),
    ('{"jsonrpc":"2.0","id":1}', invalid_with_id(1)),
    ('{"jsonrpc":"2.0","id":1,"method":""}', invalid_with_id(1)),
    ('{"jsonrpc":"2.0","id":1,"method":5}', invalid_with_id(1)),
    ('{"jsonrpc":"1.0","id":"a","method":"eth_chainId"}', invalid_with_id("a")),
    ('{"id":2,"method":"eth_chainId"}', invalid_with_id(2)),
    ('{"method":"eth_chainId"}', INVALID),  # no version: not a notification, so answered
    ('{"jsonrpc":"2.0","id":{"a":1},"method":"eth_chainId"}', INVALID),
    ('{"jsonrpc":"2.0","id":[1],"method":"eth_chainId"}', INVALID),
    ("{}", INVALID),
])
def test_invalid_request(node: Any, body: str, expected: dict[str, Any]) -> None:
    assert post_json(node.url, body) == expected
    assert_alive(node.url)


@pytest.mark.parametrize("request_id", [1, 0, -7, "abc", "", 12345678901234567890, None])
def test_ids_are_echoed(node: Any, request_id: Any) -> None:
    assert post_json(node.url, request("eth_chainId", [], request_id)) == chain_id_answer(
        request_id)


def test_params_may_be_omitted_or_null(node: Any) -> None:
    assert post_json(node.url, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}') == (
        chain_id_answer(1))
    assert post_json(node.url, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":null}'
                     ) == chain_id_answer(1)


def test_unknown_method(node: Any) -> None:
    assert post_json(node.url, request("foo_bar", [])) == {"jsonrpc": "2.0", "id": 1, "error": {
        "code": -32601, "message": "the method foo_bar does not exist/is not available"}}
    rpc_error(node.url, "eth_subscribe", ["newHeads"], -32601, "notifications not supported")
    rpc_error(node.url, "eth_unsubscribe", ["0x1"], -32601, "notifications not supported")


# --- batches -------------------------------------------------------------------------------------


def test_batch_answers_in_order(node: Any) -> None:
    batch = [
        request("eth_chainId", [], 1),
        {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},  # notification
        42,
        request("foo_bar", [], 3),
        request("net_version", [], "four"),
        request("eth_getBalance", ["0x12"], 5),
        {"jsonrpc": "2.0", "method": "foo_bar"},  # a failing notification is not answered either
    ]
    assert post_json(node.url, batch) == [
        chain_id_answer(1),
        INVALID,
        {"jsonrpc": "2.0", "id": 3, "error": {
            "code": -32601, "message": "the method foo_bar does not exist/is not available"}},
        {"jsonrpc": "2.0", "id": "four", "result": "1234"},
        {"jsonrpc": "2.0", "id": 5, "error": {
            "code": -32602,
            "message": "invalid argument 0: hex string has length 2, want 40 for common.Address"}},
    ]


def test_batch_of_junk(node: Any) -> None:
    assert post_json(node.url, "[1]") == [INVALID]
    assert post_json(node.url, "[1,2,3]") == [INVALID, INVALID, INVALID]
    assert post_json(node.url, '[{"foo":"bar"}]') == [INVALID]


def test_empty_batch(node: Any) -> None:
    assert post_json(node.url, "[]") == {
        "jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "empty batch"}}
    assert_alive(node.url)


def test_batch_of_1000_is_served(node: Any) -> None:
    batch = [request("eth_chainId", [], i) for i in range(1000)]
    answers = post_json(node.url, batch)
    assert answers == [chain_id_answer(i) for i in range(1000)]


def test_batch_over_1000_is_refused_whole(node: Any) -> None:
    """geth answers a batch over its limit (1000) with one error, in an array, carrying the id of
    the batch's first call, and runs none of it."""
    batch = [{"jsonrpc": "2.0", "method": "eth_chainId"}]  # a notification first: not its id
    batch += [request("eth_chainId", [], i) for i in range(1, 1001)]
    assert len(batch) == 1001
    assert post_json(node.url, batch) == [
        {"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "batch too large"}}]
    assert_alive(node.url)


def test_notifications_get_no_response(node: Any) -> None:
    for body in ('{"jsonrpc":"2.0","method":"eth_chainId","params":[]}',
                 '{"jsonrpc":"2.0","method":"foo_bar"}',
                 '{"jsonrpc":"2.0","method":"eth_getBalance","params":["0x12"]}',
                 '[{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","method":"x_y"}]'):
        status, raw = post(node.url, body)
        assert (status, raw) == (200, b""), body
    assert_alive(node.url)


# --- body limit --------------------------------------------------------------------------------


def test_body_over_5_mib_is_refused(node: Any) -> None:
    limit = 5 * 1024 * 1024
    prefix = b'{"jsonrpc":"2.0","id":1,"method":"web3_sha3","params":["0x'
    suffix = b'"]}'
    body = prefix + b"00" * ((limit + 1 - len(prefix) - len(suffix) + 1) // 2) + suffix
    assert len(body) > limit
    status, raw = post(node.url, body)
    assert status == 413
    answer = json.loads(raw)
    assert answer["jsonrpc"] == "2.0" and answer["id"] is None
    assert answer["error"]["code"] == -32600
    assert answer["error"]["message"].startswith("content length too large"), answer
    assert_alive(node.url)


def test_body_just_under_limit_is_served(node: Any) -> None:
    data = b"\x00" * (2 * 1024 * 1024)
    answer = post_json(node.url, request("web3_sha3", ["0x" + data.hex()]))
    assert answer == {"jsonrpc": "2.0", "id": 1, "result": "0x" + keccak(data).hex()}


# --- argument errors (-32602) --------------------------------------------------------------------


@pytest.mark.parametrize(("method", "params", "message"), [
    ("eth_blockNumber", ["0x1"], "too many arguments, want at most 0"),
    ("eth_getBalance", [ADDR, "latest", "extra"], "too many arguments, want at most 2"),
    ("eth_getBlockByNumber", ["latest", False, 1], "too many arguments, want at most 2"),
    ("eth_getBalance", [], "missing value for required argument 0"),
    ("eth_getTransactionByHash", [], "missing value for required argument 0"),
    ("eth_getBlockByNumber", [], "missing value for required argument 0"),
    ("eth_sendRawTransaction", [], "missing value for required argument 0"),
    ("eth_call", [], "missing value for required argument 0"),
    ("eth_getStorageAt", [ADDR], "missing value for required argument 1"),
    ("eth_feeHistory", ["0x1"], "missing value for required argument 1"),
    ("eth_getBalance", {"address": ADDR}, "non-array args"),
    ("eth_chainId", {}, "non-array args"),
    ("eth_chainId", "x", "non-array args"),
])
def test_argument_count_errors(node: Any, method: str, params: Any, message: str) -> None:
    rpc_error(node.url, method, params, -32602, message)


H64 = "0x" + "ab" * 32
BAD_ARGUMENTS = [
    # (method, params, which argument, what geth's message contains)
    ("eth_getBalance", ["0x123", "latest"], 0, "hex string of odd length"),
    ("eth_getBalance", [ADDR[2:], "latest"], 0, "hex string without 0x prefix"),
    ("eth_getBalance", ["0x1234", "latest"], 0,
     "hex string has length 4, want 40 for common.Address"),
    ("eth_getBalance", ["0xzz" + ADDR[4:], "latest"], 0, "invalid hex string"),
    ("eth_getBalance", [1234, "latest"], 0, "cannot unmarshal"),
    ("eth_getBalance", [ADDR, "0x01"], 1, "hex number with leading zero digits"),
    ("eth_getBalance", [ADDR, "0x10000000000000000"], 1, "hex number > 64 bits"),
    ("eth_getBalance", [ADDR, "0x"], 1, 'hex string "0x"'),
    ("eth_getBalance", [ADDR, "latst"], 1, "hex string without 0x prefix"),
    ("eth_getBlockByNumber", ["0x01", False], 0, "hex number with leading zero digits"),
    ("eth_getBlockByNumber", ["0x", False], 0, 'hex string "0x"'),
    ("eth_getBlockByNumber", ["0xg", False], 0, "invalid hex string"),
    ("eth_getBlockByNumber", ["0x10000000000000000", False], 0, "hex number > 64 bits"),
    ("eth_getBlockByNumber", ["1", False], 0, "hex string without 0x prefix"),
    ("eth_getBlockByNumber", ["latest", "true"], 1,
     "cannot unmarshal string into Go value of type bool"),
    ("eth_getBlockByNumber", ["latest", 1], 1,
     "cannot unmarshal number into Go value of type bool"),
    ("eth_getBlockByHash", ["0x1234", False], 0,
     "hex string has length 4, want 64 for common.Hash"),
    ("eth_getTransactionByHash", ["0x1234"], 0,
     "hex string has length 4, want 64 for common.Hash"),
    ("eth_getTransactionByHash", ["0x" + "a" * 63], 0, "hex string of odd length"),
    ("eth_getTransactionByHash", [H64[2:]], 0, "hex string without 0x prefix"),
    ("eth_getTransactionReceipt", [7], 0, "cannot unmarshal"),
    ("eth_getTransactionByBlockNumberAndIndex", ["latest", "0x00"], 1,
     "hex number with leading zero digits"),
    ("eth_getTransactionByBlockNumberAndIndex", ["latest", "0x10000000000000000"], 1,
     "hex number > 64 bits"),
    ("eth_getTransactionByBlockHashAndIndex", [H64, "1"], 1, "hex string without 0x prefix"),
    ("web3_sha3", ["hello"], 0, "hex string without 0x prefix"),
    ("web3_sha3", ["0xabc"], 0, "hex string of odd length"),
    ("web3_sha3", ["0xzz"], 0, "invalid hex string"),
    ("eth_sendRawTransaction", ["0xabc"], 0, "hex string of odd length"),
    ("eth_sendRawTransaction", ["f86b"], 0, "hex string without 0x prefix"),
    ("eth_call", [{"to": ADDR, "value": "0x01"}, "latest"], 0,
     "hex number with leading zero digits"),
    ("eth_call", [{"to": ADDR, "value": "0x1" + "0" * 64}], 0, "hex number > 256 bits"),
    ("eth_call", [{"to": ADDR, "gas": "0x10000000000000000"}], 0, "hex number > 64 bits"),
    ("eth_call", [{"to": ADDR, "data": "0xabc"}], 0, "hex string of odd length"),
    ("eth_call", [{"to": "0x12"}], 0, "hex string has length 2, want 40 for common.Address"),
    ("eth_call", [{"to": ADDR, "value": 5}], 0, "cannot unmarshal"),
    ("eth_call", ["0x1"], 0, "cannot unmarshal"),
    ("eth_call", [{"to": ADDR}, "0x01"], 1, "hex number with leading zero digits"),
    ("eth_estimateGas", [{"to": ADDR, "maxFeePerGas": "0x00"}], 0,
     "hex number with leading zero digits"),
    ("eth_getLogs", [{"fromBlock": "0x01"}], 0, "hex number with leading zero digits"),
    ("eth_getLogs", [{"topics": ["0x12"]}], 0, ""),  # geth: "hex has invalid length 1 ..."
    ("eth_getLogs", ["latest"], 0, "cannot unmarshal"),
    ("eth_getStorageAt", [ADDR, "0x0", "0x01"], 2, "hex number with leading zero digits"),
    ("eth_getCode", [ADDR, {"blockHash": "0x1234"}], 1, ""),  # geth's text here is a Go artifact
    ("eth_feeHistory", ["0x1", "0x01", []], 1, "hex number with leading zero digits"),
]


@pytest.mark.parametrize(("method", "params", "index", "fragment"), BAD_ARGUMENTS,
                         ids=[f"{m}-{i}" for i, (m, *_rest) in enumerate(BAD_ARGUMENTS)])
def test_bad_argument(node: Any, method: str, params: list[Any], index: int,
                      fragment: str) -> None:
    error = rpc_error(node.url, method, params, -32602, prefix=f"invalid argument {index}: ",
                      contains=fragment)
    assert "data" not in error


def test_error_objects_have_only_code_and_message(node: Any) -> None:
    answer = post_json(node.url, request("eth_getBalance", ["0x12", "latest"]))
    assert set(answer) == {"jsonrpc", "id", "error"}
    assert set(answer["error"]) == {"code", "message"}
