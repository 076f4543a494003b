"""DPoS staking end to end: a real node, web3.py, the cmt_ methods and the IStaking interface.

A user declares a candidacy, others delegate (one through the Solidity interface with a plain
transaction, as MetaMask would), the candidate enters the validator set at the next epoch and
seals its turns, delegators earn awards, a withdrawal is paid after the unbonding period; a
validator whose key is nowhere misses its turns and is deactivated; a contract asks
`isValidator`. At every height all balances equal the genesis supply plus everything minted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from cmt_chain import consensus
from cmt_chain.block import EMPTY_TRIE_ROOT, Header
from tests.e2e.helpers import (
    AWARD,
    CMT,
    MNEMONIC,
    STAKING,
    compile_solidity,
    dev_account,
    receipt,
)
from tests.nodeproc import NodeProcess

GATE = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
import "contracts/src/system/IStaking.sol";
contract Gate {
    IStaking constant STAKING = IStaking(0x0000000000000000000000000000000000001000);
    function check(address account) external view returns (bool) {
        return STAKING.isValidator(account);
    }
    function delegateCalled() external returns (bool ok) {
        (ok, ) = address(STAKING).delegatecall(abi.encodeCall(IStaking.totalMinted, ()));
    }
    function staticWrite() external view returns (bool ok) {
        (ok, ) = address(STAKING).staticcall(abi.encodeCall(IStaking.deactivateCandidacy, ()));
    }
}
"""
DEV_VALIDATOR = Account.from_mnemonic(MNEMONIC, account_path="m/44'/60'/1'/0/0").address


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Compile IStaking.sol (and a contract using it) with the pinned solc, as a dApp would."""
    gate = tmp_path_factory.mktemp("gate") / "Gate.sol"
    gate.write_text(GATE)
    return compile_solidity("contracts/src/system/IStaking.sol", str(gate))


def write_config(path: Path, staking: str, extra_keys: list[str]) -> Path:
    files = []
    for index, key in enumerate(extra_keys):
        key_file = path.parent / f"extra{index}.key"
        key_file.write_text(key)
        files.append(str(key_file))
    path.write_text(f'[mining]\nmode = "instant"\n[validator]\nextra_key_files = {files!r}\n'
                    f"[staking]\n{staking}\n".replace("'", '"'))
    return path


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    nodes: list[NodeProcess] = []

    def run(staking: str, extra_keys: list[str]) -> Web3:
        config = write_config(tmp_path / "config.toml", staking, extra_keys)
        node = NodeProcess(tmp_path / "data", config=config)
        nodes.append(node)
        return Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 60}))

    yield run
    for node in nodes:
        assert node.stop() == 0


def call(w3: Web3, method: str, *params: Any) -> Any:
    response = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in response, response
    return response["result"]


def mine(w3: Web3, blocks: int) -> None:
    call(w3, "anvil_mine", hex(blocks))


def mine_to_epoch(w3: Web3, epoch: int) -> None:
    """Mine until the head is an epoch boundary (the set for the next block is new)."""
    mine(w3, epoch - w3.eth.block_number % epoch or epoch)


def check_supply(w3: Web3, staking: Any) -> dict[int, int]:
    """At every height, all balances equal the genesis supply plus every award minted.

    "All" is every account the chain ever touched: dev accounts, senders, recipients, sealers,
    contracts created, and the staking contract (every stake and pending withdrawal).
    """
    head = w3.eth.block_number
    accounts = {a for a in w3.eth.accounts} | {STAKING, DEV_VALIDATOR}
    for number in range(1, head + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        accounts.add(block["miner"])
        for tx in block["transactions"]:
            accounts |= {tx["from"], tx["to"] or receipt(w3, tx["hash"])["contractAddress"]}
    genesis = sum(w3.eth.get_balance(a, 0) for a in accounts)
    minted = {}
    for number in range(head + 1):
        minted[number] = staking.functions.totalMinted().call(block_identifier=number)
        total = sum(w3.eth.get_balance(a, number) for a in accounts)
        assert total == genesis + minted[number], f"supply off at height {number}"
    assert minted[head] == AWARD * head
    return minted


def test_declare_delegate_enter_the_set_earn_and_withdraw(start: Any, compiled: dict) -> None:
    alice, bob, carol = dev_account(1), dev_account(2), dev_account(3)
    w3 = start("epoch_length = 5\nunbonding_blocks = 6\nmin_delegation = \"100 CMT\"\n"
               f'genesis_validators = [{{ address = "{DEV_VALIDATOR}", stake = "10000 CMT" }}]',
               [alice.key.to_0x_hex()])  # the node also holds alice's key: it seals her turns
    staking = w3.eth.contract(address=STAKING, abi=compiled["IStaking"]["abi"])
    assert staking.functions.validators().call() == [[DEV_VALIDATOR], []]

    tx = call(w3, "cmt_declareCandidacy", {
        "from": alice.address, "maxAmount": hex(10_000 * CMT), "compRate": "1/10",
        "description": {"name": "alice", "website": "https://alice.example"}})
    (declared,) = staking.events.CandidacyDeclared().process_receipt(receipt(w3, tx))
    assert declared["args"]["candidate"] == alice.address
    assert declared["args"]["selfStake"] == 1_000 * CMT  # 10% of the max, taken as the value
    # A plain transaction to the contract, as a wallet sends it:
    rcpt = receipt(w3, staking.functions.delegate(alice.address).transact(
        {"from": bob.address, "value": 2_000 * CMT}))
    assert rcpt["status"] == 1
    assert staking.events.Delegated().process_receipt(rcpt)[0]["args"]["amount"] == 2_000 * CMT
    receipt(w3, call(w3, "cmt_delegate", {"from": carol.address,
                                          "validatorAddress": alice.address,
                                          "amount": str(50 * CMT)}))  # below the minimum
    found = call(w3, "cmt_queryValidator", alice.address, 0)
    assert (found["state"], found["shares"], found["comp_rate"]) == (
        "Candidate", str(3_050 * CMT), "1/10")
    assert found["description"]["website"] == "https://alice.example"

    mine_to_epoch(w3, 5)  # enters the set at the next epoch
    entered = w3.eth.block_number
    assert call(w3, "cmt_queryValidator", alice.address, 0)["state"] == "Validator"
    assert alice.address in staking.functions.validators().call()[0]
    mine(w3, 10)
    sealers = Counter(w3.eth.get_block(n)["miner"] for n in range(entered + 1, entered + 11))
    assert sealers == {alice.address: 5, DEV_VALIDATOR: 5}  # rotation over the active set

    (bob_stake,) = call(w3, "cmt_queryDelegator", bob.address, 0)
    assert int(bob_stake["award_amount"]) > 0
    assert int(bob_stake["delegate_amount"]) == 2_000 * CMT + int(bob_stake["award_amount"])
    (carol_stake,) = call(w3, "cmt_queryDelegator", carol.address, 0)
    assert carol_stake["award_amount"] == "0" and carol_stake["voting_power"] == 0
    awards = call(w3, "cmt_queryAwardInfos", 0)
    assert {a["address"] for a in awards} == {alice.address, DEV_VALIDATOR}

    amount = int(bob_stake["delegate_amount"])
    tx = call(w3, "cmt_withdraw", {"from": bob.address, "validatorAddress": alice.address,
                                   "completelyWithdraw": True})
    asked = receipt(w3, tx)["blockNumber"]
    (pending,) = call(w3, "cmt_queryDelegator", bob.address, 0)
    assert pending["delegate_amount"] == "0" and pending["pending_withdraw_amount"] == str(amount)
    assert pending["pending_withdrawals"] == [{"amount": str(amount), "release_height": asked + 6}]
    before = w3.eth.get_balance(bob.address)
    mine(w3, 5)
    assert w3.eth.get_balance(bob.address) == before  # still unbonding
    mine(w3, 1)
    assert w3.eth.get_balance(bob.address) == before + amount
    assert call(w3, "cmt_queryDelegator", bob.address, 0) == []
    check_supply(w3, staking)


def test_staking_errors_are_clear(start: Any, compiled: dict) -> None:
    alice = dev_account(1)
    w3 = start("epoch_length = 5", [])
    response = w3.provider.make_request("cmt_delegate", [{  # type: ignore[arg-type]
        "from": alice.address, "validatorAddress": dev_account(4).address, "amount": "1"}])
    assert response["error"]["code"] == 3
    assert response["error"]["message"] == "execution reverted: no such candidate"
    response = w3.provider.make_request("cmt_declareCandidacy", [{  # type: ignore[arg-type]
        "from": alice.address, "maxAmount": "100", "compRate": "3/2"}])
    assert response["error"]["code"] == -32602 and "compRate" in response["error"]["message"]
    staking = w3.eth.contract(address=STAKING, abi=compiled["IStaking"]["abi"])
    # CMT sent to the contract outside a payable function is refused, not swallowed.
    rcpt = receipt(w3, w3.eth.send_transaction({"from": alice.address, "to": STAKING,
                                                "value": CMT, "gas": 100_000}))
    assert rcpt["status"] == 0
    assert staking.functions.totalMinted().call() == AWARD * w3.eth.block_number


def test_absent_validator_is_deactivated_and_contracts_see_the_set(start: Any,
                                                                   compiled: dict) -> None:
    held, missing = Account.create(), Account.create()
    w3 = start("absence_limit = 3\nepoch_length = 30\ngenesis_validators = ["
               f'{{ address = "{DEV_VALIDATOR}", stake = "10000 CMT" }}, '
               f'{{ address = "{held.address}", stake = "10000 CMT" }}, '
               f'{{ address = "{missing.address}", stake = "10000 CMT" }}]',
               [held.key.to_0x_hex()])  # `missing`'s key is on no node
    staking = w3.eth.contract(address=STAKING, abi=compiled["IStaking"]["abi"])
    active = staking.functions.validators().call()[0]
    assert sorted(active) == sorted([DEV_VALIDATOR, held.address, missing.address])
    gate_artifact = compiled["Gate"]
    gate = w3.eth.contract(abi=gate_artifact["abi"], bytecode=gate_artifact["bytecode"])
    gate = w3.eth.contract(address=receipt(w3, gate.constructor().transact(
        {"from": dev_account(0).address}))["contractAddress"], abi=gate_artifact["abi"])
    assert gate.functions.check(missing.address).call()
    assert not gate.functions.check(dev_account(0).address).call()
    assert not gate.functions.delegateCalled().call()  # its storage is its own
    assert not gate.functions.staticWrite().call({"from": DEV_VALIDATOR})

    while missing.address in staking.functions.validators().call()[0]:
        counts = {a["address"]: a["absent_count"]
                  for a in call(w3, "cmt_queryAbsentValidators", 0)}
        assert set(counts) <= {missing.address} and counts.get(missing.address, 0) < 3
        mine(w3, 1)
        assert w3.eth.block_number < 20
    assert call(w3, "cmt_queryValidator", missing.address, 0)["active"] == "N"
    assert not gate.functions.check(missing.address).call()
    sealers = {w3.eth.get_block(n)["miner"] for n in range(1, w3.eth.block_number + 1)}
    assert sealers == {DEV_VALIDATOR, held.address}
    mine(w3, 4)
    assert [w3.eth.get_block(n)["miner"] for n in range(w3.eth.block_number - 3,
                                                        w3.eth.block_number + 1)].count(
        held.address) == 2  # two validators alternate now

    # Back from maintenance: it reactivates (through the free lane: it holds no CMT at all) and
    # is ranked back in at the next epoch.
    signed = missing.sign_transaction({
        "chainId": w3.eth.chain_id, "nonce": 0, "to": STAKING, "gas": 100_000, "gasPrice": 0,
        "data": staking.encode_abi("activateCandidacy")})
    assert receipt(w3, w3.eth.send_raw_transaction(signed.raw_transaction))["status"] == 1
    assert call(w3, "cmt_queryValidator", missing.address, 0)["active"] == "Y"
    assert w3.eth.get_balance(missing.address) == 0
    mine_to_epoch(w3, 30)
    assert missing.address in staking.functions.validators().call()[0]
    check_supply(w3, staking)


def test_three_validators_for_200_blocks(start: Any, compiled: dict) -> None:
    """Three validators on one node for 200 blocks: even rotation, awards, exact supply."""
    k1, k2 = Account.create(), Account.create()
    validators = [DEV_VALIDATOR, k1.address, k2.address]
    w3 = start("epoch_length = 10\ngenesis_validators = [" + ", ".join(
        f'{{ address = "{a}", stake = "10000 CMT", comp_rate_bps = 1000 }}' for a in validators)
        + "]", [k1.key.to_0x_hex(), k2.key.to_0x_hex()])
    staking = w3.eth.contract(address=STAKING, abi=compiled["IStaking"]["abi"])
    delegators = [dev_account(i) for i in (1, 2, 3)]
    for index, (delegator, validator) in enumerate(zip(delegators, validators, strict=True)):
        receipt(w3, staking.functions.delegate(validator).transact(
            {"from": delegator.address, "value": (index + 1) * 2_000 * CMT}))
    while w3.eth.block_number < 200:
        receipt(w3, w3.eth.send_transaction({"from": dev_account(4).address,
                                             "to": dev_account(5).address, "value": 1}))
        mine(w3, min(9, 200 - w3.eth.block_number))
    sealed = Counter(w3.eth.get_block(n)["miner"] for n in range(1, 201))
    assert sorted(sealed.values()) == [66, 67, 67]
    assert set(sealed) == set(validators)
    minted = check_supply(w3, staking)
    awards = {d.address: staking.functions.delegation(d.address, v).call()[1]
              for d, v in zip(delegators, validators, strict=True)}
    assert all(awards.values())
    print(f"\nblocks per validator: {dict(sealed)}")
    print("awards per delegator (wei): " + ", ".join(f"{a}: {n}" for a, n in awards.items()))
    own = {v: staking.functions.delegation(v, v).call()[1] for v in validators}
    print("awards per validator's own stake (wei, commission included): " + ", ".join(
        f"{a}: {n}" for a, n in own.items()))
    print(f"minted over 200 blocks: {minted[200]} wei; supply check held at all 201 heights")


def test_a_double_sign_is_proven_by_anyone_and_slashed(start: Any, compiled: dict) -> None:
    signer = Account.create()
    w3 = start("genesis_validators = ["
               f'{{ address = "{DEV_VALIDATOR}", stake = "10000 CMT" }}, '
               f'{{ address = "{signer.address}", stake = "10000 CMT" }}]',
               [signer.key.to_0x_hex()])
    staking = w3.eth.contract(address=STAKING, abi=compiled["IStaking"]["abi"])
    mine(w3, 4)
    # Two different blocks for height 3, both sealed by `signer` (as a faulty node would).
    sealed = w3.eth.get_block(3)
    header = Header(
        parent_hash=bytes(sealed["parentHash"]), coinbase=bytes.fromhex(signer.address[2:]),
        state_root=bytes(sealed["stateRoot"]), transactions_root=EMPTY_TRIE_ROOT,
        receipts_root=EMPTY_TRIE_ROOT, logs_bloom=b"\0" * 256, number=3, gas_limit=30_000_000,
        gas_used=0, timestamp=sealed["timestamp"], extra_data=b"one")
    other = header.with_changes(extra_data=b"two")
    key = bytes(signer.key)
    evidence = [header.encode(), consensus.seal(header, key), other.encode(),
                consensus.seal(other, key)]
    reporter = dev_account(6).address
    rcpt = receipt(w3, staking.functions.reportDoubleSign(*evidence).transact({"from": reporter}))
    (event,) = staking.events.DoubleSignSlashed().process_receipt(rcpt)
    assert event["args"]["validator"] == signer.address and event["args"]["height"] == 3
    staked = staking.functions.delegation(signer.address, signer.address).call(
        block_identifier=rcpt["blockNumber"] - 1)[0]  # 10,000 CMT and its awards so far
    assert event["args"]["slashed"] == staked * 10 // 10_000  # 0.1%
    assert event["args"]["reporter"] == reporter
    (own,) = call(w3, "cmt_queryDelegator", signer.address, 0)
    assert own["slash_amount"] == str(event["args"]["slashed"])
    assert call(w3, "cmt_queryValidator", signer.address, 0)["active"] == "N"
    assert staking.functions.validators().call()[0] == [DEV_VALIDATOR]
    with pytest.raises(ContractLogicError, match="already punished"):
        staking.functions.reportDoubleSign(*evidence).call({"from": reporter})
    with pytest.raises(ContractLogicError, match="two different headers"):
        staking.functions.reportDoubleSign(*evidence[:2], *evidence[:2]).call()
    elsewhere = [h.with_changes(parent_hash=b"\x01" * 32) for h in (header, other)]
    with pytest.raises(ContractLogicError, match="extend this chain"):
        staking.functions.reportDoubleSign(
            elsewhere[0].encode(), consensus.seal(elsewhere[0], key),
            elsewhere[1].encode(), consensus.seal(elsewhere[1], key)).call()
    mine(w3, 2)
    check_supply(w3, staking)


def test_update_rate_deactivate_activate_and_leave(start: Any, compiled: dict) -> None:
    alice, bob = dev_account(1), dev_account(2)
    w3 = start("epoch_length = 4\nunbonding_blocks = 3\nmin_delegation = \"100 CMT\"\n"
               f'genesis_validators = [{{ address = "{DEV_VALIDATOR}", stake = "10000 CMT" }}]',
               [alice.key.to_0x_hex()])
    staking = w3.eth.contract(address=STAKING, abi=compiled["IStaking"]["abi"])
    receipt(w3, call(w3, "cmt_declareCandidacy", {
        "from": alice.address, "maxAmount": hex(5_000 * CMT), "compRate": "0.2"}))
    before = w3.eth.get_balance(alice.address)
    rcpt = receipt(w3, call(w3, "cmt_updateCandidacy", {
        "from": alice.address, "maxAmount": str(20_000 * CMT),
        "description": {"name": "alice's shop", "email": "a@shop.example"}}))
    (updated,) = staking.events.CandidacyUpdated().process_receipt(rcpt)
    assert updated["args"]["addedStake"] == 1_500 * CMT  # 10% of the new max, less 500 held
    assert w3.eth.get_balance(alice.address) == before - 1_500 * CMT - rcpt["gasUsed"] * rcpt[
        "effectiveGasPrice"]
    found = call(w3, "cmt_queryValidator", alice.address, 0)
    assert (found["max_shares"], found["comp_rate"], found["description"]["name"]) == (
        str(20_000 * CMT), "1/5", "alice's shop")

    receipt(w3, call(w3, "cmt_delegate", {"from": bob.address, "validatorAddress": alice.address,
                                          "amount": hex(3_000 * CMT)}))
    rcpt = receipt(w3, call(w3, "cmt_setCompRate", {
        "from": alice.address, "delegatorAddress": bob.address, "compRate": "1/20"}))
    assert staking.events.CompRateSet().process_receipt(rcpt)[0]["args"]["compRate"] == 500
    assert call(w3, "cmt_queryDelegator", bob.address, 0)[0]["comp_rate"] == "1/20"
    response = w3.provider.make_request("cmt_setCompRate", [{  # type: ignore[arg-type]
        "from": alice.address, "delegatorAddress": bob.address, "compRate": "0.3"}])
    assert "comp rate must be between 0 and the default 2000" in response["error"]["message"]

    mine_to_epoch(w3, 4)
    assert alice.address in staking.functions.validators().call()[0]
    receipt(w3, call(w3, "cmt_deactivateCandidacy", {"from": alice.address}))
    assert call(w3, "cmt_queryValidator", alice.address, 0)["active"] == "N"
    mine_to_epoch(w3, 4)
    assert staking.functions.validators().call()[0] == [DEV_VALIDATOR]
    receipt(w3, call(w3, "cmt_activateCandidacy", {"from": alice.address}))
    mine_to_epoch(w3, 4)
    assert alice.address in staking.functions.validators().call()[0]

    stakes = {d.address: int(call(w3, "cmt_queryDelegator", d.address, 0)[0]["delegate_amount"])
              for d in (alice, bob)}
    tx = call(w3, "cmt_withdrawCandidacy", {"from": alice.address})
    left = receipt(w3, tx)["blockNumber"]
    assert call(w3, "cmt_queryValidator", alice.address, 0) is None
    pending = {d.address: call(w3, "cmt_queryDelegator", d.address, 0)[0]
               for d in (alice, bob)}
    # Every delegation, self-stake included, unbonds whole (as staked before that block).
    assert {a: int(p["pending_withdraw_amount"]) for a, p in pending.items()} == stakes
    assert all(p["delegate_amount"] == "0" for p in pending.values())
    balances = {d.address: w3.eth.get_balance(d.address) for d in (alice, bob)}
    mine(w3, left + 3 - w3.eth.block_number)
    for address, entry in pending.items():
        assert w3.eth.get_balance(address) == balances[address] + int(
            entry["pending_withdraw_amount"])
    mine_to_epoch(w3, 4)
    assert staking.functions.validators().call()[0] == [DEV_VALIDATOR]
    check_supply(w3, staking)


def test_staking_off_pays_fees_to_the_sealer(start: Any) -> None:
    w3 = start("enabled = false", [])
    sender = dev_account(1).address
    rcpt = receipt(w3, w3.eth.send_transaction({"from": sender, "to": sender, "value": 1}))
    miner = w3.eth.get_block(rcpt["blockNumber"])["miner"]
    gained = (w3.eth.get_balance(miner, rcpt["blockNumber"])
              - w3.eth.get_balance(miner, rcpt["blockNumber"] - 1))
    assert gained == rcpt["gasUsed"] * rcpt["effectiveGasPrice"] > 0
    assert w3.eth.get_code(STAKING) == b""
    response = w3.provider.make_request("cmt_queryValidators", [])  # type: ignore[arg-type]
    assert response["error"] == {"code": -32000,
                                 "message": "staking is not enabled on this chain"}
