"""Parity's vmTrace: every opcode with its cost, the gas left after it, the stack items it
pushed, the memory and storage it wrote, and the nested trace of any call it made.

OpenEthereum defines the shape (`trace_replay*` with "vmTrace"): per operation `pc`, `cost`,
`ex` {`used`, `push`, `mem` {`off`, `data`}, `store` {`key`, `val`}} and `sub`, the callee's
trace. The items an opcode pushes are its outputs as OpenEthereum's instruction table counts
them (DUPn and SWAPn report the n+1 items they rearranged). Used through `replay.py`.
"""

from __future__ import annotations

from typing import Any

from eth.exceptions import Halt

from ..traces import VmOp, VmTrace
from .tracers import _Table, _word
from .tracing import Tracer

_NO_OUTPUT = frozenset(
    [0x00, 0x37, 0x39, 0x3C, 0x3E, 0x50, 0x52, 0x53, 0x55, 0x56, 0x57, 0x5B, 0x5D, 0x5E,
     0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xF3, 0xFD, 0xFE, 0xFF])


def _outputs(op: int) -> int:
    """Return how many stack items OpenEthereum reports an opcode pushing."""
    if 0x80 <= op <= 0x8F:
        return op - 0x80 + 2
    if 0x90 <= op <= 0x9F:
        return op - 0x90 + 2
    return 0 if op in _NO_OUTPUT else 1


def _memory_written(op: int, stack: list[int]) -> tuple[int, int] | None:
    """Return (offset, size) of the memory an opcode writes, from its stack before it runs."""
    def at(depth: int) -> int:
        return stack[-depth] if len(stack) >= depth else 0
    if op == 0x52:
        return at(1), 32
    if op == 0x53:
        return at(1), 1
    if op in (0x37, 0x39, 0x3E, 0x5E):  # CALLDATACOPY, CODECOPY, RETURNDATACOPY, MCOPY
        return at(1), at(3)
    if op == 0x3C:  # EXTCODECOPY
        return at(2), at(4)
    if op in (0xF1, 0xF2):  # CALL, CALLCODE: the return area
        return at(6), at(7)
    if op in (0xF4, 0xFA):  # DELEGATECALL, STATICCALL
        return at(5), at(6)
    return None


class VmTracer(Tracer):
    """Builds Parity's vmTrace of a transaction."""

    def __init__(self) -> None:
        self.root: VmTrace | None = None
        self.frames: list[VmTrace] = []
        self.open: list[VmOp] = []  # operations running, outermost first

    def opcode_table(self, base: dict[int, Any]) -> dict[int, Any] | None:
        return _Table({op: self._wrap(op, fn) for op, fn in base.items()}, self._wrap)

    def _wrap(self, op: int, fn: Any) -> Any:
        pushes = _outputs(op)
        watched = op == 0x55 or _memory_written(op, [0] * 7) is not None

        def traced(computation: Any) -> None:
            gas = computation._gas_meter.gas_remaining
            values = computation._stack.values
            before = [_word(v) for v in values[-7:]] if watched else []
            entry = VmOp(computation.code.program_counter - 1, -1, gas)
            self.frames[-1].ops.append(entry)
            self.open.append(entry)
            try:
                fn(computation=computation)
            except Halt:  # STOP, RETURN, SELFDESTRUCT: finished, not failed
                self._finish(entry, op, computation, pushes, before)
                raise
            except BaseException:
                entry.cost = entry.cost if entry.cost >= 0 else (
                    gas - computation._gas_meter.gas_remaining)
                raise
            finally:
                self.open.pop()
            self._finish(entry, op, computation, pushes, before)
        return traced

    @staticmethod
    def _finish(entry: VmOp, op: int, computation: Any, pushes: int, before: list[int]) -> None:
        """Record what an operation did once it has run."""
        left = computation._gas_meter.gas_remaining
        if entry.cost < 0:
            entry.cost = entry.gas - left
        entry.used = left
        after = computation._stack.values
        entry.push = [_word(v) for v in after[len(after) - pushes:]] if pushes else []
        written = _memory_written(op, before)
        if written is not None and written[1]:
            offset, size = written
            entry.memory = (offset, bytes(computation._memory._bytes[offset:offset + size]))
        if op == 0x55 and len(before) >= 2:
            entry.store = (before[-1], before[-2])

    def enter(self, state: Any, message: Any, parent: Any) -> None:
        trace = VmTrace(bytes(message.code), [])
        if self.open:
            operation = self.open[-1]
            operation.sub = trace
            operation.cost = operation.gas - parent._gas_meter.gas_remaining if parent else 0
            if message.is_create:
                operation.cost -= message.gas
        else:
            self.root = trace
        self.frames.append(trace)

    def exit(self, computation: Any) -> None:
        self.frames.pop()

    def result(self) -> VmTrace | None:
        return self.root
