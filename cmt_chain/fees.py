"""CMT gas policy as pure functions: the base fee rule, the minimum price, fee suggestions, the
free lane for transactions priced below the minimum, and contract-sponsored gas.

The base fee follows EIP-1559 but never drops below the chain's minimum gas price, so a
transaction that pays the base fee always meets the minimum. Called by the producer (next base
fee), the txpool (price checks) and the RPC backend (`eth_gasPrice`, `eth_feeHistory`).
"""

from __future__ import annotations

import dataclasses
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


# --- sponsored gas ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SponsorLimits:
    per_sender: int = 10  # sponsored transactions per sender and contract in one window
    window: int = 100  # blocks


@dataclass(frozen=True, slots=True)
class Sponsor:
    """A contract whose calls to `selectors` are paid from `deposit` when sent at price 0."""

    target: bytes
    manager: bytes  # who may change the selectors and withdraw: the registrant or the contract
    deposit: int
    selectors: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class SponsorUse:
    target: bytes
    sender: bytes
    window: int  # height // limits.window
    count: int


@dataclass(frozen=True, slots=True)
class SponsorBook:
    """Every sponsorship and this window's uses (the sponsorship contract's state)."""

    limits: SponsorLimits
    sponsors: tuple[Sponsor, ...] = ()
    uses: tuple[SponsorUse, ...] = ()


MAX_SELECTORS = 32


def sponsor_of(book: SponsorBook, target: bytes) -> Sponsor | None:
    """Return the sponsorship of a contract, if any."""
    return next((s for s in book.sponsors if s.target == target), None)


def sponsor_for_call(book: SponsorBook, to: bytes | None, data: bytes) -> Sponsor | None:
    """Return the sponsor paying for a zero-priced call to `to` with this calldata, if any."""
    found = sponsor_of(book, to) if to is not None else None
    return found if found is not None and data[:4] in found.selectors else None


def sponsored_uses(book: SponsorBook, target: bytes, sender: bytes, height: int) -> int:
    """Return how many sponsored calls `sender` made to `target` in the window of `height`."""
    window = height // book.limits.window
    return next((u.count for u in book.uses if (u.target, u.sender, u.window) == (
        target, sender, window)), 0)


def sponsorship_refusal(book: SponsorBook, sponsor: Sponsor, sender: bytes, gas: int,
                        price: int, height: int) -> errors.ChainError | None:
    """Return why the sponsor cannot pay for this call now (deposit, or the sender's rate)."""
    if sponsor.deposit < gas * price:
        return errors.SponsorDepositTooLow(f"deposit {sponsor.deposit}, needs {gas * price}")
    if sponsored_uses(book, sponsor.target, sender, height) >= book.limits.per_sender:
        return errors.SponsorRateLimited(
            f"{book.limits.per_sender} per {book.limits.window} blocks")
    return None


def _put_sponsor(book: SponsorBook, new: Sponsor) -> SponsorBook:
    others = [s for s in book.sponsors if s.target != new.target]
    return dataclasses.replace(book, sponsors=tuple(sorted([*others, new],
                                                           key=lambda s: s.target)))


def charge_sponsor(book: SponsorBook, target: bytes, sender: bytes, amount: int,
                   height: int) -> SponsorBook:
    """Take a sponsored call's fee from the deposit and count the call; old windows go."""
    found = sponsor_of(book, target)
    assert found is not None and found.deposit >= amount
    window = height // book.limits.window
    count = sponsored_uses(book, target, sender, height) + 1
    uses = [u for u in book.uses if u.window == window and (u.target, u.sender) != (
        target, sender)]
    book = dataclasses.replace(book, uses=tuple(sorted(
        [*uses, SponsorUse(target, sender, window, count)], key=lambda u: (u.target, u.sender))))
    return _put_sponsor(book, dataclasses.replace(found, deposit=found.deposit - amount))


def register_sponsor(book: SponsorBook, caller: bytes, target: bytes,
                     selectors: tuple[bytes, ...], value: int) -> SponsorBook:
    """Register (or change) a sponsorship and add `value` to its deposit.

    Anyone may sponsor a contract that has none; afterwards only its manager, or the contract
    itself (which then becomes the manager), may change it.
    """
    if not selectors or len(selectors) > MAX_SELECTORS:
        raise errors.SponsorshipError(f"between 1 and {MAX_SELECTORS} selectors are needed")
    found = sponsor_of(book, target)
    if found is not None and caller not in (found.manager, target):
        raise errors.SponsorshipError("only the manager or the contract itself may change it")
    deposit = (found.deposit if found else 0) + value
    manager = caller if found is None or caller == target else found.manager
    return _put_sponsor(book, Sponsor(target, manager, deposit, tuple(dict.fromkeys(selectors))))


def top_up_sponsor(book: SponsorBook, target: bytes, value: int) -> SponsorBook:
    """Add `value` to an existing sponsorship's deposit (anyone may)."""
    found = sponsor_of(book, target)
    if found is None:
        raise errors.SponsorshipError("this contract has no sponsorship")
    return _put_sponsor(book, dataclasses.replace(found, deposit=found.deposit + value))


def withdraw_sponsor(book: SponsorBook, caller: bytes, target: bytes,
                     amount: int) -> SponsorBook:
    """Take `amount` back out of a deposit (the manager only)."""
    found = sponsor_of(book, target)
    if found is None or caller != found.manager:
        raise errors.SponsorshipError("only the sponsorship's manager may withdraw")
    if not 0 < amount <= found.deposit:
        raise errors.SponsorshipError(f"amount must be between 1 and the deposit {found.deposit}")
    return _put_sponsor(book, dataclasses.replace(found, deposit=found.deposit - amount))
