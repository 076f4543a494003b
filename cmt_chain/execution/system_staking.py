"""The staking system contract: a native contract at 0x...1000, run as a py-evm precompile.

Wallets and dApps stake with plain transactions to `STAKING_ADDRESS` using the ABI of
`contracts/src/system/IStaking.sol`; contracts may call its views (`isValidator`). The rules are
`cmt_chain/staking.py`; this module decodes calls, charges the documented gas, keeps the
`StakingState` in the contract's own storage (so it is part of the state root and reverts with
its transaction) and emits Solidity-compatible events. The contract's balance holds every stake,
pending withdrawal and undistributed wei. `end_block` is the block-level hook `blocks.py` calls
after a block's transactions: fees and the minted award go to the validator set, due
withdrawals are paid, and at epoch boundaries the next set is ranked.

The state is one RLP record (`encode_state`), kept in storage as `system_storage.py` lays out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import rlp
from eth_abi import encode as abi_encode
from eth_typing import Address

from .. import consensus, errors, staking
from ..block import Header
from ..errors import StakingError
from ..staking import Candidate, Delegation, Description, Params, StakingState, Unbonding
from .system_abi import Call, SystemContract, View, Writer, address_arg
from .system_abi import call_data as abi_call_data
from .system_storage import blob_slots, load_blob, read_blob, save_blob

STAKING_ADDRESS = bytes.fromhex("0000000000000000000000000000000000001000")

# Gas charged on top of the transaction's intrinsic gas (the reference charged fixed amounts too).
GAS_WRITE = 60_000  # declare, update, withdraw candidacy, delegate, withdraw
GAS_TOGGLE = 30_000  # activate, deactivate
GAS_SET_COMP_RATE = 21_000
GAS_VIEW = 3_000
GAS_EVIDENCE = 100_000  # two signature recoveries


# --- the record in storage --------------------------------------------------------------------


def encode_state(state: StakingState) -> bytes:
    """Return the RLP encoding of a staking state."""
    params = [getattr(state.params, f.name) for f in dataclasses.fields(Params)]
    return rlp.encode([
        params,
        [[c.address, c.max_amount, c.comp_rate, [t.encode() for t in _description(c)],
          int(c.active), c.created_at] for c in state.candidates],
        [[d.delegator, d.validator, d.amount, d.award_total,
          [] if d.comp_rate is None else [d.comp_rate], d.slashed] for d in state.delegations],
        [[u.delegator, u.validator, u.amount, u.release_at] for u in state.unbonding],
        list(state.active), list(state.backups),
        [[a, n] for a, n in state.absences],
        state.remainder, state.minted,
        [[a, n] for a, n in state.last_awards],
        [[a, n] for a, n in state.evidence],
        [[a, n] for a, n in state.pending],
    ])


def _description(c: Candidate) -> tuple[str, ...]:
    return dataclasses.astuple(c.description)


def decode_state(raw: bytes) -> StakingState:
    """Return the staking state an `encode_state` output holds."""
    (params, candidates, delegations, unbonding, active, backups, absences, remainder, minted,
     awards, evidence, pending) = rlp.decode(raw)
    return StakingState(
        params=Params(*map(_int, params)),
        candidates=tuple(Candidate(c[0], _int(c[1]), _int(c[2]),
                                   Description(*(t.decode() for t in c[3])), bool(_int(c[4])),
                                   _int(c[5])) for c in candidates),
        delegations=tuple(Delegation(d[0], d[1], _int(d[2]), _int(d[3]),
                                     _int(d[4][0]) if d[4] else None, _int(d[5]))
                          for d in delegations),
        unbonding=tuple(Unbonding(u[0], u[1], _int(u[2]), _int(u[3])) for u in unbonding),
        active=tuple(active), backups=tuple(backups),
        absences=tuple((a, _int(n)) for a, n in absences),
        remainder=_int(remainder), minted=_int(minted),
        last_awards=tuple((a, _int(n)) for a, n in awards),
        evidence=tuple((a, _int(n)) for a, n in evidence),
        pending=tuple((a, _int(n)) for a, n in pending),
    )


def _int(value: bytes) -> int:
    return int.from_bytes(value, "big")


def storage_slots(state: StakingState) -> tuple[tuple[int, int], ...]:
    """Return the (slot, value) pairs that store `state` (for genesis)."""
    return blob_slots(encode_state(state))


def read_state(get_storage: Callable[[int], int]) -> StakingState | None:
    """Return the staking state stored in the contract (None when staking is off)."""
    raw = read_blob(get_storage)
    return decode_state(raw) if raw is not None else None


def load(vm_state: Any) -> StakingState | None:
    """Return the staking state held in a py-evm state."""
    raw = load_blob(vm_state, STAKING_ADDRESS)
    return decode_state(raw) if raw is not None else None


def save(vm_state: Any, state: StakingState) -> None:
    """Write `state` into the contract's storage."""
    save_blob(vm_state, STAKING_ADDRESS, encode_state(state))


# --- the block hook -------------------------------------------------------------------------


def end_block(vm_state: Any, number: int, producer: bytes, base_credit: int, fees: int) -> bool:
    """Distribute the block's fees and award, pay due withdrawals, rank at epoch boundaries.

    Returns False (touching nothing) when the chain has no staking contract. The tips are
    already in the contract's balance (it is the execution coinbase); the base-fee part, which
    py-evm burns, is credited here (`base_credit`), so no fee is burned. `fees` is all of them.
    """
    raw = load_blob(vm_state, STAKING_ADDRESS)
    if raw is None:
        return False
    state = decode_state(raw)
    address = Address(STAKING_ADDRESS)
    vm_state.delta_balance(address, base_credit)
    state, payouts, minted = staking.end_block(state, number, producer, fees)
    vm_state.delta_balance(address, minted)
    for payout in payouts:
        vm_state.delta_balance(address, -payout.amount)
        vm_state.delta_balance(Address(payout.address), payout.amount)
    save_blob(vm_state, STAKING_ADDRESS, encode_state(state), raw)
    return True


# --- the precompile -------------------------------------------------------------------------


def _no_value(call: Call) -> None:
    if call.value:
        raise StakingError("this function does not accept CMT")


def _declare(state: StakingState, call: Call) -> StakingState:
    max_amount, rate, *texts = call.args
    state = staking.declare(state, call.sender, max_amount, rate, Description(*texts),
                            call.value, call.height)
    call.log("CandidacyDeclared(address,uint256,uint16,uint256)", [call.sender],
             ["uint256", "uint16", "uint256"], [max_amount, rate, call.value])
    return state


def _update(state: StakingState, call: Call) -> StakingState:
    max_amount, rate, *texts = call.args
    state = staking.update(state, call.sender, max_amount or None, rate, Description(*texts),
                           call.value)
    found = staking.candidate(state, call.sender)
    assert found is not None
    call.log("CandidacyUpdated(address,uint256,uint16,uint256)", [call.sender],
             ["uint256", "uint16", "uint256"], [found.max_amount, found.comp_rate, call.value])
    return state


def _withdraw_candidacy(state: StakingState, call: Call) -> StakingState:
    _no_value(call)
    state = staking.withdraw_candidacy(state, call.sender, call.height)
    call.log("CandidacyWithdrawn(address)", [call.sender], [], [])
    return state


def _toggle(active: bool) -> Callable[[StakingState, Call], StakingState]:
    def apply(state: StakingState, call: Call) -> StakingState:
        _no_value(call)
        state = staking.set_active(state, call.sender, active)
        name = "CandidacyActivated" if active else "CandidacyDeactivated"
        call.log(f"{name}(address)", [call.sender], [], [])
        return state
    return apply


def _set_comp_rate(state: StakingState, call: Call) -> StakingState:
    _no_value(call)
    delegator, rate = call.args
    state = staking.set_comp_rate(state, call.sender, address_arg(delegator), rate)
    call.log("CompRateSet(address,address,uint16)", [call.sender, address_arg(delegator)],
             ["uint16"], [rate])
    return state


def _delegate(state: StakingState, call: Call) -> StakingState:
    (validator,) = call.args
    state = staking.delegate(state, call.sender, address_arg(validator), call.value)
    call.log("Delegated(address,address,uint256)", [call.sender, address_arg(validator)],
             ["uint256"], [call.value])
    return state


def _withdraw(state: StakingState, call: Call) -> StakingState:
    _no_value(call)
    validator, amount = call.args
    state = staking.withdraw(state, call.sender, address_arg(validator), amount, call.height)
    call.log("WithdrawRequested(address,address,uint256,uint256)",
             [call.sender, address_arg(validator)], ["uint256", "uint256"],
             [amount, call.height + state.params.unbonding_blocks])
    return state


def _report_double_sign(state: StakingState, call: Call) -> StakingState:
    """Check two sealed headers for one height by one validator, then slash it.

    Both must build on this chain's block before them, within the last 256 blocks (what
    BLOCKHASH sees): headers sealed for another chain with the same key prove nothing here.
    """
    _no_value(call)
    header1, seal1, header2, seal2 = call.args
    try:
        first, second = Header.decode(header1), Header.decode(header2)
        signers = {consensus.recover_signer(first, seal1), consensus.recover_signer(second, seal2)}
    except (errors.InvalidBlock, rlp.DecodingError, ValueError, TypeError):
        raise StakingError("evidence: malformed header or seal") from None
    if first.number != second.number or first.hash == second.hash:
        raise StakingError("evidence: two different headers of one height are needed")
    if len(signers) != 1 or signers != {first.coinbase, second.coinbase}:
        raise StakingError("evidence: both headers must be sealed by their one validator")
    parent = call.computation.state.get_ancestor_hash(first.number - 1)
    if not parent or {first.parent_hash, second.parent_hash} != {parent}:
        raise StakingError("evidence: both headers must extend this chain's last 256 blocks")
    (validator,) = signers
    state, total = staking.punish_double_sign(state, validator, first.number)
    call.log("DoubleSignSlashed(address,uint256,uint256,address)", [validator],
             ["uint256", "uint256", "address"], [first.number, total, call.sender])
    return state


_TEXTS = "string,string,string,string,string"
WRITES: dict[str, tuple[Writer, int]] = {
    f"declareCandidacy(uint256,uint16,{_TEXTS})": (_declare, GAS_WRITE),
    f"updateCandidacy(uint256,uint16,{_TEXTS})": (_update, GAS_WRITE),
    "withdrawCandidacy()": (_withdraw_candidacy, GAS_WRITE),
    "activateCandidacy()": (_toggle(True), GAS_TOGGLE),
    "deactivateCandidacy()": (_toggle(False), GAS_TOGGLE),
    "setCompRate(address,uint16)": (_set_comp_rate, GAS_SET_COMP_RATE),
    "delegate(address)": (_delegate, GAS_WRITE),
    "withdraw(address,uint256)": (_withdraw, GAS_WRITE),
    "reportDoubleSign(bytes,bytes,bytes,bytes)": (_report_double_sign, GAS_EVIDENCE),
}


def _view_candidate(state: StakingState, args: tuple[Any, ...], height: int) -> bytes:
    state = staking.settle_all(state)  # stakes as if pending awards were credited now
    address = address_arg(args[0])
    found = staking.candidate(state, address)
    roles = {"Candidate": 1, "Validator": 2, "Backup Validator": 3}
    if found is None:
        return abi_encode(["bool", "uint256", "uint16", "bool", "uint256", "uint256", "uint8",
                           "string"], [False, 0, 0, False, 0, 0, 0, ""])
    return abi_encode(
        ["bool", "uint256", "uint16", "bool", "uint256", "uint256", "uint8", "string"],
        [True, found.max_amount, found.comp_rate, found.active, staking.stake_of(state, address),
         staking.voting_powers(state)[address], roles[staking.role(state, address)],
         found.description.name])


def _view_delegation(state: StakingState, args: tuple[Any, ...], height: int) -> bytes:
    state = staking.settle_all(state)
    found = staking.delegation(state, address_arg(args[0]), address_arg(args[1]))
    owner = staking.candidate(state, address_arg(args[1]))
    rate = (found.comp_rate if found and found.comp_rate is not None
            else owner.comp_rate if owner else 0)
    return abi_encode(["uint256", "uint256", "uint16", "uint256"],
                      [found.amount, found.award_total, rate, found.slashed] if found
                      else [0, 0, rate, 0])


def _view_pending(state: StakingState, args: tuple[Any, ...], height: int) -> bytes:
    pending = staking.pending_withdrawals(state, address_arg(args[0]))
    return abi_encode(["uint256", "uint256"], [sum(u.amount for u in pending),
                                               min((u.release_at for u in pending), default=0)])


VIEWS: dict[str, View] = {
    "candidate(address)": _view_candidate,
    "delegation(address,address)": _view_delegation,
    "validators()": lambda state, _, __: abi_encode(
        ["address[]", "address[]"], [list(state.active), list(state.backups)]),
    "pendingWithdrawal(address)": _view_pending,
    "totalMinted()": lambda state, _, __: abi_encode(["uint256"], [state.minted]),
    "isValidator(address)": lambda state, args, _: abi_encode(
        ["bool"], [address_arg(args[0]) in state.active + state.backups]),
}


STAKING = SystemContract(STAKING_ADDRESS, "staking", WRITES, VIEWS, GAS_VIEW, load, save,
                         StakingError)


def call_data(signature: str, args: Sequence[Any]) -> bytes:
    """Return the calldata of a staking function (a key of WRITES or VIEWS) with `args`."""
    if signature not in WRITES and signature not in VIEWS:
        raise KeyError(signature)
    return abi_call_data(signature, args)
