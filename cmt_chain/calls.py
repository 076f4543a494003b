"""Calls and their context as the RPC edge hands them to execution: pure data and rules.

`BlockEnv` (the block context a block or a call executes in), `CallRequest` (an eth_call,
eth_estimateGas or eth_sendTransaction object), state and block overrides as geth defines them,
`CallResult`, and the decoding of revert reasons (`Error(string)` and Solidity's panic codes,
worded as geth). Used by `rpc/params.py`, `node.py`, `chain.py` and `execution/`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .block import ZERO_HASH
from .fees import FreeLane
from .receipt import Log


@dataclass(frozen=True, slots=True)
class BlockEnv:
    """The context a block (or a call) executes in."""

    number: int
    timestamp: int
    coinbase: bytes
    gas_limit: int
    base_fee: int
    chain_id: int
    prev_randao: bytes = ZERO_HASH
    ancestor_hashes: tuple[bytes, ...] = ()  # parent first, at most 256
    parent_beacon_block_root: bytes = ZERO_HASH
    fork: str = "prague"  # a fork name of `chainspec.FORK_NAMES`
    difficulty: int = 0  # proof-of-work blocks only
    excess_blob_gas: int = 0
    burn_base_fee: bool = False  # Ethereum's rule; the CMT rule pays it to the producer
    free_lane: FreeLane = FreeLane()
    system_contracts: bool = True  # staking, sponsorship: not on an imported Ethereum chain


@dataclass(frozen=True, slots=True)
class CallRequest:
    """An eth_call / eth_estimateGas request, already parsed at the RPC edge."""

    sender: bytes = b"\x00" * 20
    to: bytes | None = None
    gas: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    value: int = 0
    data: bytes = b""
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] = ()
    nonce: int | None = None
    tx_type: int | None = None
    blob_hashes: tuple[bytes, ...] = ()  # eth_simulateV1's blob calls (EIP-4844)
    max_fee_per_blob_gas: int | None = None


@dataclass(frozen=True, slots=True)
class AccountOverride:
    """Replacements for one account during a call (geth's state override set)."""

    balance: int | None = None
    nonce: int | None = None
    code: bytes | None = None
    state: tuple[tuple[int, int], ...] | None = None  # replaces all storage
    state_diff: tuple[tuple[int, int], ...] = ()  # changes some slots


@dataclass(frozen=True, slots=True)
class BlockOverride:
    """Replacements for the block context of a call (geth's block overrides)."""

    number: int | None = None
    timestamp: int | None = None
    gas_limit: int | None = None
    coinbase: bytes | None = None
    prev_randao: bytes | None = None
    base_fee: int | None = None


@dataclass(frozen=True, slots=True)
class CallOverrides:
    accounts: tuple[tuple[bytes, AccountOverride], ...] = ()
    block: BlockOverride | None = None

    def apply_to_env(self, env: BlockEnv) -> BlockEnv:
        """Return the block context with the block overrides laid over it."""
        block = self.block
        if block is None:
            return env
        return dataclasses.replace(
            env, number=_first(block.number, env.number),
            timestamp=_first(block.timestamp, env.timestamp),
            coinbase=_first(block.coinbase, env.coinbase),
            gas_limit=_first(block.gas_limit, env.gas_limit),
            base_fee=_first(block.base_fee, env.base_fee),
            prev_randao=_first(block.prev_randao, env.prev_randao))


def _first(value: Any, default: Any) -> Any:
    return default if value is None else value


NO_OVERRIDES = CallOverrides()


@dataclass(frozen=True, slots=True)
class CallResult:
    success: bool
    output: bytes
    gas_used: int  # all the call spent, before refunds
    error: str = ""
    logs: tuple[Log, ...] = field(default=())
    gas_charged: int = 0  # what a transaction would pay for: after refunds, EIP-7623 floor


@dataclass(frozen=True, slots=True)
class AccessListResult:
    """eth_createAccessList's answer: the list, the call's gas with it, its failure if any."""

    access_list: tuple[tuple[bytes, tuple[int, ...]], ...]
    gas_used: int  # after refunds
    error: str | None  # "execution reverted", ... when the call fails with that list


def decode_revert_reason(data: bytes) -> str | None:
    """Return the reason of an `Error(string)` or `Panic(uint256)` revert payload."""
    if data[:4] == bytes.fromhex("08c379a0") and len(data) >= 68:
        try:
            length = int.from_bytes(data[36:68], "big")
            return data[68:68 + length].decode("utf-8", errors="replace")
        except (ValueError, OverflowError):
            return None
    if data[:4] == bytes.fromhex("4e487b71") and len(data) >= 36:
        code = int.from_bytes(data[4:36], "big")
        return PANIC_REASONS.get(code, f"unknown panic code: {code:#x}")
    return None


# Solidity's panic codes, worded as geth reports them.
PANIC_REASONS = {
    0x00: "generic panic", 0x01: "assert(false)", 0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero", 0x21: "enum overflow",
    0x22: "invalid encoded storage byte array accessed",
    0x31: "out-of-bounds array access; popping on an empty array",
    0x32: "out-of-bounds access of an array or bytesN", 0x41: "out of memory",
    0x51: "uninitialized function",
}
