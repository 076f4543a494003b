"""Calls and gas estimation: run a transaction on a throwaway copy of a state.

`eth_call` and `eth_estimateGas` come here through `node.py`, with the state and block overrides
the caller asked for. A call is bounded by a gas cap and a wall-clock deadline that the EVM checks
as it spends gas.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from typing import Any

from eth.exceptions import InsufficientFunds as EvmInsufficientFunds
from eth.exceptions import OutOfGas, Revert, VMError
from eth.vm.spoof import SpoofTransaction
from eth_typing import Address
from eth_utils import ValidationError

from .. import errors
from ..calls import (
    NO_OVERRIDES,
    AccountOverride,
    BlockEnv,
    CallOverrides,
    CallRequest,
    CallResult,
    decode_revert_reason,
)
from ..storage.kv import Store
from ..storage.state import StateOverlay
from . import chain_rules, forks
from .accounts import apply_overrides
from .blocks import MIN_TX_GAS
from .vm import evm_log, make_state, validation_error


class _CallDeadline(Exception):
    """Raised inside the EVM when a call passes its deadline; not a VMError, so it unwinds all."""


_deadline = threading.local()


class _DeadlineCheck:
    """Makes a computation check the calling thread's deadline as it spends gas."""

    def consume_gas(self, amount: int, reason: str) -> None:
        limit = getattr(_deadline, "at", None)
        if limit is not None and time.monotonic() > limit:
            raise _CallDeadline()
        super().consume_gas(amount, reason)  # type: ignore[misc]


@functools.cache
def _call_state_class(fork: str, system_contracts: bool = True) -> type:
    """Return the chain's state class of the fork (`chain_rules`) with the deadline check
    (calls at an imported chain's older blocks run under that block's fork)."""
    state_class = chain_rules.state_class(fork, system_contracts)
    base = state_class.computation_class
    computation = type(f"_Deadline{base.__name__}", (_DeadlineCheck, base), {})
    return type(f"_Call{state_class.__name__}", (state_class,), {"computation_class": computation})


class _AccessRecorder:
    """Makes a state note every account and storage slot the EVM checks for warmth: each one
    an opcode touches, reverted frames included (what eth_createAccessList lists)."""

    accessed: dict[bytes, set[int]]

    def is_address_warm(self, address: Address) -> bool:
        self.accessed.setdefault(bytes(address), set())
        return super().is_address_warm(address)  # type: ignore[misc]

    def is_storage_warm(self, address: Address, slot: int) -> bool:
        self.accessed.setdefault(bytes(address), set()).add(slot)
        return super().is_storage_warm(address, slot)  # type: ignore[misc]


@functools.cache
def _recording_state_class(fork: str, system_contracts: bool = True) -> type:
    return type(f"_Recording{fork}", (_AccessRecorder,
                                      _call_state_class(fork, system_contracts)), {})


def call(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
         gas_cap: int, timeout: float, overrides: CallOverrides = NO_OVERRIDES,
         accessed: dict[bytes, set[int]] | None = None) -> CallResult:
    """Execute a call on a throwaway copy of the state; nothing is written.

    With `accessed`, every account and slot the call touches is added to it.
    """
    _deadline.at = time.monotonic() + timeout
    try:
        return _run_call(store, state_root, overrides.apply_to_env(env), request, gas_cap,
                         overrides.accounts, accessed)
    except _CallDeadline:
        raise errors.CallTimeout(timeout) from None
    finally:
        _deadline.at = None


def _run_call(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
              gas_cap: int, accounts: tuple[tuple[bytes, AccountOverride], ...],
              accessed: dict[bytes, set[int]] | None = None) -> CallResult:
    priced = any(p is not None and p > 0 for p in (
        request.gas_price, request.max_fee_per_gas))
    # As geth: a call that names no price runs without the base fee check (and BASEFEE reads 0).
    call_env = env if priced else _with_base_fee(env, 0)
    state_class = (_call_state_class(env.fork, env.system_contracts) if accessed is None
                   else _recording_state_class(env.fork, env.system_contracts))
    state = make_state(StateOverlay(store), state_root, call_env, state_class)
    if accessed is not None:
        state.accessed = accessed
    apply_overrides(state, accounts)
    gas = min(request.gas if request.gas is not None else gas_cap, gas_cap)
    evm_tx = _call_transaction(state, request, gas, env.chain_id, env.fork)
    if gas < evm_tx.intrinsic_gas:
        raise errors.IntrinsicGasTooLow(f"gas {gas}, minimum needed {evm_tx.intrinsic_gas}")
    try:
        computation = state.apply_transaction(evm_tx)
    except ValidationError as exc:
        raise _call_validation_error(str(exc), request, state, gas) from None
    used = gas - computation.get_gas_remaining()
    charged = forks.vm_class(env.fork).finalize_gas_used(evm_tx, computation)
    if computation.is_error:
        return CallResult(False, computation.output, used, _error_text(computation.error),
                          gas_charged=charged)
    logs = tuple(evm_log(entry) for entry in computation.get_log_entries())
    return CallResult(True, computation.output, used, logs=logs, gas_charged=charged)


def _with_base_fee(env: BlockEnv, base_fee: int) -> BlockEnv:
    return dataclasses.replace(env, base_fee=base_fee)


def _call_transaction(state: Any, request: CallRequest, gas: int, chain_id: int,
                      fork: str) -> Any:
    nonce = request.nonce if request.nonce is not None else state.get_nonce(request.sender)
    to = Address(request.to or b"")
    builder = forks.transaction_builder(fork)
    typed = forks.has_base_fee(fork)  # the fork knows 2930 and 1559 transactions
    if not typed:
        unsigned = builder.create_unsigned_transaction(
            nonce=nonce, gas_price=request.gas_price or request.max_fee_per_gas or 0, gas=gas,
            to=to, value=request.value, data=request.data)
    elif request.max_fee_per_gas is not None or request.max_priority_fee_per_gas is not None:
        max_fee = request.max_fee_per_gas or 0
        tip = min(request.max_priority_fee_per_gas or 0, max_fee)
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id, nonce, tip, max_fee, gas, to, request.value, request.data,
            request.access_list)
    elif request.access_list:
        unsigned = builder.new_unsigned_access_list_transaction(
            chain_id, nonce, request.gas_price or 0, gas, to, request.value, request.data,
            request.access_list)
    else:
        unsigned = builder.create_unsigned_transaction(
            nonce=nonce, gas_price=request.gas_price or 0, gas=gas, to=to,
            value=request.value, data=request.data)
    return SpoofTransaction(unsigned, from_=request.sender)


def _call_validation_error(text: str, request: CallRequest, state: Any,
                           gas: int) -> errors.ChainError:
    error = validation_error(text)
    sender = Address(request.sender)
    if isinstance(error, errors.InsufficientFunds):
        price = request.gas_price or request.max_fee_per_gas or 0
        return errors.InsufficientFunds(f"address 0x{request.sender.hex()} have "
                                        f"{state.get_balance(sender)} want "
                                        f"{gas * price + request.value}")
    if isinstance(error, errors.NonceTooLow) and request.nonce is not None:
        current = state.get_nonce(sender)
        detail = f"address 0x{request.sender.hex()}, tx: {request.nonce} state: {current}"
        return errors.NonceTooHigh(detail) if request.nonce > current else errors.NonceTooLow(
            detail)
    if isinstance(error, errors.InvalidBlock):
        return errors.ExecutionFailed(text)
    return error


def _error_text(error: VMError) -> str:
    if isinstance(error, Revert):
        return "execution reverted"
    if isinstance(error, OutOfGas):
        return "out of gas"
    if isinstance(error, EvmInsufficientFunds):
        return "insufficient balance for transfer"
    return str(error) or type(error).__name__


def revert_data(result: CallResult) -> bytes | None:
    """Return the revert payload if the call reverted, else None."""
    return result.output if result.error == "execution reverted" else None


def estimate_gas(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
                 gas_cap: int, timeout: float, overrides: CallOverrides = NO_OVERRIDES) -> int:
    """Return the smallest gas limit with which the call succeeds (binary search, as geth)."""
    deadline = time.monotonic() + timeout
    cap = min(request.gas or gas_cap, gas_cap)

    def attempt(gas: int) -> CallResult:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.CallTimeout(timeout)
        probe = CallRequest(**{**_fields(request), "gas": gas})
        try:
            return call(store, state_root, env, probe, gas_cap, remaining, overrides)
        except errors.CallTimeout:
            raise errors.CallTimeout(timeout) from None
        except errors.IntrinsicGasTooLow:
            return CallResult(False, b"", 0, "intrinsic gas too low")

    first = attempt(cap)
    if first.error == "intrinsic gas too low":
        raise errors.GasRequiredExceedsAllowance(str(cap))
    if not first.success:
        if first.error == "execution reverted":
            raise errors.ExecutionReverted(first.output, decode_revert_reason(first.output))
        if first.error == "out of gas":
            raise errors.GasRequiredExceedsAllowance(str(cap))
        raise errors.ExecutionFailed(first.error)
    low, high = max(first.gas_used - 1, MIN_TX_GAS - 1), cap
    optimistic = min(high, (first.gas_used + 2300) * 64 // 63)
    if optimistic < high and attempt(optimistic).success:
        high = optimistic
    while high - low > 1:
        middle = (low + high) // 2
        if attempt(middle).success:
            high = middle
        else:
            low = middle
    return high


def _fields(request: CallRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in CallRequest.__slots__}
