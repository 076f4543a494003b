"""Traces as data: what a re-executed transaction looked like, in the node's own types.

`TraceConfig` is a debug_trace* request's options (parsed at the RPC edge); execution's tracers
(`execution/tracers.py`) fill `CallFrame` trees, `StructLog` lists and `AccountState` maps;
`rpc/serialize_trace.py` shapes them as geth, OpenEthereum and Otterscan serve them. The pure
rules here (flattening a call tree, internal transfers, the addresses a call touched) are shared
by the `debug_`, `trace_` and `ots_` methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .receipt import Log

STRUCT_LOGGER = ""  # geth's default tracer has no name
CALL_TRACER = "callTracer"
PRESTATE_TRACER = "prestateTracer"
TRACERS = (STRUCT_LOGGER, CALL_TRACER, PRESTATE_TRACER)
DEFAULT_TIMEOUT = 5.0  # seconds, as geth


@dataclass(frozen=True, slots=True)
class TraceConfig:
    """A debug_trace* request's options (geth's TraceConfig and the tracers' own configs)."""

    tracer: str = STRUCT_LOGGER
    timeout: float = DEFAULT_TIMEOUT
    enable_memory: bool = False
    disable_stack: bool = False
    disable_storage: bool = False
    enable_return_data: bool = False
    limit: int = 0  # struct logs kept at most; 0 is unlimited
    only_top_call: bool = False
    with_log: bool = False
    diff_mode: bool = False
    omit_code: bool = False  # prestateTracer's disableCode
    omit_storage: bool = False  # prestateTracer's disableStorage


@dataclass(slots=True)
class CallFrame:
    """One call or create as a tracer saw it: geth's callTracer frame.

    `gas` and `gas_used` are the message's; the top frame's are the transaction's (gas limit and
    receipt gas) once the transaction ends, as geth reports them. `exec_gas` and `exec_gas_used`
    keep the message's figures of the top frame (Parity's traces count without intrinsic gas).
    """

    kind: str  # CALL, STATICCALL, DELEGATECALL, CALLCODE, CREATE, CREATE2, SELFDESTRUCT
    sender: bytes
    to: bytes | None
    value: int | None
    gas: int
    input: bytes
    gas_used: int = 0
    output: bytes = b""
    error: str = ""
    revert_reason: str | None = None
    calls: list[CallFrame] = field(default_factory=list)
    logs: list[tuple[Log, int]] = field(default_factory=list)  # (log, position among calls)
    exec_gas: int = 0
    exec_gas_used: int = 0
    created_code: bytes = b""  # a successful create's deployed code

    def walk(self, address: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], CallFrame]]:
        """Yield every frame depth-first with its trace address (indices from the top)."""
        yield address, self
        for index, child in enumerate(self.calls):
            yield from child.walk((*address, index))


@dataclass(slots=True)
class StructLog:
    """One executed opcode, as geth's struct logger records it before the opcode runs."""

    pc: int
    op: str
    gas: int
    gas_cost: int
    depth: int
    stack: list[int] | None = None
    memory: bytes | None = None
    storage: dict[int, int] | None = None
    return_data: bytes = b""
    refund: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True)
class StructTrace:
    """The default tracer's result."""

    gas: int
    failed: bool
    return_value: bytes
    reverted: bool
    logs: list[StructLog]


@dataclass(slots=True)
class AccountState:
    """An account as the prestate tracer reports it; None fields are left out."""

    balance: int | None = None
    nonce: int | None = None
    code: bytes | None = None
    storage: dict[int, int] = field(default_factory=dict)
    code_hash: bytes | None = None  # of a non-empty code


@dataclass(frozen=True, slots=True)
class Prestate:
    """The prestate tracer's result: `pre` only, or `pre` and `post` in diff mode."""

    pre: dict[bytes, AccountState]
    post: dict[bytes, AccountState] | None = None


@dataclass(slots=True)
class VmOp:
    """One operation of Parity's vmTrace; `used` None means it failed (no `ex`)."""

    pc: int
    cost: int
    gas: int  # left before it ran
    used: int | None = None  # left after it ran
    push: list[int] = field(default_factory=list)
    memory: tuple[int, bytes] | None = None  # (offset, bytes written)
    store: tuple[int, int] | None = None  # (slot, value) written
    sub: VmTrace | None = None


@dataclass(slots=True)
class VmTrace:
    """Parity's vmTrace of one frame: its code and operations."""

    code: bytes
    ops: list[VmOp]


@dataclass(frozen=True, slots=True)
class ParityTrace:
    """A trace_replay* / trace_call answer's parts: the call tree and, if asked, the state diff."""

    tx_hash: bytes | None
    tree: CallFrame
    diff: Prestate | None
    vm: VmTrace | None = None


@dataclass(frozen=True, slots=True)
class TxTrace:
    """One traced transaction: its hash (None for a call) and its tracer's result or error."""

    tx_hash: bytes | None
    result: CallFrame | StructTrace | Prestate | tuple[Any, ...] | None
    error: str = ""


# --- rules over call trees ----------------------------------------------------------------------

TRANSFER, SELF_DESTRUCT, CREATE, CREATE2 = 0, 1, 2, 3  # Otterscan's internal operation types


def internal_operations(top: CallFrame) -> list[tuple[int, bytes, bytes, int]]:
    """Return Otterscan's internal operations: value moved or contracts made below the top."""
    out: list[tuple[int, bytes, bytes, int]] = []
    for address, frame in top.walk():
        if not address or frame.error:
            continue
        if frame.kind in ("CREATE", "CREATE2") and frame.to is not None:
            kind = CREATE if frame.kind == "CREATE" else CREATE2
            out.append((kind, frame.sender, frame.to, frame.value or 0))
        elif frame.kind == "SELFDESTRUCT" and frame.to is not None:
            out.append((SELF_DESTRUCT, frame.sender, frame.to, frame.value or 0))
        elif frame.kind in ("CALL", "CALLCODE") and frame.value and frame.to is not None:
            out.append((TRANSFER, frame.sender, frame.to, frame.value))
    return out


def participants(top: CallFrame) -> set[bytes]:
    """Return every address a call tree sent from, called or created."""
    found: set[bytes] = set()
    for _, frame in top.walk():
        found.add(frame.sender)
        if frame.to is not None:
            found.add(frame.to)
    return found
