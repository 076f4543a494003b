"""Decoded trie nodes kept by hash, for the tries a block reads over and over.

Looking up an account or a storage slot that a block has not touched yet walks its trie from the
root, and `HexaryTrie` decodes every node on the way each time: a block of 2,000 transfers decodes
the account trie's root 2,000 times. A node's hash fixes its content, so a process-wide cache by
hash is never stale; it is bounded, and holds the decoded lists, which nothing may mutate (the
tries here are only read through `HexaryTrie`; writes go through `patricia.py`, which copies).
Used by `block_state.py` and `block_storage.py`.
"""

from __future__ import annotations

from typing import Any

from lru import LRU
from trie import HexaryTrie

NODE_CACHE: Any = LRU(1 << 15)  # about 32k nodes: a few tens of MiB at most


class NodeCachingTrie(HexaryTrie):
    """A `HexaryTrie` whose reads decode each hashed node once per process."""

    __slots__ = ()

    def get_node(self, node_hash: bytes) -> Any:
        if len(node_hash) != 32:
            return super().get_node(node_hash)
        node = NODE_CACHE.get(node_hash)
        if node is None:
            node = super().get_node(node_hash)
            NODE_CACHE[node_hash] = node
        return node
