"""eth_simulateV1's pure rules: the plan of blocks, the request limits, and the unsigned
transactions geth records for simulated calls (their hashes are what block hashes build on)."""

from __future__ import annotations

import pytest

from cmt_chain import errors
from cmt_chain.calls import AccountOverride, CallRequest
from cmt_chain.simulate import (
    MAX_CALLS_PER_BLOCK,
    PlannedBlock,
    SimBlock,
    SimBlockOverride,
    SimRequest,
    check_request,
    plan_blocks,
    sim_transaction,
    transfer_log,
    with_first_overrides,
)

SENDER = bytes.fromhex("c0" + "00" * 19)
TARGET = bytes.fromhex("c1" + "00" * 19)
CONFORMANCE_CHAIN_ID = 3503995874084926


def at(number: int | None = None, timestamp: int | None = None) -> SimBlock:
    return SimBlock(block=SimBlockOverride(number=number, timestamp=timestamp))


def test_defaults_are_parent_plus_one_and_twelve_seconds() -> None:
    planned = plan_blocks(10, 1000, (SimBlock(), SimBlock()))
    assert [(b.number, b.timestamp) for b in planned] == [(11, 1012), (12, 1024)]


def test_gaps_are_filled_with_empty_blocks() -> None:
    wanted = at(14, 5000)
    planned = plan_blocks(10, 1000, (wanted,))
    assert [(b.number, b.timestamp) for b in planned] == [
        (11, 1012), (12, 1024), (13, 1036), (14, 5000)]
    assert planned[-1].sim is wanted and planned[0].sim == SimBlock()


def test_numbers_and_timestamps_must_increase() -> None:
    with pytest.raises(errors.SimBlockNumberOrder, match="must be in order: 10 <= 10"):
        plan_blocks(10, 1000, (at(10),))
    with pytest.raises(errors.SimBlockNumberOrder, match="12 <= 12"):
        plan_blocks(10, 1000, (at(12), at(12)))
    with pytest.raises(errors.SimTimestampOrder, match="block timestamps must be in order: 1000"):
        plan_blocks(10, 1000, (at(timestamp=1000),))
    # A filled gap moves the timestamp on: 1012 and 1024 are taken by the fillers.
    with pytest.raises(errors.SimTimestampOrder, match="1020 <= 1024"):
        plan_blocks(10, 1000, (at(13, 1020),))


def test_at_most_256_blocks_past_the_base() -> None:
    assert plan_blocks(10, 0, (at(266),))[-1].number == 266
    with pytest.raises(errors.SimTooManyBlocks):
        plan_blocks(10, 0, (at(267),))


def test_request_limits() -> None:
    with pytest.raises(errors.SimEmptyInput):
        check_request(SimRequest(blocks=()))
    with pytest.raises(errors.SimTooManyBlocks):
        check_request(SimRequest(blocks=(SimBlock(),) * 257))
    crowded = SimBlock(calls=(CallRequest(),) * (MAX_CALLS_PER_BLOCK + 1))
    with pytest.raises(errors.SimTooManyCalls, match="too many calls in block"):
        check_request(SimRequest(blocks=(crowded,)))
    full = SimBlock(calls=(CallRequest(),) * MAX_CALLS_PER_BLOCK)
    with pytest.raises(errors.SimTooManyCalls, match="too many calls: 10001 > 10000"):
        check_request(SimRequest(blocks=(full, full, SimBlock(calls=(CallRequest(),)))))
    check_request(SimRequest(blocks=(full, full)))


def test_pending_cheats_come_before_the_first_blocks_overrides() -> None:
    own = ((TARGET, AccountOverride(balance=1)),)
    cheat = ((SENDER, AccountOverride(balance=2)),)
    planned = (PlannedBlock(1, 12, SimBlock(accounts=own)), PlannedBlock(2, 24, SimBlock()))
    first, second = with_first_overrides(planned, cheat)
    assert first.sim.accounts == cheat + own and second == planned[1]


def test_unsigned_transaction_hash_is_geths() -> None:
    # ethSimulate-simple: the first call's transaction, 50M gas (the RPC gas cap).
    tx = sim_transaction(CallRequest(sender=SENDER, to=TARGET, value=1000), SENDER, 0,
                         50_000_000, CONFORMANCE_CHAIN_ID, london=True)
    assert tx.type == 2 and tx.sender == SENDER and (tx.v, tx.r, tx.s) == (0, 0, 0)
    assert tx.hash.hex() == "f1c5abb08809ef760f87aeabe7a87284c60797192dab6d2f0d26c27c9c038e9d"


def test_a_gas_price_makes_a_legacy_transaction_and_blobs_a_blob_one() -> None:
    legacy = sim_transaction(CallRequest(sender=SENDER, to=TARGET, gas_price=7), SENDER, 3,
                             21_000, 1, london=True)
    assert (legacy.type, legacy.gas_price, legacy.chain_id, legacy.raw[0] >= 0xC0) == (
        0, 7, None, True)
    blob = sim_transaction(CallRequest(sender=SENDER, to=TARGET, blob_hashes=(b"\x01" * 32,),
                                       max_fee_per_blob_gas=9), SENDER, 0, 21_000, 1, True)
    assert (blob.type, blob.raw[0], blob.blob_gas, blob.max_fee_per_blob_gas) == (
        3, 3, 2**17, 9)


def test_transfer_log_is_geths() -> None:
    log = transfer_log(SENDER, TARGET, 5)
    assert log.address == b"\xee" * 20
    assert log.topics[1] == SENDER.rjust(32, b"\x00") and log.data == (5).to_bytes(32, "big")
