"""The DPoS rules (cmt_chain/staking.py): candidacies, delegations, voting power, ranking,
awards, unbonding, absence and slashing, with exact wei bookkeeping."""

import dataclasses

import pytest

from cmt_chain import staking as s
from cmt_chain.consensus import proposer_for, turn_order
from cmt_chain.errors import StakingError

CMT = 10**18
# No damping here (a handful of validators all hold more than 12%); its own test sets it.
PARAMS = s.Params(epoch_length=10, max_validators=2, backup_validators=1,
                  min_delegation=1_000 * CMT, unbonding_blocks=5, absence_limit=3,
                  size_threshold_bps=10_000)
A, B, C, D = (bytes([i]) * 20 for i in (0xA, 0xB, 0xC, 0xD))
ALICE, BOB = b"\x01" * 20, b"\x02" * 20


def declared(*validators: tuple[bytes, int]) -> s.StakingState:
    state = s.StakingState(PARAMS)
    for address, stake in validators:
        state = s.declare(state, address, stake * 10, 1_000, s.Description(name="v"), stake, 1)
    return state


def test_award_per_block_is_the_references_25_cmt():
    assert s.Params().award_per_block == 10**9 * CMT * 800 // (10_000 * 3_153_600)
    assert 25 * CMT < s.Params().award_per_block < 26 * CMT


def test_declare_needs_ten_percent_self_stake_and_a_valid_rate():
    state = s.StakingState(PARAMS)
    with pytest.raises(StakingError, match="self-stake must be at least"):
        s.declare(state, A, 10_000 * CMT, 0, s.Description(), 999 * CMT, 1)
    with pytest.raises(StakingError, match="comp rate"):
        s.declare(state, A, 10_000 * CMT, 10_001, s.Description(), 1_000 * CMT, 1)
    with pytest.raises(StakingError, match="exceeds the max"):
        s.declare(state, A, 10_000 * CMT, 0, s.Description(), 10_001 * CMT, 1)
    with pytest.raises(StakingError, match="256 bytes"):
        s.declare(state, A, 10_000 * CMT, 0, s.Description(profile="x" * 257), 1_000 * CMT, 1)
    state = s.declare(state, A, 10_000 * CMT, 2_500, s.Description(name="a"), 1_000 * CMT, 7)
    assert s.candidate(state, A) == s.Candidate(A, 10_000 * CMT, 2_500, s.Description(name="a"),
                                                True, 7)
    assert s.delegation(state, A, A).amount == 1_000 * CMT
    with pytest.raises(StakingError, match="already declared"):
        s.declare(state, A, 10_000 * CMT, 0, s.Description(), 1_000 * CMT, 1)


def test_required_self_stake_rounds_up():
    assert s.required_self_stake(PARAMS, 15) == 2  # 10% of 15 wei is 1.5 wei


def test_update_raising_the_max_needs_more_self_stake():
    state = declared((A, 1_000 * CMT))
    with pytest.raises(StakingError, match="self-stake must be at least"):
        s.update(state, A, 20_000 * CMT, None, None, 0)
    state = s.update(state, A, 20_000 * CMT, 500, s.Description(name="new"), 1_000 * CMT)
    found = s.candidate(state, A)
    assert (found.max_amount, found.comp_rate, found.description.name) == (20_000 * CMT, 500,
                                                                           "new")
    assert s.stake_of(state, A) == 2_000 * CMT
    with pytest.raises(StakingError, match="no candidacy"):
        s.update(state, B, None, 1, None, 0)


def test_delegation_stays_within_the_max_amount():
    state = declared((A, 1_000 * CMT))  # max 10,000 CMT
    state = s.delegate(state, ALICE, A, 9_000 * CMT)
    with pytest.raises(StakingError, match="exceeds"):
        s.delegate(state, BOB, A, 1)
    with pytest.raises(StakingError, match="no such candidate"):
        s.delegate(state, BOB, B, 1)
    with pytest.raises(StakingError, match="positive"):
        s.delegate(state, BOB, A, 0)
    with pytest.raises(StakingError, match="at least"):  # dust: 1/1000 of the minimum
        s.delegate(declared((A, 1_000 * CMT)), BOB, A, CMT - 1)


def test_small_delegations_count_for_nothing():
    state = declared((A, 2_000 * CMT), (B, 2_000 * CMT))
    state = s.delegate(state, ALICE, A, 999 * CMT)
    powers = s.delegation_powers(state)
    assert (A, ALICE) not in powers
    assert s.voting_powers(state)[A] == s.voting_powers(state)[B]


def test_damping_above_twelve_percent_of_all_stake():
    # Ten equal validators hold 10% each (undamped); an eleventh with 4x the stake is damped.
    validators = [(bytes([i]) * 20, 1_000 * CMT) for i in range(0x20, 0x2A)]
    state = s.StakingState(dataclasses.replace(PARAMS, size_threshold_bps=1_200))
    for address, stake in [*validators, (A, 4_000 * CMT)]:
        state = s.declare(state, address, stake * 10, 0, s.Description(), stake, 1)
    total = 14_000 * CMT
    powers = s.voting_powers(state)
    assert powers[validators[0][0]] == 1_000 * CMT
    assert powers[A] == 4_000 * CMT * 1_200 * total // (10_000 * 4_000 * CMT)
    assert powers[A] == total * 12 // 100  # damped to exactly 12% of all stake
    small = s.delegate(state, ALICE, validators[0][0], 999 * CMT)
    assert (validators[0][0], ALICE) not in s.delegation_powers(small)


def test_inactive_candidates_have_no_power_and_rank_out():
    state = declared((A, 3_000 * CMT), (B, 2_000 * CMT), (C, 1_500 * CMT), (D, 1_200 * CMT))
    assert s.rank(state) == ((A, B), (C,))
    state = s.set_active(state, A, False)
    assert s.voting_powers(state)[A] == 0
    assert s.rank(state) == ((B, C), (D,))
    with pytest.raises(StakingError, match="already inactive"):
        s.set_active(state, A, False)


def test_rank_breaks_ties_by_address():
    state = declared((C, 1_000 * CMT), (A, 1_000 * CMT), (B, 1_000 * CMT))
    assert s.rank(state) == ((A, B), (C,))


def test_comp_rate_per_delegator_never_above_the_default():
    state = s.delegate(declared((A, 1_000 * CMT)), ALICE, A, 2_000 * CMT)
    with pytest.raises(StakingError, match="default"):
        s.set_comp_rate(state, A, ALICE, 1_001)
    with pytest.raises(StakingError, match="no delegation"):
        s.set_comp_rate(state, A, BOB, 10)
    state = s.set_comp_rate(state, A, ALICE, 200)
    assert s.delegation(state, ALICE, A).comp_rate == 200


def test_distribute_splits_by_power_then_settle_by_stake_and_commission():
    state = declared((A, 2_000 * CMT), (B, 1_000 * CMT), (C, 1_000 * CMT))
    state = s.delegate(state, ALICE, A, 3_000 * CMT)
    state = s.delegate(state, BOB, A, 999 * CMT)  # below the minimum: no share
    state = s.set_comp_rate(state, A, ALICE, 500)
    state = dataclasses.replace(state, active=(A, B), backups=(C,))
    before = s.total_staked(state)
    pool = 10**18 + 7
    after = s.distribute(state, pool)
    assert s.total_staked(after) == before + pool  # every wei is staked, pending or carried
    powers = s.voting_powers(state)
    active_pool = pool * 9_000 // 10_000
    a_share = active_pool * powers[A] // (powers[A] + powers[B])
    pending = dict(after.pending)
    assert pending[A] == a_share == dict(after.last_awards)[A]
    assert pending[C] == pool - active_pool  # the only backup takes the backups' 10%
    assert after.delegations == state.delegations  # nothing compounds until settled

    settled = s.settle(after, A)
    assert s.total_staked(settled) == s.total_staked(after)
    alice_share = a_share * 3_000 // 5_000  # by stake among delegations over the minimum
    alice_gain = s.delegation(settled, ALICE, A).amount - 3_000 * CMT
    assert alice_gain == alice_share - alice_share * 500 // 10_000
    assert s.delegation(settled, ALICE, A).award_total == alice_gain
    owner_gain = s.delegation(settled, A, A).amount - 2_000 * CMT
    owner_share = a_share * 2_000 // 5_000
    assert owner_gain == owner_share + alice_share * 500 // 10_000  # its cut of Alice's
    assert s.delegation(settled, BOB, A).amount == 999 * CMT
    assert settled.remainder == after.remainder + a_share - alice_share - owner_share
    assert dict(settled.pending) == {B: pending[B], C: pending[C]}
    assert s.settle_all(after).pending == ()


def test_without_backups_the_active_set_takes_everything():
    state = dataclasses.replace(declared((A, 1_000 * CMT)), active=(A,), backups=())
    after = s.settle(s.distribute(state, 1_000), A)
    assert s.delegation(after, A, A).amount == 1_000 * CMT + 1_000
    assert after.remainder == 0


def test_a_change_to_a_delegation_settles_its_validator_first():
    state = dataclasses.replace(s.delegate(declared((A, 1_000 * CMT)), ALICE, A, 1_000 * CMT),
                                active=(A,))
    state = s.distribute(state, 2_000)
    state = s.delegate(state, BOB, A, 2_000 * CMT)  # Bob gets nothing of what came before
    assert s.delegation(state, ALICE, A).award_total == 1_000 - 1_000 * 1_000 // 10_000
    assert s.delegation(state, BOB, A).award_total == 0 and state.pending == ()


def test_with_no_power_the_pool_is_carried():
    state = dataclasses.replace(declared((A, 1_000 * CMT)), active=(A,))
    state = s.set_active(state, A, False)
    after = s.distribute(state, 77)
    assert after.remainder == 77 and s.total_staked(after) == s.total_staked(state) + 77


def test_withdraw_unbonds_then_releases():
    state = s.delegate(declared((A, 1_000 * CMT)), ALICE, A, 2_000 * CMT)
    with pytest.raises(StakingError, match="between 1 and"):
        s.withdraw(state, ALICE, A, 2_001 * CMT, 10)
    with pytest.raises(StakingError, match="self-stake"):
        s.withdraw(state, A, A, CMT, 10)
    with pytest.raises(StakingError, match="or all"):
        s.withdraw(state, ALICE, A, 1, 10)
    state = s.withdraw(state, ALICE, A, 2_000 * CMT, 10)
    assert s.delegation(state, ALICE, A) is None
    assert s.pending_withdrawals(state, ALICE) == (s.Unbonding(ALICE, A, 2_000 * CMT, 15),)
    same, payouts = s.release_due(state, 14)
    assert payouts == () and same == state
    state, payouts = s.release_due(state, 15)
    assert payouts == (s.Payout(ALICE, 2_000 * CMT),) and state.unbonding == ()


def test_withdraw_candidacy_unbonds_every_delegation():
    state = s.delegate(declared((A, 1_000 * CMT)), ALICE, A, 2_000 * CMT)
    state = dataclasses.replace(state, active=(A,))
    state = s.withdraw_candidacy(state, A, 3)
    assert s.candidate(state, A) is None and state.delegations == ()
    assert {(u.delegator, u.amount, u.release_at) for u in state.unbonding} == {
        (A, 1_000 * CMT, 8), (ALICE, 2_000 * CMT, 8)}
    assert state.active == (A,)  # until the next epoch


def test_rotation_starts_at_height_mod_n_then_passes_on():
    assert proposer_for(4, (A, B, C)) == B
    assert turn_order(4, (A, B, C)) == (B, C, A)
    assert turn_order(7, ()) == ()


def test_missed_turns_follow_the_rotation():
    active = (A, B, C)
    assert s.missed_turns(active, 3, A) == ()  # 3 % 3 == 0: A's turn
    assert s.missed_turns(active, 3, C) == (A, B)
    assert s.missed_turns(active, 5, A) == (C,)
    assert s.missed_turns(active, 5, D) == ()


def test_absence_deactivates_after_k_missed_turns_and_production_resets():
    state = dataclasses.replace(declared((A, 1_000 * CMT), (B, 1_000 * CMT)), active=(A, B))
    state = s.record_turns(state, 0, B)  # A missed height 0
    state = s.record_turns(state, 1, B)
    assert dict(state.absences) == {A: 1}
    state = s.record_turns(state, 2, A)  # A produced: reset
    assert dict(state.absences) == {}
    for height in (4, 6, 8):
        state = s.record_turns(state, height, B)
    assert not s.candidate(state, A).active and state.active == (B,)
    assert state.absences == ()


def test_slash_cuts_every_delegation_and_hands_it_on():
    state = s.delegate(declared((A, 1_000 * CMT), (B, 1_000 * CMT)), ALICE, A, 3_000 * CMT)
    state = dataclasses.replace(state, active=(A, B))
    before = s.total_staked(state)
    state, total = s.slash(state, A)
    assert total == 4_000 * CMT * 10 // 10_000
    assert s.delegation(state, ALICE, A).slashed == 3 * CMT
    assert s.total_staked(state) == before and state.remainder == total
    assert state.active == (B,) and not s.candidate(state, A).active


def test_a_double_sign_is_punished_once_per_height():
    state = dataclasses.replace(declared((A, 1_000 * CMT), (B, 1_000 * CMT)), active=(A, B))
    state, total = s.punish_double_sign(state, A, 7)
    assert total == CMT and state.evidence == ((A, 7),)
    with pytest.raises(StakingError, match="already punished"):
        s.punish_double_sign(state, A, 7)
    with pytest.raises(StakingError, match="not a candidate"):
        s.punish_double_sign(state, C, 7)


def test_genesis_ranks_its_validators():
    state = s.genesis(PARAMS, [(A, 10_000 * CMT, 0), (B, 20_000 * CMT, 100)])
    assert state.active == (B, A)
    assert s.candidate(state, A).max_amount == 100_000 * CMT
    tiny = s.genesis(PARAMS, [(A, 1, 0)])  # below the minimum: listed order still validates
    assert tiny.active == (A,)


def test_end_block_conserves_every_wei_over_many_blocks():
    state = s.genesis(PARAMS, [(A, 5_000 * CMT, 1_000), (B, 3_000 * CMT, 0),
                               (C, 2_000 * CMT, 500)])
    state = s.delegate(state, ALICE, C, 4_000 * CMT)
    held = s.total_staked(state)
    paid_out = 0
    for height in range(1, 40):
        if height == 12:
            state = s.withdraw(state, ALICE, C, 1_000 * CMT, height)
        producer = proposer_for(height, state.active)
        state, payouts, minted = s.end_block(state, height, producer, fees=height * 1_000)
        held += minted + height * 1_000
        paid_out += sum(p.amount for p in payouts)
        assert s.total_staked(state) == held - paid_out
        if height == 10:  # C's 6,000 CMT outrank A's 5,000 and its few awards
            assert (state.active, state.backups) == ((C, A), (B,))
    assert paid_out == 1_000 * CMT
    assert state.minted == 39 * PARAMS.award_per_block
    assert state.active == (A, C)  # after Alice's withdrawal A's awards put it first


def test_epoch_brings_a_new_validator_in_only_at_the_boundary():
    state = s.genesis(PARAMS, [(A, 1_000 * CMT, 0)])
    state = s.declare(state, B, 100_000 * CMT, 0, s.Description(), 10_000 * CMT, 3)
    state, _, _ = s.end_block(state, 9, A, 0)
    assert state.active == (A,)
    state, _, _ = s.end_block(state, 10, A, 0)
    assert state.active == (B, A)
