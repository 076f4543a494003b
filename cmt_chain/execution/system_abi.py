"""How the system contracts speak Solidity's ABI as py-evm precompiles.

A `SystemContract` is a table of functions (by Solidity signature) over a state record: py-evm
calls it with a computation; it refuses delegate calls, decodes the arguments with eth-abi,
charges the function's documented gas, runs the pure rule, saves the record and returns the
ABI-encoded output. A broken rule reverts with `Error(string)` as Solidity's `require` does;
events are logged as Solidity emits them. Used by `system_staking.py` and `system_sponsor.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from eth.exceptions import Revert, WriteProtection
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_typing import Address

from .. import errors

_ERROR_SELECTOR = keccak(b"Error(string)")[:4]


class Call:
    """One call to a system contract: its sender, value, height, state and arguments."""

    def __init__(self, computation: Any, args: tuple[Any, ...]) -> None:
        self.computation = computation
        self.sender: bytes = computation.msg.sender
        self.value: int = computation.msg.value
        self.height: int = computation.state.block_number
        self.args = args

    def log(self, signature: str, indexed: Sequence[bytes], types: list[str],
            values: list[Any]) -> None:
        """Emit the event `signature` with `indexed` addresses as topics, the rest as data."""
        topics = [int.from_bytes(keccak(signature.encode()), "big"),
                  *(int.from_bytes(a, "big") for a in indexed)]
        self.computation.add_log_entry(Address(self.computation.msg.storage_address), topics,
                                       abi_encode(types, values))


def arg_types(signature: str) -> list[str]:
    """Return the argument types of a signature like `f(address,uint256)`."""
    inner = signature[signature.index("(") + 1:-1]
    return inner.split(",") if inner else []


def address_arg(text: str) -> bytes:
    """Return the bytes of an address argument (eth-abi decodes them as hex strings)."""
    return bytes.fromhex(text[2:])


def call_data(signature: str, args: Sequence[Any]) -> bytes:
    """Return the calldata of a call to `signature` with `args`."""
    return keccak(signature.encode())[:4] + abi_encode(arg_types(signature), list(args))


def revert_with(computation: Any, reason: str) -> NoReturn:
    """Revert the call with Solidity's Error(string) data, as `require` does."""
    computation.output = _ERROR_SELECTOR + abi_encode(["string"], [reason])
    raise Revert(reason)


Writer = Callable[[Any, Call], Any]
View = Callable[[Any, tuple[Any, ...], int], bytes]


@dataclass(frozen=True)
class SystemContract:
    """A native contract: its functions, the gas each costs, and where its record lives."""

    address: bytes
    name: str
    writes: dict[str, tuple[Writer, int]]  # signature -> (rule, gas)
    views: dict[str, View]
    view_gas: int
    load: Callable[[Any], Any]  # py-evm state -> record, None when the contract is off
    save: Callable[[Any, Any], None]
    error: type[errors.ChainError]  # the rule errors that revert with their reason

    def signature_of(self, data: bytes) -> str | None:
        """Return the signature a call's selector names, if the contract has it."""
        return next((s for s in (*self.writes, *self.views)
                     if keccak(s.encode())[:4] == data[:4]), None)

    def __call__(self, computation: Any) -> Any:
        """Run one call (py-evm's precompile entry point)."""
        msg = computation.msg
        if msg.storage_address != self.address:
            revert_with(computation, f"the {self.name} contract cannot be delegate-called")
        signature = self.signature_of(bytes(msg.data))
        if signature is None:
            revert_with(computation, f"unknown {self.name} function")
        try:
            args = tuple(abi_decode(arg_types(signature), bytes(msg.data[4:])))
        except Exception:  # eth-abi raises several types for short or malformed data
            revert_with(computation, "malformed arguments")
        record = self.load(computation.state)
        if record is None:
            revert_with(computation, f"{self.name} is not enabled on this chain")
        if signature in self.views:
            computation.consume_gas(self.view_gas, reason=f"{self.name} view")
            if msg.value:
                revert_with(computation, "this function does not accept CMT")
            computation.output = self.views[signature](record, args,
                                                       computation.state.block_number)
            return computation
        rule, gas = self.writes[signature]
        computation.consume_gas(gas, reason=f"{self.name} {signature}")
        if msg.is_static:
            raise WriteProtection(f"cannot change {self.name} state in a static call")
        try:
            record = rule(record, Call(computation, args))
        except self.error as exc:
            revert_with(computation, str(exc))
        self.save(computation.state, record)
        return computation
