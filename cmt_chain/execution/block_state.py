"""The state py-evm runs blocks on, with account bookkeeping done once per block, not per change.

py-evm's `AccountDB` is general-purpose, and a block of transfers spends most of its time in it:
- it writes the block's changed accounts into the account trie one by one, re-encoding and
  re-hashing the top of the trie for every account (a third of the build time). `BlockAccountDB`
  hands the whole diff to `patricia.update_trie` instead;
- it rebuilds an account through `rlp.Serializable.copy` and encodes it through its sedes on
  every balance or nonce change (about six per transfer), and its account cache holds 2,048
  accounts, fewer than a full block touches. Here accounts are built and encoded directly (the
  same bytes, a third of the time) and the cache is larger;
- every account it has not touched yet (each new recipient) is looked up through the trie,
  decoding the same top nodes again each time: here it reads through `NodeCachingTrie`;
- storage tries have the same two costs; `block_storage.py` does for them what this module
  does for the account trie;
- each message re-analyses its code's jump destinations: `code_analysis.py` shares them;
- each opcode pays py-evm's general dispatch: `fast_opcodes.py` lightens the frequent ones.
The root and the nodes written are the same: tests/unit/test_patricia.py checks the trie rule,
tests/unit/test_execution_equivalence.py whole blocks against py-evm's own chain. Used by
`vm.make_state` for block building, through `block_state_class(fork)`.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from eth.constants import BLANK_ROOT_HASH
from eth.db.accesslog import KeyAccessLoggerDB
from eth.db.account import AccountDB
from eth.db.cache import CacheDB
from eth.db.hash_trie import HashTrie
from eth.db.journal import JournalDB
from eth.rlp.accounts import Account
from eth.validation import validate_canonical_address, validate_uint64, validate_uint256
from eth_hash.auto import keccak
from eth_typing import Address
from lru import LRU
from rlp.codec import encode_raw

from ..patricia import update_trie
from . import chain_rules
from .block_storage import BlockStorageDB
from .code_analysis import shared_code_stream
from .fast_opcodes import fast_opcode_table, run_code
from .node_cache import NodeCachingTrie

ACCOUNT_CACHE_SIZE = 1 << 16  # accounts a block may touch before they are decoded again


class BlockAccountDB(AccountDB):
    """An `AccountDB` that applies a block's account changes to the trie in one pass."""

    def __init__(self, db: Any, state_root: Any = BLANK_ROOT_HASH) -> None:
        super().__init__(db, state_root)
        self._account_cache = LRU(ACCOUNT_CACHE_SIZE)
        # py-evm's chain of account-trie layers, rebuilt over a node-caching trie
        self._trie = HashTrie(cast(Any, NodeCachingTrie(self._batchtrie, state_root, prune=True)))
        self._trie_logger = KeyAccessLoggerDB(self._trie, log_missing_keys=False)
        self._trie_cache = CacheDB(self._trie_logger)
        self._journaltrie = JournalDB(self._trie_cache)

    def _get_address_store(self, address: Address) -> Any:
        store = self._account_stores.get(address)
        if store is None:
            store = BlockStorageDB(self._raw_store_db, self._get_storage_root(address), address)
            self._account_stores[address] = store
        return store

    def set_balance(self, address: Address, balance: int) -> None:
        validate_canonical_address(address, title="Storage Address")
        validate_uint256(balance, title="Account Balance")
        account = self._get_account(address)
        self._set_account(address, Account(account.nonce, balance, account.storage_root,
                                           account.code_hash))

    def set_nonce(self, address: Address, nonce: int) -> None:
        validate_canonical_address(address, title="Storage Address")
        validate_uint64(nonce, title="Nonce")
        account = self._get_account(address)
        self._set_account(address, Account(nonce, account.balance, account.storage_root,
                                           account.code_hash))

    def _set_account(self, address: Address, account: Account) -> None:
        self._account_cache[address] = account
        self._journaltrie[address] = encode_raw([
            _quantity(account.nonce), _quantity(account.balance), account.storage_root,
            account.code_hash])

    def _apply_account_diff_without_proof(self, diff: Any, trie: Any) -> None:
        # `trie` is py-evm's in-memory HashTrie over the account trie (`_db` the HexaryTrie);
        # keys in the diff are addresses, hashed into trie keys here as HashTrie would.
        hexary = trie._db
        changes: dict[bytes, bytes | None] = {
            keccak(address): encoded for address, encoded in diff.pending_items()}
        changes.update((keccak(address), None) for address in diff.deleted_keys())
        root, writes = update_trie(hexary.db.__getitem__, hexary.root_hash, changes)
        for node_hash, encoded in writes.items():
            hexary.db[node_hash] = encoded
        hexary.root_hash = root


def _quantity(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")  # 0 is b"", as RLP wants


class BlockComputationMixin:
    """Mixed into a fork's computation for block building: the code's jump analysis is shared
    across runs, and the opcode loop is py-evm's without its per-opcode debug hooks."""

    def __init__(self, state: Any, message: Any, transaction_context: Any) -> None:
        super().__init__(state, message, transaction_context)  # type: ignore[call-arg]
        self.code = shared_code_stream(message.code)

    @classmethod
    def apply_computation(cls, state: Any, message: Any, transaction_context: Any,
                          parent_computation: Any = None) -> Any:
        # The steps of py-evm's BaseComputation.apply_computation, in its order.
        with cls(state, message, transaction_context) as computation:  # type: ignore[call-arg,attr-defined]
            if computation.is_origin_computation:
                computation.contracts_created = []
                if message.is_create:
                    cls.consume_initcode_gas_cost(computation)  # type: ignore[attr-defined]
            if parent_computation is not None:
                computation.contracts_created = parent_computation.contracts_created
            if message.is_create:
                computation.contracts_created.append(message.storage_address)
            precompile = computation.precompiles.get(message.code_address)
            if precompile is not None:
                if not message.is_delegation:
                    precompile(computation)
                return computation
            run_code(computation)
        return computation


@functools.cache
def block_state_class(fork: str, system_contracts: bool = True) -> type:
    """Return the fork's state class (`chain_rules`) for block building: `BlockAccountDB`,
    shared code analysis, the lean opcodes."""
    base = chain_rules.state_class(fork, system_contracts)
    computation = type(f"Block{base.computation_class.__name__}",
                       (BlockComputationMixin, base.computation_class),
                       {"opcodes": fast_opcode_table(base.computation_class.opcodes)})
    return type(f"Block{base.__name__}", (base,), {
        "account_db_class": BlockAccountDB, "computation_class": computation})
