"""The tracers: geth's struct (opcode) logger, callTracer and prestateTracer over py-evm.

Each is a `tracing.Tracer`: it hears call frames begin and end, and the opcodes it watches (the
struct logger all of them, the prestate tracer those that read accounts or storage, the call
tracer only SELFDESTRUCT), and returns a `traces` value. What each records follows geth's
definitions (eth/tracers/logger and eth/tracers/native): a struct log entry is taken before the
opcode runs, a call's gas cost includes the gas it forwards, the top frame reports the
transaction's gas limit and receipt gas, reverted frames keep their output and revert reason.
"""

from __future__ import annotations

from typing import Any

from eth._utils.address import force_bytes_to_address
from eth.exceptions import (
    ContractCreationCollision,
    FullStack,
    InsufficientFunds,
    InsufficientStack,
    InvalidInstruction,
    InvalidJumpDestination,
    OutOfBoundsRead,
    OutOfGas,
    Revert,
    StackDepthLimit,
    VMError,
    WriteProtection,
)
from eth.vm.logic.invalid import InvalidOpcode

from ..calls import decode_revert_reason
from ..traces import CallFrame, StructLog, StructTrace, TraceConfig
from .opcode_names import CALL_KINDS, OPCODE_NAMES
from .tracing import Tracer, TxInfo
from .vm import evm_log

SLOAD, SSTORE, BALANCE, SELFDESTRUCT = 0x54, 0x55, 0x31, 0xFF
ADDRESS_READS = (BALANCE, 0x3B, 0x3C, 0x3F)  # BALANCE, EXTCODESIZE, EXTCODECOPY, EXTCODEHASH
DEFAULT_CONFIG = TraceConfig()
_LOGGED_FAULTS = (OutOfGas, InsufficientStack, FullStack, InvalidInstruction)


def error_text(error: VMError) -> str:
    """Return geth's wording of a frame's error."""
    if isinstance(error, Revert):
        return "execution reverted"
    if isinstance(error, OutOfGas):
        text = str(error)
        if "EIP170" in text:
            return "max code size exceeded"
        return "out of gas"
    if isinstance(error, InvalidInstruction):
        return "invalid opcode: " + _invalid_name(str(error))
    if isinstance(error, ContractCreationCollision):
        return "contract address collision"
    simple: tuple[tuple[type[VMError], str], ...] = (
        (InvalidJumpDestination, "invalid jump destination"),
        (InsufficientStack, "stack underflow"), (FullStack, "stack limit reached 1024 (1023)"),
        (WriteProtection, "write protection"), (OutOfBoundsRead, "return data out of bounds"),
        (StackDepthLimit, "max call depth exceeded"),
        (InsufficientFunds, "insufficient balance for transfer"),
    )
    for cls, text in simple:
        if isinstance(error, cls):
            return text
    if "0xef" in str(error).lower():
        return "invalid code: must not begin with 0xef"
    return str(error) or type(error).__name__


def _invalid_name(text: str) -> str:
    for word in text.replace(":", " ").split():
        if word.startswith("0x"):
            op = int(word, 16)
            return OPCODE_NAMES.get(op, f"opcode {op:#x} not defined")
    return "INVALID"


def _word(value: int | bytes) -> int:
    return value if isinstance(value, int) else int.from_bytes(value, "big")


class _Table(dict):
    """An opcode table whose unknown opcodes are still heard (as geth logs INVALID)."""

    def __init__(self, base: dict[int, Any], wrap: Any) -> None:
        super().__init__(base)
        self._wrap = wrap

    def __missing__(self, op: int) -> Any:
        fn = self._wrap(op, InvalidOpcode(op))
        self[op] = fn
        return fn


# --- callTracer ---------------------------------------------------------------------------------


class CallTracer(Tracer):
    """geth's callTracer: the tree of calls, creates and self-destructs, with logs if asked."""

    def __init__(self, config: TraceConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.stack: list[CallFrame] = []
        self.marks: list[list[int]] = []  # per open frame: its log count when each child began
        self.root: CallFrame | None = None

    def opcode_table(self, base: dict[int, Any]) -> dict[int, Any] | None:
        table = dict(base)
        table[SELFDESTRUCT] = self._selfdestruct(base[SELFDESTRUCT])
        return table

    def _selfdestruct(self, fn: Any) -> Any:
        def traced(computation: Any) -> None:
            values = computation._stack.values
            if values and self.stack and not self.config.only_top_call:
                contract = bytes(computation.msg.storage_address)
                frame = CallFrame("SELFDESTRUCT", contract,
                                  bytes(force_bytes_to_address(_word(values[-1]).to_bytes(
                                      32, "big"))),
                                  computation.state.get_balance(contract), 0, b"")
                self._add_child(frame, computation)
            fn(computation=computation)
        return traced

    def _add_child(self, frame: CallFrame, parent: Any) -> None:
        self.stack[-1].calls.append(frame)
        self.marks[-1].append(len(parent._log_entries) if parent is not None else 0)

    def enter(self, state: Any, message: Any, parent: Any) -> None:
        frame = _frame(message, parent)
        if not self.stack:
            self.root = frame
        elif self.config.only_top_call:
            self.stack.append(frame)  # kept open to pair with its exit, never attached
            self.marks.append([])
            return
        else:
            self._add_child(frame, parent)
        self.stack.append(frame)
        self.marks.append([])

    def exit(self, computation: Any) -> None:
        frame = self.stack.pop()
        marks = self.marks.pop()
        frame.gas_used = computation.get_gas_used()
        frame.exec_gas, frame.exec_gas_used = frame.gas, frame.gas_used
        _finish(frame, computation)
        if self.config.with_log and computation.is_success:
            frame.logs = [(evm_log(tuple(entry[1:])), sum(1 for m in marks if m <= i))
                          for i, entry in enumerate(computation._log_entries)]

    def tx_start(self, state: Any, tx: TxInfo) -> None:
        self.tx = tx

    def tx_end(self, state: Any, computation: Any, gas_used: int) -> None:
        if self.root is None:  # the top frame never ran (an address collision)
            self.root = CallFrame("CREATE", self.tx.sender, None, 0, self.tx.gas, b"",
                                  error=error_text(computation.error))
        self.root.gas, self.root.gas_used = self.tx.gas, gas_used
        if self.config.with_log:
            _clear_failed_logs(self.root, False)

    def result(self) -> CallFrame | None:
        return self.root


def _frame(message: Any, parent: Any) -> CallFrame:
    """Return the frame a message opens, named by the opcode that sent it."""
    if parent is None:
        kind = "CREATE" if message.is_create else "CALL"
        sender = bytes(message.sender)
    else:
        code = parent.code
        kind = CALL_KINDS.get(code._raw_code_bytes[code.program_counter - 1], "CALL")
        sender = bytes(parent.msg.storage_address)
    if kind in ("DELEGATECALL", "CALLCODE"):
        to = bytes(message.code_address)
    else:
        to = bytes(message.storage_address)
    data = message.code if message.is_create else message.data
    value = None if kind == "STATICCALL" else message.value
    return CallFrame(kind, sender, to, value, message.gas, bytes(data))


def _finish(frame: CallFrame, computation: Any) -> None:
    """Record a frame's outcome as geth's callTracer does."""
    output = bytes(computation.output)
    if computation.is_success:
        frame.output = output
        if frame.kind in ("CREATE", "CREATE2"):
            frame.created_code = output
        return
    frame.error = error_text(computation.error)
    if frame.kind in ("CREATE", "CREATE2"):
        frame.to = None
    if isinstance(computation.error, Revert) and output:
        frame.output = output
        if len(output) >= 4:
            frame.revert_reason = decode_revert_reason(output)


def _clear_failed_logs(frame: CallFrame, parent_failed: bool) -> None:
    failed = parent_failed or bool(frame.error)
    if failed:
        frame.logs = []
    for child in frame.calls:
        _clear_failed_logs(child, failed)


# --- the struct logger --------------------------------------------------------------------------


class StructLogger(Tracer):
    """geth's default tracer: every opcode with the gas, stack, memory and storage before it."""

    def __init__(self, config: TraceConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.logs: list[StructLog] = []
        self.open: list[StructLog] = []  # entries of the opcodes running, outermost first
        self.storage: dict[bytes, dict[int, int]] = {}
        self.refund = 0
        self.refund_marks: list[int] = []
        self.outcome: StructTrace | None = None

    def opcode_table(self, base: dict[int, Any]) -> dict[int, Any] | None:
        return _Table({op: self._wrap(op, fn) for op, fn in base.items()}, self._wrap)

    def _wrap(self, op: int, fn: Any) -> Any:
        name = OPCODE_NAMES.get(op, f"opcode {op:#x} not defined")
        config, logs, open_ops = self.config, self.logs, self.open
        limit = config.limit

        def traced(computation: Any) -> None:
            if limit and len(logs) >= limit:
                fn(computation=computation)
                return
            meter = computation._gas_meter
            gas = meter.gas_remaining
            values = computation._stack.values
            entry = StructLog(computation.code.program_counter - 1, name, gas, -1,
                              computation.msg.depth + 1, refund=self.refund)
            if not config.disable_stack:
                entry.stack = [_word(v) for v in values]
            if config.enable_memory:
                entry.memory = bytes(computation._memory._bytes)
            if config.enable_return_data:
                entry.return_data = bytes(computation.return_data)
            if op == SSTORE and len(values) >= 2 and not config.disable_storage:
                entry.storage = self._remember(computation, _word(values[-1]),
                                               _word(values[-2]))
            key = _word(values[-1]) if op == SLOAD and values else 0
            logs.append(entry)
            open_ops.append(entry)
            refunded = meter.gas_refunded
            try:
                fn(computation=computation)
            except _LOGGED_FAULTS as exc:
                entry.error = error_text(exc)
                raise
            finally:
                open_ops.pop()
                if entry.gas_cost < 0:
                    entry.gas_cost = gas - meter.gas_remaining
                self.refund += meter.gas_refunded - refunded
            if op == SLOAD and values and not config.disable_storage:
                entry.storage = self._remember(computation, key, _word(values[-1]))
        return traced

    def _remember(self, computation: Any, slot: int, value: int) -> dict[int, int]:
        known = self.storage.setdefault(bytes(computation.msg.storage_address), {})
        known[slot] = value
        return dict(known)

    def enter(self, state: Any, message: Any, parent: Any) -> None:
        if self.open and parent is not None:
            # the opcode opening this frame: a CALL costs the gas it forwards too (geth adds
            # it to the call's dynamic gas), a CREATE does not (geth deducts it afterwards)
            entry = self.open[-1]
            entry.gas_cost = entry.gas - parent._gas_meter.gas_remaining
            if message.is_create:
                entry.gas_cost -= message.gas
        self.refund_marks.append(self.refund)

    def exit(self, computation: Any) -> None:
        mark = self.refund_marks.pop()
        if computation.is_error:
            self.refund = mark  # a failed frame's refunds are undone with its state

    def tx_end(self, state: Any, computation: Any, gas_used: int) -> None:
        reverted = computation.is_error and isinstance(computation.error, Revert)
        self.outcome = StructTrace(gas_used, computation.is_error, bytes(computation.output),
                                   reverted, self.logs)

    def result(self) -> StructTrace | None:
        return self.outcome
