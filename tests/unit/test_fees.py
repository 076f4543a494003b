"""The base fee rule (EIP-1559 with the minimum gas price as floor), fee suggestions, and the
free lane's limits."""

import pytest

from cmt_chain import errors
from cmt_chain.fees import (
    FreeLane,
    Sponsor,
    SponsorBook,
    SponsorLimits,
    charge_sponsor,
    fee_percentiles,
    free_lane_refusal,
    in_free_lane,
    lane_base_fee,
    next_base_fee,
    register_sponsor,
    sponsor_for_call,
    sponsor_of,
    sponsored_uses,
    sponsorship_refusal,
    suggested_tip,
    top_up_sponsor,
    withdraw_sponsor,
)

GWEI = 10**9


def test_base_fee_unchanged_at_target():
    assert next_base_fee(15_000_000, 30_000_000, 10 * GWEI, GWEI) == 10 * GWEI


def test_base_fee_rises_by_an_eighth_when_full():
    assert next_base_fee(30_000_000, 30_000_000, 8 * GWEI, GWEI) == 9 * GWEI


def test_base_fee_falls_by_an_eighth_when_empty_but_never_below_the_floor():
    assert next_base_fee(0, 30_000_000, 16 * GWEI, GWEI) == 14 * GWEI
    assert next_base_fee(0, 30_000_000, 2 * GWEI, 2 * GWEI) == 2 * GWEI


def test_base_fee_rises_by_at_least_one_wei():
    assert next_base_fee(15_000_001, 30_000_000, 8, 0) == 9


def test_tip_suggestion_is_zero_when_idle_and_a_percentile_otherwise():
    assert suggested_tip([]) == 0
    assert suggested_tip([5, 1, 3, 2, 4]) == 3


def test_fee_percentiles_are_gas_weighted():
    tips = [(1, 21_000), (10, 100_000)]
    assert fee_percentiles(tips, [10.0, 50.0, 90.0]) == [1, 10, 10]
    assert fee_percentiles([(1, 90), (10, 10)], [50.0, 95.0]) == [1, 10]
    assert fee_percentiles([], [50.0]) == [0]


# --- the free lane ----------------------------------------------------------------------------

LANE = FreeLane(min_gas_price=2 * 10**9, gas_limit=500_000, slots=2)
ALICE, BOB, CAROL = b"\x01" * 20, b"\x02" * 20, b"\x03" * 20


def test_free_lane_is_below_the_minimum_and_closed_without_slots():
    assert in_free_lane(0, LANE) and in_free_lane(2 * 10**9 - 1, LANE)
    assert not in_free_lane(2 * 10**9, LANE)
    assert not in_free_lane(0, FreeLane(min_gas_price=2 * 10**9, slots=0))
    assert not in_free_lane(0, FreeLane())  # no minimum, nothing is below it


def test_free_lane_limits_per_block():
    used: set = set()
    assert free_lane_refusal((ALICE, BOB), 500_000, LANE, used) is None
    assert isinstance(free_lane_refusal((ALICE, BOB), 500_001, LANE, used),
                      errors.FreeLaneGasTooHigh)
    used.add((ALICE, BOB))
    assert isinstance(free_lane_refusal((ALICE, BOB), 21_000, LANE, used),
                      errors.FreeLanePairUsed)
    assert free_lane_refusal((ALICE, CAROL), 21_000, LANE, used) is None  # another recipient
    used.add((ALICE, CAROL))
    assert isinstance(free_lane_refusal((BOB, CAROL), 21_000, LANE, used), errors.FreeLaneFull)


def test_free_lane_pays_its_own_price_not_the_base_fee():
    assert lane_base_fee(10**9, 7 * 10**9, LANE) == 10**9
    assert lane_base_fee(3 * 10**9, 7 * 10**9, LANE) == 7 * 10**9


# --- sponsored gas ----------------------------------------------------------------------------

SHOP, SET, BUY = b"\x05" * 20, b"\x60\xfe\x47\xb1", b"\xd9\x6a\x09\x4a"


def test_sponsorship_registration_and_management():
    book = register_sponsor(SponsorBook(SponsorLimits(2, 10)), ALICE, SHOP, (SET,), 100)
    assert sponsor_of(book, SHOP) == Sponsor(SHOP, ALICE, 100, (SET,))
    book = top_up_sponsor(book, SHOP, 50)  # anyone may top up
    with pytest.raises(errors.SponsorshipError, match="manager or the contract"):
        register_sponsor(book, BOB, SHOP, (BUY,), 0)
    book = register_sponsor(book, SHOP, SHOP, (SET, BUY), 0)  # the contract itself takes over
    assert sponsor_of(book, SHOP) == Sponsor(SHOP, SHOP, 150, (SET, BUY))
    with pytest.raises(errors.SponsorshipError, match="manager"):
        withdraw_sponsor(book, ALICE, SHOP, 1)
    with pytest.raises(errors.SponsorshipError, match="between 1 and"):
        withdraw_sponsor(book, SHOP, SHOP, 151)
    assert sponsor_of(withdraw_sponsor(book, SHOP, SHOP, 150), SHOP).deposit == 0
    with pytest.raises(errors.SponsorshipError, match="selectors"):
        register_sponsor(book, SHOP, SHOP, (), 0)
    with pytest.raises(errors.SponsorshipError, match="no sponsorship"):
        top_up_sponsor(book, ALICE, 1)


def test_sponsored_calls_match_selectors_and_respect_deposit_and_rate():
    book = register_sponsor(SponsorBook(SponsorLimits(2, 10)), ALICE, SHOP, (SET,), 100)
    assert sponsor_for_call(book, SHOP, SET + b"\x00" * 32) is not None
    assert sponsor_for_call(book, SHOP, BUY) is None
    assert sponsor_for_call(book, None, SET) is None
    sponsor = sponsor_of(book, SHOP)
    assert isinstance(sponsorship_refusal(book, sponsor, BOB, 51, 2, 5),
                      errors.SponsorDepositTooLow)
    assert sponsorship_refusal(book, sponsor, BOB, 50, 2, 5) is None
    book = charge_sponsor(charge_sponsor(book, SHOP, BOB, 10, 5), SHOP, BOB, 10, 9)
    sponsor = sponsor_of(book, SHOP)
    assert sponsor.deposit == 80 and sponsored_uses(book, SHOP, BOB, 9) == 2
    assert isinstance(sponsorship_refusal(book, sponsor, BOB, 1, 1, 9), errors.SponsorRateLimited)
    assert sponsorship_refusal(book, sponsor, CAROL, 1, 1, 9) is None  # another sender
    assert sponsorship_refusal(book, sponsor, BOB, 1, 1, 10) is None  # the next window
    book = charge_sponsor(book, SHOP, CAROL, 1, 10)
    assert [u.window for u in book.uses] == [1]  # the old window's counts are gone
