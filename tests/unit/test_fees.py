"""The base fee rule (EIP-1559 with the minimum gas price as floor) and fee suggestions."""

from cmt_chain.fees import fee_percentiles, next_base_fee, suggested_tip

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
