"""Fee lanes of a block's transactions: sponsored, free, or paying; and the fees they paid.

CMT gas accounting (issue 5): a zero-priced call to a function a sponsor registered is paid from
the sponsor's deposit (`system_sponsor`); other transactions priced below the minimum run in the
free lane, within its limits (one per sender and recipient per block, a gas cap, so many per
block: `fees.py`'s rules); the rest pay. The tally feeds the staking hook, which shares every fee
out instead of burning the base fee. Used by `blocks.build_block`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import errors, fees
from ..calls import BlockEnv
from ..transaction import Transaction
from . import system_sponsor

FreePairs = set[tuple[bytes, bytes | None]]


@dataclass(slots=True)
class FeeTally:
    credit: int = 0  # the base-fee part py-evm burns, credited back (nothing is burned)
    paid: int = 0  # every fee of the block, sponsors' included


def lane(state: Any, env: BlockEnv, tx: Transaction,
         free_pairs: FreePairs) -> tuple[bool, bool, errors.ChainError | None]:
    """Return whether a sponsor pays for `tx`, whether it runs free, and why it cannot join.

    A zero-priced call to a sponsored function is paid by its sponsor; when the sponsor cannot
    pay now (deposit, rate limit), or for any other transaction priced below the minimum, the
    free lane's limits apply.
    """
    if env.burn_base_fee:  # an imported Ethereum chain: no CMT lanes
        return False, False, None
    sponsor, refusal = system_sponsor.sponsor_check(state, tx, env.base_fee, env.number)
    if sponsor is not None and refusal is None:
        return True, True, None
    if not fees.in_free_lane(tx.max_fee_per_gas, env.free_lane):
        return False, False, refusal
    lane_refusal = fees.free_lane_refusal((tx.sender, tx.to), tx.gas, env.free_lane, free_pairs)
    return False, True, (refusal or lane_refusal) if lane_refusal else None


def count_fees(state: Any, env: BlockEnv, tx: Transaction, gas_used: int,
               sponsored: bool, tally: FeeTally) -> None:
    """Add a transaction's fees to the tally; charge its sponsor, if any."""
    if sponsored:  # the sender paid nothing; the deposit pays the base fee
        tally.paid += system_sponsor.charge(state, tx, env.base_fee * gas_used, env.number)
        return
    tally.credit += fees.lane_base_fee(tx.max_fee_per_gas, env.base_fee, env.free_lane) * gas_used
    tally.paid += tx.effective_gas_price(env.base_fee) * gas_used
