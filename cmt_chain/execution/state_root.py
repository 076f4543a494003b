"""The state py-evm runs blocks on, with the account trie updated in one pass per block.

py-evm's `AccountDB` writes a block's changed accounts into the account trie one by one, which
re-encodes and re-hashes the top of the trie for every account (a third of a block of transfers'
build time). `BlockAccountDB` hands the whole diff to `patricia.update_trie` instead; the root and
the nodes written are the same (tests/unit/test_patricia.py checks the trie rule, and
tests/unit/test_execution_equivalence.py the whole block against py-evm's own chain).
Used by `vm.make_state` for block building.
"""

from __future__ import annotations

from typing import Any

from eth.db.account import AccountDB
from eth.vm.forks.prague.state import PragueState
from eth_hash.auto import keccak

from ..patricia import update_trie


class BlockAccountDB(AccountDB):
    """An `AccountDB` that applies a block's account changes to the trie in one pass."""

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


class BlockState(PragueState):
    """Prague state whose account trie is updated by `BlockAccountDB`."""

    account_db_class = BlockAccountDB
