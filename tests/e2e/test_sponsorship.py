"""Contract-sponsored gas: a deposit at 0x...1001 pays for zero-priced calls to chosen functions.

A sponsor registers a contract's `set` function with a deposit; an account holding no CMT at all
calls it at price 0 and pays nothing, the deposit pays base fee x gas used into the staking pool;
an unsponsored function is not paid for; a sender past its rate limit cannot drain the deposit,
and is served again in the next window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from tests.e2e.helpers import AWARD, CMT, compile_solidity, dev_account, receipt
from tests.nodeproc import CHAIN_ID, NodeProcess

SPONSORSHIP = "0x0000000000000000000000000000000000001001"
STAKING = "0x0000000000000000000000000000000000001000"


@pytest.fixture
def w3(tmp_path: Path) -> Iterator[Web3]:
    config = tmp_path / "config.toml"
    config.write_text('[mining]\nmode = "instant"\n[fees]\nsponsor_per_sender = 2\n'
                      "sponsor_window = 10\n")
    node = NodeProcess(tmp_path / "data", config=config)
    yield Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
    assert node.stop() == 0


def zero_priced(w3: Web3, account: Any, to: str, data: str, nonce: int,
                gas: int = 600_000) -> Any:
    """Send a call priced 0 with more gas than the free lane allows: only a sponsor pays it."""
    signed = account.sign_transaction({"chainId": CHAIN_ID, "nonce": nonce, "to": to,
                                       "data": data, "gas": gas, "gasPrice": 0})
    return w3.eth.send_raw_transaction(signed.raw_transaction)


def test_a_sponsor_pays_and_cannot_be_drained(w3: Web3, emitter_artifact: dict) -> None:
    abi = compile_solidity("contracts/src/system/ISponsorship.sol")["ISponsorship"]["abi"]
    sponsorship = w3.eth.contract(address=SPONSORSHIP, abi=abi)
    owner = dev_account(0).address
    factory = w3.eth.contract(abi=emitter_artifact["abi"], bytecode=emitter_artifact["bytecode"])
    emitter = w3.eth.contract(address=receipt(w3, factory.constructor(1).transact(
        {"from": owner}))["contractAddress"], abi=emitter_artifact["abi"])
    set_call = emitter.encode_abi("set", args=[7])
    rcpt = receipt(w3, sponsorship.functions.register(
        emitter.address, [bytes.fromhex(set_call[2:10])]).transact(
        {"from": owner, "value": CMT}))
    (event,) = sponsorship.events.SponsorRegistered().process_receipt(rcpt)
    assert event["args"]["manager"] == owner and event["args"]["deposited"] == CMT

    user = Account.create()  # holds no CMT at all
    rcpt = receipt(w3, zero_priced(w3, user, emitter.address, set_call, 0))
    assert rcpt["status"] == 1 and rcpt["effectiveGasPrice"] == 0
    assert emitter.functions.value().call() == 7
    assert w3.eth.get_balance(user.address) == 0
    block = w3.eth.get_block(rcpt["blockNumber"])
    charged = block["baseFeePerGas"] * rcpt["gasUsed"]
    manager, deposit, selectors = sponsorship.functions.sponsorOf(emitter.address).call()
    assert (manager, deposit) == (owner, CMT - charged)
    gained = (w3.eth.get_balance(STAKING, block["number"])
              - w3.eth.get_balance(STAKING, block["number"] - 1))
    assert gained == charged + AWARD  # the sponsor's payment is a fee like any other
    assert w3.eth.get_balance(SPONSORSHIP) == deposit

    other = emitter.encode_abi("emitMany", args=[1])  # not sponsored
    with pytest.raises(Web3RPCError, match="transaction underpriced"):
        zero_priced(w3, user, emitter.address, other, 1)

    receipt(w3, zero_priced(w3, user, emitter.address, set_call, 1))
    assert sponsorship.functions.sponsoredUses(emitter.address, user.address).call() == [2, 2, 10]
    left = sponsorship.functions.sponsorOf(emitter.address).call()[1]
    with pytest.raises(Web3RPCError, match="sponsored calls rate limit"):
        zero_priced(w3, user, emitter.address, set_call, 2)  # a drain attempt
    assert sponsorship.functions.sponsorOf(emitter.address).call()[1] == left
    w3.provider.make_request("anvil_mine", [hex(10 - w3.eth.block_number % 10)])  # type: ignore
    assert receipt(w3, zero_priced(w3, user, emitter.address, set_call, 2))["status"] == 1

    with pytest.raises(ContractLogicError, match="manager"):
        sponsorship.functions.withdrawDeposit(emitter.address, 1).transact(
            {"from": dev_account(1).address})
    before = w3.eth.get_balance(owner)
    left = sponsorship.functions.sponsorOf(emitter.address).call()[1]
    rcpt = receipt(w3, sponsorship.functions.withdrawDeposit(emitter.address, left).transact(
        {"from": owner}))
    assert w3.eth.get_balance(owner) == before + left - rcpt["gasUsed"] * rcpt[
        "effectiveGasPrice"]
    assert w3.eth.get_balance(SPONSORSHIP) == 0
    with pytest.raises(Web3RPCError, match="deposit too low"):
        zero_priced(w3, user, emitter.address, set_call, 3)
