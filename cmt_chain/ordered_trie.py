"""The root of an ordered Merkle-Patricia trie (transactions, receipts, withdrawals of a block).

Keys are RLP-encoded indexes, values the items' encodings, as the yellow paper defines. Used by
execution (building a block) and chain import (checking one).
"""

from __future__ import annotations

from collections.abc import Sequence

import rlp
from trie import HexaryTrie


def ordered_trie_root(items: Sequence[bytes]) -> bytes:
    """Return the trie root of `items` keyed by their RLP-encoded index."""
    trie = HexaryTrie({})
    with trie.squash_changes() as batch:
        for index, item in enumerate(items):
            batch[rlp.encode(index)] = item
    return trie.root_hash
