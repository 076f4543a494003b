"""The root of an ordered Merkle-Patricia trie (a block's transactions, receipts, withdrawals).

Keys are the RLP-encoded indexes, values the items' encodings, as the yellow paper defines. The
root is computed in one pass over the sorted keys by `patricia.py`'s builder, each node built
once, instead of inserting key by key into a database-backed `trie.HexaryTrie` (which rewrites
the path to the root on every insert and was most of a block's build time). Its output is
checked against `HexaryTrie` in the unit tests. Used by execution (building a block) and import.
"""

from __future__ import annotations

from collections.abc import Sequence

import rlp

from .patricia import BLANK_ROOT, TrieWriter, nibbles

EMPTY_ROOT = BLANK_ROOT


def ordered_trie_root(items: Sequence[bytes]) -> bytes:
    """Return the trie root of `items` keyed by their RLP-encoded index."""
    if not items:
        return EMPTY_ROOT
    entries = sorted((nibbles(rlp.encode(index)), item) for index, item in enumerate(items))
    writer = TrieWriter()
    return writer.root(writer.build(entries, 0))
