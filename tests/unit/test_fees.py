"""The base fee rule (EIP-1559 with the minimum gas price as floor), fee suggestions, and the
free lane's limits."""

from cmt_chain import errors
from cmt_chain.fees import (
    FreeLane,
    fee_percentiles,
    free_lane_refusal,
    in_free_lane,
    lane_base_fee,
    next_base_fee,
    suggested_tip,
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
