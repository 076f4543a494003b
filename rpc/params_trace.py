"""Parsing of the tracing methods' parameters: geth's trace config, Parity's trace types and
trace_filter, Otterscan's paging. Hex goes through `params.py`'s parsers; this module only
checks shapes and names. Used by `rpc/methods/debug.py`, `trace.py` and `ots.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cmt_chain.calls import CallOverrides
from cmt_chain.node import BlockRef
from cmt_chain.traces import DEFAULT_TIMEOUT, TRACERS, TraceConfig

from . import params as p
from .errors import InvalidParams

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
          "h": 3600.0}
TRACE_TYPES = ("trace", "stateDiff", "vmTrace")


def duration(value: Any) -> float:
    """Parse a Go duration string ("5s", "300ms", "1m30s") into seconds."""
    if not isinstance(value, str) or not value:
        raise InvalidParams(f"time: invalid duration {value!r}")
    text, sign = value, 1.0
    if text[0] in "+-":
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    if text == "0":
        return 0.0
    total, position = 0.0, 0
    while position < len(text):
        match = _DURATION_PART.match(text, position)
        if match is None:
            raise InvalidParams(f'time: invalid duration "{value}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    return sign * total


def _flag(obj: dict[str, Any], key: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    try:
        return p.boolean(value)
    except InvalidParams as exc:
        raise InvalidParams(f"{key}: {exc.message}") from None


def trace_config(value: Any) -> TraceConfig:
    """Parse geth's TraceConfig: tracer, tracerConfig, timeout and the struct logger's flags."""
    if not isinstance(value, dict):
        raise InvalidParams("cannot unmarshal into TraceConfig: expected an object")
    tracer = value.get("tracer") or ""
    if not isinstance(tracer, str):
        raise InvalidParams("tracer: expected a string")
    if tracer not in TRACERS:
        raise InvalidParams(f"tracer not found: {tracer} (served: callTracer, prestateTracer "
                            "and the default struct logger)")
    options = value.get("tracerConfig") or {}
    if not isinstance(options, dict):
        raise InvalidParams("tracerConfig: expected an object")
    timeout = value.get("timeout")
    limit = value.get("limit") or 0
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise InvalidParams("limit: expected a non-negative number")
    return TraceConfig(
        tracer=tracer, timeout=DEFAULT_TIMEOUT if timeout is None else duration(timeout),
        enable_memory=_flag(value, "enableMemory"), disable_stack=_flag(value, "disableStack"),
        disable_storage=_flag(value, "disableStorage"),
        enable_return_data=_flag(value, "enableReturnData"), limit=limit,
        only_top_call=_flag(options, "onlyTopCall"), with_log=_flag(options, "withLog"),
        diff_mode=_flag(options, "diffMode"), omit_code=_flag(options, "disableCode"),
        omit_storage=_flag(options, "disableStorage"),
    )


def call_trace_overrides(value: Any) -> CallOverrides:
    """Return the state and block overrides a debug_traceCall config carries."""
    if not isinstance(value, dict):
        return CallOverrides()
    accounts = value.get("stateOverrides")
    block = value.get("blockOverrides")
    return CallOverrides(
        accounts=p.state_overrides(accounts).accounts if accounts is not None else (),
        block=p.block_overrides(block) if block is not None else None)


def trace_types(value: Any) -> frozenset[str]:
    """Parse Parity's list of trace types: "trace", "stateDiff", "vmTrace"."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParams("trace types must be an array of strings")
    unknown = [v for v in value if v not in TRACE_TYPES]
    if unknown:
        raise InvalidParams(f"unknown trace type {unknown[0]!r}: use trace, stateDiff, vmTrace")
    return frozenset(value)


@dataclass(frozen=True, slots=True)
class TraceFilter:
    """trace_filter's criteria, parsed."""

    from_block: BlockRef | None
    to_block: BlockRef | None
    from_addresses: frozenset[bytes] | None
    to_addresses: frozenset[bytes] | None
    after: int
    count: int | None


def _address_set(value: Any, key: str) -> frozenset[bytes] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidParams(f"{key}: expected an array of addresses")
    return frozenset(p.optional_field({key: item}, key, p.address) for item in value)


def _count(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidParams(f"{key}: expected a non-negative number")
    return value


def trace_filter(value: Any) -> TraceFilter:
    """Parse trace_filter's object: fromBlock, toBlock, fromAddress, toAddress, after, count."""
    if not isinstance(value, dict):
        raise InvalidParams("trace filter must be an object")
    return TraceFilter(
        from_block=p.optional_field(value, "fromBlock", p.block_number_or_tag),
        to_block=p.optional_field(value, "toBlock", p.block_number_or_tag),
        from_addresses=_address_set(value.get("fromAddress"), "fromAddress"),
        to_addresses=_address_set(value.get("toAddress"), "toAddress"),
        after=_count(value.get("after"), "after") or 0,
        count=_count(value.get("count"), "count"),
    )


def page_size(value: Any) -> int:
    """Parse an Otterscan page size or number: a JSON number."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidParams("expected a non-negative number")
    return value


def block_number(value: Any) -> int:
    """Parse Otterscan's block numbers: a JSON number or a hex quantity."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InvalidParams("block number must not be negative")
        return value
    return p.uint64(value)


def call_trace_config(value: Any) -> tuple[TraceConfig, CallOverrides]:
    """Parse debug_traceCall's config: a TraceConfig plus stateOverrides and blockOverrides."""
    return trace_config(value), call_trace_overrides(value)


def ots_block(value: Any) -> BlockRef:
    """Parse a block as Otterscan sends it: a JSON number, or a hex number or tag."""
    if isinstance(value, int) and not isinstance(value, bool):
        return BlockRef(tag=None, number=block_number(value))
    return p.block_number_or_tag(value)
