"""The one-pass ordered trie root equals py-trie's HexaryTrie root for any list of items."""

import random

import pytest
import rlp
from trie import HexaryTrie

from cmt_chain.ordered_trie import ordered_trie_root


def reference_root(items):
    trie = HexaryTrie({})
    for index, item in enumerate(items):
        trie[rlp.encode(index)] = item
    return trie.root_hash


@pytest.mark.parametrize("count", [0, 1, 2, 3, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000])
def test_matches_hexary_trie_for_many_sizes(count):
    rng = random.Random(count)
    items = [rng.randbytes(rng.choice([1, 5, 31, 32, 33, 100])) for _ in range(count)]
    assert ordered_trie_root(items) == reference_root(items)


def test_matches_for_tiny_values_that_embed_inline():
    items = [bytes([i % 3]) for i in range(40)]
    assert ordered_trie_root(items) == reference_root(items)
