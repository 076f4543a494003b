"""Re-execution with tracer hooks: blocks up to a transaction, and calls, on their parent state.

py-evm runs every call frame through `apply_message` / `apply_create_message` (classmethods of
the fork's computation) and every opcode through the computation's `opcodes` table inside
`apply_computation`'s loop. `TracingComputation` reports frames to the active tracer around
those two classmethods, and, for tracers that watch opcodes, gives each computation its own
`opcodes` table in which the watched entries are wrapped (`Tracer.opcode_table`); unwatched
opcodes run untouched. The tracer is per thread (tracing runs in worker threads), so blocks built
meanwhile by the producer are not affected. A block is traced under its own fork
(`tracing_state_class`), with py-evm's own opcode implementations (not the block builder's lean
ones), so that every opcode checks the trace's deadline. Called by `cmt_chain/replay.py`.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from eth._utils.address import generate_contract_address
from eth.vm.spoof import SpoofTransaction
from eth_typing import Address
from eth_utils import ValidationError

from .. import errors
from ..calls import NO_OVERRIDES, BlockEnv, CallOverrides, CallRequest
from ..storage.kv import Store
from ..storage.state import StateOverlay
from ..traces import TxTrace
from ..transaction import Transaction
from . import forks
from .accounts import apply_overrides
from .block_state import block_state_class
from .calls import _call_transaction, _call_validation_error, _with_base_fee
from .vm import make_state, preprocess, to_evm_transaction


class TraceDeadline(Exception):
    """Raised inside the EVM when a trace passes its deadline; not a VMError, so it unwinds."""


class Tracer:
    """What a tracer hears; subclasses in `tracers.py` override what they need."""

    def opcode_table(self, base: dict[int, Any]) -> dict[int, Any] | None:
        """Return the opcode table computations use while tracing (None: py-evm's own)."""
        return None

    def tx_start(self, state: Any, tx: TxInfo) -> None:
        """Hear that a transaction is about to run on `state`."""

    def enter(self, state: Any, message: Any, parent: Any) -> None:
        """Hear a call frame begin (`parent` is the calling computation, None at the top)."""

    def exit(self, computation: Any) -> None:
        """Hear a call frame end."""

    def tx_end(self, state: Any, computation: Any, gas_used: int) -> None:
        """Hear the transaction end, with the gas its receipt reports."""

    def result(self) -> Any:
        """Return what the tracer found (a `traces` value)."""
        return None


class MuxTracer(Tracer):
    """Several tracers hearing one execution (Parity's trace and stateDiff in one replay)."""

    def __init__(self, *tracers: Tracer) -> None:
        self.tracers = tracers

    def opcode_table(self, base: dict[int, Any]) -> dict[int, Any] | None:
        table, changed = base, False
        for tracer in self.tracers:  # each wraps the table the previous one made
            wrapped = tracer.opcode_table(table)
            if wrapped is not None:
                table, changed = wrapped, True
        return table if changed else None

    def tx_start(self, state: Any, tx: TxInfo) -> None:
        for tracer in self.tracers:
            tracer.tx_start(state, tx)

    def enter(self, state: Any, message: Any, parent: Any) -> None:
        for tracer in self.tracers:
            tracer.enter(state, message, parent)

    def exit(self, computation: Any) -> None:
        for tracer in self.tracers:
            tracer.exit(computation)

    def tx_end(self, state: Any, computation: Any, gas_used: int) -> None:
        for tracer in self.tracers:
            tracer.tx_end(state, computation, gas_used)

    def result(self) -> tuple[Any, ...]:
        return tuple(tracer.result() for tracer in self.tracers)


class TxInfo:
    """The few transaction fields tracers read at its start."""

    def __init__(self, sender: bytes, to: bytes | None, gas: int, created: bytes | None,
                 coinbase: bytes) -> None:
        self.sender, self.to, self.gas = sender, to, gas
        self.created, self.coinbase = created, coinbase


_active = threading.local()


def _tracer() -> Tracer | None:
    return getattr(_active, "tracer", None)


class TracingComputation:
    """Mixed into a fork's block computation: reports its frames and watched opcodes to the
    thread's tracer."""

    def __init__(self, state: Any, message: Any, transaction_context: Any) -> None:
        super().__init__(state, message, transaction_context)  # type: ignore[call-arg]
        table = _table_for(type(self))
        if table is not None:
            self.opcodes = table

    @classmethod
    def apply_message(cls, state: Any, message: Any, transaction_context: Any,
                      parent_computation: Any = None) -> Any:
        tracer = _tracer()
        if tracer is None or getattr(_active, "creating", None) is message:
            _active.creating = None  # the create's own frame was reported by the caller below
            return super().apply_message(  # type: ignore[misc]
                state, message, transaction_context, parent_computation)
        tracer.enter(state, message, parent_computation)
        computation = super().apply_message(  # type: ignore[misc]
            state, message, transaction_context, parent_computation)
        tracer.exit(computation)
        return computation

    @classmethod
    def apply_create_message(cls, state: Any, message: Any, transaction_context: Any,
                             parent_computation: Any = None) -> Any:
        tracer = _tracer()
        if tracer is None:
            return super().apply_create_message(  # type: ignore[misc]
                state, message, transaction_context, parent_computation)
        tracer.enter(state, message, parent_computation)
        _active.creating = message
        computation = super().apply_create_message(  # type: ignore[misc]
            state, message, transaction_context, parent_computation)
        tracer.exit(computation)  # after the code deposit, which may still fail the frame
        return computation

    def consume_gas(self, amount: int, reason: str) -> None:
        deadline = getattr(_active, "deadline", None)
        if deadline is not None and time.monotonic() > deadline:
            raise TraceDeadline()
        super().consume_gas(amount, reason)  # type: ignore[misc]


@functools.cache
def tracing_state_class(fork: str, system_contracts: bool = True) -> type:
    """Return the fork's block-building state class, its computation reporting to tracers and
    running py-evm's own opcode implementations."""
    base: Any = block_state_class(fork, system_contracts)
    own_opcodes = forks.vm_class(fork).get_state_class().computation_class.opcodes
    computation = type(f"Tracing{base.computation_class.__name__}",
                       (TracingComputation, base.computation_class), {"opcodes": own_opcodes})
    return type(f"Tracing{base.__name__}", (base,), {"computation_class": computation})


def _table_for(computation_class: type) -> dict[int, Any] | None:
    """Return the thread's tracer's opcode table for a computation class (made once a trace)."""
    tracer = _tracer()
    if tracer is None:
        return None
    tables = _active.tables
    if computation_class not in tables:
        tables[computation_class] = tracer.opcode_table(dict(
            computation_class.opcodes))  # type: ignore[attr-defined]
    return tables[computation_class]


TracerFactory = Callable[[], Tracer]


def _install(tracer: Tracer | None, timeout: float) -> None:
    _active.tracer = tracer
    _active.creating = None
    _active.tables = {}
    _active.deadline = time.monotonic() + timeout if tracer else None


def _uninstall() -> None:
    _active.tracer = _active.deadline = _active.creating = None
    _active.tables = {}


def trace_block(store: Store, parent_state_root: bytes, parent_hash: bytes, env: BlockEnv,
                transactions: Sequence[Transaction], make_tracer: TracerFactory,
                wanted: Sequence[int] | None, timeout: float) -> list[TxTrace]:
    """Re-execute a block's transactions on its parent state; trace those at `wanted` indices
    (all if None) and stop after the last of them. A trace past `timeout` seconds (each) gets
    geth's "execution timeout" error instead of a result."""
    state = make_state(StateOverlay(store), parent_state_root, env,
                       tracing_state_class(env.fork, env.system_contracts))
    preprocess(state, env, parent_hash)
    targets = set(range(len(transactions)) if wanted is None else wanted)
    last = max(targets, default=-1)
    try:
        return _trace_transactions(store, parent_state_root, parent_hash, env, state,
                                   transactions[:last + 1], make_tracer, targets, timeout)
    except ValidationError as exc:  # a stored block that no longer executes as it did
        raise errors.ExecutionFailed(str(exc)) from None


def _trace_transactions(store: Store, parent_state_root: bytes, parent_hash: bytes,
                        env: BlockEnv, state: Any, transactions: Sequence[Transaction],
                        make_tracer: TracerFactory, targets: set[int],
                        timeout: float) -> list[TxTrace]:
    traces: list[TxTrace] = []
    for index, tx in enumerate(transactions):
        if index not in targets:
            _run(state, to_evm_transaction(tx, env.fork), None, env, timeout)
            continue
        tracer = make_tracer()
        try:
            _run(state, to_evm_transaction(tx, env.fork), tracer, env, timeout)
        except TraceDeadline:
            traces.append(TxTrace(tx.hash, None, "execution timeout"))
            state = _replay_to(store, parent_state_root, parent_hash, env, transactions, index)
            continue
        traces.append(TxTrace(tx.hash, tracer.result()))
    return traces


def _replay_to(store: Store, root: bytes, parent_hash: bytes, env: BlockEnv,
               transactions: Sequence[Transaction], index: int) -> Any:
    """Return the state after transactions 0..index, run untraced (a trace left it half done)."""
    state = make_state(StateOverlay(store), root, env,
                       tracing_state_class(env.fork, env.system_contracts))
    preprocess(state, env, parent_hash)
    for tx in transactions[:index + 1]:
        _run(state, to_evm_transaction(tx, env.fork), None, env, 0)
    return state


def _run(state: Any, evm_tx: Any, tracer: Tracer | None, env: BlockEnv,
         timeout: float) -> Any:
    """Apply one transaction to `state`, heard by `tracer`; return py-evm's computation."""
    if tracer is not None:
        to = bytes(evm_tx.to) or None
        created = None if to else _created_address(state, evm_tx.sender)
        tracer.tx_start(state, TxInfo(bytes(evm_tx.sender), to, evm_tx.gas, created,
                                      env.coinbase))
    _install(tracer, timeout)
    state.lock_changes()
    snapshot = state.snapshot()
    try:
        computation = state.apply_transaction(evm_tx)
    except ValidationError:
        state.revert(snapshot)
        raise
    finally:
        _uninstall()
    state.commit(snapshot)
    if tracer is not None:
        tracer.tx_end(state, computation,
                      forks.vm_class(env.fork).finalize_gas_used(evm_tx, computation))
    return computation


def _created_address(state: Any, sender: bytes) -> bytes:
    return bytes(generate_contract_address(Address(sender), state.get_nonce(sender)))


def trace_call(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
               gas_cap: int, tracer: Tracer, timeout: float,
               overrides: CallOverrides = NO_OVERRIDES) -> TxTrace:
    """Trace a call (debug_traceCall, trace_call) on a throwaway copy of a state."""
    env = overrides.apply_to_env(env)
    priced = any(p is not None and p > 0 for p in (request.gas_price, request.max_fee_per_gas))
    state = make_state(StateOverlay(store), state_root, env if priced else _with_base_fee(env, 0),
                       tracing_state_class(env.fork, env.system_contracts))
    apply_overrides(state, overrides.accounts)
    gas = min(request.gas if request.gas is not None else gas_cap, gas_cap)
    evm_tx: SpoofTransaction = _call_transaction(state, request, gas, env.chain_id, env.fork)
    if gas < evm_tx.intrinsic_gas:
        raise errors.IntrinsicGasTooLow(f"gas {gas}, minimum needed {evm_tx.intrinsic_gas}")
    try:
        _run(state, evm_tx, tracer, env, timeout)
    except TraceDeadline:
        return TxTrace(None, None, "execution timeout")
    except ValidationError as exc:
        raise _call_validation_error(str(exc), request, state, gas) from None
    return TxTrace(None, tracer.result())
