"""The cmt_ staking methods: shapes (Travis' field names), heights, bad params, and reverts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_abi import decode
from eth_account import Account

from tests.nodeproc import NodeProcess
from tests.rpc.helpers import (
    MNEMONIC,
    address_of,
    calldata,
    dev_key,
    dynamic_tx,
    rpc,
    rpc_error,
    wait_receipt,
)

CMT = 10**18
STAKING = "0x0000000000000000000000000000000000001000"
VALIDATOR = Account.from_mnemonic(MNEMONIC, account_path="m/44'/60'/1'/0/0").address
VALIDATOR_FIELDS = {
    "owner_address", "shares", "voting_power", "max_shares", "comp_rate", "created_at",
    "description", "verified", "active", "block_height", "rank", "state", "num_of_delegators"}


def test_the_dev_chain_has_one_genesis_validator(node: NodeProcess) -> None:
    if int(rpc(node.url, "eth_blockNumber"), 16) < 1:
        rpc(node.url, "evm_mine")
    (validator,) = rpc(node.url, "cmt_queryValidators", 1)
    assert set(validator) == VALIDATOR_FIELDS
    assert validator["owner_address"] == VALIDATOR
    assert rpc(node.url, "eth_coinbase") == VALIDATOR.lower()
    assert (validator["max_shares"], validator["comp_rate"], validator["state"],
            validator["active"], validator["rank"], validator["num_of_delegators"]) == (
        str(100_000 * CMT), "1/10", "Validator", "Y", 0, 1)
    assert validator["block_height"] == 1
    assert int(validator["shares"]) == 10_000 * CMT + int(  # awards compound into the stake
        rpc(node.url, "cmt_queryDelegator", VALIDATOR, 1)[0]["award_amount"])
    assert rpc(node.url, "cmt_queryValidator", VALIDATOR, "latest")["owner_address"] == VALIDATOR
    assert rpc(node.url, "cmt_queryValidator", address_of(dev_key(5))) is None
    assert rpc(node.url, "cmt_queryAbsentValidators") == []
    (award,) = rpc(node.url, "cmt_queryAwardInfos", "latest")
    assert award["address"] == VALIDATOR and award["state"] == "Validator"


def test_views_answer_eth_call(node: NodeProcess) -> None:
    out = rpc(node.url, "eth_call", {"to": STAKING, "data": calldata("validators()")}, "latest")
    assert decode(["address[]", "address[]"], bytes.fromhex(out[2:])) == (
        (VALIDATOR.lower(),), ())
    out = rpc(node.url, "eth_call", {"to": STAKING, "data": calldata(
        "isValidator(address)", ["address"], [VALIDATOR])}, "latest")
    assert decode(["bool"], bytes.fromhex(out[2:])) == (True,)
    assert rpc(node.url, "eth_getCode", STAKING, "latest") == "0xfe"


def test_send_raw_tx_and_syncing(node: NodeProcess) -> None:
    key = dev_key(7)
    nonce = int(rpc(node.url, "eth_getTransactionCount", address_of(key), "pending"), 16)
    raw, tx_hash = dynamic_tx(key, nonce, address_of(dev_key(8)))
    assert rpc(node.url, "cmt_sendRawTx", raw) == tx_hash
    rcpt = wait_receipt(node.url, tx_hash)
    syncing = rpc(node.url, "cmt_syncing")
    assert set(syncing) == {"latest_block_hash", "latest_app_hash", "latest_block_height",
                            "latest_block_time", "catching_up"}
    assert syncing["latest_block_height"] >= int(rcpt["blockNumber"], 16)
    assert syncing["catching_up"] is False


@pytest.mark.parametrize(("method", "params", "contains"), [
    ("cmt_delegate", [{"validatorAddress": VALIDATOR, "amount": "1"}], "from"),
    ("cmt_delegate", [{"from": VALIDATOR, "amount": "1"}], "validatorAddress"),
    ("cmt_delegate", [{"from": VALIDATOR, "validatorAddress": VALIDATOR, "amount": "1.5"}],
     "amount"),
    ("cmt_declareCandidacy", [{"from": VALIDATOR, "maxAmount": "100", "compRate": "3/2"}],
     "compRate"),
    ("cmt_declareCandidacy", [{"from": VALIDATOR, "maxAmount": "100", "compRate": "1/3"}],
     "compRate"),
    ("cmt_declareCandidacy", ["not an object"], "object"),
    ("cmt_queryValidators", [-1], "height"),
    ("cmt_queryValidator", ["0x12"], "invalid argument 0"),
])
def test_bad_params_are_invalid_params(node: NodeProcess, method: str, params: list,
                                       contains: str) -> None:
    rpc_error(node.url, method, params, -32602, contains=contains)


def test_a_broken_staking_rule_reverts_with_its_reason(node: NodeProcess) -> None:
    sender = address_of(dev_key(6))
    rpc_error(node.url, "cmt_withdraw", [{"from": sender, "validatorAddress": VALIDATOR,
                                          "amount": hex(CMT)}], 3,
              "execution reverted: no delegation to this validator")
    rpc_error(node.url, "cmt_declareCandidacy", [{"from": VALIDATOR, "maxAmount": "1",
                                                  "compRate": "0"}], -32000, "unknown account")
    rpc_error(node.url, "cmt_queryValidators", [99_999], -32000, "header not found")


@pytest.fixture(scope="module")
def production_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    root = tmp_path_factory.mktemp("production")
    config = root / "production.toml"
    config.write_text("[network]\ndev = false\n")
    process = NodeProcess(root / "data", config=Path(config))
    yield process
    process.stop()


def test_signing_methods_are_dev_only_but_queries_are_not(production_node: NodeProcess) -> None:
    for name in ("cmt_declareCandidacy", "cmt_delegate", "cmt_withdraw", "cmt_setCompRate"):
        rpc_error(production_node.url, name, [], -32601,
                  f"the method {name} does not exist/is not available")
    (validator,) = rpc(production_node.url, "cmt_queryValidators")
    assert validator["owner_address"].lower() == rpc(production_node.url, "eth_coinbase")


@pytest.mark.parametrize(("call", "reason"), [
    ({"data": "0x12345678"}, "unknown staking function"),
    ({"data": calldata("delegate(address)")}, "malformed arguments"),
    ({"data": calldata("totalMinted()"), "value": hex(1)}, "this function does not accept CMT"),
    ({"data": calldata("withdraw(address,uint256)", ["address", "uint256"], [VALIDATOR, 1]),
      "value": hex(1)}, "this function does not accept CMT"),
    ({"data": calldata("delegate(address)", ["address"], [address_of(dev_key(9))]),
      "value": hex(1)}, "no such candidate"),
])
def test_the_contract_refuses_bad_calls_with_reasons(node: NodeProcess, call: dict,
                                                     reason: str) -> None:
    rpc_error(node.url, "eth_call", [{"from": address_of(dev_key(3)), "to": STAKING, **call},
                                     "latest"], 3, f"execution reverted: {reason}")
