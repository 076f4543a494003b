"""Leaner implementations of the EVM's most frequent simple opcodes, for block building.

A contract call in py-evm spends most of its time in per-opcode overhead rather than in the
opcodes' work: each PUSH, DUP, SWAP, JUMP or ADD goes through an opcode object, two gas-meter
calls, and stack helpers that validate and convert. In compiled Solidity those few opcodes are
about three quarters of everything executed (a marketplace purchase runs about 2,900 opcodes).
Here each of them is one small callable that charges its gas and works on the stack's list
directly, with py-evm's semantics, value representation (ints and bytes mixed on the stack) and
exceptions. Gas costs and mnemonics are taken from the fork's own opcode table; an opcode is
replaced only where that table has the plain fixed-cost version. Every other opcode (memory,
storage, calls, logs, ...) stays py-evm's. `run_code` is py-evm's opcode loop without its
per-opcode debug checks.

The equivalence tests (tests/unit/test_execution_equivalence.py) run contracts through both
py-evm's own chain and the block builder and compare state roots, receipts and gas, including
stack underflow, bad jumps and running out of gas; the conformance chain import re-executes 45
blocks of every fork with them. Used by `block_state.block_state_class`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

from eth.exceptions import (
    FullStack,
    Halt,
    InsufficientStack,
    InvalidInstruction,
    InvalidJumpDestination,
    OutOfGas,
)
from eth.vm import opcode_values as op
from eth.vm.logic.invalid import InvalidOpcode

UINT_256_MAX = 2**256 - 1
STACK_LIMIT = 1024


def _int(value: int | bytes) -> int:
    return value if value.__class__ is int else int.from_bytes(value, "big")  # type: ignore


def _signed(value: int) -> int:
    return value if value <= 2**255 - 1 else value - 2**256


def _charge(computation: Any, cost: int, mnemonic: str) -> None:
    """Spend `cost` gas as py-evm's GasMeter.consume_gas does."""
    meter = computation._gas_meter
    if cost > meter.gas_remaining:
        raise OutOfGas(f"Out of gas: Needed {cost} - Remaining {meter.gas_remaining} "
                       f"- Reason: {mnemonic}")
    meter.gas_remaining -= cost


class _Op:
    """A fixed-cost opcode: charge, then act on the computation."""

    __slots__ = ("gas_cost", "mnemonic")

    def __init__(self, gas_cost: int, mnemonic: str) -> None:
        self.gas_cost = gas_cost
        self.mnemonic = mnemonic


class _Push(_Op):
    __slots__ = ("size",)

    def __init__(self, gas_cost: int, mnemonic: str, size: int) -> None:
        super().__init__(gas_cost, mnemonic)
        self.size = size

    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        code, size = computation.code, self.size
        start = code.program_counter
        raw = code._raw_code_bytes[start:start + size]
        code.program_counter = start + size
        if len(raw) != size:  # a PUSH cut off by the end of the code reads zeros
            raw = raw.ljust(size, b"\x00")
        values = computation._stack.values
        if len(values) >= STACK_LIMIT:
            raise FullStack("Stack limit reached")
        values.append(raw)


class _Positioned(_Op):
    """An opcode about one stack position (DUPn, SWAPn)."""

    __slots__ = ("position",)

    def __init__(self, gas_cost: int, mnemonic: str, position: int) -> None:
        super().__init__(gas_cost, mnemonic)
        self.position = position


class _Dup(_Positioned):
    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        values = computation._stack.values
        if len(values) >= STACK_LIMIT:
            raise FullStack("Stack limit reached")
        try:
            values.append(values[-self.position])
        except IndexError:
            raise InsufficientStack(
                f"Insufficient stack items for DUP{self.position}") from None


class _Swap(_Positioned):
    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        values = computation._stack.values
        index = -self.position - 1
        try:
            values[-1], values[index] = values[index], values[-1]
        except IndexError:
            raise InsufficientStack(
                f"Insufficient stack items for SWAP{self.position}") from None


class _Binary(_Op):
    """Pop two (top first), push fn(top, second)."""

    __slots__ = ("fn",)

    def __init__(self, gas_cost: int, mnemonic: str, fn: Callable[[int, int], int]) -> None:
        super().__init__(gas_cost, mnemonic)
        self.fn = fn

    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        values = computation._stack.values
        if len(values) < 2:
            raise InsufficientStack(f"Wanted 2 stack items, only had {len(values)}")
        top = _int(values.pop())
        values.append(self.fn(top, _int(values.pop())))


class _IsZero(_Op):
    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        values = computation._stack.values
        if not values:
            raise InsufficientStack("Wanted 1 stack item, had none")
        values.append(1 if _int(values.pop()) == 0 else 0)


class _Pop(_Op):
    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        values = computation._stack.values
        if not values:
            raise InsufficientStack("Wanted 1 stack item, had none")
        values.pop()


class _JumpDest(_Op):
    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)


def _jump_to(computation: Any, destination: int) -> None:
    """Move the program counter as py-evm's JUMP does, refusing a bad destination."""
    code = computation.code
    code.program_counter = destination
    if code.peek() != op.JUMPDEST:
        raise InvalidJumpDestination("Invalid Jump Destination")
    if not code.is_valid_opcode(destination):
        raise InvalidInstruction("Jump resulted in invalid instruction")


class _Jump(_Op):
    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        values = computation._stack.values
        if not values:
            raise InsufficientStack("Wanted 1 stack item, had none")
        _jump_to(computation, _int(values.pop()))


class _JumpI(_Op):
    def __call__(self, computation: Any) -> None:
        _charge(computation, self.gas_cost, self.mnemonic)
        values = computation._stack.values
        if len(values) < 2:
            raise InsufficientStack(f"Wanted 2 stack items, only had {len(values)}")
        destination = _int(values.pop())
        if _int(values.pop()):
            _jump_to(computation, destination)


def _shl(shift: int, value: int) -> int:
    return 0 if shift >= 256 else (value << shift) & UINT_256_MAX


def _shr(shift: int, value: int) -> int:
    return 0 if shift >= 256 else value >> shift


_BINARY: dict[int, tuple[str, Callable[[int, int], int]]] = {
    op.ADD: ("ADD", lambda a, b: (a + b) & UINT_256_MAX),
    op.SUB: ("SUB", lambda a, b: (a - b) & UINT_256_MAX),
    op.AND: ("AND", operator.and_),
    op.OR: ("OR", operator.or_),
    op.XOR: ("XOR", operator.xor),
    op.LT: ("LT", lambda a, b: int(a < b)),
    op.GT: ("GT", lambda a, b: int(a > b)),
    op.SLT: ("SLT", lambda a, b: int(_signed(a) < _signed(b))),
    op.SGT: ("SGT", lambda a, b: int(_signed(a) > _signed(b))),
    op.EQ: ("EQ", lambda a, b: int(a == b)),
    op.SHL: ("SHL", _shl),
    op.SHR: ("SHR", _shr),
}


def _replacements() -> dict[int, tuple[str, Callable[[int, str], Any]]]:
    """Return opcode -> (py-evm's mnemonic, factory(gas cost, mnemonic))."""
    table: dict[int, tuple[str, Callable[[int, str], Any]]] = {
        op.POP: ("POP", _Pop), op.JUMPDEST: ("JUMPDEST", _JumpDest),
        op.JUMP: ("JUMP", _Jump), op.JUMPI: ("JUMPI", _JumpI),
        op.ISZERO: ("ISZERO", _IsZero),
    }
    for code, (name, fn) in _BINARY.items():
        table[code] = (name, functools.partial(_binary, fn=fn))
    for size in range(33):
        table[op.PUSH0 + size] = (f"PUSH{size}", functools.partial(_push, size=size))
    for position in range(1, 17):
        table[op.DUP1 + position - 1] = (f"DUP{position}",
                                         functools.partial(_dup, position=position))
        table[op.SWAP1 + position - 1] = (f"SWAP{position}",
                                          functools.partial(_swap, position=position))
    return table


def _binary(gas: int, mnemonic: str, fn: Callable[[int, int], int]) -> _Op:
    return _Binary(gas, mnemonic, fn)


def _push(gas: int, mnemonic: str, size: int) -> _Op:
    return _Push(gas, mnemonic, size)


def _dup(gas: int, mnemonic: str, position: int) -> _Op:
    return _Dup(gas, mnemonic, position)


def _swap(gas: int, mnemonic: str, position: int) -> _Op:
    return _Swap(gas, mnemonic, position)


def fast_opcode_table(opcodes: dict[int, Any]) -> dict[int, Any]:
    """Return a fork's opcode table with the frequent simple opcodes replaced."""
    table = dict(opcodes)
    for code, (mnemonic, make) in _replacements().items():
        existing = opcodes.get(code)
        if existing is None or getattr(existing, "mnemonic", None) != mnemonic:
            continue  # not in this fork, or not the plain version
        gas_cost = getattr(existing, "gas_cost", None)
        if isinstance(gas_cost, int):
            table[code] = make(gas_cost, mnemonic)
    return table


def run_code(computation: Any) -> None:
    """Run the computation's code to its end, as py-evm's opcode loop does (past the end of
    the code, STOP), without the loop's per-opcode debug-logging checks and keyword calls."""
    code = computation.code
    raw = code._raw_code_bytes
    size = len(raw)
    lookup = computation.opcodes
    try:
        while True:
            pc = code.program_counter
            if pc < size:
                opcode = raw[pc]
                code.program_counter = pc + 1
            else:
                opcode = op.STOP
            try:
                handler = lookup[opcode]  # a tracer's table may answer unknown opcodes itself
            except KeyError:
                handler = InvalidOpcode(opcode)
            handler(computation)
    except Halt:
        pass
