"""CMT gas policy as pure functions: the base fee rule, the minimum price, and fee suggestions.

The base fee follows EIP-1559 but never drops below the chain's minimum gas price, so a
transaction that pays the base fee always meets the minimum. Called by the producer (next base
fee), the txpool (price checks) and the RPC backend (`eth_gasPrice`, `eth_feeHistory`).
"""

from __future__ import annotations

from collections.abc import Sequence

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


GAS_LIMIT_BOUND_DIVISOR = 1024


def next_gas_limit(parent_gas_limit: int, desired: int) -> int:
    """Return a block's gas limit moved from its parent's toward `desired` by at most the step
    Ethereum allows (parent / 1024 - 1), as geth's miner does."""
    step = parent_gas_limit // GAS_LIMIT_BOUND_DIVISOR - 1
    if parent_gas_limit < desired:
        return min(parent_gas_limit + step, desired)
    if parent_gas_limit > desired:
        return max(parent_gas_limit - step, desired)
    return parent_gas_limit


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
