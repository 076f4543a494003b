"""geth-format `genesis.json`: its chain spec (forks, chain id), alloc and the genesis block.

`cmt-chain import --genesis genesis.json chain.rlp` starts a data folder from such a file: the
genesis header gets the fields of the fork active at block 0 (no base fee before London, no
withdrawals root before Shanghai, ...), so its hash is the hash every other client computes.
Called by `chainfile_commands.py`; the state is written through `execution.genesis_state`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import chainspec, errors, execution
from .block import EMPTY_TRIE_ROOT, ZERO_ADDRESS, ZERO_HASH, Block, Header
from .chainspec import ChainSpec
from .receipt import combine_blooms
from .storage.kv import Store


@dataclass(frozen=True, slots=True)
class GethGenesis:
    spec: ChainSpec
    fields: dict[str, Any]  # the file's top level, for the header
    accounts: tuple[execution.GenesisAccount, ...]


def load(path: Path) -> GethGenesis:
    """Read and check a genesis.json; raise GenesisFileError naming the bad key."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.GenesisFileError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise errors.GenesisFileError(f"{path}: invalid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise errors.GenesisFileError(f"{path}: expected a JSON object")
    spec = chainspec.from_geth_config(document.get("config"))
    alloc = document.get("alloc", {})
    if not isinstance(alloc, dict):
        raise errors.GenesisFileError("alloc: expected an object of address: account")
    accounts = tuple(_account(address, body) for address, body in alloc.items())
    return GethGenesis(spec, document, accounts)


def make_block(store: Store, genesis: GethGenesis) -> tuple[Block, dict[bytes, bytes]]:
    """Return the genesis block and the state writes of its alloc."""
    state_root, writes = execution.genesis_state(store, genesis.accounts)
    fields = genesis.fields
    timestamp = _quantity(fields, "timestamp", 0)
    fork = genesis.spec.fork_at(0, timestamp)
    forks = execution.forks
    blobs = forks.has_blobs(fork)
    header = Header(
        parent_hash=_data(fields, "parentHash", ZERO_HASH, 32), coinbase=_data(
            fields, "coinbase", ZERO_ADDRESS, 20), state_root=state_root,
        transactions_root=EMPTY_TRIE_ROOT, receipts_root=EMPTY_TRIE_ROOT,
        logs_bloom=combine_blooms(()), number=0, gas_limit=_quantity(fields, "gasLimit", 5000),
        gas_used=0, timestamp=timestamp, extra_data=_data(fields, "extraData", b""),
        difficulty=_quantity(fields, "difficulty", 0), mix_hash=_data(
            fields, "mixHash", ZERO_HASH, 32),
        nonce=_quantity(fields, "nonce", 0).to_bytes(8, "big"),
        base_fee_per_gas=_quantity(fields, "baseFeePerGas", chainspec.INITIAL_BASE_FEE)
        if forks.has_base_fee(fork) else None,
        withdrawals_root=EMPTY_TRIE_ROOT if forks.has_withdrawals(fork) else None,
        blob_gas_used=_quantity(fields, "blobGasUsed", 0) if blobs else None,
        excess_blob_gas=_quantity(fields, "excessBlobGas", 0) if blobs else None,
        parent_beacon_block_root=ZERO_HASH if blobs else None,
        requests_hash=execution.EMPTY_REQUESTS_HASH if forks.has_requests(fork) else None,
    )
    withdrawals = () if forks.has_withdrawals(fork) else None
    return Block(header=header, withdrawals=withdrawals), writes


def _account(address: str, body: Any) -> execution.GenesisAccount:
    key = f"alloc.{address}"
    raw = _hex(address, key)
    if len(raw) != 20:
        raise errors.GenesisFileError(f"{key}: expected a 20-byte address")
    if not isinstance(body, dict):
        raise errors.GenesisFileError(f"{key}: expected an object")
    storage = body.get("storage") or {}
    if not isinstance(storage, dict):
        raise errors.GenesisFileError(f"{key}.storage: expected an object")
    return execution.GenesisAccount(
        raw, balance=_quantity(body, "balance", 0, key), nonce=_quantity(body, "nonce", 0, key),
        code=_data(body, "code", b"", prefix=key),
        storage=tuple((int.from_bytes(_hex(k, f"{key}.storage"), "big"),
                       int.from_bytes(_hex(v, f"{key}.storage.{k}"), "big"))
                      for k, v in storage.items()),
    )


def _hex(text: Any, key: str) -> bytes:
    if not isinstance(text, str):
        raise errors.GenesisFileError(f"{key}: expected a hex string")
    digits = text[2:] if text[:2].lower() == "0x" else text
    try:
        return bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits)
    except ValueError:
        raise errors.GenesisFileError(f"{key}: bad hex {text!r}") from None


def _quantity(body: dict[str, Any], name: str, default: int, prefix: str = "") -> int:
    """Return a number given as hex ("0x1f"), decimal text or a JSON integer."""
    value = body.get(name)
    key = f"{prefix}.{name}" if prefix else name
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value[:2].lower() == "0x":
        return int.from_bytes(_hex(value, key), "big")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise errors.GenesisFileError(f"{key}: expected a number")


def _data(body: dict[str, Any], name: str, default: bytes, size: int | None = None,
          prefix: str = "") -> bytes:
    value = body.get(name)
    key = f"{prefix}.{name}" if prefix else name
    if value is None:
        return default
    raw = _hex(value, key)
    if size is not None and len(raw) != size:
        raise errors.GenesisFileError(f"{key}: expected {size} bytes")
    return raw
