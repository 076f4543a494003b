"""The system contracts' records survive storage exactly (the one layout in system_storage.py)."""

import dataclasses

from eth_hash.auto import keccak

from cmt_chain import fees
from cmt_chain import staking as s
from cmt_chain.execution import system_sponsor, system_staking
from cmt_chain.execution.system_storage import HASH_SLOT, blob_slots, read_blob

CMT = 10**18
A, B = b"\x0a" * 20, b"\x0b" * 20


def rich_state() -> s.StakingState:
    state = s.genesis(s.Params(epoch_length=7), [(A, 10_000 * CMT, 1_000), (B, 5, 0)])
    state = s.delegate(state, b"\x01" * 20, A, 2_000 * CMT)
    state = s.set_comp_rate(state, A, b"\x01" * 20, 0)  # 0 is a rate, unlike None
    state = s.update(state, B, None, None, s.Description("b", "w", "l", "e", "p ü"), 0)
    state = s.withdraw(state, b"\x01" * 20, A, CMT, 3)
    state, _ = s.punish_double_sign(state, B, 9)
    state = s.distribute(state, 10**18 + 3)
    return dataclasses.replace(state, absences=((A, 2),), minted=77)


def storage_of(slots):
    table = dict(slots)
    return lambda slot: table.get(slot, 0)


def test_staking_state_round_trips_through_storage():
    state = rich_state()
    assert system_staking.read_state(storage_of(system_staking.storage_slots(state))) == state
    assert s.delegation(state, b"\x01" * 20, A).comp_rate == 0
    assert system_staking.read_state(lambda slot: 0) is None  # no record: staking off


def test_sponsor_book_round_trips_through_storage():
    book = fees.register_sponsor(fees.SponsorBook(fees.SponsorLimits(3, 50)), A, B,
                                 (b"\x01\x02\x03\x04",), 10)
    book = fees.charge_sponsor(book, B, A, 4, 120)
    assert system_sponsor.read_book(storage_of(system_sponsor.storage_slots(book))) == book


def test_blob_layout_is_length_hash_then_words():
    raw = bytes(range(40))
    slots = dict(blob_slots(raw))
    assert slots[0] == 40 and slots[HASH_SLOT] == int.from_bytes(keccak(raw), "big")
    assert slots[2] == int.from_bytes(bytes(range(32, 40)).ljust(32, b"\0"), "big")
    assert len(slots) == 4
    assert read_blob(storage_of(slots.items())) == raw
    # A record seen before is read back from its hash without reading its words.
    reads = []
    assert read_blob(lambda slot: reads.append(slot) or slots.get(slot, 0)) == raw
    assert reads == [0, HASH_SLOT]
