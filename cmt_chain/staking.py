"""The DPoS rules of CMT as pure functions over frozen dataclasses (after CyberMiles' Travis).

A `StakingState` holds candidates, delegations, pending withdrawals (unbonding), the validator
set of the current epoch (active validators and backups), absence counters and the award
bookkeeping. Each operation takes a state and returns a new one, or raises `StakingError`
naming the broken rule. Amounts are wei, rates are basis points (1/10,000); every division
rounds down and what it leaves is carried in `remainder`, so no wei is ever lost.

Called by the staking system contract (`execution/system_staking.py`: transactions and the
end-of-block hook), by `node.py` for the `cmt_` queries and by the producer for rotation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from .consensus import turn_order
from .errors import StakingError

BPS = 10_000
ETHER = 10**18


@dataclass(frozen=True, slots=True)
class Params:
    """The chain's staking parameters (the reference's mainnet values unless noted)."""

    epoch_length: int = 100  # blocks between validator-set recomputations
    max_validators: int = 19
    backup_validators: int = 5
    self_stake_bps: int = 1_000  # a candidate locks 10% of its declared maximum
    max_comp_rate_bps: int = BPS
    min_delegation: int = 1_000 * ETHER  # smaller delegations have no voting power
    size_threshold_bps: int = 1_200  # damping above 12% of all stake
    unbonding_blocks: int = 60_480
    absence_limit: int = 12  # consecutive missed turns before deactivation
    slash_bps: int = 10  # 0.1% of every delegation on a double sign
    award_rate_bps: int = 800  # 8% a year of the fixed base
    award_base: int = 10**9 * ETHER
    blocks_per_year: int = 3_153_600
    validators_share_bps: int = 9_000  # the active validators' share; backups get the rest

    @property
    def award_per_block(self) -> int:
        """Return the CMT minted by each block (the base is fixed: no compounding)."""
        return self.award_base * self.award_rate_bps // (BPS * self.blocks_per_year)


@dataclass(frozen=True, slots=True)
class Description:
    name: str = ""
    website: str = ""
    location: str = ""
    email: str = ""
    profile: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    address: bytes
    max_amount: int
    comp_rate: int  # the validator's default cut of its delegators' awards, in bps
    description: Description = Description()
    active: bool = True
    created_at: int = 0


@dataclass(frozen=True, slots=True)
class Delegation:
    delegator: bytes
    validator: bytes
    amount: int
    award_total: int = 0  # awards credited so far (already part of `amount`)
    comp_rate: int | None = None  # a per-delegator rate set by the validator, if any
    slashed: int = 0


@dataclass(frozen=True, slots=True)
class Unbonding:
    delegator: bytes
    validator: bytes
    amount: int
    release_at: int


@dataclass(frozen=True, slots=True)
class StakingState:
    params: Params
    candidates: tuple[Candidate, ...] = ()
    delegations: tuple[Delegation, ...] = ()
    unbonding: tuple[Unbonding, ...] = ()
    active: tuple[bytes, ...] = ()  # this epoch's validators, in rotation order
    backups: tuple[bytes, ...] = ()
    absences: tuple[tuple[bytes, int], ...] = ()  # consecutive missed turns, nonzero only
    remainder: int = 0  # undistributed wei, added to the next block's pool
    minted: int = 0  # every award minted since genesis
    last_awards: tuple[tuple[bytes, int], ...] = ()  # each validator's share of the last pool
    evidence: tuple[tuple[bytes, int], ...] = ()  # (validator, height) double signs punished
    pending: tuple[tuple[bytes, int], ...] = ()  # awards not yet split among delegations


@dataclass(frozen=True, slots=True)
class Payout:
    """Wei the staking contract pays out of its balance at the end of a block."""

    address: bytes
    amount: int


# --- reading ------------------------------------------------------------------------------------


def candidate(state: StakingState, address: bytes) -> Candidate | None:
    """Return the candidate owned by `address`, if any."""
    return next((c for c in state.candidates if c.address == address), None)


def delegation(state: StakingState, delegator: bytes, validator: bytes) -> Delegation | None:
    """Return `delegator`'s delegation to `validator`, if any."""
    return next((d for d in state.delegations
                 if d.delegator == delegator and d.validator == validator), None)


def stake_of(state: StakingState, validator: bytes) -> int:
    """Return everything delegated to `validator`, its self-stake included."""
    return sum(d.amount for d in state.delegations if d.validator == validator)


def dust(params: Params) -> int:
    """Return the smallest delegation or withdrawal (a thousandth of the minimum delegation).

    Every block reads the staking record, so records too small to matter are refused.
    """
    return params.min_delegation // 1_000


def required_self_stake(params: Params, max_amount: int) -> int:
    """Return the self-stake a candidate declaring `max_amount` must lock (rounded up)."""
    return -(-max_amount * params.self_stake_bps // BPS)


def delegation_powers(state: StakingState) -> dict[tuple[bytes, bytes], int]:
    """Return each delegation's voting power, keyed by (validator, delegator).

    A delegation below the minimum counts for nothing; an inactive candidate has none; a
    validator holding more than the threshold share p of all stake has each delegation's power
    multiplied by threshold/p (the reference's damping), rounded down.
    """
    active = {c.address for c in state.candidates if c.active}
    stakes: dict[bytes, int] = {}
    for d in state.delegations:
        if d.validator in active:
            stakes[d.validator] = stakes.get(d.validator, 0) + d.amount
    total = sum(stakes.values())
    threshold = state.params.size_threshold_bps
    powers: dict[tuple[bytes, bytes], int] = {}
    for d in state.delegations:
        if d.validator not in active or d.amount < state.params.min_delegation:
            continue
        own = stakes[d.validator]
        if own * BPS > threshold * total:
            power = d.amount * threshold * total // (BPS * own)
        else:
            power = d.amount
        powers[(d.validator, d.delegator)] = power
    return powers


def voting_powers(state: StakingState) -> dict[bytes, int]:
    """Return each candidate's voting power (the sum over its delegations)."""
    powers = {c.address: 0 for c in state.candidates}
    for (validator, _), power in delegation_powers(state).items():
        powers[validator] += power
    return powers


def rank(state: StakingState) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """Return the top N active validators and the M backups after them, by voting power.

    Candidates without voting power are left out; ties go to the lower address.
    """
    powers = voting_powers(state)
    ranked = sorted((a for a, p in powers.items() if p > 0), key=lambda a: (-powers[a], a))
    n, m = state.params.max_validators, state.params.backup_validators
    return tuple(ranked[:n]), tuple(ranked[n:n + m])


def role(state: StakingState, address: bytes) -> str:
    """Return "Validator", "Backup Validator" or "Candidate" (the reference's names)."""
    if address in state.active:
        return "Validator"
    if address in state.backups:
        return "Backup Validator"
    return "Candidate"


def pending_withdrawals(state: StakingState, delegator: bytes) -> tuple[Unbonding, ...]:
    """Return `delegator`'s withdrawals still waiting for their release height."""
    return tuple(u for u in state.unbonding if u.delegator == delegator)


def total_staked(state: StakingState) -> int:
    """Return the wei the staking contract must hold: stakes, unbonding, pending awards and the
    remainder."""
    return (sum(d.amount for d in state.delegations) + sum(u.amount for u in state.unbonding)
            + state.remainder + sum(n for _, n in state.pending))


# --- genesis --------------------------------------------------------------------------------


def genesis(params: Params, validators: Iterable[tuple[bytes, int, int]]) -> StakingState:
    """Return the genesis state for (address, self-stake, comp rate) validators.

    Each declares the largest maximum its stake allows; the first set is ranked at once, or,
    when no stake reaches the minimum, is the validators as listed.
    """
    listed = list(validators)
    state = StakingState(params)
    for address, stake, comp_rate in listed:
        max_amount = stake * BPS // params.self_stake_bps
        state = declare(state, address, max_amount, comp_rate, Description(name="genesis"),
                        stake, 0)
    active, backups = rank(state)
    if not active:
        active, backups = tuple(a for a, _, _ in listed[:params.max_validators]), ()
    return dataclasses.replace(state, active=active, backups=backups)


# --- candidates -----------------------------------------------------------------------------


MAX_TEXT = 256  # bytes per description field: every block reads the staking record


def _check_description(description: Description) -> None:
    if any(len(text.encode()) > MAX_TEXT for text in dataclasses.astuple(description)):
        raise StakingError(f"description fields are limited to {MAX_TEXT} bytes")


def _check_rate(params: Params, comp_rate: int) -> None:
    if not 0 <= comp_rate <= params.max_comp_rate_bps:
        raise StakingError(f"comp rate must be between 0 and {params.max_comp_rate_bps} bps")


def _replace_candidate(state: StakingState, new: Candidate) -> StakingState:
    others = [c for c in state.candidates if c.address != new.address]
    return dataclasses.replace(state, candidates=tuple(sorted(
        [*others, new], key=lambda c: c.address)))


def _owned(state: StakingState, owner: bytes) -> Candidate:
    found = candidate(state, owner)
    if found is None:
        raise StakingError("no candidacy declared by this address")
    return found


def declare(state: StakingState, owner: bytes, max_amount: int, comp_rate: int,
            description: Description, self_stake: int, height: int) -> StakingState:
    """Declare a candidacy locking `self_stake` (at least the required share of the maximum)."""
    if candidate(state, owner) is not None:
        raise StakingError("candidacy already declared")
    _check_rate(state.params, comp_rate)
    _check_description(description)
    if max_amount <= 0:
        raise StakingError("max amount must be positive")
    needed = required_self_stake(state.params, max_amount)
    if self_stake < needed:
        raise StakingError(f"self-stake must be at least {needed} wei (of max {max_amount})")
    if self_stake > max_amount:
        raise StakingError("self-stake exceeds the max amount")
    state = _replace_candidate(state, Candidate(owner, max_amount, comp_rate, description,
                                                True, height))
    return _add_stake(state, owner, owner, self_stake)


def update(state: StakingState, owner: bytes, max_amount: int | None, comp_rate: int | None,
           description: Description | None, added_stake: int) -> StakingState:
    """Change a candidacy; raising the maximum needs the self-stake to follow (`added_stake`)."""
    current = _owned(state, owner)
    new_max = current.max_amount if max_amount is None else max_amount
    if new_max < stake_of(state, owner) + added_stake:
        raise StakingError("max amount is below the stake already delegated")
    if comp_rate is not None:
        _check_rate(state.params, comp_rate)
    if description is not None:
        _check_description(description)
    own = delegation(state, owner, owner)
    needed = required_self_stake(state.params, new_max)
    if (own.amount if own else 0) + added_stake < needed:
        raise StakingError(f"self-stake must be at least {needed} wei (of max {new_max})")
    state = settle(state, owner)
    changed = dataclasses.replace(
        current, max_amount=new_max,
        comp_rate=current.comp_rate if comp_rate is None else comp_rate,
        description=current.description if description is None else description)
    state = _replace_candidate(state, changed)
    return _add_stake(state, owner, owner, added_stake) if added_stake else state


def withdraw_candidacy(state: StakingState, owner: bytes, height: int) -> StakingState:
    """Remove a candidacy: every delegation to it starts unbonding.

    The validator stays in this epoch's set (it earns nothing, having no stake) until the next
    recomputation, so the chain never loses its last proposer mid-epoch.
    """
    _owned(state, owner)
    state = settle(state, owner)
    release = height + state.params.unbonding_blocks
    leaving = [d for d in state.delegations if d.validator == owner]
    return dataclasses.replace(
        state,
        candidates=tuple(c for c in state.candidates if c.address != owner),
        delegations=tuple(d for d in state.delegations if d.validator != owner),
        unbonding=state.unbonding + tuple(
            Unbonding(d.delegator, owner, d.amount, release) for d in leaving if d.amount),
        absences=tuple(a for a in state.absences if a[0] != owner))


def set_active(state: StakingState, owner: bytes, active: bool) -> StakingState:
    """Activate or deactivate a candidacy; an inactive one has no voting power."""
    current = _owned(state, owner)
    if current.active == active:
        raise StakingError(f"candidacy is already {'active' if active else 'inactive'}")
    state = dataclasses.replace(
        state, absences=tuple(a for a in state.absences if a[0] != owner))
    return _replace_candidate(state, dataclasses.replace(current, active=active))


def set_comp_rate(state: StakingState, owner: bytes, delegator: bytes,
                  comp_rate: int) -> StakingState:
    """Set one delegator's rate; it may not exceed the validator's default rate."""
    current = _owned(state, owner)
    if not 0 <= comp_rate <= current.comp_rate:
        raise StakingError(f"comp rate must be between 0 and the default {current.comp_rate}")
    state = settle(state, owner)
    found = delegation(state, delegator, owner)
    if found is None:
        raise StakingError("no delegation from this delegator")
    return _put_delegation(state, dataclasses.replace(found, comp_rate=comp_rate))


# --- delegations ----------------------------------------------------------------------------


def _put_delegation(state: StakingState, new: Delegation) -> StakingState:
    others = [d for d in state.delegations
              if (d.validator, d.delegator) != (new.validator, new.delegator)]
    kept = [*others, new] if new.amount or new.comp_rate is not None else others
    return dataclasses.replace(state, delegations=tuple(sorted(
        kept, key=lambda d: (d.validator, d.delegator))))


def _add_stake(state: StakingState, delegator: bytes, validator: bytes, amount: int,
               award: int = 0) -> StakingState:
    found = delegation(state, delegator, validator) or Delegation(delegator, validator, 0)
    return _put_delegation(state, dataclasses.replace(
        found, amount=found.amount + amount, award_total=found.award_total + award))


def delegate(state: StakingState, delegator: bytes, validator: bytes,
             amount: int) -> StakingState:
    """Stake `amount` with a candidate, within its declared maximum."""
    target = candidate(state, validator)
    if target is None:
        raise StakingError("no such candidate")
    if amount <= 0:
        raise StakingError("delegation amount must be positive")
    if stake_of(state, validator) + amount > target.max_amount:
        raise StakingError("delegation exceeds the candidate's max amount")
    if amount < dust(state.params):
        raise StakingError(f"a delegation moves at least {dust(state.params)} wei")
    return _add_stake(settle(state, validator), delegator, validator, amount)


def withdraw(state: StakingState, delegator: bytes, validator: bytes, amount: int,
             height: int) -> StakingState:
    """Start unbonding `amount` of a delegation; it is paid after the unbonding period.

    A candidate's owner cannot go below the self-stake its maximum requires.
    """
    state = settle(state, validator)
    found = delegation(state, delegator, validator)
    if found is None:
        raise StakingError("no delegation to this validator")
    if not 0 < amount <= found.amount:
        raise StakingError(f"amount must be between 1 and the delegated {found.amount} wei")
    if amount < min(dust(state.params), found.amount):
        raise StakingError(f"a withdrawal moves at least {dust(state.params)} wei, or all")
    owner = candidate(state, validator)
    if owner is not None and delegator == validator:
        needed = required_self_stake(state.params, owner.max_amount)
        if found.amount - amount < needed:
            raise StakingError(f"the owner must keep a self-stake of {needed} wei")
    state = _put_delegation(state, dataclasses.replace(found, amount=found.amount - amount))
    return dataclasses.replace(state, unbonding=state.unbonding + (
        Unbonding(delegator, validator, amount, height + state.params.unbonding_blocks),))


def release_due(state: StakingState, height: int) -> tuple[StakingState, tuple[Payout, ...]]:
    """Return the state without the withdrawals due at `height`, and the payouts to make."""
    due = tuple(Payout(u.delegator, u.amount) for u in state.unbonding if u.release_at <= height)
    if not due:
        return state, ()
    kept = tuple(u for u in state.unbonding if u.release_at > height)
    return dataclasses.replace(state, unbonding=kept), due


# --- awards ---------------------------------------------------------------------------------


def distribute(state: StakingState, pool: int) -> StakingState:
    """Add a block's pool (award + fees + carried remainder) to the validator set's awards.

    The active validators share `validators_share_bps` of it (all of it if no backup has
    voting power), the backups the rest, each in proportion to voting power. A validator's
    share waits in `pending` until `settle` splits it among its delegations; what rounding
    leaves is carried in `remainder`.
    """
    powers = voting_powers(state)
    groups = [[v for v in state.active if powers.get(v)],
              [v for v in state.backups if powers.get(v)]]
    totals = [sum(powers[v] for v in group) for group in groups]
    if not any(totals):
        return dataclasses.replace(state, remainder=pool, last_awards=())
    if not totals[1]:
        pools = [pool, 0]
    elif not totals[0]:
        pools = [0, pool]
    else:
        first = pool * state.params.validators_share_bps // BPS
        pools = [first, pool - first]
    shares = {v: group_pool * powers[v] // total
              for group, total, group_pool in zip(groups, totals, pools, strict=True)
              for v in group}
    pending = dict(state.pending)
    for validator, share in shares.items():
        pending[validator] = pending.get(validator, 0) + share
    return dataclasses.replace(
        state, pending=tuple(sorted(pending.items())),
        remainder=pool - sum(shares.values()), last_awards=tuple(sorted(shares.items())))


def settle(state: StakingState, validator: bytes) -> StakingState:
    """Split a validator's pending awards among its delegations; they compound into stake.

    Delegations of at least the minimum share by amount (damping scales them all alike); each
    share is split by its comp rate, the validator's cut going to the owner's self-stake. The
    rules call this before any change to the validator's delegations and at every epoch
    boundary, so the amounts it splits by held for the whole period. Rounding is carried.
    """
    pending = dict(state.pending)
    amount = pending.pop(validator, 0)
    state = dataclasses.replace(state, pending=tuple(sorted(pending.items())))
    if not amount:
        return state
    owner = candidate(state, validator)
    eligible = [d for d in state.delegations if d.validator == validator
                and d.amount >= state.params.min_delegation]
    weight = sum(d.amount for d in eligible)
    if owner is None or not weight:
        return dataclasses.replace(state, remainder=state.remainder + amount)
    book = {(d.validator, d.delegator): d for d in state.delegations}
    gains: dict[bytes, int] = {}
    paid = 0
    for d in eligible:
        share = amount * d.amount // weight
        rate = owner.comp_rate if d.comp_rate is None else d.comp_rate
        cut = share * rate // BPS if d.delegator != validator else 0
        gains[d.delegator] = gains.get(d.delegator, 0) + share - cut
        gains[validator] = gains.get(validator, 0) + cut
        paid += share
    for delegator, gain in gains.items():
        found = book.get((validator, delegator)) or Delegation(delegator, validator, 0)
        book[(validator, delegator)] = dataclasses.replace(
            found, amount=found.amount + gain, award_total=found.award_total + gain)
    return dataclasses.replace(state, delegations=tuple(book[k] for k in sorted(book)),
                               remainder=state.remainder + amount - paid)


def settle_all(state: StakingState) -> StakingState:
    """Settle every validator's pending awards (epoch boundaries; queries show this view)."""
    for validator, _ in state.pending:
        state = settle(state, validator)
    return state


# --- turns, absence, slashing ---------------------------------------------------------------


def missed_turns(active: tuple[bytes, ...], height: int, producer: bytes) -> tuple[bytes, ...]:
    """Return the validators whose turns passed before `producer` sealed block `height`."""
    if producer not in active:
        return ()
    order = turn_order(height, active)
    return order[:order.index(producer)]


def record_turns(state: StakingState, height: int, producer: bytes) -> StakingState:
    """Count missed turns; a validator reaching the absence limit is deactivated and leaves.

    The producer's count resets. A deactivated validator leaves the active set at once (it
    would otherwise keep missing turns); it returns by activating and the next epoch's ranking.
    """
    counts = dict(state.absences)
    counts.pop(producer, None)
    missed = missed_turns(state.active, height, producer)
    for address in missed:
        counts[address] = counts.get(address, 0) + 1
    out = {a for a, n in counts.items() if n >= state.params.absence_limit}
    for address in sorted(out):
        found = candidate(state, address)
        if found is not None and found.active:
            state = _replace_candidate(state, dataclasses.replace(found, active=False))
        counts.pop(address)
    return dataclasses.replace(
        state, absences=tuple(sorted(counts.items())),
        active=tuple(a for a in state.active if a not in out) or state.active,
        backups=tuple(a for a in state.backups if a not in out))


def slash(state: StakingState, validator: bytes) -> tuple[StakingState, int]:
    """Cut `slash_bps` of every delegation to a double-signing validator and deactivate it.

    The slashed wei join the remainder, so the next block's pool hands them to the others.
    """
    state = settle(state, validator)
    total = 0
    for d in [d for d in state.delegations if d.validator == validator]:
        cut = d.amount * state.params.slash_bps // BPS
        total += cut
        state = _put_delegation(state, dataclasses.replace(
            d, amount=d.amount - cut, slashed=d.slashed + cut))
    found = candidate(state, validator)
    if found is not None and found.active:
        state = _replace_candidate(state, dataclasses.replace(found, active=False))
    return dataclasses.replace(
        state, remainder=state.remainder + total,
        active=tuple(a for a in state.active if a != validator) or state.active,
        backups=tuple(a for a in state.backups if a != validator)), total


def punish_double_sign(state: StakingState, validator: bytes,
                       height: int) -> tuple[StakingState, int]:
    """Slash a validator proven to have sealed two blocks at `height`; once per height.

    The caller has checked the proof (two different headers, both sealed by `validator`).
    """
    if candidate(state, validator) is None:
        raise StakingError("the signer is not a candidate")
    if (validator, height) in state.evidence:
        raise StakingError("this double sign was already punished")
    state, total = slash(state, validator)
    return dataclasses.replace(state, evidence=tuple(sorted(
        (*state.evidence, (validator, height))))), total


# --- the end of a block ---------------------------------------------------------------------


def recompute_set(state: StakingState) -> StakingState:
    """Rank the validator set for the next epoch; keep the old one if nobody qualifies."""
    active, backups = rank(state)
    if not active:
        return state
    return dataclasses.replace(state, active=active, backups=backups)


def end_block(state: StakingState, height: int, producer: bytes,
              fees: int) -> tuple[StakingState, tuple[Payout, ...], int]:
    """Apply block `height`'s staking work; return the state, payouts and the wei minted.

    In order: count turns, mint the award, distribute award + fees + remainder, release due
    withdrawals, and at an epoch boundary settle every validator's awards into its delegations'
    stakes and rank the next set.
    """
    state = record_turns(state, height, producer)
    award = state.params.award_per_block
    state = dataclasses.replace(state, minted=state.minted + award)
    state = distribute(state, award + fees + state.remainder)
    state, payouts = release_due(state, height)
    if height % state.params.epoch_length == 0:
        state = recompute_set(settle_all(state))
    return state, payouts, award
