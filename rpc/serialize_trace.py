"""Traces to JSON: geth's tracer outputs, OpenEthereum's (Parity) traces and state diffs, and
Otterscan's operations. The JSON builder for the tracing namespaces, beside `serialize.py`.

Field names, order and encodings follow what explorers parse: geth's callTracer (hex gas and
value, upper-case type last, `to` dropped from a failed create), its struct logger (decimal pc,
gas and depth; stack as hex quantities; memory and storage as unprefixed 32-byte words), its
prestateTracer (decimal nonce); Parity's flat traces (decimal blockNumber, traceAddress and
subtraces; hex gas). Called by `rpc/methods/debug.py`, `trace.py` and `ots.py`.
"""

from __future__ import annotations

from typing import Any

from cmt_chain.block import Block
from cmt_chain.receipt import Receipt
from cmt_chain.traces import (
    AccountState,
    CallFrame,
    ParityTrace,
    Prestate,
    StructLog,
    StructTrace,
    TraceConfig,
    TxTrace,
    VmOp,
    VmTrace,
)

from .serialize import block, hexb, qty, receipt, transaction

DEFAULT = TraceConfig()

# --- geth ---------------------------------------------------------------------------------------


def tracer_result(result: object, config: TraceConfig = DEFAULT) -> Any:
    """Serialize any of geth's tracer results."""
    if isinstance(result, CallFrame):
        return call_frame(result)
    if isinstance(result, StructTrace):
        return struct_trace(result)
    if isinstance(result, Prestate):
        return prestate(result, config)
    return None


def block_traces(traces: list[TxTrace], config: TraceConfig = DEFAULT) -> list[dict[str, Any]]:
    """Serialize debug_traceBlock*'s answer: one {txHash, result | error} per transaction."""
    out: list[dict[str, Any]] = []
    for trace in traces:
        entry: dict[str, Any] = {"txHash": hexb(trace.tx_hash or b"")}
        if trace.error:
            entry["error"] = trace.error
        else:
            entry["result"] = tracer_result(trace.result, config)
        out.append(entry)
    return out


def call_frame(frame: CallFrame) -> dict[str, Any]:
    out: dict[str, Any] = {"from": hexb(frame.sender), "gas": qty(frame.gas),
                           "gasUsed": qty(frame.gas_used)}
    if frame.to is not None:
        out["to"] = hexb(frame.to)
    out["input"] = hexb(frame.input)
    if frame.output:
        out["output"] = hexb(frame.output)
    if frame.error:
        out["error"] = frame.error
    if frame.revert_reason:
        out["revertReason"] = frame.revert_reason
    if frame.calls:
        out["calls"] = [call_frame(child) for child in frame.calls]
    if frame.logs:
        out["logs"] = [{"address": hexb(log.address), "topics": [hexb(t) for t in log.topics],
                        "data": hexb(log.data), "position": qty(position)}
                       for log, position in frame.logs]
    if frame.value is not None:
        out["value"] = qty(frame.value)
    out["type"] = frame.kind
    return out


def struct_trace(trace: StructTrace) -> dict[str, Any]:
    keep_output = not trace.failed or trace.reverted
    return {"gas": trace.gas, "failed": trace.failed,
            "returnValue": trace.return_value.hex() if keep_output else "",
            "structLogs": [struct_log(entry) for entry in trace.logs]}


def struct_log(entry: StructLog) -> dict[str, Any]:
    out: dict[str, Any] = {"pc": entry.pc, "op": entry.op, "gas": entry.gas,
                           "gasCost": entry.gas_cost, "depth": entry.depth}
    if entry.error:
        out["error"] = entry.error
    if entry.stack is not None:
        out["stack"] = [hex(value) for value in entry.stack]
    if entry.return_data:
        out["returnData"] = hexb(entry.return_data)
    if entry.memory is not None:
        out["memory"] = [entry.memory[i:i + 32].hex() for i in range(0, len(entry.memory), 32)]
    if entry.storage is not None:
        out["storage"] = {f"{k:064x}": f"{v:064x}" for k, v in entry.storage.items()}
    if entry.refund:
        out["refund"] = entry.refund
    return out


def account_state(account: AccountState, config: TraceConfig = DEFAULT) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if account.balance is not None:
        out["balance"] = qty(account.balance)
    if account.code and not config.omit_code:
        out["code"] = hexb(account.code)
    if account.code_hash is not None:
        out["codeHash"] = hexb(account.code_hash)
    if account.nonce:
        out["nonce"] = account.nonce
    if account.storage and not config.omit_storage:
        out["storage"] = {f"0x{k:064x}": f"0x{v:064x}" for k, v in sorted(account.storage.items())}
    return out


def _accounts(accounts: dict[bytes, AccountState], config: TraceConfig) -> dict[str, Any]:
    return {hexb(address): account_state(accounts[address], config)
            for address in sorted(accounts)}


def prestate(result: Prestate, config: TraceConfig = DEFAULT) -> dict[str, Any]:
    if result.post is None:
        return _accounts(result.pre, config)
    return {"post": _accounts(result.post, config), "pre": _accounts(result.pre, config)}


# --- Parity (OpenEthereum / Erigon / reth) --------------------------------------------------------

_CALL_TYPES = {"CALL": "call", "STATICCALL": "staticcall", "DELEGATECALL": "delegatecall",
               "CALLCODE": "callcode"}
_PARITY_ERRORS = {"execution reverted": "Reverted", "out of gas": "Out of gas",
                  "invalid jump destination": "Bad jump destination",
                  "stack underflow": "Stack underflow",
                  "max code size exceeded": "Out of gas",
                  "contract address collision": "Contract address collision"}


def _parity_error(text: str) -> str:
    if text.startswith("invalid opcode"):
        return "Bad instruction"
    return _PARITY_ERRORS.get(text, text)


def parity_traces(top: CallFrame) -> list[dict[str, Any]]:
    """Flatten a call tree into Parity's traces (depth-first, with trace addresses)."""
    return [_parity_trace(frame, list(address), top is frame)
            for address, frame in top.walk()]


def _parity_trace(frame: CallFrame, address: list[int], is_top: bool) -> dict[str, Any]:
    gas = frame.exec_gas if is_top else frame.gas
    used = frame.exec_gas_used if is_top else frame.gas_used
    out: dict[str, Any] = {}
    if frame.kind == "SELFDESTRUCT":
        out["action"] = {"address": hexb(frame.sender), "balance": qty(frame.value or 0),
                         "refundAddress": hexb(frame.to or b"")}
        kind, result = "suicide", None
    elif frame.kind in ("CREATE", "CREATE2"):
        out["action"] = {"creationMethod": frame.kind.lower(), "from": hexb(frame.sender),
                         "gas": qty(gas), "init": hexb(frame.input),
                         "value": qty(frame.value or 0)}
        kind = "create"
        result = {"address": hexb(frame.to or b""), "code": hexb(frame.created_code),
                  "gasUsed": qty(used)}
    else:
        out["action"] = {"callType": _CALL_TYPES[frame.kind], "from": hexb(frame.sender),
                         "gas": qty(gas), "input": hexb(frame.input),
                         "to": hexb(frame.to or b""), "value": qty(frame.value or 0)}
        kind = "call"
        result = {"gasUsed": qty(used), "output": hexb(frame.output)}
    if frame.error:
        out["error"] = _parity_error(frame.error)
    elif result is not None:
        out["result"] = result
    if frame.kind == "SELFDESTRUCT":
        out["result"] = None
    out["subtraces"] = len(frame.calls)
    out["traceAddress"] = address
    out["type"] = kind
    return out


def localized(traces: list[dict[str, Any]], block: Block, index: int) -> list[dict[str, Any]]:
    """Add where the transaction sits, as trace_transaction / trace_block / trace_filter do."""
    tx = block.transactions[index]
    return [{**t, "blockHash": hexb(block.hash), "blockNumber": block.number,
             "transactionHash": hexb(tx.hash), "transactionPosition": index} for t in traces]


def _change(before: Any, after: Any) -> Any:
    if before == after:
        return "="
    return {"*": {"from": before, "to": after}}


def state_diff(result: Prestate) -> dict[str, Any]:
    """Turn a diff-mode prestate into Parity's stateDiff ("=", "+", "-", "*" per field)."""
    post = result.post or {}
    out: dict[str, Any] = {}
    for address in sorted(set(result.pre) | set(post)):
        before, after = result.pre.get(address), post.get(address)
        if before is None:
            now = after or AccountState()
            out[hexb(address)] = {
                "balance": {"+": qty(now.balance or 0)}, "code": {"+": hexb(now.code or b"")},
                "nonce": {"+": qty(now.nonce or 0)},
                "storage": {f"0x{k:064x}": {"+": f"0x{v:064x}"}
                            for k, v in sorted(now.storage.items())}}
            continue
        changed = after or AccountState()
        storage = {}
        for slot in sorted(set(before.storage) | set(changed.storage)):
            storage[f"0x{slot:064x}"] = _change(f"0x{before.storage.get(slot, 0):064x}",
                                                f"0x{changed.storage.get(slot, 0):064x}")
        out[hexb(address)] = {
            "balance": _change(qty(before.balance or 0), qty(
                changed.balance if changed.balance is not None else before.balance or 0)),
            "code": _change(hexb(before.code or b""), hexb(
                changed.code if changed.code is not None else before.code or b"")),
            "nonce": _change(qty(before.nonce or 0), qty(
                changed.nonce if changed.nonce is not None else before.nonce or 0)),
            "storage": storage,
        }
    return out


def replay(trace: ParityTrace, types: frozenset[str], with_hash: bool) -> dict[str, Any]:
    """Serialize a trace_replay* / trace_call answer for the asked trace types."""
    out: dict[str, Any] = {"output": hexb(trace.tree.output)}
    out["stateDiff"] = (state_diff(trace.diff) if trace.diff is not None
                        and "stateDiff" in types else None)
    out["trace"] = parity_traces(trace.tree) if "trace" in types else []
    if with_hash:
        out["transactionHash"] = hexb(trace.tx_hash or b"")
    out["vmTrace"] = vm_trace(trace.vm) if trace.vm is not None and "vmTrace" in types else None
    return out


def vm_trace(trace: VmTrace) -> dict[str, Any]:
    """Serialize Parity's vmTrace of one frame (and, nested, of the calls it made)."""
    return {"code": hexb(trace.code), "ops": [_vm_op(op) for op in trace.ops]}


def _vm_op(op: VmOp) -> dict[str, Any]:
    ex = None
    if op.used is not None:
        ex = {"mem": {"data": hexb(op.memory[1]), "off": op.memory[0]} if op.memory else None,
              "push": [hex(v) for v in op.push],
              "store": {"key": hex(op.store[0]), "val": hex(op.store[1])} if op.store else None,
              "used": op.used}
    return {"cost": op.cost, "ex": ex, "pc": op.pc,
            "sub": vm_trace(op.sub) if op.sub is not None else None}


# --- Otterscan ------------------------------------------------------------------------------------


def ots_trace(top: CallFrame) -> list[dict[str, Any]]:
    """Serialize ots_traceTransaction: every frame depth-first with its depth (top is 0)."""
    return [{"type": frame.kind, "depth": len(address), "from": hexb(frame.sender),
             "to": hexb(frame.to or b""), "value": None if frame.value is None else qty(
                 frame.value), "input": hexb(frame.input), "output": hexb(frame.output)}
            for address, frame in top.walk()]


def ots_operations(operations: list[tuple[int, bytes, bytes, int]]) -> list[dict[str, Any]]:
    return [{"type": kind, "from": hexb(sender), "to": hexb(to), "value": qty(value)}
            for kind, sender, to, value in operations]


def ots_block_details(b: Block, total_fees: int) -> dict[str, Any]:
    """Serialize ots_getBlockDetails: the block without transactions or bloom, and its fees
    (CMT issues nothing per block: its validators earn fees only)."""
    out = block(b, False)
    del out["transactions"]
    out["transactionCount"] = len(b.transactions)
    out["logsBloom"] = None
    return {"block": out, "issuance": {"blockReward": "0x0", "uncleReward": "0x0",
                                       "issuance": "0x0"}, "totalFees": qty(total_fees)}


def ots_block_transactions(b: Block, receipts: tuple[Receipt, ...], page: int,
                           size: int) -> dict[str, Any]:
    """Serialize ots_getBlockTransactions: one page of the block's transactions (inputs cut to
    their selector) and their receipts without logs."""
    full = block(b, True)
    first = page * size
    chosen = range(first, min(first + size, len(b.transactions)))
    full["transactions"] = [{**full["transactions"][i],
                             "input": hexb(b.transactions[i].data[:4])} for i in chosen]
    full["transactionCount"] = len(b.transactions)
    full["logsBloom"] = None
    return {"fullblock": full, "receipts": [_slim_receipt(b, receipts, i) for i in chosen]}


def _slim_receipt(b: Block, receipts: tuple[Receipt, ...], index: int) -> dict[str, Any]:
    first_log = sum(len(r.logs) for r in receipts[:index])
    out = receipt(receipts[index], b, index, first_log)
    out["logs"] = None
    out["logsBloom"] = None
    return out


def ots_search(found: list[tuple[Block, tuple[Receipt, ...], int]], first_page: bool,
               last_page: bool) -> dict[str, Any]:
    """Serialize a page of ots_searchTransactions*: transactions and receipts with the block
    timestamp."""
    txs, receipts_out = [], []
    for b, receipts, index in found:
        txs.append(transaction(b.transactions[index], b, index))
        first_log = sum(len(r.logs) for r in receipts[:index])
        entry = receipt(receipts[index], b, index, first_log)
        entry["timestamp"] = qty(b.header.timestamp)
        receipts_out.append(entry)
    return {"txs": txs, "receipts": receipts_out, "firstPage": first_page,
            "lastPage": last_page}
