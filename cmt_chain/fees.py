"""CMT gas policy as pure functions: the base fee rule, the minimum price, fee suggestions, and
the free lane for transactions priced below the minimum.

The base fee follows EIP-1559 but never drops below the chain's minimum gas price, so a
transaction that pays the base fee always meets the minimum. Called by the producer (next base
fee), the txpool (price checks) and the RPC backend (`eth_gasPrice`, `eth_feeHistory`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import errors

ELASTICITY = 2
BASE_FEE_CHANGE_DENOMINATOR = 8


def next_base_fee(parent_gas_used: int, parent_gas_limit: int, parent_base_fee: int,
                  floor: int) -> int:
    """Return the base fee of the block after a parent with these figures."""
    target = parent_gas_limit // ELASTICITY
    if parent_gas_used == target or target == 0:
        fee = parent_base_fee
    elif parent_gas_used > target:
        delta = parent_base_fee * (parent_gas_used - target) // target
        fee = parent_base_fee + max(delta // BASE_FEE_CHANGE_DENOMINATOR, 1)
    else:
        delta = parent_base_fee * (target - parent_gas_used) // target
        fee = parent_base_fee - delta // BASE_FEE_CHANGE_DENOMINATOR
    return max(fee, floor)


def suggested_tip(recent_tips: Sequence[int]) -> int:
    """Return the tip to suggest: the 60th percentile of recent tips, 0 on an idle chain.

    Fees all go to the block's validator here and the pool orders by tip only under load, so an
    idle chain truthfully needs no tip at all.
    """
    if not recent_tips:
        return 0
    ordered = sorted(recent_tips)
    return ordered[(len(ordered) - 1) * 60 // 100]


def fee_percentiles(tips_and_gas: Sequence[tuple[int, int]], percentiles: Sequence[float],
                    ) -> list[int]:
    """Return the gas-weighted tip at each percentile, as eth_feeHistory's `reward` does."""
    if not tips_and_gas:
        return [0 for _ in percentiles]
    ordered = sorted(tips_and_gas)
    total = sum(gas for _, gas in ordered)
    result = []
    for percentile in percentiles:
        threshold = total * percentile / 100
        spent, index = 0, 0
        for index, (_, gas) in enumerate(ordered):  # noqa: B007
            spent += gas
            if spent >= threshold:
                break
        result.append(ordered[index][0])
    return result


# --- the free lane ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FreeLane:
    """CyberMiles' low-price lane: a transaction priced below the minimum gas price is accepted
    with at most `gas_limit` gas, at most one per (sender, recipient) per block and at most
    `slots` per block. It pays its own price (0 included), never the base fee."""

    min_gas_price: int = 0  # 0: no transaction is below the minimum, the lane is closed
    gas_limit: int = 500_000
    slots: int = 100


def in_free_lane(max_fee_per_gas: int, lane: FreeLane) -> bool:
    """Return whether a transaction with this fee cap rides the free lane."""
    return lane.slots > 0 and max_fee_per_gas < lane.min_gas_price


def free_lane_refusal(pair: tuple[bytes, bytes | None], gas: int, lane: FreeLane,
                      used_pairs: set[tuple[bytes, bytes | None]]) -> errors.ChainError | None:
    """Return why a low-price transaction cannot join a block that already holds `used_pairs`."""
    if gas > lane.gas_limit:
        return errors.FreeLaneGasTooHigh(f"free lane takes at most {lane.gas_limit} gas")
    if len(used_pairs) >= lane.slots:
        return errors.FreeLaneFull(f"{lane.slots} per block")
    if pair in used_pairs:
        return errors.FreeLanePairUsed()
    return None


def lane_base_fee(max_fee_per_gas: int, base_fee: int, lane: FreeLane) -> int:
    """Return the base fee a transaction pays per gas: its own price in the free lane."""
    return max_fee_per_gas if in_free_lane(max_fee_per_gas, lane) else base_fee
